#!/usr/bin/env bats
# execsnoop and exitsnoop as an operator reads them: an exec's argv, ppid,
# uid and type by name in every record; `events` counts every exec and exit
# seen and `dropped` apart the ones the ring buffer had no room for, with
# or without a consumer; no filler field in any reader; an alert on drops.

bats_require_minimum_version 1.5.0
load lib

PRINT=$BUILD/ebpf-print
EXPORTER=$BUILD/ebpf-exporter
RULES=$BATS_TEST_DIRNAME/../docs/prometheus/ebpf-rules.yml

# A record is 432 bytes (bpf/procevents.h) plus the ring buffer's 8-byte
# header; proc_events is 256 KiB (bpf/procevents.bpf.h). No more records
# than this fit in a ring buffer nobody consumes. The tests exec more
# processes than even the 176-byte records of old would fit (1424).
RB_RECORDS=$((256 * 1024 / (432 + 8)))

# Each event of a decoded capture (one JSON frame a line) as {field: text}:
# the decoder's text where there is one, else the raw value, as a string
# (the Python decoder writes 64-bit integers as strings, ebpf-stream's own
# as numbers).
JQ_REC='def rec: .event.fields | map({(.name): ((.decoded[0] // "") as $d
	| if $d != "" then $d else (.values[0] | to_entries[0].value | tostring) end)}) | add;'

ringbuf_consumed() { # ID
	ss -xa | grep "@ebpf-stream/ringbuf/$1 " >/dev/null
}

# Start ebpf-stream --events into $TMP/cap and wait until it consumes.
stream_start() {
	"$STREAM" --events --pin-root "$ROOT" --output "$TMP/cap" 2>"$TMP/stream.err" &
	STREAM_PID=$!
	BG_PIDS="$BG_PIDS $STREAM_PID"
	wait_until 5 ringbuf_consumed "$(bpftool -j map show pinned "$ROOT/shared/proc_events" | jq .id)"
}

# Stop it with SIGTERM: it must exit 0, having said nothing.
stream_stop() {
	local rc=0
	kill -TERM "$STREAM_PID"
	wait "$STREAM_PID" || rc=$?
	BG_PIDS=${BG_PIDS/ $STREAM_PID/}
	[ "$rc" -eq 0 ]
	[ ! -s "$TMP/stream.err" ]
}

# The capture holds the exec record of PID running FILE.
exec_captured() { # PID FILE
	head -c "$(stat -c %s "$TMP/cap")" "$TMP/cap" | "$STREAM" --decode 2>/dev/null |
		jq -c --arg p "$1" --arg f "$2" "$JQ_REC"' select(.event) | rec
			| select(.pid == $p and .filename == $f)' | grep . >/dev/null
}

# The exec records of PID running FILE in the decoded frames FRAMES, as
# [type, ppid, uid, exit_code, args_size, comm, args], one a line.
exec_records() { # FRAMES PID FILE
	jq -c --arg p "$2" --arg f "$3" "$JQ_REC"' select(.event) | rec
		| select(.pid == $p and .filename == $f)
		| [.type, .ppid, .uid, .exit_code, .args_size, .comm, .args]' "$1"
}

# Run FILE ARGS... in the background as uid/gid 65534; wait for its exec
# record in the capture. Sets RUN_PID, and RUN_PPID: its parent, this shell
# ($BASHPID here, not in the subshell of a $(...)).
run_captured() { # FILE ARGS...
	local rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@" >/dev/null &
	RUN_PID=$!
	RUN_PPID=$BASHPID
	wait "$RUN_PID" || rc=$?
	[ "$rc" -eq 0 ]
	wait_until 5 exec_captured "$RUN_PID" "$1"
}

# events and dropped of BACKEND/MAP, summed over CPUs, as "EVENTS DROPPED".
stats() { # BACKEND/MAP
	"$PRINT" --once --json --pin-root "$ROOT" "$1" |
		jq -r '.maps[0].entries[0].value | "\(.events) \(.dropped)"'
}

