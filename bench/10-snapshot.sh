#!/usr/bin/env bash
# Benchmark 1: one full read of a big pinned map, per entry, by each reader,
# against bpftool and against the kernel's batch read alone (the floor).
# Also the peak RSS of each (reported in the footprint section).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECTION="snapshot"

mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# per_entry_us SECONDS ENTRIES
per_entry_us() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.4f\n", s / n * 1e6 }'; }

# One run of a command beside the floor of the same run: its wall seconds
# and peak RSS into OUT.t and OUT.m, its wall time over the floor's read
# into OUT.ratio, its CPU time (user + system) over the whole floor
# process's into OUT.cpu (what a busy machine's scheduling leaves out of
# both), and bpftool's time in this run over its own into OUT.bpftool.
run_against_floor() { # OUT FLOOR_SECONDS FLOOR_CPU_SECONDS CMD...
	local out=$1 floor=$2 floor_cpu=$3 t
	shift 3
	measure "$@" >"$out.one" || bench_die "failed: $*"
	t=$(awk '{ print $1 }' "$out.one")
	echo "$t" >>"$out.t"
	awk '{ print $2 }' "$out.one" >>"$out.m"
	ratio "$t" "$floor" >>"$out.ratio"
	ratio "$(awk '{ print $3 + $4 }' "$out.one")" "$floor_cpu" >>"$out.cpu"
	[[ $out == *.bpftool ]] || ratio "$(tail -n 1 "${out%.*}.bpftool.t")" "$t" >>"$out.bpftool"
}

# "wall x1.23, CPU x1.1 (medians of N per-run ratios) of the" for a row's note
vs_floor() { # OUT
	echo "wall x$(fmt "$(median <"$1.ratio")"), CPU x$(fmt "$(median <"$1.cpu")")" \
		"(medians of $(wc -l <"$1.ratio") per-run ratios) of the"
}

bench_map() { # BACKEND TYPE ENTRIES LABEL
	local b=$1 type=$2 n=$3 label=$4 path=$BENCH_ROOT/$1/maps/m
	local floor bpftool print scrape stream i t0 t1 rss_exp cmp f fc x
	local T=$BENCH_TMP/$b

	"$TH/mkmap" "$path" "$type" "$n" >/dev/null || bench_die "mkmap $type $n"

	# The floor (the kernel's batch copy, nothing decoded), bpftool and
	# each reader, interleaved within each run: the floor varies by half
	# from run to run on a busy machine, so ratios are taken within a run
	# and their median reported (as bench/60-backends.sh does).
	: >"$T.floor.t"
	for x in bpftool print stream; do : >"$T.$x.t" && : >"$T.$x.m" && : >"$T.$x.ratio" && : >"$T.$x.cpu" && : >"$T.$x.bpftool"; done
	for ((i = 0; i < RUNS; i++)); do
		measure -o "$T.floor.out" "$BH/batchfloor" "$path" >"$T.floor.one" ||
			bench_die "batchfloor $path"
		f=$(awk '{ print $2 }' "$T.floor.out")
		fc=$(awk '{ print $3 + $4 }' "$T.floor.one")
		echo "$f" >>"$T.floor.t"
		run_against_floor "$T.bpftool" "$f" "$fc" bpftool -j map dump pinned "$path"
		run_against_floor "$T.print" "$f" "$fc" "$PRINT" --pin-root "$BENCH_ROOT" --once --json "$b"
		run_against_floor "$T.stream" "$f" "$fc" "$STREAM" --pin-root "$BENCH_ROOT" --once "$b"
	done
	floor=$(per_entry_us "$(median <"$T.floor.t")" "$n")
	for x in bpftool print stream; do
		median <"$T.$x.t" >"$T.$x.time"
		sort -n "$T.$x.m" | tail -n 1 >"$T.$x.rss"
	done
	bpftool=$(per_entry_us "$(cat "$T.bpftool.time")" "$n")
	print=$(per_entry_us "$(cat "$T.print.time")" "$n")
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
		"$cmp" "$(vs_floor "$T.print") floor, bpftool x$(fmt "$(median <"$T.print.bpftool")"); peak RSS $(mb "$(cat "$T.print.rss")") MB"
	result "$label: ebpf-exporter scrape" "$scrape" "µs/entry" "bpftool map dump" "$bpftool" \
		"$cmp" "peak RSS $(mb "$rss_exp") MB"
	result "$label: ebpf-stream --once" "$stream" "µs/entry" "bpftool map dump" "$bpftool" \
		"$cmp" "$(vs_floor "$T.stream") floor, bpftool x$(fmt "$(median <"$T.stream.bpftool")"); peak RSS $(mb "$(cat "$T.stream.rss")") MB"
	SECTION="footprint" result "peak RSS at $label: ebpf-print" \
		"$(mb "$(cat "$T.print.rss")")" MB "bpftool map dump" "$(mb "$(cat "$T.bpftool.rss")")"
	SECTION="footprint" result "peak RSS at $label: ebpf-exporter" \
		"$(mb "$rss_exp")" MB "bpftool map dump" "$(mb "$(cat "$T.bpftool.rss")")"
	SECTION="footprint" result "peak RSS at $label: ebpf-stream --once" \
		"$(mb "$(cat "$T.stream.rss")")" MB "bpftool map dump" "$(mb "$(cat "$T.bpftool.rss")")"
	rm -rf "${BENCH_ROOT:?}/$b"
}

# Peak RSS of each chunked reader at 1M and at 4M entries (hash u32 -> u64):
# the same at both when memory does not grow with the map.
bench_rss_flat() {
	local n x path label cmd
	declare -A rss
	for n in 1000000 4000000; do
		path=$BENCH_ROOT/flat$n/maps/m
		"$TH/mkmap" "$path" hash "$n" >/dev/null || bench_die "mkmap hash $n"
		for x in print stream; do
			if [ "$x" = print ]; then
				cmd=("$PRINT" --once --json)
			else
				cmd=("$STREAM" --once)
			fi
			for ((i = 0; i < RUNS; i++)); do
				measure "${cmd[@]}" --pin-root "$BENCH_ROOT" "flat$n" | awk '{ print $2 }'
			done | sort -n | tail -n 1 >"$BENCH_TMP/flat.$x.$n"
			rss[$x.$n]=$(cat "$BENCH_TMP/flat.$x.$n")
		done
		rm -rf "${BENCH_ROOT:?}/flat$n"
	done
	for x in print stream; do
		label="ebpf-$x --once$([ "$x" = print ] && echo " --json")"
		SECTION="footprint" result "peak RSS at hash 4M / at 1M: $label" \
			"$(ratio "${rss[$x.4000000]}" "${rss[$x.1000000]}")" "x" "-" "-" "<=1.1" \
			"$(mb "${rss[$x.4000000]}") MB at 4M, $(mb "${rss[$x.1000000]}") MB at 1M"
	done
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
bench_log "snapshot: peak RSS at 1M and 4M entries"
bench_rss_flat
