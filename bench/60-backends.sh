#!/usr/bin/env bash
# Benchmark 6: what one event costs the operators' backends in the kernel,
# each against the libbpf-tools tool an operator would run instead:
#   runqlat     vs runqlat,            pingpong: two processes on one CPU
#                                      passing a byte over pipes (a wakeup
#                                      and a switch per hand-off);
#   biolatency  vs biolatency -D -F,   4 KiB O_DIRECT writes and reads on a
#                                      loop device of our own;
#   tcpstates   vs tcpstates,          tcpchurn: short loopback connections
#                                      in a private network namespace;
#   softirqs    vs softirqs -d,        udpsend: UDP datagrams over lo in the
#                                      namespace (a NET_RX softirq each).
# The peers run with the options that give what ours presents: a histogram
# per disk and operation (-D -F: per disk and I/O flags), one per softirq
# vector (-d). Ours runs as an operator would run it: where it has a ring
# buffer (tcpstates), `ebpf-stream --events` reads it during the window.
# Target (issue 13): ours at most 0.8x the peer's cost.
#
# Per-event cost, the same for ours and for the peer: with
# kernel.bpf_stats_enabled=1, over one window of the workload, the
# run_time_ns of all the subject's programs added up, divided by the
# run_cnt of its most-run program. An event is one firing of the hook that
# fires most (sched_switch, block_rq_complete, inet_sock_set_state,
# softirq_exit), and everything the subject runs for it, on the other
# hooks too (the wakeup, the issue, the softirq entry), is in its cost.
# Not per program run: a subject that splits its work over more programs
# would look cheaper per run while costing as much per event. Not per
# event of the workload either: tracepoints are global, so the programs
# also run, and are timed, for whatever else the machine does meanwhile;
# run_cnt counts exactly the runs run_time_ns was spent on.
#
# Each subject is attached alone, one after the other within a run (the
# order alternating from run to run), so the ratio to the peer is taken
# within a run; figures are medians of RUNS runs, and the target is checked
# against the median of the per-run ratios. Where bench/bpf/NAMEfloor.o
# exists, a floor row times it in the same runs: programs on our hooks
# doing only one clock read each, the least any per-event timing costs.
# A backend of ours not built (no build/bpf/NAME.o) gives a row saying so;
# libbpf-tools oomkill and tcpconnlat are started too, and their row says
# why they cannot run here (they need kprobes).
#   BUILD=build RESULTS=/dev/stdout bash bench/60-backends.sh
# (BK_ONLY="NAME ..." times only those backends, for a closer look.)
source "$(dirname "$0")/lib.sh"
SECTION="backend cost"

MIN_EVENTS=${BK_MIN_EVENTS:-1000}	# fewer runs than this in a window: not a figure
ROUNDS=${BK_ROUNDS:-20000}	# pingpong rounds per window (two hand-offs each)
IO_COUNT=${BK_IO_COUNT:-4096}	# 4 KiB direct writes, and as many reads, per window
CONNS=${BK_CONNS:-2000}		# TCP connections per window
DGRAMS=${BK_DGRAMS:-20000}	# UDP datagrams per window
UDP_PORT=9		# in the private namespace: nobody else's
TARGET="<=0.8x"		# ours at most 0.8 times the peer's ns/event
BK_ONLY=${BK_ONLY:-}	# "biolatency softirqs": only these backends' rows
LT=${LIBBPF_TOOLS:-/usr/sbin}

for f in "$BH/pingpong" "$BH/tcpchurn" "$TH/udpsend"; do
	[ -x "$f" ] || bench_die "$f missing: make bench builds it"
done
for t in runqlat biolatency tcpstates softirqs oomkill tcpconnlat; do
	[ -x "$LT/$t" ] || bench_die "libbpf-tools $t not installed ($LT/$t)"
done

STREAM_PID=

# --- workloads (W_*: one window, T_*: one event to see a peer attached) -------

