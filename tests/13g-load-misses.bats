#!/usr/bin/env bats
# Backends moved from classic tracepoints to tp_btf. A map syscall raises
# the per-CPU bpf_prog_active for its duration, and a classic tracepoint
# program is skipped on a CPU where it is raised, as when an interrupt lands
# inside such a syscall: the events are made while two processes (one per
# CPU of a 2-CPU machine) read a 1M-entry hash in a loop, and the kernel
# must skip (next to) none of the program's runs, and each be counted.
# tp_btf programs get the tracepoint's arguments, not its record: what they
# record must still be what the tracepoint records.

bats_require_minimum_version 1.5.0
load lib

teardown() {
	oom_trace_stop
	common_teardown
}

# bitehist's count of I/Os of SIZE bytes (its log2 bucket), over all CPUs.
bitehist_bucket() { # SIZE
	"$PRINT" --once --json --pin-root "$ROOT" bitehist/io_size |
		jq --argjson b "$(awk -v s="$1" 'BEGIN { b = 0; while (s > 1) { s /= 2; b++ } print b + 1 }')" \
			'.maps[0].entries[0].value.buckets[$b]'
}

# A loop device over a 64 MiB file of data (no holes) in $TMP, in direct
# I/O mode: each read of it is a read of the disk under $TMP, completed in
# that disk's interrupt, the context that lands inside map syscalls.
# Sets LOOPDEV (teardown detaches it); skips where direct I/O is refused.
dio_loop_create() {
	require_loop_devices
	run -0 dd if=/dev/zero of="$TMP/dio.img" bs=1M count=64 conv=fsync status=none
	LOOPDEV=$(losetup -f --show --direct-io=on "$TMP/dio.img")
	[ "$(cat "/sys/block/${LOOPDEV#/dev/}/loop/dio")" = 1 ] ||
		skip "no direct I/O for a loop device over $TMP"
}

# The runs of BACKEND's program PROG the kernel skipped (recursion misses).
prog_misses() { # BACKEND PROG
	bpftool -j prog show pinned "$ROOT/$1/progs/$2" | jq '.recursion_misses // 0'
}

@test "bitehist's program is skipped for no I/O completion while two processes read a big map in a loop" {
	dio_loop_create
	run -0 loader load "$BPFOBJ/bitehist.o"
	map_syscall_load_start
	# 32 KiB: a bucket of its own, that little else on the machine fills.
	# Misses come in bursts: 4 rounds of 2000 reads of the 64 MiB device.
	local n=8000 c0 c1 r m0 m1
	c0=$(bitehist_bucket 32768)
	m0=$(prog_misses bitehist bitehist_rq_complete)
	for r in 1 2 3 4; do
		run -0 dd if="$LOOPDEV" of=/dev/null bs=32768 count=2000 iflag=direct status=none
	done
	c1=$(bitehist_bucket 32768)
	m1=$(prog_misses bitehist bitehist_rq_complete)
	# Each read completes twice: on the loop device and on the disk under it.
	echo "32 KiB I/Os counted: $((c1 - c0)) of $((2 * n)); runs skipped: $((m1 - m0))"
	# The classic tracepoint was skipped for 1 to 4% of them here, each a
	# completion lost. tp_btf skips only a completion that interrupts the
	# program itself on its CPU: rare, whatever the load (1 in 4000 allowed).
	[ $((m1 - m0)) -le $((n / 4000)) ]
	# The reads were counted (a few land in other buckets, or on no disk
	# under the loop device: 1% allowed).
	[ $((c1 - c0)) -ge $((2 * n - 2 * n / 100)) ]
}

# --- oomkill -----------------------------------------------------------------
# OOM kills run in the allocating task, not in an interrupt: no test makes
# one miss here. What tp_btf changed is where the figures come from (the
# tracepoint's arguments, not its record): they must stay the kernel's.

TRACE_INSTANCE=""

# The kernel's own mark_victim events, in a trace instance of this test.
oom_trace_start() {
	local t=/sys/kernel/tracing
	[ -e "$t/events/oom/mark_victim" ] || skip "no tracefs with oom/mark_victim at $t"
	TRACE_INSTANCE=$t/instances/ebpf-test-$BATS_TEST_NUMBER-$$
	mkdir "$TRACE_INSTANCE"
	echo 1 >"$TRACE_INSTANCE/events/oom/mark_victim/enable"
}

oom_trace_stop() {
	[ -n "$TRACE_INSTANCE" ] && [ -d "$TRACE_INSTANCE" ] || return 0
	echo 0 >"$TRACE_INSTANCE/events/oom/mark_victim/enable"
	rmdir "$TRACE_INSTANCE"
}

# The traced fields of the kill of PID, one "name value" a line, named as
# in oomkill's record (total-vm=10700kB: total_vm_kb 10700).
oom_trace_fields() { # PID
	awk -v p="pid=$1" '
		/ mark_victim: / {
			sub(/.* mark_victim: /, "")
			if ($1 != p) next
			for (i = 1; i <= NF; i++) {
				split($i, kv, /[=:]/)
				n = kv[1]; v = kv[2]
				gsub(/-/, "_", n)
				if (sub(/kB$/, "", v)) n = n "_kb"
				print n, v
			}
		}' "$TRACE_INSTANCE/trace"
}

# Loaded by LOAD_CMD... (which pins under $ROOT), oomkill's record of an
# OOM kill has every field the kernel's mark_victim event has, equal.
oom_record_is_kernels() { # LOAD_CMD...
	require_host_pidns
	run -0 "$@"
	oom_cgroup_create 8
	oom_trace_start
	local vpid st=0 id
	id=$(bpftool -j map show pinned "$ROOT/oomkill/maps/oom_events" | jq .id)
	"$STREAM" --events --pin-root "$ROOT" --output "$TMP/cap" 2>"$TMP/stream.err" &
	local spid=$!
	BG_PIDS="$BG_PIDS $spid"
	wait_until 5 oom_ringbuf_consumed "$id"
	# choom execs the victim in its own pid; a score that is not 0.
	choom -n 500 -- "$HELPERS/oomvictim" "$CGROUP/cgroup.procs" 256 2>"$TMP/victim.err" &
	vpid=$!
	wait "$vpid" || st=$?
	[ "$st" -eq 137 ]
	wait_until 5 has_oom_record_of "$TMP/cap" "$vpid"
	run -0 oom_trace_fields "$vpid"
	local kernel=$output
	echo "kernel: $kernel"
	# A kernel that traces the pid alone has nothing more to compare.
	[ "$(wc -l <<<"$kernel")" -gt 1 ] || skip "this kernel's mark_victim has the pid alone"
	run -0 oom_records_of "$TMP/cap" "$vpid"
	run -0 jq -r --arg names "$(cut -d' ' -f1 <<<"$kernel")" \
		'. as $r | $names | split("\n")[] | "\(.) \($r[.])"' <<<"$output"
	echo "ours: $output"
	[ "$output" = "$kernel" ]
	[[ "$kernel" == *"oom_score_adj 500"* ]]
}

@test "oomkill records the victim's pid, comm, memory, uid and oom_score_adj as the kernel's mark_victim event has them" {
	oom_record_is_kernels loader load "$BPFOBJ/oomkill.o"
}

# Memory figures are pages << (page shift - 10). The page shift is what the
# system runs with (ebpf-loader gives it to libbpf), not what a kernel config
# file says: that file is missing in most containers, and may be another
# kernel's. Here /boot/config-RELEASE, the first place libbpf looks, says
# 64 KiB pages: believed, the figures would be 16 times the kernel's.
@test "oomkill's memory figures use the running system's page size, not a kernel config file's" {
	local boot=$TMP/boot
	mkdir -p "$boot"
	printf 'CONFIG_PAGE_SHIFT=16\nCONFIG_ARM64_PAGE_SHIFT=16\n' >"$boot/config-$(uname -r)"
	oom_record_is_kernels unshare -m --propagation private sh -c \
		'mount --bind "$1" /boot && exec "$2" load "$3" --pin-root "$4"' \
		sh "$boot" "$LOADER" "$BPFOBJ/oomkill.o" "$ROOT"
}
