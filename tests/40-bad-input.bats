#!/usr/bin/env bats
# Bad input to the loader gives a one-line error naming the file,
# section or map and the reason, a non-zero exit, and leaves nothing behind.

bats_require_minimum_version 1.5.0
load lib

# run the loader; expect failure with MESSAGE in the first line of stderr.
expect_load_error() { # MESSAGE ARGS...
	local msg=$1
	shift
	run --separate-stderr "$LOADER" load "$@" --pin-root "$ROOT"
	echo "status=$status stderr=$stderr"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "${stderr_lines[0]}" == "ebpf-loader: "*"$msg"* ]]
}

# One line: the verifier case is the only one that adds the log tail.
one_line() {
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "missing file" {
	expect_load_error "/nonexistent/x.o: No such file or directory" /nonexistent/x.o
	one_line
	[ ! -e "$ROOT" ]
}

@test "bare name that is nowhere" {
	expect_load_error "nosuchbackend.o: No such file or directory" nosuchbackend.o
	one_line
}

@test "not an ELF file" {
	echo "hello" >"$TMP/text.o"
	expect_load_error "$TMP/text.o: not an ELF file" "$TMP/text.o"
	one_line
	assert_no_backend text
}

@test "truncated ELF" {
	head -c 1500 "$BPFOBJ/sockex1.o" >"$TMP/cut.o"
	expect_load_error "$TMP/cut.o: truncated ELF" "$TMP/cut.o"
	one_line
	assert_no_backend cut
}

@test "ELF with no programs" {
	expect_load_error "t_noprog.o: no BPF programs in object" "$TOBJ/t_noprog.o"
	one_line
	assert_no_backend t_noprog
}

@test "program rejected by the verifier: message and log tail" {
	expect_load_error "t_reject.o: program 'reject_getppid' (section 'tp/syscalls/sys_enter_getppid') rejected by the verifier: Permission denied" "$TOBJ/t_reject.o"
	# The tail of the verifier log follows, ending with its summary line.
	[ "${#stderr_lines[@]}" -gt 2 ]
	[[ "$stderr" == *"invalid mem access"* ]]
	[[ "${stderr_lines[-1]}" == processed* ]]
	assert_no_backend t_reject
	assert_no_prog_named reject_getppid
}

@test "kprobe section: not supported by this kernel" {
	if [ -e /sys/bus/event_source/devices/kprobe/type ]; then
		skip "this kernel has kprobes"
	fi
	expect_load_error "t_kprobe.o: section 'kprobe/do_unlinkat' (program 'count_unlinkat'): kprobe programs are not supported by this kernel" "$TOBJ/t_kprobe.o"
	one_line
	assert_no_backend t_kprobe
	assert_no_prog_named count_unlinkat
}

@test "fentry section: not supported by this kernel" {
	expect_load_error "t_fentry.o: section 'fentry/do_unlinkat' (program 'count_unlinkat'): fentry/fexit programs are not supported by this kernel" "$TOBJ/t_fentry.o"
	one_line
	assert_no_backend t_fentry
	assert_no_prog_named count_unlinkat
}

@test "pin root not on bpffs" {
	run --separate-stderr "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$TMP/pins"
	[ "$status" -ne 0 ]
	[ "$stderr" = "ebpf-loader: pin root $TMP/pins is not on a BPF filesystem (bpffs)" ]
	[ ! -e "$TMP/pins" ]
	assert_no_prog_named count_getppid
}

@test "name with '/'" {
	expect_load_error "invalid backend name 'a/b': character '/' not allowed" "$TOBJ/t_tracepoint.o" --name a/b
	one_line
	assert_no_prog_named count_getppid
}

@test "name '..'" {
	expect_load_error "invalid backend name '..'" "$TOBJ/t_tracepoint.o" --name ..
	one_line
	[ ! -e "$ROOT/.." ] || [ -z "$(ls -A "$ROOT" 2>/dev/null | grep -v -e shared -e staging)" ]
}

@test "name '.'" {
	expect_load_error "invalid backend name '.'" "$TOBJ/t_tracepoint.o" --name .
	one_line
}

@test "reserved name" {
	expect_load_error "invalid backend name 'shared': reserved" "$TOBJ/t_tracepoint.o" --name shared
	one_line
}

@test "name already loaded without --replace" {
	run "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	local ids
	ids=$(backend_ids t_tracepoint programs)
	expect_load_error "backend 't_tracepoint' is already loaded at $ROOT/t_tracepoint (use --replace to swap it)" "$TOBJ/t_tracepoint.o"
	one_line
	# The loaded one is untouched, and the refused load left no second program.
	[ "$(backend_ids t_tracepoint programs)" = "$ids" ]
	[ "$(our_progs_named count_getppid | wc -w)" -eq 1 ]
	[ -z "$(ls -A "$ROOT/staging")" ]
}

@test "unknown interface" {
	expect_load_error "unknown interface 'nosuchif0'" "$TOBJ/t_tracepoint.o" --iface nosuchif0
	one_line
	[ ! -e "$ROOT" ]
}

@test "--cgroup: not a cgroup v2 directory, or a path meta cannot hold whole, refused before anything is made" {
	local v1 long
	v1=$(cgroup_v1_root memory)
	[ -n "$v1" ] || v1=/sys/fs/bpf # any directory that is no cgroup v2 one
	expect_load_error "cgroup $v1: not a cgroup v2 directory (cgroup BPF programs attach to cgroup v2 only)" \
		"$TOBJ/t_tracepoint.o" --cgroup "$v1"
	one_line
	[ ! -e "$ROOT" ]
	# Before, it was cut to 127 characters in meta, which list and show
	# then named.
	long=/sys/fs/cgroup/$(printf 'x%.0s' $(seq 120))
	expect_load_error "cgroup $long: longer than 127 characters" "$TOBJ/t_tracepoint.o" --cgroup "$long"
	one_line
	[ ! -e "$ROOT" ]
}

@test "two objects whose shared map definitions conflict" {
	run "$LOADER" load "$TOBJ/t_shared_a.o" --pin-root "$ROOT"
	[ "$status" -eq 0 ]
	expect_load_error "t_shared_b.o: shared map 'shared_counts' conflicts with $ROOT/shared/shared_counts: value size 16 here, 8 pinned" "$TOBJ/t_shared_b.o"
	one_line
	assert_no_backend t_shared_b
	assert_no_prog_named shared_b
	[ -e "$ROOT/shared/shared_counts" ]
}

@test "conflict inside one call: nothing of either object stays" {
	expect_load_error "t_shared_b.o: shared map 'shared_counts' conflicts" "$TOBJ/t_shared_a.o" "$TOBJ/t_shared_b.o"
	one_line
	assert_no_backend t_shared_a
	assert_no_backend t_shared_b
	[ -z "$(ls -A "$ROOT/shared")" ]
	assert_no_prog_named shared_a
}

@test "unload of a backend that is not loaded" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run --separate-stderr "$LOADER" unload nothere --pin-root "$ROOT"
	[ "$status" -ne 0 ]
	[[ "$stderr" == "ebpf-loader: backend 'nothere' is not loaded under $ROOT" ]]
}

@test "bad command line: unknown option and unknown command" {
	run --separate-stderr "$LOADER" load --bogus
	[ "$status" -ne 0 ]
	[[ "$stderr" == "ebpf-loader: load: unknown option '--bogus' (see 'ebpf-loader load --help')" ]]
	run --separate-stderr "$LOADER" frobnicate
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unknown command 'frobnicate'"* ]]
}

@test "an object that crashes libbpf's parser: an error, not a crashed loader" {
	# Found by tests/fuzz: libbpf 1.1 dereferences NULL parsing this file.
	expect_load_error "libbpf-open-segv.o: malformed BPF object: libbpf crashed parsing it" \
		"$BATS_TEST_DIRNAME/fuzz/regressions/libbpf-open-segv.o"
	one_line
	assert_no_backend libbpf-open-segv
}