w_sched() { "$BH/pingpong" "$ROUNDS"; }
t_sched() { "$BH/pingpong" 10; }
w_block() { bench_blockio "$IO_COUNT"; }
t_block() { bench_poke_io; }
w_tcp() { in_bench_ns "$BH/tcpchurn" "$CONNS"; }
t_tcp() { in_bench_ns "$BH/tcpchurn" 1; }
w_softirq() { in_bench_ns "$TH/udpsend" 127.0.0.1 "$UDP_PORT" "$DGRAMS" 64; }
t_softirq() { in_bench_ns "$TH/udpsend" 127.0.0.1 "$UDP_PORT" 1 64; }

# --- ours ---------------------------------------------------------------------

# An `ebpf-stream --events` reader on each ring buffer of backend NAME, if
# it has any, started before the window (its first frame is written once
# it has opened them) and stopped after: records consumed, as in use.
stream_start() { # NAME
	local sels
	sels=$("$LOADER" show "$1" --pin-root "$BENCH_ROOT" --json |
		jq -r --arg n "$1" '.maps[] | select(.type == "ringbuf") | "\($n)/\(.name)"')
	[ -n "$sels" ] || return 0
	# shellcheck disable=SC2086
	"$STREAM" --pin-root "$BENCH_ROOT" --events $sels >"$BENCH_TMP/stream.out" 2>"$BENCH_TMP/stream.err" &
	STREAM_PID=$!
	bench_bg "$STREAM_PID"
	bench_wait_output "$STREAM_PID" "$BENCH_TMP/stream.out" ||
		bench_die "ebpf-stream --events $sels did not start: $(tail -1 "$BENCH_TMP/stream.err")"
}

stream_stop() {
	[ -n "$STREAM_PID" ] || return 0
	kill -TERM "$STREAM_PID" 2>/dev/null
	wait "$STREAM_PID" 2>/dev/null
	forget_pid "$STREAM_PID"
	STREAM_PID=
}

# "KIND TARGET, ..." of backend NAME's programs, for the note
ours_hooks() { # NAME
	"$LOADER" show "$1" --pin-root "$BENCH_ROOT" --json |
		jq -r '[.programs[] | "\(.attach_kind) \(.attach_target)"] | join(", ")'
}

# one window of WORKLOAD with backend NAME loaded: appends to NAME.o.ns/.ev
measure_ours() { # NAME WORKLOAD
	ours_load "$1"
	[ -s "$BENCH_TMP/$1.o.hooks" ] || ours_hooks "$1" >"$BENCH_TMP/$1.o.hooks"
	stream_start "$1"
	window_stats "$OURS_IDS" "w_$2"
	keep "$1.o.ns" "$NS"
	keep "$1.o.ev" "$EV"
	stream_stop
	ours_unload "$1"
}

# --- the peer -----------------------------------------------------------------

# "NAME NAME ... (TYPE)" of the peer's programs, as bpftool shows them
peer_progs() {
	bpftool prog show -j | jq -r --arg ids "$PEER_IDS" '
		($ids | split(" ") | map(tonumber)) as $p
		| [.[] | select(.id as $i | $p | index($i))]
		| "\(map(.name) | join(" ")) (\(map(.type) | unique | join(", ")))"'
}

# one window of WORKLOAD with the peer attached: appends to NAME.p.ns/.ev;
# false, with the reason in NAME.p.err, if the peer cannot run
measure_peer() { # NAME WORKLOAD ATTACH CMD...
	local name=$1 w=$2 attach=$3
	shift 3
	if ! peer_start "$attach" "t_$w" "$@"; then
		echo "$PEER_ERR" >"$BENCH_TMP/$name.p.err"
		return 1
	fi
	[ -s "$BENCH_TMP/$name.p.progs" ] || peer_progs >"$BENCH_TMP/$name.p.progs"
	window_stats "$PEER_IDS" "w_$w"
	keep "$name.p.ns" "$NS"
	keep "$name.p.ev" "$EV"
	peer_stop
}

# --- one backend against its peer ---------------------------------------------