@test "an exec's record carries its exact argv, ppid, uid and type by name, in ebpf-stream and protobuf" {
	require_host_pidns
	run -0 loader load "$BPFOBJ/execsnoop.o" "$BPFOBJ/exitsnoop.o"
	stream_start
	run_captured /bin/echo one "two words" "it's" "" x
	stream_stop
	# The kernel's argument block: each argument with its NUL.
	local size=$((10 + 4 + 10 + 5 + 1 + 2))
	# Joined with spaces, quoted as a shell reads them back.
	local args="/bin/echo one 'two words' 'it'\"'\"'s' '' x"
	local want
	want=$(jq -c -n --arg pp "$RUN_PPID" --arg sz "$size" --arg a "$args" \
		'["exec", $pp, "65534", "0", $sz, "echo", $a]')
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	run -0 exec_records "$TMP/frames" "$RUN_PID" /bin/echo
	[ "$output" = "$want" ]
	# The same from the protobuf, read by an independent decoder.
	py_decode "$TMP/cap" >"$TMP/pyframes"
	run -0 exec_records "$TMP/pyframes" "$RUN_PID" /bin/echo
	[ "$output" = "$want" ]
	# Its exit record: the type by name, no arguments.
	run -0 jq -c --arg p "$RUN_PID" "$JQ_REC"' select(.event) | rec
		| select(.pid == $p and .type == "exit") | [.comm, .args_size, .args]' "$TMP/pyframes"
	[ "$output" = '["echo","0",""]' ]
}

