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

LOOPDEV=
PEER_PID=
PEER_IDS=

# --- the cleanup this section adds to bench_cleanup -------------------------

forget_pid() { # PID: no longer bench_cleanup's to kill
	local p keep=()
	for p in "${BENCH_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BENCH_PIDS=("${keep[@]}")
}

# true while any of the ids is still a loaded program
ids_loaded() { # ID...
	local now id
	now=$(prog_ids)
	for id in "$@"; do
		grep -qx "$id" <<<"$now" && return 0
	done
	return 1
}

# Stop the running peer the way a user would (^C), harder if it lingers, and
# wait until the kernel has freed the programs it loaded.
peer_stop() {
	local i sig
	[ -n "$PEER_PID" ] || return 0
	for sig in INT TERM KILL; do
		kill -s "$sig" "$PEER_PID" 2>/dev/null || break
		for ((i = 0; i < 50; i++)); do
			kill -0 "$PEER_PID" 2>/dev/null || break 2
			sleep 0.1
		done
	done
	wait "$PEER_PID" 2>/dev/null
	forget_pid "$PEER_PID"
	for ((i = 0; i < 100; i++)); do
		# shellcheck disable=SC2086
		ids_loaded $PEER_IDS || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	! ids_loaded $PEER_IDS || bench_log "warning: programs $PEER_IDS of pid $PEER_PID still loaded"
	PEER_PID="" PEER_IDS=""
}

overhead_cleanup() {
	peer_stop
	bench_unload_all
	if [ -n "$LOOPDEV" ]; then
		losetup -d "$LOOPDEV" 2>/dev/null || bench_log "warning: could not detach $LOOPDEV"
		LOOPDEV=
	fi
	bench_cleanup
}
trap overhead_cleanup EXIT

# --- measuring ----------------------------------------------------------------

# "RUN_TIME_NS MAX_RUN_CNT" summed over programs: a peer may load several
# programs per event (one per hook it uses), and what one event costs it is
# all of them; the events are counted once, by the program that ran most.
stats_of() { # ID...
	[ $# -gt 0 ] || { echo "0 0"; return; }
	bpftool prog show -j | jq -r --arg ids "$*" '
		($ids | split(" ") | map(tonumber)) as $want
		| [.[] | select(.id as $i | $want | index($i))]
		| "\(map(.run_time_ns // 0) | add) \(map(.run_cnt // 0) | max)"'
}

# Run a workload between two stats_of: sets NS (per event, "-" if no event)
# and EV (events); the workload's stdout goes to $BENCH_TMP/out.
window_stats() { # "IDS" CMD...
	local ids=$1 s0 s1
	shift
	# shellcheck disable=SC2086
	s0=$(stats_of $ids)
	"$@" >"$BENCH_TMP/out" || bench_die "workload failed: $*"
	# shellcheck disable=SC2086
	s1=$(stats_of $ids)
	read -r NS EV < <(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x); split(b, y); n = y[2] - x[2];
		if (n > 0) printf "%.2f %d\n", (y[1] - x[1]) / n, n; else print "- 0" }')
}

# the ids of the programs a process holds open (prog fds and link fds)
held_prog_ids() { # PID
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -nu
}