# RUNS runs of ours and the peer under WORKLOAD, then the row. ATTACH: a
# regex matching the peer's program on the hook that fires most (it has
# run once the peer is attached).
bench_backend() { # NAME WORKLOAD ATTACH PEER_CMD...
	local name=$1 w=$2 attach=$3 built=1 r o p
	shift 3
	[[ -z "$BK_ONLY" || " $BK_ONLY " == *" $name "* ]] || return 0
	[ -r "$BUILD/bpf/$name.o" ] || built=
	bench_log "$name: $RUNS runs of workload $w, ours$([ -n "$built" ] || echo " (not built)") and $*"
	for ((r = 0; r < RUNS; r++)); do
		if [ -n "$built" ] && ((r % 2 == 0)); then measure_ours "$name" "$w"; fi
		measure_floor "$name" "$w"
		if [ ! -e "$BENCH_TMP/$name.p.err" ]; then
			measure_peer "$name" "$w" "$attach" "$@" ||
				bench_log "$name: peer cannot run: $(cat "$BENCH_TMP/$name.p.err")"
		fi
		if [ -n "$built" ] && ((r % 2 == 1)); then measure_ours "$name" "$w"; fi
		o=$(tail -1 "$BENCH_TMP/$name.o.ns" 2>/dev/null || echo -)
		p=$(tail -1 "$BENCH_TMP/$name.p.ns" 2>/dev/null || echo -)
		[ -e "$BENCH_TMP/$name.p.err" ] || keep "$name.ratio" "$(ratio "${o:--}" "${p:--}")"
		floor_ratios "$name" "${o:--}" "${p:--}"
		bench_log "run $((r + 1)): ns/event $name ours ${o:--}, peer ${p:--}$(floor_log "$name")"
	done
	backend_row "$name" "$built" "libbpf-tools $(basename "$1")${2:+ ${*:2}}"
	floor_row "$name" "libbpf-tools $(basename "$1")${2:+ ${*:2}}"
}

# --- the floor: what any backend on the same hooks must spend ----------------

# bench/bpf/NAMEfloor.bpf.c, where there is one, does on NAME's hooks only
# the two clock reads any per-event timing needs. Timed in the same runs as
# ours and the peer, it shows how much of their cost is left to save.
floor_obj() { echo "$BOBJ/${1}floor.o"; }

measure_floor() { # NAME WORKLOAD
	local obj ids
	obj=$(floor_obj "$1")
	[ -r "$obj" ] || return 0
	"$LOADER" load "$obj" --pin-root "$BENCH_ROOT" >/dev/null || bench_die "ebpf-loader load $obj failed"
	ids=$("$LOADER" show "${1}floor" --pin-root "$BENCH_ROOT" --json | jq -r '.programs[].id' | paste -sd' ' -)
	[ -n "$ids" ] || bench_die "no program id for ${1}floor"
	[ -s "$BENCH_TMP/$1.f.hooks" ] || ours_hooks "${1}floor" >"$BENCH_TMP/$1.f.hooks"
	window_stats "$ids" "w_$2"
	keep "$1.f.ns" "$NS"
	keep "$1.f.ev" "$EV"
	ours_unload "${1}floor"
}

floor_ratios() { # NAME OURS_NS PEER_NS: this run's floor against both
	local f
	[ -s "$BENCH_TMP/$1.f.ns" ] || return 0
	f=$(tail -1 "$BENCH_TMP/$1.f.ns")
	keep "$1.fp.ratio" "$(ratio "$f" "$3")"
	keep "$1.of.ratio" "$(ratio "$2" "$f")"
}

floor_log() { # NAME
	[ -s "$BENCH_TMP/$1.f.ns" ] && echo ", floor $(tail -1 "$BENCH_TMP/$1.f.ns")"
}

