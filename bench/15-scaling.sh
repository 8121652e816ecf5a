#!/usr/bin/env bash
# Section 1b: scaling. Each reader and bpftool read a pinned map of 10k,
# 100k, 1M and 4M entries (hash and array, u32 -> u64, made by
# tests/helpers/mkmap): time per entry and peak RSS at each size, so that
# "linear time, flat memory" can be seen at a glance. Measured as in the
# snapshot section (bench/10-snapshot.sh): wall time from start to exit of
#   bpftool -j map dump pinned MAP           (the peer)
#   bench/helpers/batchfloor MAP             (the floor: the batch read alone)
#   ebpf-print --once --json BACKEND
#   ebpf-stream --once BACKEND
# and one uncompressed scrape of a running ebpf-exporter; peak RSS from
# wait4(2) (bench/helpers/measure), VmHWM for the exporter. Medians of
# SCALE_RUNS runs (default 3), the largest RSS.
#
# Draws docs/perf/scaling-time.png and docs/perf/scaling-rss.png (PLOT_DIR)
# with gnuplot (Debian gnuplot-nox), or says why not when it is missing.
# Rows: per map type and reader, the time per entry and the peak RSS at the
# largest size, against bpftool, and the RSS at the largest size over the
# RSS at 1M (issue target: within 10 %).
#
# Runs alone too: BUILD=build RESULTS=/dev/stdout bash bench/15-scaling.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECTION="scaling"

SIZES=${SCALE_SIZES:-"10000 100000 1000000 4000000"}
TYPES=${SCALE_TYPES:-"hash array"}
NRUNS=${SCALE_RUNS:-3}    # bpftool takes a minute or more at 4M entries
PLOT_DIR=${PLOT_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/docs/perf}
READERS="print exporter stream bpftool"

mb() { awk -v k="$1" 'BEGIN { printf "%.2f\n", k / 1024 }'; }
per_entry_us() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.4f\n", s / n * 1e6 }'; }

# "SECONDS KB": the median wall time and the largest peak RSS of NRUNS runs
runs() { # CMD...
	local i
	for ((i = 0; i < NRUNS; i++)); do
		measure "$@" || bench_die "failed: $*"
	done | awk '{ print $1, $2 }' | sort -g | awk '{ t[NR] = $1; if ($2 > m) m = $2 }
		END { print (NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2), m }'
}

# "SECONDS KB" of NRUNS scrapes of an exporter on backend B
scrapes() { # BACKEND ENTRIES
	local i t0 t1 t
	exporter_start --max-series "$(($2 + 1))" "$1"
	t=$(for ((i = 0; i < NRUNS; i++)); do
		t0=$(date +%s.%N)
		curl -sf -o /dev/null "http://127.0.0.1:$EXP_PORT/metrics" || exit 1
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
	done | median) || bench_die "scrape failed"
	echo "$t $(peak_rss_kb "$EXP_PID")"
	exporter_stop
}

# One line of TYPE.dat: "ENTRIES FLOOR_US" then "US_PER_ENTRY RSS_MB" of
# each of READERS.
measure_size() { # TYPE ENTRIES
	local b=s$1$2 n=$2 path line r t kb floor
	path=$BENCH_ROOT/$b/maps/m
	"$TH/mkmap" "$path" "$1" "$n" >/dev/null || bench_die "mkmap $1 $n"
	floor=$(for ((i = 0; i < NRUNS; i++)); do "$BH/batchfloor" "$path" | awk '{ print $2 }'; done | median)
	line="$n $(per_entry_us "$floor" "$n")"
	for r in $READERS; do
		case $r in
		print) read -r t kb < <(runs "$PRINT" --pin-root "$BENCH_ROOT" --once --json "$b") ;;
		stream) read -r t kb < <(runs "$STREAM" --pin-root "$BENCH_ROOT" --once "$b") ;;
		bpftool) read -r t kb < <(runs bpftool -j map dump pinned "$path") ;;
		exporter) read -r t kb < <(scrapes "$b" "$n") ;;
		esac
		[ -n "$kb" ] || bench_die "$r on $1 $n: no figures"
		line="$line $(per_entry_us "$t" "$n") $(mb "$kb")"
	done
	rm -rf "${BENCH_ROOT:?}/$b"
	echo "$line"
}

