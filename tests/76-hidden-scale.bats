#!/usr/bin/env bats
# Helper maps stay out of sight (EBPF_HIDDEN, global-data maps), and EBPF_SCALE
# is applied the same way by every reader, floats in shortest round-trip form.
# tests/bpf/t_hidden_scale.bpf.c records 1000 us per getppid() into a log2
# histogram and a counter, both tagged UNIT("seconds") SCALE("1e-6").

bats_require_minimum_version 1.5.0
load lib

HS=t_hidden_scale
SHOWN="busy_seconds sample_seconds"
HIDDEN="start_ts t_hidden_bss t_hidden_data t_hidden_rodata"

# Load the object and make N getppid() calls; wait until the histogram has
# counted them (the tracepoint also counts other processes' calls).
hs_load_and_record() { # N
	run -0 "$LOADER" load "$TOBJ/$HS.o" --pin-root "$ROOT"
	run -0 "$HELPERS/trigger" getppid "$1"
	wait_until 5 hs_counted_at_least "$1" && return 0
	echo "histogram counted $(hs_hist_count) of $1 calls" >&2
	return 1
}

hs_counted_at_least() { # N
	[ "$(hs_hist_count)" -ge "$1" ]
}

# Bucket 10 ([512, 1023] us) of the histogram, read with bpftool.
hs_hist_count() {
	map_u64 "$ROOT/$HS/maps/sample_seconds" 80 0 0 0 0
}

# Literal text of the JSON numbers at jq-like PATH of a document, read with
# Python so that no JSON tool re-rounds them: hs_json_literal DOC EXPR.
hs_json_literal() { # DOC PYTHON_EXPR_ON_d
	"$PY" -c 'import json, sys
d = json.loads(sys.argv[1], parse_float=str)
print(json.dumps(eval(sys.argv[2]), separators=(",", ":")).replace("\"", ""))' "$1" "$2"
}

@test "ebpf-print leaves out EBPF_HIDDEN and .rodata/.bss/.data maps; --all shows them marked hidden" {
	hs_load_and_record 5
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" "$HS"
	[ "$(jq -r '[.maps[].map] | join(" ")' <<<"$output")" = "$SHOWN" ]
	[ "$(jq '[.maps[] | select(.hidden)] | length' <<<"$output")" = 0 ]
	run -0 --separate-stderr "$PRINT" --once --json --all --pin-root "$ROOT" "$HS"
	[ "$(jq -r '[.maps[].map] | sort | join(" ")' <<<"$output")" = "$(echo $SHOWN $HIDDEN | tr ' ' '\n' | sort | xargs)" ]
	[ "$(jq -r '[.maps[] | select(.hidden == true) | .map] | sort | join(" ")' <<<"$output")" = "$HIDDEN" ]
	# The hidden hash holds this run's pids: --all reads it like any map.
	[ "$(jq '.maps[] | select(.map == "start_ts") | .count' <<<"$output")" -ge 1 ]
	# Text: the same maps, headed (hidden) with --all.
	run -0 "$PRINT" --once --pin-root "$ROOT" "$HS"
	[ "$(grep -c "^$HS/" <<<"$output")" = 2 ]
	run -1 grep -E "^$HS/(start_ts|t_hidden_)" <<<"$output"
	run -0 "$PRINT" --once --all --pin-root "$ROOT" "$HS"
	[ "$(grep -c "^$HS/.*  (hidden)\$" <<<"$output")" = 4 ]
	grep -qx "$HS/start_ts  (hidden)" <<<"$output"
	grep -qx "$HS/t_hidden_rodata  (hidden)" <<<"$output"
}

@test "ebpf-loader show still lists the hidden maps" {
	hs_load_and_record 1
	run -0 "$LOADER" show "$HS" --pin-root "$ROOT" --json
	[ "$(jq -r '[.maps[].name] | sort | join(" ")' <<<"$output")" = "$(echo $SHOWN $HIDDEN | tr ' ' '\n' | sort | xargs)" ]
}

@test "ebpf-print text: bucket bounds, sum and counter values in seconds, scaled by 1e-6" {
	hs_load_and_record 20
	run -0 "$PRINT" --once --pin-root "$ROOT" "$HS/sample_seconds"
	echo "$output"
	grep -qx '     seconds             : count     distribution' <<<"$output"
	# 1000 us lands in [512, 1023] us; no other bucket is in use.
	[ "$(grep -c ' -> ' <<<"$output")" = 1 ]
	grep -Eqx '  0\.000512 -> 0\.001023   : [0-9]+ +\|\*{40}\|' <<<"$output"
	local count sum
	count=$(sed -nE 's/^     count ([0-9]+), sum ([0-9.e+-]+) seconds$/\1/p' <<<"$output")
	sum=$(sed -nE 's/^     count ([0-9]+), sum ([0-9.e+-]+) seconds$/\2/p' <<<"$output")
	[ "$count" -ge 20 ]
	# The sum is count * 1000 us, written as the shortest decimal.
	[ "$sum" = "$("$PY" -c "print(repr($count / 1000))")" ]
	run -0 "$PRINT" --once --pin-root "$ROOT" "$HS/busy_seconds"
	echo "$output"
	grep -qx "$HS/busy_seconds  Recorded time  (seconds)" <<<"$output"
	local v
	v=$(sed -nE 's/^  0 +([0-9.e+-]+)$/\1/p' <<<"$output")
	# Other processes call getppid() too: a whole number of ms, not raw us.
	[ "$("$PY" -c "x = $v; print(x > 0.019 and x < 1000 and repr(round(x * 1000) / 1000) == '$v')")" = True ]
}

