#!/usr/bin/env bats
# ebpf-stream --publish: frames into a real NATS JetStream stream (nats-server
# -js in a private namespace, its own store directory), read back by a test
# consumer (tests/helpers/nats_consume) and decoded with ebpf-stream --decode.

bats_require_minimum_version 1.5.0
load lib

# Background processes in the namespace are started with nsenter itself,
# not in_ns: a function run in the background is a subshell, and its pid
# is not the server's or the stream's.
setup() {
	common_setup
	EXTRA_ROOTS=""
}

teardown() {
	local r
	for r in $EXTRA_ROOTS; do
		"$LOADER" unload --all --pin-root "$r" >/dev/null 2>&1 || true
		rm -rf "$r" 2>/dev/null || true
	done
	common_teardown
}

require_libnats_build() {
	run "$HELPERS/nats_consume"
	[ "$status" -ne 77 ] || skip "built without libnats (NATS=0)"
}

require_nats() {
	command -v nats-server >/dev/null || skip "nats-server not installed (scripts/install-deps.sh)"
	require_libnats_build
}

ringbuf_consumed_ns() { # ID: in this test's namespace
	in_ns ss -xa | grep "@ebpf-stream/ringbuf/$1 " >/dev/null
}

nats_listening() { # PORT
	in_ns ss -ltn | grep -E "127\.0\.0\.1:$1 " >/dev/null
}

# Start nats-server NAME with JetStream on 127.0.0.1:PORT in the namespace,
# its store under $TMP/NAME; ARGS (cluster options) follow. Sets NATS_PID.
nats_start() { # NAME PORT [ARGS...]
	local name=$1 port=$2
	shift 2
	nsenter --net="/run/netns/$NS" nats-server -js -a 127.0.0.1 -p "$port" -sd "$TMP/$name" --server_name "$name" "$@" \
		>>"$TMP/$name.log" 2>&1 &
	NATS_PID=$!
	BG_PIDS="$BG_PIDS $NATS_PID"
	wait_until 10 nats_listening "$port"
}

nats_stop() { # PID
	kill -TERM "$1"
	wait "$1" || true
}

# The messages of stream STREAM, from server URL: frames decoded as JSON
# lines into FILE.frames, "SUBJECT MSG-ID" lines into FILE.ids.
# IDLE: milliseconds without a message that end the reading (default 500).
nats_read() { # URL STREAM FILE [IDLE]
	in_ns "$HELPERS/nats_consume" "$1" "$2" 'ebpf.>' frames "${4:-500}" >"$3.raw" &&
		"$STREAM" --decode <"$3.raw" >"$3.frames" &&
		in_ns "$HELPERS/nats_consume" "$1" "$2" 'ebpf.>' ids "${4:-500}" >"$3.ids"
}

# How many exec events of processes named COMM FILE.frames holds.
comm_events() { # FILE COMM
	jq -c 'select(.event) | .event.fields[] | select(.name == "comm") | .values[0].s' \
		"$1.frames" | grep -c "\"$2\""
}

# The stream holds at least N exec events of processes named COMM.
nats_execs_at_least() { # URL STREAM COMM N
	nats_read "$1" "$2" "$TMP/poll" 100 && [ "$(comm_events "$TMP/poll" "$3")" -ge "$4" ]
}

# What most tests start from: nats-server at hand, this test's namespace,
# and a copy of the trigger helper named NAME, whose execs are the test's
# own events; execsnoop loaded under $ROOT unless "noload".
exec_test_setup() { # NAME [noload]
	require_nats
	netns_create
	[ "${2:-}" = noload ] || run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	cp "$HELPERS/trigger" "$TMP/$1"
}

execs() { # PROGRAM K
	local i
	for i in $(seq "$2"); do "$1" exit 0 || true; done
}

ringbuf_id() { # ROOT
	bpftool -j map show pinned "$1/shared/proc_events" | jq .id
}