plot() { # DIR
	local t files=()
	if ! command -v gnuplot >/dev/null; then
		bench_log "scaling: gnuplot missing (Debian gnuplot-nox, scripts/install-deps.sh): no plots drawn"
		return 0
	fi
	mkdir -p "$1"
	for t in $TYPES; do files+=("$BENCH_TMP/$t.dat"); done
	# Columns of TYPE.dat: 1 entries, 2 floor, then time and RSS of each
	# of READERS: print 3 4, exporter 5 6, stream 7 8, bpftool 9 10.
	gnuplot <<EOF || bench_die "gnuplot failed"
set terminal pngcairo size 1100,450 font ",10"
set logscale x
set logscale y
set grid
set key top right
set xlabel "map entries (u32 -> u64)"
types = "$TYPES"
set output "$1/scaling-time.png"
set multiplot layout 1,words(types) title "Time per entry: one full read of the map (lower is better)"
do for [t in types] {
	set title t
	set ylabel "µs per entry"
	f = "$BENCH_TMP/".t.".dat"
	plot f u 1:3 w lp t "ebpf-print --once --json", f u 1:5 w lp t "ebpf-exporter scrape", \
	     f u 1:7 w lp t "ebpf-stream --once", f u 1:9 w lp t "bpftool map dump", \
	     f u 1:2 w lp dt 2 t "batch lookup (floor)"
}
unset multiplot
set output "$1/scaling-rss.png"
set multiplot layout 1,words(types) title "Peak RSS of one full read (flat is the goal)"
do for [t in types] {
	set title t
	set ylabel "MB"
	f = "$BENCH_TMP/".t.".dat"
	plot f u 1:4 w lp t "ebpf-print --once --json", f u 1:6 w lp t "ebpf-exporter (VmHWM)", \
	     f u 1:8 w lp t "ebpf-stream --once", f u 1:10 w lp t "bpftool map dump"
}
unset multiplot
EOF
	bench_log "scaling: plots in $1/scaling-time.png and $1/scaling-rss.png"
}

mkdir -p "$BENCH_ROOT"
for t in $TYPES; do
	: >"$BENCH_TMP/$t.dat"
	for n in $SIZES; do
		bench_log "scaling: $t, $n entries"
		measure_size "$t" "$n" >>"$BENCH_TMP/$t.dat"
		bench_log "scaling: $t $n: $(tail -n 1 "$BENCH_TMP/$t.dat")"
	done
done
plot "$PLOT_DIR"

# Rows at the largest size (and its RSS against 1M's, when both were run).
big=${SIZES##* }
label() { awk -v n="$1" 'BEGIN { print (n >= 1e6 ? n / 1e6 "M" : n / 1e3 "k") }'; }
for t in $TYPES; do
	f=$BENCH_TMP/$t.dat
	col=3
	for r in $READERS; do
		[ "$r" = bpftool ] && break
		us=$(awk -v n="$big" -v c="$col" '$1 == n { print $c }' "$f")
		rss=$(awk -v n="$big" -v c=$((col + 1)) '$1 == n { print $c }' "$f")
		rss1m=$(awk -v c=$((col + 1)) '$1 == 1000000 { print $c }' "$f")
		bus=$(awk -v n="$big" '$1 == n { print $9 }' "$f")
		brss=$(awk -v n="$big" '$1 == n { print $10 }' "$f")
		times=$(awk -v c="$col" '{ printf "%s%s µs at %s", s, $c, $1; s = ", " }' "$f")
		result "$t, $(label "$big"): $r time per entry" "$us" "µs/entry" "bpftool map dump" "$bus" \
			- "$times"
		result "$t, $(label "$big"): $r peak RSS" "$rss" MB "bpftool map dump" "$brss" - \
			"$(awk -v c=$((col + 1)) '{ printf "%s%s MB at %s", s, $c, $1; s = ", " }' "$f")"
		if [ -n "$rss1m" ] && [ "$big" != 1000000 ]; then
			result "$t: $r peak RSS at $(label "$big") / at 1M" \
				"$(awk -v a="$rss" -v b="$rss1m" 'BEGIN { printf "%.3f\n", a / b }')" x \
				- - "<=1.1" "flat memory: within 10 %"
		fi
		col=$((col + 2))
	done
done
