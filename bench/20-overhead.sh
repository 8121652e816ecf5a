#!/usr/bin/env bash
# Benchmark 2: what one event costs in the kernel. With kernel.bpf_stats_enabled
# the kernel times every run of every program: run_time_ns / run_cnt over a
# fixed workload is the per-event cost. Subjects, each attached alone:
#   syscalls: our syscount backend, the bpftrace one-liner it replaces and
#             libbpf-tools syscount -P, under a getppid() loop (sysloop);
#   block:    our bitehist backend and libbpf-tools bitesize, under 4 KiB
#             O_DIRECT reads and writes on a loop device of our own.
# Each run measures every subject once (none attached first), so the ratio
# to a peer is taken within a run; figures are medians of RUNS runs.
#   BUILD=build RESULTS=/dev/stdout bash bench/20-overhead.sh
source "$(dirname "$0")/lib.sh"
SECTION="per-event overhead"

WINDOW=${OVH_WINDOW:-1}		# seconds of syscall workload per measurement
IO_COUNT=${OVH_IO_COUNT:-8192}	# 4 KiB reads and as many writes per block window
MIN_EVENTS=${OVH_MIN_EVENTS:-1000}	# fewer runs than this in a window: not a figure
SYSLOOP=$BH/sysloop
BPFTRACE=$(command -v bpftrace) || bench_die "bpftrace not installed"
SYSCOUNT=/usr/sbin/syscount
BITESIZE=/usr/sbin/bitesize
[ -x "$SYSCOUNT" ] && [ -x "$BITESIZE" ] || bench_die "libbpf-tools (syscount, bitesize) not installed"
[ -x "$SYSLOOP" ] || bench_die "$SYSLOOP missing: make bench builds it"
for o in syscount bitehist; do
	[ -r "$BUILD/bpf/$o.o" ] || bench_die "$BUILD/bpf/$o.o missing: run make"
done

bench_stats_on

# --- syscalls: syscount vs bpftrace vs libbpf-tools syscount -P -----------------

sysloop() { "$SYSLOOP" "$WINDOW"; }
rate() { awk '{ print $1 }' "$BENCH_TMP/out"; }

bench_log "syscalls: $RUNS runs of ${WINDOW}s getppid() loops, per subject"
for ((r = 0; r < RUNS; r++)); do
	window_stats "" sysloop
	keep none.rate "$(rate)"

	ours_load syscount
	window_stats "$OURS_IDS" sysloop
	keep sc.ns "$NS"; keep sc.ev "$EV"; keep sc.rate "$(rate)"
	ours_unload syscount

	peer_start sys_enter true \
		"$BPFTRACE" -e 'tracepoint:raw_syscalls:sys_enter { @[pid, comm] = count(); }' ||
		bench_die "$PEER_ERR"
	window_stats "$PEER_IDS" sysloop
	keep bt.ns "$NS"; keep bt.ev "$EV"; keep bt.rate "$(rate)"
	peer_stop

	# libbpf-tools syscount loads sys_enter and sys_exit, and without -L
	# attaches sys_exit only: both are summed, whatever runs counts.
	peer_start sys_exit true "$SYSCOUNT" -P ||
		bench_die "$PEER_ERR"
	window_stats "$PEER_IDS" sysloop
	keep lt.ns "$NS"; keep lt.ev "$EV"; keep lt.rate "$(rate)"
	peer_stop

	keep sc_bt.ratio "$(ratio "$(tail -1 "$BENCH_TMP/sc.ns")" "$(tail -1 "$BENCH_TMP/bt.ns")")"
	keep sc_lt.ratio "$(ratio "$(tail -1 "$BENCH_TMP/sc.ns")" "$(tail -1 "$BENCH_TMP/lt.ns")")"
	bench_log "run $((r + 1)): ns/event syscount $(tail -1 "$BENCH_TMP/sc.ns")," \
		"bpftrace $(tail -1 "$BENCH_TMP/bt.ns"), syscount -P $(tail -1 "$BENCH_TMP/lt.ns")"
