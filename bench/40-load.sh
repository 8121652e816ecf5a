#!/usr/bin/env bash
# Benchmark 4: `ebpf-loader load` + `unload` of each shipped backend, against
# `bpftool prog loadall` (+ removing its pins) of the same object. The loader
# also attaches, pins links, BTF and the meta record and publishes with one
# rename; bpftool only loads and pins programs and maps.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECTION="load time"

ours_once() { # OBJ NAME
	"$LOADER" load "$1" --pin-root "$BENCH_ROOT" >/dev/null &&
		"$LOADER" unload "$2" --pin-root "$BENCH_ROOT" >/dev/null
}

bpftool_once() { # OBJ
	local d=$BENCH_ROOT/bpftool
	mkdir -p "$d/progs" "$d/maps"
	bpftool prog loadall "$1" "$d/progs" pinmaps "$d/maps" >/dev/null 2>"$BENCH_TMP/bpftool.err"
	local r=$?
	rm -rf "$d"
	return $r
}

mkdir -p "$BENCH_ROOT"
for obj in "$BUILD"/bpf/*.o; do
	name=$(basename "$obj" .o)
	bench_log "load time: $name"
	ours=$(median_time_s ours_once "$obj" "$name") || bench_die "load/unload of $name failed"
	ours_ms=$(awk -v s="$ours" 'BEGIN { printf "%.2f\n", s * 1000 }')
	if bpftool btf dump file "$obj" 2>/dev/null | grep -q "'pinning'"; then
		# libbpf would pin it at /sys/fs/bpf/<map>, whatever pinmaps says,
		# and bpftool then fails: not run, so nothing lands outside our root.
		result "$name: load + unload" "$ours_ms" ms "bpftool prog loadall" - - \
			"not run: bpftool pins its shared (pinning by name) map in /sys/fs/bpf itself, then fails"
	elif peer=$(median_time_s bpftool_once "$obj"); then
		peer_ms=$(awk -v s="$peer" 'BEGIN { printf "%.2f\n", s * 1000 }')
		result "$name: load + unload" "$ours_ms" ms "bpftool prog loadall" "$peer_ms" - \
			"ours attaches too"
	else
		# libbpf's word for a classic object's maps section is "legacy".
		if grep -qi "legacy" "$BENCH_TMP/bpftool.err"; then
			why="bpftool refuses the object (classic maps section)"
		else
			why="bpftool fails: $(head -n 1 "$BENCH_TMP/bpftool.err")"
		fi
		result "$name: load + unload" "$ours_ms" ms "bpftool prog loadall" - - "$why"
	fi
done
