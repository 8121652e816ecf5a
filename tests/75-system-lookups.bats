#!/usr/bin/env bats
# The readers' system lookups (readers/core/sysnames.h), run by
# tests/helpers/sysnames_check against this machine's kernel: kernel
# symbols and stacks, cgroup paths, block device and interface names.
# What the lookup cannot name is "unknown" (the readers then show the raw
# value), never a wrong name or a crash.

bats_require_minimum_version 1.5.0
load lib

CHECK=$HELPERS/sysnames_check

# A text symbol (a plain function name) with an address of its own, at least 0x20 bytes before
# the next symbol: "ADDR NAME" (ADDR as 0x...).
unique_text_symbol() {
	# Python, not sort(1): GNU sort seeks in its input, and on
	# /proc/kallsyms that never ends.
	"$PY" -c '
syms = sorted((int(f[0], 16), f[1], f[2]) for f in
              (l.split() for l in open("/proc/kallsyms")) if len(f) >= 3)
for i in range(1, len(syms) - 1):
    a, t, n = syms[i]
    if t == "T" and not n.startswith("_") and syms[i - 1][0] != a and syms[i + 1][0] - a >= 32:
        print("0x%x %s" % (a, n))
        break
'
}

# Kernel dev_t (MKDEV: major << 20 | minor) of a block device node.
kernel_dev() { # DEVNODE
	local maj min
	maj=$((16#$(stat -c %t "$1")))
	min=$((16#$(stat -c %T "$1")))
	echo $(((maj << 20) | min))
}

# A loop device, or skip the test saying why there is none.
loop_or_skip() {
	if [ ! -e /dev/loop-control ] || ! command -v losetup >/dev/null; then
		skip "no loop devices (no /dev/loop-control or losetup)"
	fi
	loop_create 1 || skip "cannot attach a loop device"
	[ -b "$LOOPDEV" ]
}

@test "ksym names the function that holds an address, without an offset" {
	local sym addr name
	sym=$(unique_text_symbol)
	[ -n "$sym" ]
	read -r addr name <<<"$sym"
	run -0 "$CHECK" ksym "$addr" "$(printf '0x%x' $((addr + 0x10)))"
	[ "${lines[0]}" = "$name" ]
	[ "${lines[1]}" = "$name" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "ksym says unknown for 0, the top of the address space and a data address" {
	local data
	# A data symbol, if kallsyms lists any: not taken for the function before it.
	data=$(awk '$2 == "D" && $3 !~ /^__pfx_/ { print "0x" $1; exit }' /proc/kallsyms)
	run -0 "$CHECK" ksym 0 0xffffffffffffffff ${data:-0}
	[ "$output" = "$(printf 'unknown\nunknown\nunknown')" ]
}

@test "ksym says unknown when kallsyms hides addresses (no CAP_SYSLOG)" {
	local addr name
	read -r addr name <<<"$(unique_text_symbol)"
	# Without CAP_SYSLOG the kernel lists every address as 0, unless
	# perf_event_paranoid <= 1 and kptr_restrict 0 let it show them anyway.
	run -0 setpriv --bounding-set -syslog --inh-caps -syslog head -n 1 /proc/kallsyms
	[[ "$output" == 0000000000000000* ]] || skip "kallsyms shows addresses without CAP_SYSLOG here"
	run -0 setpriv --bounding-set -syslog --inh-caps -syslog "$CHECK" ksym "$addr"
	[ "$output" = unknown ]
	# The same binary with the capability names it: the answer was the zeros.
	run -0 "$CHECK" ksym "$addr"
	[ "$output" = "$name" ]
}

@test "ksym still names functions after a reader drops to CAP_BPF, if prepared before" {
	local addr name
	read -r addr name <<<"$(unique_text_symbol)"
	run -0 setpriv --bounding-set -syslog --inh-caps -syslog head -n 1 /proc/kallsyms
	[[ "$output" == 0000000000000000* ]] || skip "kallsyms shows addresses without CAP_SYSLOG here"
	# Prepared (kallsyms opened with CAP_SYSLOG), then only CAP_BPF kept.
	run -0 "$CHECK" --prepare --drop-caps ksym "$addr" 0
	[ "$output" = "$(printf '%s\nunknown' "$name")" ]
	# Not prepared: the first read comes after the drop and sees zeros.
	run -0 "$CHECK" --drop-caps ksym "$addr"
	[ "$output" = unknown ]
}

@test "kstack folds a tracepoint's kernel stack outermost first, and a gone id is unknown" {
	run -0 "$LOADER" load "$TOBJ/t_kstack.o" --pin-root "$ROOT"
	run -0 "$HELPERS/trigger" getppid 5
	local id ips i unused
	# last_stack holds a u32 (map_u64 reads 8 bytes).
	id=$(bpftool -j map lookup pinned "$ROOT/t_kstack/maps/last_stack" key 0 0 0 0 |
		jq "$JQ_HEX"' .value | [.[] | hexbyte] | .[0] + 256 * .[1] + 65536 * .[2] + 16777216 * .[3]')
	[ -n "$id" ]
	# How many frames the kernel stored (non-zero u64s, innermost first).
	ips=$(bpftool -j map lookup pinned "$ROOT/t_kstack/maps/stacks" key $((id & 255)) $((id >> 8 & 255)) 0 0 |
		jq "$JQ_HEX"' .value as $v | [range(0; $v | length; 8) | . as $o | $v | le_u64($o)] | map(select(. != 0)) | length')
	[ "$ips" -gt 2 ]

	run -0 "$CHECK" kstack "$ROOT/t_kstack/maps/stacks" "$id"
	echo "$output"
	local -a frames
	IFS=';' read -r -a frames <<<"$output"
	[ "${#frames[@]}" -eq "$ips" ]
	# Outermost first: the syscall entry, then do_syscall_64, and innermost
	# the syscall tracing that runs the program (perf_syscall_enter here).
	[[ "${frames[0]}" == entry_SYSCALL_64* ]]
	for ((i = 1; i < ${#frames[@]}; i++)); do
		[ "${frames[i]}" = do_syscall_64 ] && break
	done
	[ "$i" -lt $((${#frames[@]} - 1)) ]
	[[ "${frames[-1]}" == *syscall* ]]
	# The same as a reader that prepared, then kept only CAP_BPF.
	local folded=$output
	run -0 "$CHECK" --prepare --drop-caps kstack "$ROOT/t_kstack/maps/stacks" "$id"
	[ "$output" = "$folded" ]
	# Every frame is a kernel text symbol.
	for i in "${frames[@]}"; do
		run -0 awk -v n="$i" '$3 == n && ($2 == "T" || $2 == "t") { f = 1 } END { exit !f }' /proc/kallsyms
	done

	# An id the map never filled, one past its size, one past 32 bits.
	for i in $(seq 0 63); do
		bpftool map lookup pinned "$ROOT/t_kstack/maps/stacks" key "$i" 0 0 0 >/dev/null 2>&1 ||
			{ unused=$i; break; }
	done
	[ -n "$unused" ]
	run -0 "$CHECK" kstack "$ROOT/t_kstack/maps/stacks" "$unused" 64 4294967295 4294967296
	[ "$output" = "$(printf 'unknown\nunknown\nunknown\nunknown')" ]
}

@test "kstack refuses a map that is not a stack map, without crashing" {
	run -0 "$LOADER" load "$TOBJ/t_kstack.o" --pin-root "$ROOT"
	run -1 "$CHECK" kstack "$ROOT/t_kstack/maps/last_stack" 0
	[[ "$output" == *"Invalid argument"* ]]
}

@test "cgroup gives the path of a cgroup v2 id, / for the root, unknown once it is gone" {
	local mnt ino
	mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$mnt" ] || skip "no cgroup2 mount"
	CGROUP=$mnt/ebpf-sn-$BATS_TEST_NUMBER-$$
	run -0 mkdir "$CGROUP"
	ino=$(stat -c %i "$CGROUP")
	run -0 "$CHECK" cgroup "$ino" "$(stat -c %i "$mnt")"
	[ "${lines[0]}" = "/ebpf-sn-$BATS_TEST_NUMBER-$$" ]
	[ "${lines[1]}" = / ]
	run -0 rmdir "$CGROUP"
	run -0 "$CHECK" cgroup "$ino" 0 18446744073709551615
	[ "$output" = "$(printf 'unknown\nunknown\nunknown')" ]
}

@test "majorminor names a loop device from its kernel dev_t, and no device is unknown" {
	loop_or_skip
	local dev maj min
	dev=$(kernel_dev "$LOOPDEV")
	maj=$((16#$(stat -c %t "$LOOPDEV")))
	min=$((16#$(stat -c %T "$LOOPDEV")))
	[ ! -e /sys/dev/block/4095:1048575 ]
	# The name; then: a major:minor with no device, the same device with a
	# bit above 32 set, and the userspace encoding (major << 8 | minor),
	# which the kernel's dev_t is not.
	run -0 "$CHECK" blockdev "$dev" $(((4095 << 20) | 1048575)) $((dev | 1 << 32)) $(((maj << 8) | min))
	[ "${lines[0]}" = "$(basename "$LOOPDEV")" ]
	[ "${lines[1]}" = unknown ]
	[ "${lines[2]}" = unknown ]
	[ "${lines[3]}" = unknown ]
}

@test "ifname names interfaces in the reader's network namespace, and no interface is unknown" {
	netns_create
	run -0 ip -n "$NS" link add snv0 type veth peer name snv1
	local idx0 idx1
	idx0=$(ip -n "$NS" -j link show snv0 | jq '.[0].ifindex')
	idx1=$(ip -n "$NS" -j link show snv1 | jq '.[0].ifindex')
	run -0 in_ns "$CHECK" ifname 1 "$idx0" "$idx1" 99999 0 4294967297
	[ "$output" = "$(printf 'lo\nsnv0\nsnv1\nunknown\nunknown\nunknown')" ]
	# Outside the namespace the same index is not snv0.
	run -0 "$CHECK" ifname "$idx0"
	[ "$output" != snv0 ]
}
