#!/bin/bash
# Section 8: ring buffer -> ebpf-stream --publish -> nats-server (JetStream,
# file storage) on loopback.
#
# The ringflood backend (bench/bpf/ringflood.bpf.c) writes RECORDS 104-byte
# records as fast as bench/helpers/ringflood can ask; ebpf-stream --events
# --publish sends each as one JetStream message (asynchronous, acked, with
# its Nats-Msg-Id) to a fresh nats-server -js with its own store directory.
# Per run:
#   rate      records / (producer start -> the stream holding every record),
#             counted by the server (stream info), so acknowledged and stored
#   zero loss kernel drops 0, stream messages = records + control frames
#             (the describe frame, heartbeats), no Lost frame
#   CPU       ebpf-stream's utime+stime per record over the same span
# The peer: the plainest libnats JetStream publisher (bench/helpers/
# nats_minpub), same number of messages of the same mean size (taken from
# the stream), same window, to a fresh server: the engine's limit here.
# Ratio: per run, interleaved; the median of the ratios.
#
# Runs alone too: BUILD=build RESULTS=/dev/stdout bash bench/80-nats.sh
source "$(dirname "$0")/lib.sh"
SECTION="ring buffer to NATS JetStream"

RECORDS=${RECORDS:-1000000}
WINDOW=${WINDOW:-16384}
TARGET=250000

command -v nats-server >/dev/null || bench_die "nats-server missing: scripts/install-deps.sh"
for f in "$BOBJ/ringflood.o" "$BH/ringflood" "$BH/nats_minpub" "$STREAM"; do
	[ -e "$f" ] || bench_die "$f missing: make bench (or make $f)"
done
"$BH/nats_minpub" >/dev/null 2>&1
[ $? -ne 77 ] || bench_die "built without libnats (NATS=0)"
load_ringflood
now() { date +%s.%N; }

