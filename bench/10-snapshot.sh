#!/usr/bin/env bash
# Benchmark 1: one full read of a big pinned map, per entry, by each reader,
# against bpftool and against the kernel's batch read alone (the floor).
# Also the peak RSS of each (reported in the footprint section).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECTION="snapshot"

mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# per_entry_us SECONDS ENTRIES
per_entry_us() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.4f\n", s / n * 1e6 }'; }

# "SECONDS" medians and "KB" maxima of RUNS `measure` runs of a command
measure_runs() { # OUT_PREFIX CMD...
	local out=$1 i
	shift
	: >"$out.t"
	: >"$out.m"
	for ((i = 0; i < RUNS; i++)); do
		measure "$@" >"$out.one" || bench_die "failed: $*"
		awk '{ print $1 }' "$out.one" >>"$out.t"
		awk '{ print $2 }' "$out.one" >>"$out.m"
	done
	median <"$out.t" >"$out.time"
	sort -n "$out.m" | tail -n 1 >"$out.rss"
}

bench_map() { # BACKEND TYPE ENTRIES LABEL
	local b=$1 type=$2 n=$3 label=$4 path=$BENCH_ROOT/$1/maps/m
	local floor bpftool print scrape stream i t0 t1 rss_exp cmp
	local T=$BENCH_TMP/$b

	"$TH/mkmap" "$path" "$type" "$n" >/dev/null || bench_die "mkmap $type $n"

	# The floor: the kernel's batch copy, nothing decoded.
	for ((i = 0; i < RUNS; i++)); do
		"$BH/batchfloor" "$path" | awk '{ print $2 }'
	done | median >"$T.floor"
	floor=$(per_entry_us "$(cat "$T.floor")" "$n")

	measure_runs "$T.bpftool" bpftool -j map dump pinned "$path"
	bpftool=$(per_entry_us "$(cat "$T.bpftool.time")" "$n")

	measure_runs "$T.print" "$PRINT" --pin-root "$BENCH_ROOT" --once --json "$b"
	print=$(per_entry_us "$(cat "$T.print.time")" "$n")

	measure_runs "$T.stream" "$STREAM" --pin-root "$BENCH_ROOT" --once "$b"
	stream=$(per_entry_us "$(cat "$T.stream.time")" "$n")

	# One scrape, as Prometheus would make it (no gzip: the local cost).
	exporter_start --max-series "$((n + 1))" "$b"
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s.%N)
		curl -sf -o /dev/null "http://127.0.0.1:$EXP_PORT/metrics" || bench_die "scrape failed"
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
	done | median >"$T.scrape"
	rss_exp=$(peak_rss_kb "$EXP_PID")
	exporter_stop
	scrape=$(per_entry_us "$(cat "$T.scrape")" "$n")

	cmp="<=$(awk -v f="$floor" 'BEGIN { printf "%.4g\n", 2 * f }')"
	result "$label: batch lookup (the floor)" "$floor" "µs/entry" "bpftool map dump" "$bpftool"
	result "$label: ebpf-print --once --json" "$print" "µs/entry" "bpftool map dump" "$bpftool" \
		"$cmp" "peak RSS $(mb "$(cat "$T.print.rss")") MB"
	result "$label: ebpf-exporter scrape" "$scrape" "µs/entry" "bpftool map dump" "$bpftool" \
		"$cmp" "peak RSS $(mb "$rss_exp") MB"
	result "$label: ebpf-stream --once" "$stream" "µs/entry" "bpftool map dump" "$bpftool" \
		"$cmp" "peak RSS $(mb "$(cat "$T.stream.rss")") MB"
	SECTION="footprint" result "peak RSS at $label: ebpf-print" \
		"$(mb "$(cat "$T.print.rss")")" MB "bpftool map dump" "$(mb "$(cat "$T.bpftool.rss")")"
	SECTION="footprint" result "peak RSS at $label: ebpf-exporter" \
		"$(mb "$rss_exp")" MB "bpftool map dump" "$(mb "$(cat "$T.bpftool.rss")")"
	SECTION="footprint" result "peak RSS at $label: ebpf-stream --once" \
		"$(mb "$(cat "$T.stream.rss")")" MB "bpftool map dump" "$(mb "$(cat "$T.bpftool.rss")")"
	rm -rf "${BENCH_ROOT:?}/$b"
}

mkdir -p "$BENCH_ROOT"
bench_log "snapshot: 1M-entry hash"
bench_map hash1m hash 1000000 "hash, 1M entries"
bench_log "snapshot: 1M-entry hash keyed by {inet_ip saddr, port dport}"
bench_map inet1m inet_hash 1000000 "hash keyed by {inet_ip saddr, port dport}, 1M entries"
bench_log "snapshot: 100k-entry per-CPU hash"
bench_map pcpu100k percpu_hash 100000 "per-CPU hash, 100k entries"
bench_log "snapshot: 1M-entry array"
bench_map array1m array 1000000 "array, 1M entries"