# ebpf-stream --events publishing ROOT's ring buffer to URL (JetStream
# stream EV), in the namespace, stderr into ERR; once it consumes the ring
# buffer. Sets PUB_PID.
publisher_start() { # ROOT URL ERR [ARGS...]
	publisher_start_args "$1" "$2" "$3" --jetstream-stream EV "${@:4}"
}

# The same with no stream of its own: ARGS say which, if any.
publisher_start_args() { # ROOT URL ERR [ARGS...]
	nsenter --net="/run/netns/$NS" "$STREAM" --events --pin-root "$1" --publish "$2" \
		"${@:4}" 2>"$3" &
	PUB_PID=$!
	BG_PIDS="$BG_PIDS $PUB_PID"
	wait_until 5 ringbuf_consumed_ns "$(ringbuf_id "$1")"
}

# Every event seq of HOST in FILE.ids (from its message ids) is there
# once: none missing, none twice.
host_seqs_complete() { # FILE HOST
	local got
	got=$(awk -v h="ebpf.$2.shared.proc_events" '$1 == h { n = split($2, p, "/"); print p[n] }' "$1.ids" | sort -n)
	[ -n "$got" ] || { echo "host $2: no events" >&2; return 1; }
	[ "$got" = "$(seq "$(tail -n 1 <<<"$got")")" ] || { echo "host $2: seqs not 1..max once each" >&2; return 1; }
}