# nats-server -js on a free loopback port, store under DIR; sets NATS_PID, NATS_URL.
nats_up() { # DIR
	local port i
	port=$(free_port)
	nats-server -js -a 127.0.0.1 -p "$port" -sd "$1" >"$1.log" 2>&1 &
	NATS_PID=$!
	bench_bg "$NATS_PID"
	NATS_URL=nats://127.0.0.1:$port
	for ((i = 0; i < 200; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	bench_die "nats-server did not start: $(cat "$1.log")"
}

nats_down() {
	kill -TERM "$NATS_PID"
	wait "$NATS_PID"
	forget_pid "$NATS_PID"
}

# In the background, one process over one connection: "t=REALTIME_S" into
# FILE once stream B holds N messages (a process per poll took most of a
# core from the publisher measured). Sets WAITER.
end_waiter() { # N FILE
	"$BH/nats_minpub" wait "$NATS_URL" B "$1" 600 >"$2" &
	WAITER=$!
	bench_bg "$WAITER"
}

# One run; prints "rate cpu_ns_per_record produced dropped msgs lost mean_size"
stream_run() { # N
	local d=$BENCH_TMP/s$1 sp prod t0 t1 c0 c1 st info lost
	mkdir -p "$d"
	nats_up "$d/store"
	"$STREAM" --pin-root "$BENCH_ROOT" --events ringflood/events --publish "$NATS_URL" \
		--jetstream-stream B --publish-buffer $((1 << 30)) --publish-window "$WINDOW" \
		--host-name bench 2>"$d/stream.err" &
	sp=$!
	bench_bg "$sp"
	"$BH/nats_minpub" wait "$NATS_URL" B 1 60 >/dev/null ||
		bench_die "ebpf-stream did not publish: $(cat "$d/stream.err")"
	# The end: when the stream holds every record and the describe frame.
	end_waiter $((RECORDS + 1)) "$d/t1"
	c0=$(cpu_ticks "$sp")
	t0=$(now)
	prod=$("$BH/ringflood" "$MAPS" "$RECORDS") || bench_die "producer failed"
	if [ "$(kv produced "$prod")" != "$RECORDS" ]; then # kernel drops: a 0 run, but ends
		kill "$WAITER"
		wait "$WAITER"
		forget_pid "$WAITER"
		end_waiter $(($(kv produced "$prod") + 1)) "$d/t1"
	fi
	wait "$WAITER" || bench_die "records missing in the stream"
	forget_pid "$WAITER"
	t1=$(kv t "$(cat "$d/t1")")
	c1=$(cpu_ticks "$sp")
	kill -TERM "$sp"
	wait "$sp"
	st=$?
	forget_pid "$sp"
	[ "$st" = 0 ] || bench_die "ebpf-stream exited $st: $(cat "$d/stream.err")"
	info=$("$BH/nats_minpub" count "$NATS_URL" B)
	lost=$(grep -c "dropped" "$d/stream.err")
	nats_down
	rm -rf "$d/store"
	awk -v t0="$t0" -v t1="$t1" -v p="$(kv produced "$prod")" -v dr="$(kv dropped "$prod")" \
		-v m="$(kv msgs "$info")" -v b="$(kv bytes "$info")" -v c=$((c1 - c0)) -v tck="$TCK" -v l="$lost" \
		'BEGIN { printf "%.0f %.1f %d %d %d %d %.0f\n", p / (t1 - t0), c / tck * 1e9 / p, p, dr, m, l, b / m }'
}

# The minimal publisher: N messages of SIZE bytes; prints its rate. Same
# sized means headers too: the subject and Nats-Msg-Id are as long as
# ebpf-stream's (PREFIX.HOST.BACKEND.MAP; HOST/BOOT_ID/START_NS/BACKEND/MAP/SEQ).
# With "bench.x" and "minpub/SEQ" the server did ~20 % less work per message.
PEER_SUBJECT=ebpf.bench.ringflood.events
PEER_ID=bench/$(cat /proc/sys/kernel/random/boot_id)/$(date +%s%N)/ringflood/events
peer_run() { # N SIZE RUN
	local d=$BENCH_TMP/p$3 out
	mkdir -p "$d"
	nats_up "$d/store"
	out=$("$BH/nats_minpub" pub "$NATS_URL" P "$PEER_SUBJECT" "$1" "$2" "$WINDOW" "$PEER_ID") ||
		bench_die "nats_minpub failed"
	nats_down
	rm -rf "$d/store"
	[ "$(kv errors "$out")" = 0 ] || bench_die "nats_minpub: $out"
	kv rate "$out"
}

: >"$BENCH_TMP/stream"
: >"$BENCH_TMP/peer"
for ((i = 0; i < RUNS; i++)); do
	stream_run "$i" >>"$BENCH_TMP/stream"
	s=$(tail -n 1 "$BENCH_TMP/stream")
	bench_log "ebpf-stream --publish run $((i + 1)): $s"
	peer_run "$(awk '{ print $3 }' <<<"$s")" "$(awk '{ print $7 }' <<<"$s")" "$i" >>"$BENCH_TMP/peer"
	bench_log "minimal publisher run $((i + 1)): $(tail -n 1 "$BENCH_TMP/peer")"
done

S=$BENCH_TMP/stream
# A run that lost a record counts as 0 records/s: a zero-loss rate.
rate=$(awk '{ print ($4 == 0 && $5 > $3 && $6 == 0) ? $1 : 0 }' "$S" | median)
peer=$(median <"$BENCH_TMP/peer")
ratio=$(paste "$S" "$BENCH_TMP/peer" | awk '{ print ($4 == 0 && $5 > $3 && $6 == 0) ? $1 / $8 : 0 }' | median)
cpu=$(awk '{ print $2 }' "$S" | median)
size=$(awk '{ print $7 }' "$S" | median)
dropped=$(awk '{ s += $4 } END { print s + 0 }' "$S")
result "records/s acknowledged by JetStream, zero loss" "$(fmt "$rate")" rec/s \
	"minimal libnats JetStream publisher" "$(fmt "$peer")" ">=$TARGET" \
	"$RUNS runs of $RECORDS; $(fmt "$size") B mean message; window $WINDOW; kernel dropped $dropped"
result "ebpf-stream --publish vs the minimal publisher" "$(fmt "$ratio" 2)" x - - ">=0.8" \
	"median of per-run ratios, interleaved"
result "ebpf-stream --publish CPU per record" "$(fmt "$cpu")" ns - - - "median of $RUNS runs"