@test "ebpf-print JSON: scale, scaled bucket bounds and scaled values beside the raw ones" {
	hs_load_and_record 7
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" "$HS"
	local doc=$output
	echo "$doc"
	jq -e '.maps[] | select(.map == "sample_seconds") | .unit == "seconds" and .kind == "log2_histogram"' <<<"$doc"
	[ "$(hs_json_literal "$doc" '[m["scale"] for m in d["maps"]]')" = "[1e-06,1e-06]" ]
	# Every bucket's [lo, hi] in seconds, exactly as the text shows them.
	[ "$(hs_json_literal "$doc" '[m for m in d["maps"] if m["map"] == "sample_seconds"][0]["bucket_bounds"]')" = \
	  "[[0,0],[1e-06,1e-06],[2e-06,3e-06],[4e-06,7e-06],[8e-06,1.5e-05],[1.6e-05,3.1e-05],[3.2e-05,6.3e-05],[6.4e-05,0.000127],[0.000128,0.000255],[0.000256,0.000511],[0.000512,0.001023],[0.001024,0.002047],[0.002048,0.004095],[0.004096,0.008191],[0.008192,0.016383],[0.016384,0.032767]]" ]
	# Raw values stay integers; "scaled" holds them in the unit (a
	# histogram's counts are counts: only its sum scales).
	local sum ssum busy sbusy
	sum=$(jq '.maps[] | select(.map == "sample_seconds") | .entries[0].value.sum' <<<"$doc")
	[ "$sum" -ge 7000 ]
	[ $((sum % 1000)) = 0 ]
	ssum=$(hs_json_literal "$doc" '[m for m in d["maps"] if m["map"] == "sample_seconds"][0]["entries"][0]["scaled"]')
	[ "$ssum" = "{sum:$("$PY" -c "print(repr($sum / 1000000))")}" ]
	busy=$(jq '.maps[] | select(.map == "busy_seconds") | .entries[0].value' <<<"$doc")
	sbusy=$(hs_json_literal "$doc" '[m for m in d["maps"] if m["map"] == "busy_seconds"][0]["entries"][0]["scaled"]')
	[ "$sbusy" = "$("$PY" -c "print(repr($busy / 1000000))")" ]
}

@test "exporter: hidden maps absent and not counted, le bounds in seconds in shortest form, promtool passes" {
	hs_load_and_record 9
	exporter_start
	run -0 scrape
	local m=$output
	printf '%s\n' "$m" >"$TMP/m"
	run -0 promtool check metrics <"$TMP/m"
	# Only the two shown maps give families; nothing of the hidden four.
	[ "$(sed -nE "s/^# TYPE (ebpf_${HS}_[a-z_]+) .*/\1/p" <<<"$m" | xargs)" = \
	  "ebpf_${HS}_busy_seconds_total ebpf_${HS}_sample_seconds" ]
	run -1 grep -E 'start_ts|t_hidden_(bss|data|rodata)' <<<"$m"
	grep -qx 'ebpf_exporter_maps 2' <<<"$m"
	# Every finite bound as the shortest decimal that reads back.
	[ "$(sed -nE 's/^ebpf_'"$HS"'_sample_seconds_bucket\{le="([^"]+)"\} .*/\1/p' <<<"$m" | xargs)" = \
	  "0 1e-06 3e-06 7e-06 1.5e-05 3.1e-05 6.3e-05 0.000127 0.000255 0.000511 0.001023 0.002047 0.004095 0.008191 0.016383 +Inf" ]
	local cnt
	cnt=$(sed -nE "s/^ebpf_${HS}_sample_seconds_count ([0-9]+)\$/\1/p" <<<"$m")
	[ "$cnt" -ge 9 ]
	grep -qx "ebpf_${HS}_sample_seconds_bucket{le=\"0.000511\"} 0" <<<"$m"
	grep -qx "ebpf_${HS}_sample_seconds_bucket{le=\"0.001023\"} $cnt" <<<"$m"
	grep -qx "ebpf_${HS}_sample_seconds_sum $("$PY" -c "print(repr($cnt / 1000))")" <<<"$m"
}

@test "ebpf-stream: Describe carries unit and scale, lists hidden maps as hidden; snapshots leave them out" {
	hs_load_and_record 3
	run -0 --separate-stderr timeout 10 "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap"
	run -0 --separate-stderr "$STREAM" --decode <"$TMP/cap"
	local frames=$output
	local desc
	desc=$(head -n 1 <<<"$frames")
	# The decoder's own JSON keeps the literal: scale as written, 1e-06.
	[ "$(hs_json_literal "$desc" '[[m["map"], m.get("unit"), m.get("scale")] for m in d["describe"]["maps"] if m["map"] in ("sample_seconds", "busy_seconds")]')" = \
	  "[[busy_seconds,seconds,1e-06],[sample_seconds,seconds,1e-06]]" ]
	[ "$(jq -r '[.describe.maps[] | select(.hidden == true) | .map] | sort | join(" ")' <<<"$desc")" = "$HIDDEN" ]
	[ "$(jq -r '[.describe.maps[] | select(.hidden != true) | .map] | join(" ")' <<<"$desc")" = "$SHOWN" ]
	# One snapshot per shown map, none of a hidden one.
	[ "$(jq -r 'select(.snapshot) | .snapshot.map' <<<"$frames" | xargs)" = "$SHOWN" ]
	# An independent decoder (protoc's Python module) reads the same.
	py_decode "$TMP/cap" >"$TMP/frames"
	head -n 1 "$TMP/frames" | jq -e '[.describe.maps[] | select(.map == "sample_seconds") | .scale == 1e-06 and .unit == "seconds" and (.hidden // false) == false] == [true]'
	head -n 1 "$TMP/frames" | jq -e '[.describe.maps[] | select(.map == "start_ts") | .hidden] == [true]'
}
