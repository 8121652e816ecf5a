#!/usr/bin/env bats
# Ring buffer record types the loader checks; ebpf-print as a live view.

bats_require_minimum_version 1.5.0
load lib

# The fields of a records event as {name: value}; nothing for other frames.
JQ_REC='select(.event.map == "records") | .event.fields | map({(.name): (.values[0] | to_entries[0].value)}) | add |'

# Wait (up to 5 s) until an ebpf-stream consumes the ring buffer pinned at PIN.
ringbuf_has_consumer() { # MAP_ID
	ss -xa | grep -F "@ebpf-stream/ringbuf/$1 " >/dev/null
}

wait_ringbuf_consumer() { # PIN
	local id
	id=$(bpftool -j map show pinned "$1" | jq .id)
	wait_until 5 ringbuf_has_consumer "$id" && return 0
	echo "no consumer of $1 (map id $id)" >&2
	return 1
}

@test "load refuses a ring buffer whose record type is not in BTF, naming file, map, type and the fix; nothing is left" {
	local obj=$TOBJ/t_norecord.o
	# The premise: the tag is there, the type it names is not.
	run -0 bpftool btf dump file "$obj"
	[[ "$output" == *"DECL_TAG 'ebpf:record=t_record'"* ]]
	[[ "$output" != *"STRUCT 't_record'"* ]]
	run --separate-stderr "$LOADER" load "$obj" --pin-root "$ROOT"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ebpf-loader: $obj: map 'records': record type 't_record' (EBPF_RECORD) is not in the object's BTF: use EBPF_EMIT_TYPE(struct t_record); in the BPF source to make clang emit it" ]
	# Refused before anything was made: no pin root, no program.
	[ ! -e "$ROOT" ]
	assert_no_prog_named record_getppid
	# Nor is a good object given with it loaded.
	run -1 "$LOADER" load "$TOBJ/t_tracepoint.o" "$obj" --pin-root "$ROOT"
	[ ! -e "$ROOT/t_tracepoint" ]
	[ ! -e "$ROOT/t_norecord" ]
}