# Start a peer in the background and wait until it is attached: until a
# program named ATTACH_NAME among its own has run (TRIGGER, run between
# polls, makes the event happen). Its programs are those loaded since it
# started (the diff of prog_ids) that it holds open: another user's program
# loaded meanwhile is not counted. Sets PEER_PID and PEER_IDS.
peer_start() { # ATTACH_NAME TRIGGER CMD...
	local attach=$1 trigger=$2 i before
	shift 2
	before=$(prog_ids)
	"$@" </dev/null >"$BENCH_TMP/peer.out" 2>&1 &
	PEER_PID=$!
	bench_bg "$PEER_PID"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$PEER_PID" 2>/dev/null ||
			bench_die "$1 exited early: $(tail -3 "$BENCH_TMP/peer.out")"
		PEER_IDS=$(comm -12 <(comm -13 <(sort <<<"$before") <(prog_ids | sort)) \
			<(held_prog_ids "$PEER_PID" | sort) | sort -n | paste -sd' ' -)
		if [ -n "$PEER_IDS" ] && bpftool prog show -j | jq -e --arg a "$attach" --arg ids "$PEER_IDS" '
			($ids | split(" ") | map(tonumber)) as $p
			| any(.[]; (.id as $i | $p | index($i)) and .name == $a and (.run_cnt // 0) > 0)' >/dev/null; then
			return 0
		fi
		$trigger >/dev/null 2>&1
		sleep 0.1
	done
	bench_die "$1 did not attach within 30 s"
}

# our backend: load it, sets OURS_IDS
ours_load() { # NAME
	"$LOADER" load "$BUILD/bpf/$1.o" --pin-root "$BENCH_ROOT" >/dev/null ||
		bench_die "ebpf-loader load $1 failed"
	OURS_IDS=$("$LOADER" show "$1" --pin-root "$BENCH_ROOT" --json | jq -r '.programs[].id' | paste -sd' ' -)
	[ -n "$OURS_IDS" ] || bench_die "no program id for $1"
}
ours_unload() { # NAME
	"$LOADER" unload "$1" --pin-root "$BENCH_ROOT" >/dev/null || bench_die "ebpf-loader unload $1 failed"
}

# append "VALUE" to $BENCH_TMP/NAME
keep() { echo "$2" >>"$BENCH_TMP/$1"; }
med() { median <"$BENCH_TMP/$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.4f\n", a / b }'; }
# smallest event count seen over the runs of a subject
min_events() { sort -n "$BENCH_TMP/$1" | head -1; }

# the end of a per-event figure's NOTE: a warning for each subject that had
# too few events in some window for its ns/event to mean anything
events_note() { # EVENTS_FILE:SUBJECT...
	local a n
	for a in "$@"; do
		n=$(min_events "${a%%:*}")
		if [ "${n:-0}" -lt "$MIN_EVENTS" ]; then
			printf '; %s: run_cnt only %s in a window, too few to be meaningful' "${a#*:}" "$n"
		fi
	done
}

# the value of "ns/event" files once all runs are in: "-" if any run had none
med_or_dash() { # FILE
	if grep -qx -- - "$BENCH_TMP/$1"; then echo -; else fmt "$(med "$1")"; fi
}

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
		"$BPFTRACE" -e 'tracepoint:raw_syscalls:sys_enter { @[pid, comm] = count(); }'
	window_stats "$PEER_IDS" sysloop
	keep bt.ns "$NS"; keep bt.ev "$EV"; keep bt.rate "$(rate)"
	peer_stop

	# libbpf-tools syscount loads sys_enter and sys_exit, and without -L
	# attaches sys_exit only: both are summed, whatever runs counts.
	peer_start sys_exit true "$SYSCOUNT" -P
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

# A loop device over a file of ours: O_DIRECT on it makes real block requests
# (block_rq_issue/complete fire) without touching any other device's data.
truncate -s 64M "$BENCH_TMP/disk.img"
LOOPDEV=$(losetup -f --show "$BENCH_TMP/disk.img") || bench_die "losetup failed"
dd if=/dev/zero of="$LOOPDEV" bs=1M count=64 oflag=direct status=none

blockio() { # IO_COUNT 4 KiB direct writes then reads; prints "IOS_PER_S"
	local t
	t=$(time_s sh -c "dd if=/dev/zero of=$LOOPDEV bs=4096 count=$IO_COUNT oflag=direct status=none &&
		dd if=$LOOPDEV of=/dev/null bs=4096 count=$IO_COUNT iflag=direct status=none") || return 1
	awk -v t="$t" -v n="$((2 * IO_COUNT))" 'BEGIN { printf "%.0f\n", n / t }'
}
poke_io() { dd if="$LOOPDEV" of=/dev/null bs=4096 count=1 iflag=direct status=none; }

bench_log "block: $RUNS runs of $((2 * IO_COUNT)) 4 KiB direct I/Os on $LOOPDEV, per subject"
for ((r = 0; r < RUNS; r++)); do
	window_stats "" blockio
	keep bnone.rate "$(rate)"

	ours_load bitehist
	window_stats "$OURS_IDS" blockio
	keep bh.ns "$NS"; keep bh.ev "$EV"; keep bh.rate "$(rate)"
	ours_unload bitehist

	peer_start block_rq_issue poke_io "$BITESIZE"
	window_stats "$PEER_IDS" blockio
	keep bs.ns "$NS"; keep bs.ev "$EV"; keep bs.rate "$(rate)"
	peer_stop

	keep bh_bs.ratio "$(ratio "$(tail -1 "$BENCH_TMP/bh.ns")" "$(tail -1 "$BENCH_TMP/bs.ns")")"
	bench_log "run $((r + 1)): ns/event bitehist $(tail -1 "$BENCH_TMP/bh.ns")," \
		"bitesize $(tail -1 "$BENCH_TMP/bs.ns")"
done

note="median of $RUNS; ours/peer x$(fmt "$(med bh_bs.ratio)") (median of per-run ratios);"
note+=" ours: tracepoint block_rq_complete, peer: tp_btf block_rq_issue;"
note+=" ~$(med bh.ev) events/window"
result "bitehist ns/event" "$(med_or_dash bh.ns)" ns \
	"libbpf-tools bitesize" "$(med_or_dash bs.ns)" - "$note$(events_note bh.ev:bitehist bs.ev:bitesize)"
result "4 KiB direct I/O/s on a loop device, nothing attached" "$(fmt "$(med bnone.rate)")" IO/s - - - \
	"median of $RUNS; bpf_stats on"
result "4 KiB direct I/O/s on a loop device, bitehist attached" "$(fmt "$(med bh.rate)")" IO/s \
	"libbpf-tools bitesize" "$(fmt "$(med bs.rate)")" - "median of $RUNS; bpf_stats on"