floor_row() { # NAME PEER_LABEL
	local name=$1 note
	[ -s "$BENCH_TMP/$name.f.ns" ] || return 0
	note="median of $RUNS; the floor: programs doing nothing but one clock read (bpf_ktime_get_ns) on each of ours' hooks ($(cat "$BENCH_TMP/$name.f.hooks")), timed in the same runs"
	note+="; floor/peer x$(med_or_dash "$name.fp.ratio"), ours/floor x$(med_or_dash "$name.of.ratio") (medians of per-run ratios)"
	note+="; clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
	note+=$(events_note "$name.f.ev:floor")
	result "$name floor (two clock reads) ns/event" "$(med_or_dash "$name.f.ns")" ns "$2" \
		"$(med_or_dash "$name.p.ns")" - "$note"
}

backend_row() { # NAME BUILT PEER_LABEL
	local name=$1 built=$2 label=$3 ours=- peer=- note="median of $RUNS" ratio=-
	if [ -n "$built" ]; then
		ours=$(med_or_dash "$name.o.ns")
	else
		note="ours not built (no $(basename "$BUILD")/bpf/$name.o)"
	fi
	if [ -e "$BENCH_TMP/$name.p.err" ]; then
		note+="; peer cannot run: $(cat "$BENCH_TMP/$name.p.err")"
	else
		peer=$(med_or_dash "$name.p.ns")
		if [ -n "$built" ]; then
			ratio=$(med_or_dash "$name.ratio")
			note+="; ours/peer x$ratio (median of per-run ratios; the target is checked against it)"
		fi
		note+="; ~$(med "$name.p.ev" | xargs printf "%.0f") events/window"
		note+="; peer: $(cat "$BENCH_TMP/$name.p.progs")"
	fi
	[ -z "$built" ] || note+="; ours: $(cat "$BENCH_TMP/$name.o.hooks")"
	if [ -n "$built" ] && [ ! -e "$BENCH_TMP/$name.p.err" ]; then
		note+=$(events_note "$name.o.ev:ours" "$name.p.ev:peer")
	elif [ ! -e "$BENCH_TMP/$name.p.err" ]; then
		note+=$(events_note "$name.p.ev:peer")
	fi
	result "$name ns/event" "$ours" ns "$label" "$peer" "$TARGET" "$note" "$ratio"
}

# --- peers that do not start here ---------------------------------------------

# Why libbpf-tools TOOL cannot run here, from its own error (its last lines
# naming a kprobe, or its last line), or nothing if it stays up for 3 s.
peer_start_error() { # TOOL
	local st
	timeout -s INT 3 "$LT/$1" </dev/null >"$BENCH_TMP/$1.out" 2>&1
	st=$?
	[ "$st" -ne 124 ] || return 0
	{ grep -m1 -i 'kprobe' "$BENCH_TMP/$1.out" || tail -1 "$BENCH_TMP/$1.out"; } |
		sed 's/^libbpf: //' | tr '\t' ' '
}

# the row of a peer that is not measured: why it cannot run, or that it can
not_measured_row() { # SUBJECT TOOL OURS_NOTE
	local err why="peer cannot run here"
	err=$(peer_start_error "$2")
	[[ "$err" != *kprobe* ]] || why+=", it needs kprobes"
	if [ -n "$err" ]; then
		result "$1" - ns "libbpf-tools $2" - - "$why: $err; $3"
	else
		result "$1" - ns "libbpf-tools $2" - - "peer starts here, but this section has no workload for it; $3"
	fi
}

bench_stats_on
bench_loop_create 64
bench_netns_create

bench_backend runqlat sched '^sched_switch' "$LT/runqlat"
bench_backend biolatency block '^block_rq_complete' "$LT/biolatency" -D -F
bench_backend tcpstates tcp '^handle_set_state' "$LT/tcpstates"
bench_backend softirqs softirq '^softirq_exit' "$LT/softirqs" -d

oom_note="ours (tp_btf mark_victim) not timed: OOM kills are too rare an event for a per-event figure"
[ -r "$BUILD/bpf/oomkill.o" ] || oom_note="ours not built (no $(basename "$BUILD")/bpf/oomkill.o)"
not_measured_row "oomkill ns/event" oomkill "$oom_note"
not_measured_row "tcpconnlat ns/event" tcpconnlat \
	"no backend of ours by that name: tcpstates gives connection lifetimes"
