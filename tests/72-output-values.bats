#!/usr/bin/env bats
# What the readers make of the values they decode: strings escaped one
# injective way in every reader, arrays printed whole and exact, and
# --max-series counting series.

bats_require_minimum_version 1.5.0
load lib

@test "--max-series counts series, not entries, and the dropped series are reported" {
	run -0 "$LOADER" load "$TOBJ/t_layouts.o" --pin-root "$ROOT"
	# wide: 4 entries of 8192 u64 each, 32768 series in all.
	exporter_start --max-series 10000 t_layouts/wide
	scrape >"$TMP/m"
	local kept dropped
	kept=$(grep -c '^ebpf_t_layouts_wide{' "$TMP/m" || true)
	dropped=$(sed -n 's/^ebpf_exporter_series_dropped_total{backend="t_layouts",map="wide"} //p' "$TMP/m")
	echo "kept=$kept dropped=$dropped"
	[ "$kept" -le 10000 ]
	# Whole entries are kept: one here (two would be 16384).
	[ "$kept" -eq 8192 ]
	[ "$dropped" -eq $((32768 - 8192)) ]
	run promtool check metrics <"$TMP/m"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--max-series below one entry's series exports none of the entry and counts them all" {
	run -0 "$LOADER" load "$TOBJ/t_layouts.o" --pin-root "$ROOT"
	exporter_start --max-series 100 t_layouts/wide
	scrape >"$TMP/m"
	run -1 grep -c '^ebpf_t_layouts_wide{' "$TMP/m"
	[ "$output" = 0 ]
	run -0 grep -c '^ebpf_exporter_series_dropped_total{backend="t_layouts",map="wide"} 32768$' "$TMP/m"
}
