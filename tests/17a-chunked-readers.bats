#!/usr/bin/env bats
# Readers that read a map chunk by chunk (bpf_map_lookup_batch pieces of a
# few thousand entries) still show every entry exactly once, with the right
# values: maps many chunks long, per-CPU maps, --top N kept in a heap, and
# stream snapshots. mkmap's key i holds 3i+1 (plus c on CPU c per CPU).

bats_require_minimum_version 1.5.0
load lib

# The first map of an `ebpf-print --once --json` document: keys 0..N-1
# once each, each with value 3k+1, and a count of N.
json_every_key_once() { # JSON N
	jq -e --argjson n "$2" '.maps[0] | .count == $n and (.entries | length) == $n and
		([.entries[].key] | sort == [range(0; $n)]) and
		all(.entries[]; .value == 3 * .key + 1)' <<<"$1"
}

@test "JSON of a hash many chunks long: every key once, each value exact, count after the entries" {
	"$HELPERS/mkmap" "$ROOT/big/maps/h" hash 70000
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" big
	[ -z "$stderr" ]
	json_every_key_once "$output" 70000
	jq -e '.maps[0].batched == true' <<<"$output"
	# count is written once the last chunk is out.
	run -0 jq -r '.maps[0] | keys_unsorted | .[-2:] | join(" ")' <<<"$output"
	[ "$output" = "entries count" ]
}

@test "JSON of an array many chunks long: every index once, in index order" {
	"$HELPERS/mkmap" "$ROOT/arr/maps/a" array 50000
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" arr
	json_every_key_once "$output" 50000
	jq -e '[.maps[0].entries[].key] == [range(0; 50000)]' <<<"$output"
}

@test "JSON of several maps, big and small: each complete, in one document" {
	"$HELPERS/mkmap" "$ROOT/m1/maps/a" hash 30000
	"$HELPERS/mkmap" "$ROOT/m2/maps/b" hash 1
	"$HELPERS/mkmap" "$ROOT/m3/maps/c" array 40000
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT"
	jq -e '[.maps[] | .count == (.entries | length)] == [true, true, true]' <<<"$output"
	jq -e '[.maps[].count] == [30000, 1, 40000]' <<<"$output"
	jq -e '[.maps[].entries[] | .value - 3 * .key] | unique == [1]' <<<"$output"
}

@test "text of a hash many chunks long: every key once, each value exact" {
	"$HELPERS/mkmap" "$ROOT/big/maps/h" hash 30000
	run -0 --separate-stderr "$PRINT" --once --pin-root "$ROOT" big
	# Rows "  KEY  VALUE" under the heading and the column names.
	awk 'NF == 2 && $1 ~ /^[0-9]+$/ { if ($2 != 3 * $1 + 1) bad++; if (seen[$1]++) dup++; n++ }
	     END { print n, bad + 0, dup + 0 }' <<<"$output" >"$TMP/rows"
	[ "$(cat "$TMP/rows")" = "30000 0 0" ]
}

@test "per-CPU hash many chunks long: sums and per-CPU values exact for every key" {
	local cpus
	cpus=$(nproc --all)
	"$HELPERS/mkmap" "$ROOT/pc/maps/p" percpu_hash 20000
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" pc
	jq -e --argjson c "$cpus" '.maps[0] | .count == 20000 and
		([.entries[].key] | sort == [range(0; 20000)]) and
		all(.entries[]; .value == $c * (3 * .key + 1) + ($c * ($c - 1) / 2))' <<<"$output"
	run -0 --separate-stderr "$PRINT" --once --json --per-cpu --pin-root "$ROOT" pc
	jq -e --argjson c "$cpus" '.maps[0] | .count == 20000 and
		([.entries[].key] | sort == [range(0; 20000)]) and
		all(.entries[]; .values == [range(0; $c) as $i | 3 * .key + 1 + $i])' <<<"$output"
}

@test "--top N of a map many chunks long: the N largest, in order, in text and JSON" {
	"$HELPERS/mkmap" "$ROOT/big/maps/h" hash 60000
	run -0 --separate-stderr "$PRINT" --once --json --top 4 --pin-root "$ROOT" big
	jq -e '.maps[0] | .count == 60000 and
		[.entries[] | [.key, .value]] == [[59999, 179998], [59998, 179995], [59997, 179992], [59996, 179989]]' <<<"$output"
	run -0 --separate-stderr "$PRINT" --once --top 3 --pin-root "$ROOT" big
	[[ "$output" == *"big/h  (top 3 of 60000)"* ]]
	run -0 awk 'NF == 2 && $1 ~ /^[0-9]+$/ { printf "%s=%s ", $1, $2 }' <<<"$output"
	[ "$output" = "59999=179998 59998=179995 59997=179992 " ]
}

@test "--top N agrees with sorting the whole map, per-CPU sums and arrays too" {
	"$HELPERS/mkmap" "$ROOT/pc/maps/p" percpu_hash 15000
	"$HELPERS/mkmap" "$ROOT/arr/maps/a" array 15000
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" pc arr
	jq -c '[.maps[] | [.entries | sort_by(-.value, .key) | .[:50][] | [.key, .value]]]' <<<"$output" >"$TMP/want"
	run -0 --separate-stderr "$PRINT" --once --json --top 50 --pin-root "$ROOT" pc arr
	jq -c '[.maps[] | [.entries[] | [.key, .value]]]' <<<"$output" >"$TMP/got"
	run -0 jq -e 'length == 2 and all(.[]; length == 50)' "$TMP/got"
	run -0 diff "$TMP/want" "$TMP/got"
	# More than the map holds: all of it.
	"$HELPERS/mkmap" "$ROOT/small/maps/s" hash 7
	run -0 --separate-stderr "$PRINT" --once --json --top 100 --pin-root "$ROOT" small
	jq -e '.maps[0] | .count == 7 and ([.entries[].key] == [6, 5, 4, 3, 2, 1, 0])' <<<"$output"
}

@test "a stream snapshot of a big map decodes to every entry once, each value exact" {
	"$HELPERS/mkmap" "$ROOT/big/maps/h" hash 40000
	run -0 --separate-stderr "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap" big
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	run -0 jq -s -e '[.[] | select(.snapshot) | .snapshot.entries[] |
		[.key[0].values[0].u, .value[0].values[0].u]] |
		length == 40000 and (map(.[0]) | sort == [range(0; 40000)]) and
		all(.[]; .[1] == 3 * .[0] + 1)' "$TMP/frames"
}
