#!/usr/bin/env bats
# ebpf-print's shape: the view (sort, delta, top) in its own file, writers
# chosen once through a table with their state passed (no file-scope
# variables, qsort_r rather than globals), functions short enough to read;
# and the map tests every reader needs (array map, per-CPU sums) once, in
# readers/core. The source checks read the tree this file is in; the last
# test checks that print and the exporter still agree on per-CPU sums.

bats_require_minimum_version 1.5.0
load lib

SRC=$BATS_TEST_DIRNAME/..
PRINT=$BUILD/ebpf-print

# Functions of the C files given longer than LIMIT lines (from the line
# after the opening brace to the closing one), as "FILE:LINE NAME LENGTH".
long_functions() { # LIMIT FILE...
	local limit=$1
	shift
	awk -v limit="$limit" '
		FNR == 1 { sig = "" }
		/^[a-z].*\(/ && !/;$/ { sig = $0; at = FNR }
		/^\{$/ { start = FNR }
		/^\}$/ && start {
			if (FNR - start - 1 > limit)
				printf "%s:%d %s %d\n", FILENAME, at, sig, FNR - start - 1
			start = 0
		}' "$@"
}

@test "ebpf-print's view (sort, delta, top) is in view.c; main.c only runs the loop" {
	[ -f "$SRC/readers/print/view.c" ]
	run -0 grep -c 'int view_build(' "$SRC/readers/print/view.c"
	[ "$output" -eq 1 ]
	# No sorting, no delta bookkeeping, no per-CPU sums in main.c.
	run -1 grep -nE 'qsort|find_previous|cmp_key|sum_percpu|sortv' "$SRC/readers/print/main.c"
}

@test "print's writers and the snapshot core keep no mutable file-scope variables" {
	# File-scope `static` objects that are not const; the signal flag is
	# the one a handler needs.
	run grep -nE '^static [^(]*[;=]' "$SRC"/readers/print/*.c "$SRC/readers/core/snapshot.c"
	[ "$status" -le 1 ]
	local bad
	bad=$(grep -vE 'static const |sig_atomic_t' <<<"$output" || true)
	[ -z "$bad" ] || { echo "$bad"; false; }
}

@test "print and the snapshot core sort with qsort_r and a context, never qsort and globals" {
	run -1 grep -nE '(^|[^_[:alnum:]])qsort[[:space:]]*\(' "$SRC"/readers/print/*.c \
		"$SRC/readers/core/snapshot.c"
	run -0 grep -c 'qsort_r(' "$SRC/readers/print/view.c"
	[ "$output" -ge 2 ]
	run -0 grep -c 'qsort_r(' "$SRC/readers/core/snapshot.c"
	[ "$output" -ge 1 ]
}

@test "writers are chosen once, from one table of text, live and JSON with their state" {
	run -0 grep -nE 'writers\[\] = \{.*&writer_json.*&writer_live.*&writer_text' \
		"$SRC/readers/print/main.c"
	local w
	for w in text live json; do
		run -0 grep -c "^const struct print_writer writer_$w = {" "$SRC/readers/print/$w.c"
	done
	# The loop asks the chosen writer, never the options, how to write.
	run -1 grep -nE 'live_frame|json_(begin|map)|text_(begin|map)' "$SRC/readers/print/main.c"
}

@test "no function of ebpf-print is over 80 lines" {
	run -0 long_functions 80 "$SRC"/readers/print/*.c
	[ -z "$output" ] || { echo "$output"; false; }
	# The check sees functions at all: a limit of 1 finds some.
	run -0 long_functions 1 "$SRC"/readers/print/main.c
	[ -n "$output" ]
}

@test "the array-map test, the per-CPU sum and the histogram fields are written once, in readers/core" {
	run -1 grep -nE 'BPF_MAP_TYPE_(PERCPU_)?ARRAY' "$SRC"/readers/print/*.c \
		"$SRC"/readers/exporter/*.c
	run -1 grep -n 'schema_sum_percpu' "$SRC"/readers/print/*.c "$SRC"/readers/exporter/*.c
	# The histogram's field names too: histogram_buckets(), histogram_sum().
	run -1 grep -nE 'schema_field\([^)]*"(buckets|sum)"' "$SRC"/readers/print/*.c \
		"$SRC"/readers/exporter/*.c
	run -0 grep -c 'static inline bool rmap_is_array' "$SRC/readers/core/reader.h"
	run -0 grep -c '^int snapshot_sum_percpu(' "$SRC/readers/core/snapshot.c"
}

@test "print and the exporter show the same per-CPU sums, the sum of print's --per-cpu values" {
	run -0 "$HELPERS/mkmap" "$ROOT/pc/maps/pc" percpu_hash 20
	run -0 --separate-stderr "$PRINT" --once --json --per-cpu --pin-root "$ROOT" pc
	local want
	want=$(jq -r '.maps[0].entries[] | "\(.key) \(.values | add)"' <<<"$output" | sort -n)
	[ "$(wc -l <<<"$want")" -eq 20 ]
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" pc
	run -0 jq -r '.maps[0].entries[] | "\(.key) \(.value)"' <<<"$output"
	[ "$(sort -n <<<"$output")" = "$want" ]
	exporter_start
	run -0 scrape
	# ebpf_pc_pc{key="2"} 47: the key label and the sample, for the same shape.
	local got
	got=$(sed -nE 's/^ebpf_pc_pc[a-z_]*\{key="([0-9]+)"\} ([0-9]+)$/\1 \2/p' <<<"$output" | sort -n)
	[ "$got" = "$want" ] || { echo "exporter: $got"; echo "print: $want"; false; }
}