done

note="median of $RUNS; ours/peer x$(fmt "$(med sc_bt.ratio)") (median of per-run ratios)"
result "syscount ns/event (raw_tp sys_enter)" "$(med_or_dash sc.ns)" ns \
	"bpftrace one-liner" "$(med_or_dash bt.ns)" "<=130" "$note$(events_note sc.ev:syscount bt.ev:bpftrace)"
note="median of $RUNS; ours/peer x$(fmt "$(med sc_lt.ratio)") (median of per-run ratios); peer counts on sys_exit"
result "syscount ns/event (raw_tp sys_enter)" "$(med_or_dash sc.ns)" ns \
	"libbpf-tools syscount -P" "$(med_or_dash lt.ns)" "<=130" "$note$(events_note sc.ev:syscount "lt.ev:syscount -P")"
result "getppid() calls/s, nothing attached" "$(fmt "$(med none.rate)")" calls/s - - - \
	"median of $RUNS ${WINDOW}s windows; bpf_stats on; other users' programs, if any, stay attached"
result "getppid() calls/s, syscount attached" "$(fmt "$(med sc.rate)")" calls/s \
	"bpftrace one-liner" "$(fmt "$(med bt.rate)")" - "median of $RUNS; bpf_stats on"
result "getppid() calls/s, syscount attached" "$(fmt "$(med sc.rate)")" calls/s \
	"libbpf-tools syscount -P" "$(fmt "$(med lt.rate)")" - "median of $RUNS; bpf_stats on"

# --- block I/O: bitehist vs libbpf-tools bitesize -------------------------------

bench_loop_create 64
LOOPDEV=$BENCH_LOOPDEV
blockio() { bench_blockio "$IO_COUNT"; }
poke_io() { bench_poke_io; }

bench_log "block: $RUNS runs of $((2 * IO_COUNT)) 4 KiB direct I/Os on $LOOPDEV, per subject"
for ((r = 0; r < RUNS; r++)); do
	window_stats "" blockio
	keep bnone.rate "$(rate)"

	ours_load bitehist
	window_stats "$OURS_IDS" blockio
	keep bh.ns "$NS"; keep bh.ev "$EV"; keep bh.rate "$(rate)"
	ours_unload bitehist

	peer_start block_rq_issue poke_io "$BITESIZE" ||
		bench_die "$PEER_ERR"
	window_stats "$PEER_IDS" blockio
	keep bs.ns "$NS"; keep bs.ev "$EV"; keep bs.rate "$(rate)"
	peer_stop

	keep bh_bs.ratio "$(ratio "$(tail -1 "$BENCH_TMP/bh.ns")" "$(tail -1 "$BENCH_TMP/bs.ns")")"
	bench_log "run $((r + 1)): ns/event bitehist $(tail -1 "$BENCH_TMP/bh.ns")," \
		"bitesize $(tail -1 "$BENCH_TMP/bs.ns")"
done

note="median of $RUNS; ours/peer x$(fmt "$(med bh_bs.ratio)") (median of per-run ratios);"
note+=" ours: tp_btf block_rq_complete, peer: tp_btf block_rq_issue;"
note+=" ~$(med bh.ev) events/window"
result "bitehist ns/event" "$(med_or_dash bh.ns)" ns \
	"libbpf-tools bitesize" "$(med_or_dash bs.ns)" - "$note$(events_note bh.ev:bitehist bs.ev:bitesize)"
result "4 KiB direct I/O/s on a loop device, nothing attached" "$(fmt "$(med bnone.rate)")" IO/s - - - \
	"median of $RUNS; bpf_stats on"
result "4 KiB direct I/O/s on a loop device, bitehist attached" "$(fmt "$(med bh.rate)")" IO/s \
	"libbpf-tools bitesize" "$(fmt "$(med bs.rate)")" - "median of $RUNS; bpf_stats on"