@test "argv is cut after 20 arguments and at 256 bytes; args_size tells the whole" {
	require_host_pidns
	run -0 loader load "$BPFOBJ/execsnoop.o"
	stream_start
	local many=(/bin/true) i
	for i in $(seq 25); do many+=("a$i"); done
	run_captured "${many[@]}"
	local many_pid=$RUN_PID
	local long
	long=$(printf '%0300d' 0)
	run_captured /bin/true "$long"
	local long_pid=$RUN_PID
	# Cut between two arguments: "/bin/true" and its NUL (10 bytes), 245
	# bytes and a NUL fill the 256 exactly; "Z" is left out.
	local fit
	fit=$(printf 'C%.0s' $(seq 245))
	run_captured /bin/true "$fit" Z
	local fit_pid=$RUN_PID
	stream_stop
	"$STREAM" --decode <"$TMP/cap" >"$TMP/frames"
	# The first 20 (argv[0] and 19 more), and " ..." (before, nothing
	# said the list went on); the size of all 26.
	local joined="${many[*]}"
	run -0 exec_records "$TMP/frames" "$many_pid" /bin/true
	[ "$output" = "$(jq -c -n --arg pp "$RUN_PPID" --arg sz "$((${#joined} + 1))" \
		--arg a "${many[*]:0:20} ..." '["exec", $pp, "65534", "0", $sz, "true", $a]')" ]
	run -0 exec_records "$TMP/frames" "$fit_pid" /bin/true
	[ "$output" = "$(jq -c -n --arg pp "$RUN_PPID" --arg a "/bin/true $fit ..." \
		'["exec", $pp, "65534", "0", "258", "true", $a]')" ]
	# 256 bytes: "/bin/true" and its NUL, then 246 bytes of the 300, quoted
	# and marked as cut.
	run -0 exec_records "$TMP/frames" "$long_pid" /bin/true
	[ "$output" = "$(jq -c -n --arg pp "$RUN_PPID" --arg a "/bin/true '${long:0:246}'..." \
		'["exec", $pp, "65534", "0", "311", "true", $a]')" ]
}

@test "with no consumer, events counts every exec and dropped the ones the full ring buffer lost" {
	run -0 loader load "$BPFOBJ/execsnoop.o"
	local n=2000 i ev0 dr0 ev1 dr1
	read -r ev0 dr0 < <(stats execsnoop/exec_stats)
	for i in $(seq "$n"); do /bin/true; done
	read -r ev1 dr1 < <(stats execsnoop/exec_stats)
	echo "events $ev0 -> $ev1, dropped $dr0 -> $dr1, ring buffer holds $RB_RECORDS"
	# Every exec of the loop counted (other processes' too: at least n).
	[ $((ev1 - ev0)) -ge "$n" ]
	# Nobody consumes this fresh ring buffer: at most RB_RECORDS were
	# recorded, every other exec seen was dropped and counted so.
	[ $((ev1 - dr1)) -le "$RB_RECORDS" ]
	[ $((dr1 - dr0)) -ge $((n - RB_RECORDS)) ]
	# The exporter shows both counters, apart.
	exporter_start
	run -0 scrape
	local ev dr
	ev=$(sed -n 's/^ebpf_execsnoop_exec_stats_events_total //p' <<<"$output")
	dr=$(sed -n 's/^ebpf_execsnoop_exec_stats_dropped_total //p' <<<"$output")
	[ "$ev" -ge "$ev1" ]
	[ "$dr" -ge "$dr1" ]
	[ "$dr" -lt "$ev" ]
}

# The exit records of PID in the capture, as [comm, exit_code], one a line.
exit_records() { # PID
	head -c "$(stat -c %s "$TMP/cap")" "$TMP/cap" | "$STREAM" --decode 2>/dev/null |
		jq -c --arg p "$1" "$JQ_REC"' select(.event) | rec
			| select(.pid == $p and .type == "exit") | [.comm, .exit_code]'
}
exit_captured() { # PID
	[ -n "$(exit_records "$1")" ]
}

@test "exitsnoop: a killing signal is told as -N; a process whose leader leaves first exits once, with its last thread's status" {
	require_host_pidns
	run -0 loader load "$BPFOBJ/exitsnoop.o"
	stream_start
	local rc=0 killed leader
	bash -c 'echo $$ >"$1"; kill -KILL $$' _ "$TMP/killed" || rc=$?
	[ "$rc" -eq 137 ]
	killed=$(cat "$TMP/killed")
	# The leader leaves with pthread_exit(); a thread it started exits 7
	# once the leader is a zombie.
	cat >"$TMP/leader.py" <<'PYEOF'
import ctypes, os, threading, time
def last():
    for _ in range(1000):
        if open("/proc/self/task/%d/stat" % os.getpid()).read().split(") ")[1][0] == "Z":
            os._exit(7)
        time.sleep(0.01) # not a wait: the poll interval of this bounded wait
    os._exit(3)
threading.Thread(target=last).start()
ctypes.CDLL(None).pthread_exit(None)
PYEOF
	rc=0
	"$PY" "$TMP/leader.py" &
	leader=$!
	wait "$leader" || rc=$?
	[ "$rc" -eq 7 ]
	wait_until 5 exit_captured "$killed"
	wait_until 5 exit_captured "$leader"
	stream_stop
	# Before: exit_code 0 for both, the second told when its leader left.
	run -0 exit_records "$killed"
	[ "$output" = '["bash","-9"]' ]
	run -0 exit_records "$leader"
	[ "$output" = '["python3","7"]' ]
}

@test "with no consumer, exitsnoop's events counts every exit and dropped apart" {
	run -0 loader load "$BPFOBJ/exitsnoop.o"
	local n=2000 i ev0 dr0 ev1 dr1
	read -r ev0 dr0 < <(stats exitsnoop/exit_stats)
	for i in $(seq "$n"); do /bin/true; done
	read -r ev1 dr1 < <(stats exitsnoop/exit_stats)
	echo "events $ev0 -> $ev1, dropped $dr0 -> $dr1, ring buffer holds $RB_RECORDS"
	[ $((ev1 - ev0)) -ge "$n" ]
	[ $((ev1 - dr1)) -le "$RB_RECORDS" ]
	[ $((dr1 - dr0)) -ge $((n - RB_RECORDS)) ]
}

@test "no padding field in ebpf-print, the exporter or ebpf-stream" {
	run -0 loader load "$BPFOBJ/execsnoop.o" "$BPFOBJ/exitsnoop.o"
	run -0 /bin/true
	run -0 --separate-stderr "$PRINT" --once --all --json --pin-root "$ROOT"
	[ "$(grep -c _pad <<<"$output")" -eq 0 ]
	run -0 --separate-stderr "$PRINT" --once --all --pin-root "$ROOT"
	[ "$(grep -c _pad <<<"$output")" -eq 0 ]
	exporter_start
	run -0 scrape
	[ "$(grep -c _pad <<<"$output")" -eq 0 ]
	# The stream describes the record field by field: exactly these.
	run -0 timeout "$(scaled_seconds 10)" "$STREAM" --once --pin-root "$ROOT" --output "$TMP/once"
	"$STREAM" --decode <"$TMP/once" >"$TMP/frames"
	[ "$(grep -c _pad "$TMP/frames")" -eq 0 ]
	run -0 jq -c 'select(.describe) | .describe.maps[] | select(.map == "proc_events")
		| [.record, [.record_fields[] | .name + ":" + (.decoder // "")]]' "$TMP/frames"
	[ "$output" = '["procevent",["ts_ns:","type:enum:procevent_type","pid:","ppid:","uid:","exit_code:","args_size:","comm:","filename:","args:argv:args_size"]]' ]
}

@test "the shipped rules pass promtool and alert on dropped process events" {
	run -0 promtool check rules "$RULES"
	cp "$RULES" "$TMP/rules.yml"
	# Drops from execsnoop on one host and exitsnoop on another, none on a
	# third: the alert fires for the first two, after its 15 minutes.
	cat >"$TMP/test.yml" <<-'EOF'
	rule_files: [rules.yml]
	evaluation_interval: 1m
	tests:
	  - interval: 1m
	    input_series:
	      - series: 'ebpf_execsnoop_exec_stats_dropped_total{instance="a:9435",backend="execsnoop",map="exec_stats"}'
	        values: '0+60x30'
	      - series: 'ebpf_exitsnoop_exit_stats_dropped_total{instance="b:9435",backend="exitsnoop",map="exit_stats"}'
	        values: '0+6x30'
	      - series: 'ebpf_execsnoop_exec_stats_dropped_total{instance="c:9435",backend="execsnoop",map="exec_stats"}'
	        values: '5x30'
	    alert_rule_test:
	      - eval_time: 10m
	        alertname: EbpfProcEventsDropped
	        exp_alerts: []
	      - eval_time: 25m
	        alertname: EbpfProcEventsDropped
	        exp_alerts:
	          - exp_labels: {severity: warning, instance: "a:9435"}
	            exp_annotations:
	              summary: "execsnoop/exitsnoop on a:9435 drop process events (1/s)"
	              description: "The ring buffer shared/proc_events is full, so exec and exit records are lost (the events counters still count each one). Either no ebpf-stream consumes it, or its consumer cannot keep up: check that ebpf-stream runs on that host and that its subscribers read fast enough. If nobody needs the records, unload execsnoop and exitsnoop."
	          - exp_labels: {severity: warning, instance: "b:9435"}
	            exp_annotations:
	              summary: "execsnoop/exitsnoop on b:9435 drop process events (100m/s)"
	              description: "The ring buffer shared/proc_events is full, so exec and exit records are lost (the events counters still count each one). Either no ebpf-stream consumes it, or its consumer cannot keep up: check that ebpf-stream runs on that host and that its subscribers read fast enough. If nobody needs the records, unload execsnoop and exitsnoop."
	EOF
	run -0 promtool test rules "$TMP/test.yml"
}
