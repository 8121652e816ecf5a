#!/bin/sh
# make demo: load sockex1 + bitehist + syscount, make a little traffic and
# disk I/O, show the counts with ebpf-print (a separate reader process), unload.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
LOADER=$BUILD/ebpf-loader
ROOT=/sys/fs/bpf/ebpf-demo
NS=ebpf-demo-$$
IOFILE=$BUILD/demo-io.tmp
STREAMFILE=$BUILD/demo-stream.tmp
PORT=19436
EXPORTER_PID=

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it loads BPF programs)" >&2
	exit 1
fi

cleanup() {
	if [ -n "$EXPORTER_PID" ]; then kill "$EXPORTER_PID" 2>/dev/null || true; fi
	rm -f "$STREAMFILE"
	"$LOADER" unload --all --pin-root "$ROOT" >/dev/null 2>&1 || true
	ip netns del "$NS" 2>/dev/null || true
	rm -f "$IOFILE"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "load: sockex1 on lo of a private network namespace, bitehist, syscount"
ip netns add "$NS"
ip -n "$NS" link set lo up
nsenter --net="/run/netns/$NS" "$LOADER" load sockex1.o --pin-root "$ROOT"
"$LOADER" load bitehist.o syscount.o --pin-root "$ROOT"
echo "(the loader has exited; the programs keep running)"

step "list"
"$LOADER" list --pin-root "$ROOT"

step "traffic: 20 UDP packets of 100 bytes, 3 of 1000, over lo"
nsenter --net="/run/netns/$NS" "$BUILD/tests/helpers/udpsend" 127.0.0.1 9999 20 100
nsenter --net="/run/netns/$NS" "$BUILD/tests/helpers/udpsend" 127.0.0.1 9999 3 1000

step "disk I/O: 64 direct writes and reads of 4 KiB"
dd if=/dev/zero of="$IOFILE" bs=4096 count=64 oflag=direct status=none
dd if="$IOFILE" of=/dev/null bs=4096 iflag=direct status=none

step "ebpf-print: every map, decoded from its BTF (sockex1 by protocol name)"
"$BUILD/ebpf-print" --once --top 5 --pin-root "$ROOT"

step "the same, as JSON (sockex1 only)"
"$BUILD/ebpf-print" --once --json --pin-root "$ROOT" sockex1 | jq -c '.maps[].entries[]'

step "ebpf-exporter on 127.0.0.1:$PORT: a few lines of a Prometheus scrape"
"$BUILD/ebpf-exporter" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" &
EXPORTER_PID=$!
for i in $(seq 50); do
	curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break
	sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/metrics" | grep -E '^ebpf_(sockex1|bitehist_io_size_bytes_(count|sum)|syscount)' | head -8
kill "$EXPORTER_PID"
wait "$EXPORTER_PID" 2>/dev/null || true
EXPORTER_PID=

step "ebpf-stream: one second of the protobuf stream, decoded"
timeout -s INT 1.2 "$BUILD/ebpf-stream" --snapshots --pin-root "$ROOT" sockex1 >"$STREAMFILE" || true
"$BUILD/ebpf-stream" --decode <"$STREAMFILE" | cut -c1-160 | head -3

step "unload"
"$LOADER" unload --all --pin-root "$ROOT"