@test "EBPF_EMIT_TYPE puts the record type in BTF without a map: the object loads and its events decode by field" {
	# Records are told apart by the pid BPF saw: the one we see must match.
	require_host_pidns
	local obj=$TOBJ/t_emittype.o
	run -0 bpftool btf dump file "$obj"
	[[ "$output" == *"STRUCT 't_record' size=16 vlen=3"* ]]
	run -0 "$LOADER" load "$obj" --pin-root "$ROOT"
	# The one map of the source: EBPF_EMIT_TYPE made no global-data map.
	[ "$(ls "$ROOT/t_emittype/maps")" = records ]
	"$STREAM" --events --pin-root "$ROOT" --output "$TMP/cap" 2>"$TMP/err" &
	local pid=$!
	BG_PIDS=$pid
	wait_ringbuf_consumer "$ROOT/t_emittype/maps/records"
	run -0 "$HELPERS/trigger" getppid 3
	local tpid=${output#pid=}
	# The three records of the trigger are streamed while it runs.
	emittype_records_at_least() { # N
		[ "$("$STREAM" --decode <"$TMP/cap" 2>/dev/null |
			jq -c "$JQ_REC"' select(.pid == '"$tpid"')' | wc -l)" -ge "$1" ]
	}
	wait_until 10 emittype_records_at_least 3
	# A clean stop exits 0. Waited for here, not in `run`: its subshell
	# cannot wait for our child, and says 255 if the stream is still
	# draining when it forks (a loaded machine).
	stream_exited() { # no longer running (gone, or a zombie to be reaped)
		local state
		state=$(ps -o stat= -p "$pid")
		[[ -z "$state" || "$state" == Z* ]]
	}
	kill -TERM "$pid"
	wait_until 5 stream_exited
	local rc=0
	wait "$pid" || rc=$?
	BG_PIDS=""
	cat "$TMP/err"
	[ "$rc" -eq 0 ]
	[ ! -s "$TMP/err" ]
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	# Decoded by name, every field, from the record type in BTF.
	[ "$(jq -c 'select(.event) | .event | select(.map == "records") | .record' "$TMP/frames" | sort -u)" = '"t_record"' ]
	local rec
	rec=$(printf '{"magic":%s,"pid":%s,"uid":0}' $((0x000a5245434f5244)) "$tpid")
	[ "$(jq -s -c "map($JQ_REC"' select(.pid == '"$tpid"'))' "$TMP/frames")" = "[$rec,$rec,$rec]" ]
}

# ebpf-print on a pseudo-terminal of ROWS rows: script(1) gives it one.
print_on_tty() { # ROWS ARGS...
	local rows=$1
	shift
	timeout 20 script -qfec "stty rows $rows cols 80; TERM=xterm $PRINT $*" /dev/null </dev/null |
		tr -d '\r'
}

@test "on a terminal, each refresh redraws a screenful: header, largest entries first, how many were left out" {
	run -0 "$HELPERS/mkmap" "$ROOT/big/maps/big" hash 5000
	print_on_tty 10 --interval 0.2 --count 3 --pin-root "$ROOT" big >"$TMP/tty"
	cat -v "$TMP/tty"
	# Three refreshes, each beginning with home + clear.
	[ "$(grep -o $'\e\\[H\e\\[2J' "$TMP/tty" | wc -l)" -eq 3 ]
	[ "$(head -c 7 "$TMP/tty")" = $'\e[H\e[2J' ]
	# Each frame (text after an escape) fits the 10 rows with the cursor
	# line to spare: the header, map heading, column names, the 3 largest
	# entries (key i holds 3i+1) and what was left out.
	local frames i
	frames=$(awk -v dir="$TMP" 'BEGIN { RS = "\033\\[H\033\\[2J" } NR > 1 { printf "%s", $0 > (dir "/frame" (NR - 1)) } END { print NR - 1 }' "$TMP/tty")
	[ "$frames" -eq 3 ]
	for i in 1 2 3; do
		[ "$(wc -l <"$TMP/frame$i")" -le 9 ]
		[[ "$(head -n 1 "$TMP/frame$i")" =~ ^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\ \ every\ 0\.2s\ \ totals$ ]]
		[ "$(tail -n +2 "$TMP/frame$i")" = "
big/big
  key   value
  4999  14998
  4998  14995
  4997  14992
  4997 more entries not shown" ]
	done
}

@test "not on a terminal, refreshes are appended without escape codes, every entry shown" {
	run -0 "$HELPERS/mkmap" "$ROOT/big/maps/big" hash 500
	TERM=xterm "$PRINT" --interval 0.2 --count 2 --pin-root "$ROOT" big >"$TMP/out"
	run -1 grep -c $'\e' "$TMP/out"
	[ "$output" = 0 ]
	[ "$(grep -cE '^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]$' "$TMP/out")" -eq 2 ]
	[ "$(grep -cE '^  [0-9]+ +[0-9]+$' "$TMP/out")" -eq 1000 ]
	run -1 grep -c 'not shown' "$TMP/out"
	# TERM=dumb on a terminal: appended too.
	timeout 20 script -qfec "stty rows 10 cols 80; TERM=dumb $PRINT --interval 0.2 --count 2 --pin-root $ROOT big" /dev/null </dev/null >"$TMP/dumb"
	run -1 grep -c $'\e' "$TMP/dumb"
	[ "$(tr -d '\r' <"$TMP/dumb" | grep -cE '^  [0-9]+ +[0-9]+$')" -eq 1000 ]
}

@test "--once on a ring buffer says that ebpf-stream reads it, instead of printing a blank line" {
	run -0 "$LOADER" load "$TOBJ/t_emittype.o" --pin-root "$ROOT"
	run --separate-stderr "$PRINT" --once --pin-root "$ROOT" t_emittype
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ebpf-print: t_emittype/records: a ring buffer: its records are read by ebpf-stream --events, not printed" ]
	run --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" t_emittype/records
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ebpf-print: t_emittype/records: a ring buffer: its records are read by ebpf-stream --events, not printed" ]
	# With a printable map beside it, the ring buffer is passed over quietly.
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run --separate-stderr "$PRINT" --once --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == *"t_tracepoint/hits"* ]]
}

@test "--delta histograms: rates with one decimal, each bar drawn from the number beside it" {
	run -0 "$LOADER" load bitehist.o --pin-root "$ROOT"
	loop_create 8
	"$PRINT" --delta --interval 2 --count 2 --pin-root "$ROOT" bitehist >"$TMP/out" &
	local pid=$!
	BG_PIDS=$pid
	# The first rate is out: what follows falls in the second one.
	wait_until 10 grep -q 'rates per second' "$TMP/out"
	grep 'rates per second' "$TMP/out"
	dd if=/dev/zero of="$LOOPDEV" bs=4096 count=3 oflag=direct status=none
	dd if=/dev/zero of="$LOOPDEV" bs=65536 count=1 oflag=direct status=none
	run -0 timeout 20 tail --pid="$pid" -f /dev/null
	BG_PIDS=""
	cat "$TMP/out"
	# The bucket lines of the second refresh: range, count, bar.
	awk '/rates per second/ { n++ } n == 2 && / -> / { print }' "$TMP/out" >"$TMP/buckets"
	[ -s "$TMP/buckets" ]
	# At least our 3 I/Os of 4 KiB in about 2 s (the machine may add its own).
	run -0 awk '/^ +4096 -> 8191 +: / { print $5 }' "$TMP/buckets"
	awk -v c="$output" 'BEGIN { exit !(c >= 1.2) }'
	# Every count has one decimal; stars = round(count * 40 / largest), so
	# 0.0 has none and the largest has 40.
	awk -F'|' '{ split($1, f, " "); c = f[5]; if (c !~ /^[0-9]+\.[0-9]$/) { print "bad count: " $0; bad = 1 }
		n[NR] = c; s[NR] = gsub(/\*/, "", $2); if (c + 0 > max) max = c + 0 }
		END { for (i = 1; i <= NR; i++) { want = max > 0 ? int(n[i] * 40 / max + 0.5) : 0
			if (s[i] != want) { print "line " i ": " n[i] " with " s[i] " stars, want " want; bad = 1 } }
		exit bad }' "$TMP/buckets"
}