@test "one NATS server: K execs give exactly K exec events in the stream, on the map's subject, ids per host and seq" {
	local k=30 name=nx$$ url=nats://127.0.0.1:4222
	exec_test_setup "$name"
	nats_start a 4222
	publisher_start "$ROOT" "$url" "$TMP/err" --host-name "h1.x"
	local pid=$PUB_PID
	execs "$TMP/$name" "$k"
	wait_until 10 nats_execs_at_least "$url" EV "$name" "$k" || true
	kill -TERM "$pid"
	wait "$pid"
	cat "$TMP/err"
	[ ! -s "$TMP/err" ]
	run -0 nats_read "$url" EV "$TMP/s"
	# Exactly K of ours, each with its path.
	jq -c 'select(.event) | [.event.fields[] | {(.name): .values[0]}] | add | select(.comm.s == "'"$name"'") | .filename.s' \
		"$TMP/s.frames" >"$TMP/mine"
	[ "$(wc -l <"$TMP/mine")" -eq "$k" ]
	[ "$(sort -u "$TMP/mine")" = "\"$TMP/$name\"" ]
	# The host name made subject-safe; events on the map's subject, the
	# describe frame first, on the control subject.
	[ "$(head -n 1 "$TMP/s.ids" | cut -d' ' -f1)" = ebpf.h1_x._control ]
	head -n 1 "$TMP/s.frames" | jq -e '.describe.schema_version == 1'
	[ "$(jq -r 'select(.event) | .event.backend + "." + .event.map' "$TMP/s.frames" | sort -u)" = shared.proc_events ]
	[ "$(grep -v _control "$TMP/s.ids" | cut -d' ' -f1 | sort -u)" = ebpf.h1_x.shared.proc_events ]
	# Message ids: host/boot id/start/backend/map/seq, seq as in the frame.
	local boot
	boot=$(cat /proc/sys/kernel/random/boot_id)
	run -0 awk -v b="$boot" '$1 ~ /proc_events$/ { n = split($2, p, "/"); if (n != 6 || p[1] != "h1_x" || p[2] != b || p[4] != "shared" || p[5] != "proc_events") bad++ } END { exit bad > 0 }' "$TMP/s.ids"
	[ "$(awk '$1 ~ /proc_events$/ { n = split($2, p, "/"); print p[n] }' "$TMP/s.ids")" = \
	  "$(jq 'select(.event) | .event.seq' "$TMP/s.frames" | tr -d '"')" ]
	# Sequences complete, none twice, nothing lost.
	jq -s -e '[.[] | select(.event) | .event.seq | tonumber] | . == [range(1; length + 1)]' "$TMP/s.frames"
	[ -z "$(jq -c 'select(.lost)' "$TMP/s.frames")" ]
}

@test "bad --publish options are usage errors; --help lists the NATS options" {
	run -2 "$STREAM" --publish nats://127.0.0.1:1 --replicas 0
	[[ "$output" == *"invalid --replicas '0'"* ]]
	run -2 "$STREAM" --publish nats://127.0.0.1:1 --subject-prefix 'a.*'
	[[ "$output" == *"invalid --subject-prefix"* ]]
	run -2 "$STREAM" --once --publish nats://127.0.0.1:1
	[[ "$output" == *"not with --publish"* ]]
	# Values the server or libnats would only refuse later, for ever.
	local bad
	for bad in "" ",,," "nats://127.0.0.1:99999" "nats://[::1" "http://127.0.0.1:4222" "nats://:4222"; do
		run -2 "$STREAM" --publish "$bad"
		[ "$output" = "ebpf-stream: invalid --publish '$bad': nats://HOST[:PORT] or tls://HOST[:PORT], several separated by commas" ]
	done
	run -2 "$STREAM" --publish "nats://u:secret@127.0.0.1:0"
	[[ "$output" == *"invalid --publish '(not shown: it has credentials)'"* && "$output" != *secret* ]]
	run -2 "$STREAM" --publish nats://127.0.0.1:1 --subject-prefix 'a..b'
	[[ "$output" == *"invalid --subject-prefix 'a..b'"* ]]
	run -2 "$STREAM" --publish nats://127.0.0.1:1 --jetstream-stream 'a/b'
	[[ "$output" == *"invalid --jetstream-stream 'a/b'"* ]]
	run -2 "$STREAM" --publish nats://127.0.0.1:1 --host-name 'a/b'
	[[ "$output" == *"invalid --host-name 'a/b'"* ]]
	run -2 "$STREAM" --publish nats://127.0.0.1:1 --nats-key "$TMP/k"
	[ "$output" = "ebpf-stream: --nats-cert and --nats-key go together (a client certificate and its key)" ]
	# Good ones pass option parsing (the pin root is what fails here).
	run -1 "$STREAM" --publish "nats://u:p@h:4222,tls://[::1]:4443,NATS://h" --pin-root "$TMP/none"
	[[ "$output" == *"pin root"* ]]
	run -0 "$STREAM" --help
	[[ "$output" == *"--jetstream-stream"* && "$output" == *"--publish-buffer"* && "$output" == *"--nats-creds"* ]]
}

# Regression: a refused password left the stream running and publishing
# nothing, without a word.
nats_refusals_at_least() { # LOG N: nats-server's authentication errors
	[ "$(grep -ci 'authentication error' "$1")" -ge "$2" ]
}

@test "a NATS server refusing the password: the stream says why on stderr, once, and keeps retrying" {
	require_nats
	netns_create
	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	local url=nats://127.0.0.1:4222
	nats_start a 4222 --user ebpf --pass s3cret
	(umask 077 && printf 'user=ebpf\npassword=wrong\n' >"$TMP/nats.auth")
	publisher_start "$ROOT" "$url" "$TMP/err" --nats-auth-file "$TMP/nats.auth"
	# Refused at least three times: retried, told once.
	run -0 wait_until 20 nats_refusals_at_least "$TMP/a.log" 3
	run -0 wait_until 5 grep -q "Authorization Violation" "$TMP/err"
	cat "$TMP/err"
	run -0 grep -c "^ebpf-stream: NATS $url: .*Authorization Violation.* (retrying)$" "$TMP/err"
	[ "$output" = 1 ]
	run -0 kill -0 "$PUB_PID"
}

@test "the only NATS server stopped for 5 s and restarted: events made meanwhile arrive after it, once" {
	local k=20 name=no$$ url=nats://127.0.0.1:4222
	exec_test_setup "$name"
	nats_start a 4222
	local srv=$NATS_PID
	publisher_start "$ROOT" "$url" "$TMP/err" --host-name h1
	local pid=$PUB_PID
	execs "$TMP/$name" "$k"
	wait_until 10 nats_execs_at_least "$url" EV "$name" "$k"
	nats_stop "$srv"
	execs "$TMP/$name" "$k"
	sleep 5 # not a wait: the outage lasts 5 s
	nats_start a 4222
	execs "$TMP/$name" "$k"
	# Reconnect backoff: up to 5 s between tries.
	wait_until 30 nats_execs_at_least "$url" EV "$name" $((3 * k))
	kill -TERM "$pid"
	wait "$pid"
	run -0 nats_read "$url" EV "$TMP/s"
	[ "$(comm_events "$TMP/s" "$name")" -eq $((3 * k)) ]
	# Every seq once; a Describe again after the reconnect.
	jq -s -e '[.[] | select(.event) | .event.seq | tonumber] | sort | . == [range(1; length + 1)]' "$TMP/s.frames"
	[ "$(jq -c 'select(.describe)' "$TMP/s.frames" | wc -l)" -ge 2 ]
}

@test "an outage longer than --publish-buffer holds: the oldest events dropped, counted in a Lost frame, nothing silently missing" {
	local name=nl$$ url=nats://127.0.0.1:4222
	exec_test_setup "$name"
	nats_start a 4222
	local srv=$NATS_PID
	publisher_start "$ROOT" "$url" "$TMP/err" --host-name h1 --publish-buffer 65536
	local pid=$PUB_PID
	execs "$TMP/$name" 5
	wait_until 10 nats_execs_at_least "$url" EV "$name" 5
	nats_stop "$srv"
	# Far more than 64 KiB of frames while the server is away.
	execs "$TMP/$name" 600
	nats_start a 4222
	execs "$TMP/$name" 5
	wait_until 30 eval 'nats_read "$url" EV "$TMP/p" 100 && [ -n "$(jq -c "select(.lost)" "$TMP/p.frames")" ]'
	kill -TERM "$pid"
	wait "$pid"
	run -0 nats_read "$url" EV "$TMP/s"
	local lost got max
	lost=$(jq -s '[.[] | select(.lost) | .lost.frames | tonumber] | add' "$TMP/s.frames")
	got=$(jq -s '[.[] | select(.event) | .event.seq | tonumber] | unique | length' "$TMP/s.frames")
	max=$(jq -s '[.[] | select(.event) | .event.seq | tonumber] | max' "$TMP/s.frames")
	echo "lost $lost got $got max $max"
	[ "$lost" -gt 0 ]
	# Each seq there once, or counted lost. A frame dropped while its ack
	# was outstanding may have been stored all the same: counted, and there.
	[ "$(jq -s '[.[] | select(.event)] | length' "$TMP/s.frames")" -eq "$got" ]
	[ $((got + lost)) -ge "$max" ]
	[ "$(jq -r 'select(.lost) | .lost.reason' "$TMP/s.frames" | sort -u)" = "publish buffer full" ]
}

@test "three publishers with their own --host-name into one stream: each host's sequence complete" {
	local h r pids="" url=nats://127.0.0.1:4222 name=nh$$
	exec_test_setup "$name" noload
	nats_start a 4222
	for h in h1 h2 h3; do
		r=$ROOT-$h
		EXTRA_ROOTS="$EXTRA_ROOTS $r"
		run -0 "$LOADER" load execsnoop.o --pin-root "$r"
		publisher_start "$r" "$url" "$TMP/err-$h" --host-name "$h"
		pids="$pids $PUB_PID"
	done
	execs "$TMP/$name" 30
	wait_until 20 nats_execs_at_least "$url" EV "$name" 90
	for h in $pids; do
		kill -TERM "$h"
		wait "$h"
	done
	run -0 nats_read "$url" EV "$TMP/s"
	for h in h1 h2 h3; do
		host_seqs_complete "$TMP/s" "$h"
	done
	[ "$(comm_events "$TMP/s" "$name")" -eq 90 ]
}

@test "a 3-server cluster, a 3-replica stream, one server killed mid-run: every event arrives once" {
	local i name=nc$$ routes=nats://127.0.0.1:6301,nats://127.0.0.1:6302,nats://127.0.0.1:6303
	local servers=nats://127.0.0.1:4301,nats://127.0.0.1:4302,nats://127.0.0.1:4303 victim
	exec_test_setup "$name"
	for i in 1 2 3; do
		nats_start "n$i" "430$i" --cluster_name c --cluster "nats://127.0.0.1:630$i" --routes "$routes"
		[ "$i" -ne 1 ] || victim=$NATS_PID
	done
	publisher_start "$ROOT" "$servers" "$TMP/err" --replicas 3 --host-name h1
	local pid=$PUB_PID
	# The cluster elects its leaders: the stream is made once it can be.
	execs "$TMP/$name" 20
	wait_until 30 nats_execs_at_least nats://127.0.0.1:4302 EV "$name" 20
	kill -9 "$victim"
	execs "$TMP/$name" 20
	wait_until 30 nats_execs_at_least nats://127.0.0.1:4302 EV "$name" 40
	execs "$TMP/$name" 20
	wait_until 30 nats_execs_at_least nats://127.0.0.1:4303 EV "$name" 60
	kill -TERM "$pid"
	wait "$pid"
	# A cluster that lost a server may answer "stream not found" while its
	# meta leader moves: read once it answers, as in the polls above.
	wait_until 30 nats_read nats://127.0.0.1:4303 EV "$TMP/s"
	[ "$(comm_events "$TMP/s" "$name")" -eq 60 ]
	jq -s -e '[.[] | select(.event) | .event.seq | tonumber] | sort | . == [range(1; length + 1)]' "$TMP/s.frames"
}

# Regression: a server that came up after the stream started got two
# Describe frames back to back (the stream's own, and the one due after a
# reconnect).
@test "a NATS server started after the stream: one Describe, first" {
	local k=5 name=nd$$ url=nats://127.0.0.1:4222
	exec_test_setup "$name"
	publisher_start "$ROOT" "$url" "$TMP/err" --host-name h1
	local pid=$PUB_PID
	execs "$TMP/$name" "$k"
	nats_start a 4222
	run -0 wait_until 30 nats_execs_at_least "$url" EV "$name" "$k"
	kill -TERM "$pid"
	wait "$pid"
	run -0 nats_read "$url" EV "$TMP/s"
	run -0 jq -c 'select(.describe) | .describe.schema_version' "$TMP/s.frames"
	[ "$output" = 1 ]
	head -n 1 "$TMP/s.frames" | jq -e '.describe.schema_version == 1'
}

# Regression: frames still awaiting their ack when the stop's 5 s ran out
# (a frozen server) were in no count: lost with exit 0, without a word.
@test "stopped while the NATS server is frozen: frames sent and not acknowledged are said" {
	local name=nf$$ url=nats://127.0.0.1:4222
	exec_test_setup "$name"
	nats_start a 4222
	local srv=$NATS_PID
	publisher_start "$ROOT" "$url" "$TMP/err" --host-name h1
	local pid=$PUB_PID
	execs "$TMP/$name" 5
	run -0 wait_until 10 nats_execs_at_least "$url" EV "$name" 5
	kill -STOP "$srv"
	execs "$TMP/$name" 50
	kill -TERM "$pid"
	wait "$pid"
	kill -CONT "$srv"
	cat "$TMP/err"
	run -0 grep -E '^ebpf-stream: --publish: [0-9]+ bytes of frames not sent, [1-9][0-9]* frames \([1-9][0-9]* bytes\) sent and not acknowledged, ' "$TMP/err"
}

# Regression: with no stream for the subjects every frame was refused and
# sent again, the retries growing without bound, and nothing was said.
# FILE's report at the stop: "N bytes of frames not sent, ... N event frames dropped".
report_field() { # FILE WHAT: the number before WHAT in the report at close
	grep "^ebpf-stream: --publish: " "$1" | grep -o "[0-9]* $2" | cut -d' ' -f1
}

@test "no JetStream stream for the subjects: said once, what waits within --publish-buffer, the oldest events dropped" {
	local name=ns$$ url=nats://127.0.0.1:4222
	exec_test_setup "$name"
	nats_start a 4222
	publisher_start_args "$ROOT" "$url" "$TMP/err" --host-name h1 --publish-buffer 65536
	local pid=$PUB_PID
	# Far more than 64 KiB of frames, every one refused.
	execs "$TMP/$name" 600
	run -0 wait_until 10 grep -q 'no JetStream stream takes subject' "$TMP/err"
	kill -TERM "$pid"
	wait "$pid"
	cat "$TMP/err"
	run -0 grep -c 'no JetStream stream takes subject' "$TMP/err"
	[ "$output" = 1 ]
	run -0 grep -E '^ebpf-stream: NATS: no JetStream stream takes subject ebpf\.h1\.[a-z_.]+ \(create one, or give --jetstream-stream NAME\)$' "$TMP/err"
	local unsent dropped
	unsent=$(report_field "$TMP/err" "bytes of frames not sent")
	dropped=$(report_field "$TMP/err" "event frames dropped")
	echo "unsent $unsent dropped $dropped"
	# The buffer, and the few control frames kept beside it.
	[ "$unsent" -le $((65536 + 16384)) ]
	[ "$dropped" -gt 0 ]
}

# The stream holds a Lost frame of host HOST on subjects PREFIX.>.
nats_has_lost() { # URL STREAM PREFIX HOST
	in_ns "$HELPERS/nats_consume" "$1" "$2" "$3.$4._control" frames 100 >"$TMP/lost.raw" &&
		"$STREAM" --decode <"$TMP/lost.raw" >"$TMP/lost.frames" &&
		[ -n "$(jq -c 'select(.lost)' "$TMP/lost.frames")" ]
}

# A stream with --snapshots only, publishing PREFIX.h0 frames into stream
# NAME, which it makes; once NAME is there. Not under `run`: its pid goes
# into BG_PIDS.
stream_maker_start() { # URL NAME PREFIX
	nsenter --net="/run/netns/$NS" "$STREAM" --snapshots --pin-root "$ROOT" --publish "$1" \
		--jetstream-stream "$2" --subject-prefix "$3" --host-name h0 >/dev/null 2>"$TMP/err-$2" &
	BG_PIDS="$BG_PIDS $!"
	wait_until 10 nats_stream_there "$1" "$2" "$3.>"
}

nats_stream_there() { # URL NAME FILTER
	in_ns "$HELPERS/nats_consume" "$1" "$2" "$3" ids 100 >/dev/null 2>&1
}

@test "--jetstream-stream naming a stream that does not take the prefix: said once; once a stream takes it, a Lost frame counts the drops" {
	local name=nm$$ url=nats://127.0.0.1:4222
	exec_test_setup "$name"
	nats_start a 4222
	stream_maker_start "$url" S1 p1
	publisher_start_args "$ROOT" "$url" "$TMP/err" --host-name h1 --publish-buffer 65536 \
		--subject-prefix p2 --jetstream-stream S1
	local pid=$PUB_PID
	execs "$TMP/$name" 600
	run -0 wait_until 10 grep -q 'no JetStream stream takes subject p2\.h1\.' "$TMP/err"
	# A stream for p2.> now: the frames kept flow, with the count of the others.
	stream_maker_start "$url" S2 p2
	run -0 wait_until 20 nats_has_lost "$url" S2 p2 h1
	kill -TERM "$pid"
	wait "$pid"
	cat "$TMP/err"
	run -0 grep -c 'no JetStream stream takes subject' "$TMP/err"
	[ "$output" = 1 ]
	run -0 grep -E '^ebpf-stream: NATS: no JetStream stream takes subject p2\.h1\.[a-z_.]+ \(the subjects of stream S1 must cover p2\.>\)$' "$TMP/err"
	run -0 jq -r 'select(.lost) | .lost.reason' "$TMP/lost.frames"
	[ "$output" = "publish buffer full" ]
}

# A user's nkey pair, made here independently of ebpf-stream: the Ed25519
# key by openssl; its nkey encoding (the nkeys spec: base32 without padding
# of the prefix bytes, the key and their CRC-16/XMODEM, little endian) by
# python3. The seed into FILE (mode 0600), the public key on stdout.
nkey_make() { # FILE
	(umask 077 && openssl genpkey -algorithm ed25519 -out "$1.pem") &&
		openssl pkey -in "$1.pem" -outform DER -out "$1.priv" &&
		openssl pkey -in "$1.pem" -pubout -outform DER -out "$1.pub" &&
		(umask 077 && python3 - "$1" <<'PY'
import base64, binascii, sys

def nkey(b):
    crc = binascii.crc_hqx(b, 0).to_bytes(2, "little")
    return base64.b32encode(b + crc).decode().rstrip("=")

f = sys.argv[1]
user, seed = 20 << 3, 18 << 3
priv = open(f + ".priv", "rb").read()[-32:]  # PKCS#8 ends with the 32-byte seed
pub = open(f + ".pub", "rb").read()[-32:]    # SubjectPublicKeyInfo with the key
with open(f, "w") as out:
    out.write(nkey(bytes([seed | user >> 5, (user & 31) << 3]) + priv) + "\n")
print(nkey(bytes([user]) + pub))
PY
		)
}

# Regression: --nats-nkey sent the server an empty public key (libnats
# 3.4 does not derive it from the seed): refused, retried without end.
@test "--nats-nkey: a server that knows the user's public nkey stores the events; another user's seed is refused, said" {
	local k=10 name=nk$$ url=nats://127.0.0.1:4222 reader=nats://reader:r3ad@127.0.0.1:4222 pub
	exec_test_setup "$name"
	run -0 nkey_make "$TMP/user.nk"
	pub=$output
	[[ "$pub" =~ ^U[A-Z2-7]{55}$ ]]
	run -0 nkey_make "$TMP/other.nk"
	# The test's consumer reads with a password of its own.
	printf 'authorization { users = [ { nkey: %s }, { user: reader, password: r3ad } ] }\n' \
		"$pub" >"$TMP/nk.conf"
	nats_start a 4222 -c "$TMP/nk.conf"
	publisher_start "$ROOT" "$url" "$TMP/err" --host-name h1 --nats-nkey "$TMP/user.nk"
	local pid=$PUB_PID
	execs "$TMP/$name" "$k"
	run -0 wait_until 10 nats_execs_at_least "$reader" EV "$name" "$k"
	kill -TERM "$pid"
	wait "$pid"
	run -0 cat "$TMP/err"
	[ -z "$output" ]
	run -1 grep -i "authentication error" "$TMP/a.log"
	# A seed the server does not know: refused, said once, retried.
	publisher_start "$ROOT" "$url" "$TMP/err2" --host-name h2 --nats-nkey "$TMP/other.nk"
	run -0 wait_until 10 grep -q "Authorization Violation" "$TMP/err2"
	run -0 grep -c "^ebpf-stream: NATS $url: .*Authorization Violation.* (retrying)$" "$TMP/err2"
	[ "$output" = 1 ]
	run -0 kill -0 "$PUB_PID"
}

@test "--nats-nkey: a seed file missing, damaged or not a user's is refused at start, naming it and why" {
	require_libnats_build
	mkdir "$ROOT" # teardown removes it
	local url=nats://127.0.0.1:1 seed
	# timeout: a stream that took the file would retry without end.
	run -0 nkey_make "$TMP/user.nk"
	seed=$(cat "$TMP/user.nk")
	run -1 timeout 10 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --publish "$url" --nats-nkey "$TMP/none.nk"
	[ "$output" = "ebpf-stream: --nats-nkey $TMP/none.nk: No such file or directory" ]
	# One character changed: its checksum no longer holds.
	if [ "${seed:10:1}" = A ]; then printf '%sB%s\n' "${seed:0:10}" "${seed:11}"; else
		printf '%sA%s\n' "${seed:0:10}" "${seed:11}"; fi >"$TMP/bad.nk"
	run -1 timeout 10 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --publish "$url" --nats-nkey "$TMP/bad.nk"
	[ "$output" = "ebpf-stream: --nats-nkey $TMP/bad.nk: the seed's checksum is wrong (a damaged or mistyped seed)" ]
	# An account's seed (SA...), the public key, a file of something else.
	echo SAAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAO4AA >"$TMP/account.nk"
	run -1 timeout 10 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --publish "$url" --nats-nkey "$TMP/account.nk"
	[ "$output" = "ebpf-stream: --nats-nkey $TMP/account.nk: not a user seed (SU...)" ]
	run -1 timeout 10 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --publish "$url" --nats-nkey "$TMP/user.nk.pem"
	[ "$output" = "ebpf-stream: --nats-nkey $TMP/user.nk.pem: no nkey seed in it (a line starting with S)" ]
	run -1 timeout 10 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --publish "$url" --nats-nkey "$TMP"
	[ "$output" = "ebpf-stream: --nats-nkey $TMP: Is a directory" ]
}

# Regression: a missing .creds file was "No server available for
# connection", retried without end; a missing CA was "...: (null)".
@test "credential and TLS files that cannot be read are refused at start, naming the file and why" {
	require_libnats_build
	mkdir "$ROOT" # teardown removes it
	local opt url=nats://127.0.0.1:1
	# timeout: a stream that took the file would retry without end.
	local -A pair=([nats-cert]="--nats-key $TMP/there" [nats-key]="--nats-cert $TMP/there")
	: >"$TMP/there" # a file that opens: its partner is the one refused
	for opt in nats-creds nats-ca nats-cert nats-key nats-auth-file; do
		# shellcheck disable=SC2086 # the partner option and its file
		run -1 timeout 10 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --publish "$url" \
			"--$opt" "$TMP/none" ${pair[$opt]:-}
		[ "$output" = "ebpf-stream: --$opt $TMP/none: No such file or directory" ]
	done
	run -1 timeout 10 "$STREAM" --pin-root "$ROOT" --output "$TMP/out" --publish "$url" --nats-creds "$TMP"
	[ "$output" = "ebpf-stream: --nats-creds $TMP: Is a directory" ]
}

# Regression: a TLS server whose certificate the CA does not verify was
# "No server available for connection", the handshake's reason lost.
@test "a NATS server whose TLS certificate --nats-ca does not verify: the handshake's reason is said" {
	require_nats
	netns_create
	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	local url=tls://127.0.0.1:4222
	# The server's certificate, and a CA that did not sign it.
	run -0 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=srv \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/srv.key" -out "$TMP/srv.crt"
	run -0 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=ca \
		-keyout "$TMP/ca.key" -out "$TMP/ca.crt"
	nats_start a 4222 --tls --tlscert "$TMP/srv.crt" --tlskey "$TMP/srv.key"
	publisher_start "$ROOT" "$url" "$TMP/err" --nats-ca "$TMP/ca.crt"
	run -0 wait_until 10 grep -q "SSL handshake error" "$TMP/err"
	cat "$TMP/err"
	run -0 grep -c "^ebpf-stream: NATS $url: SSL handshake error: .*certificate.* (retrying)$" "$TMP/err"
	[ "$output" = 1 ]
	run -1 grep "No server available" "$TMP/err"
	run -0 kill -0 "$PUB_PID"
}
