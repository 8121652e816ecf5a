#!/usr/bin/env bats
# What `load` accepts as an object file and as a backend name, and how it
# words what it refuses: one line naming the file, nothing created, no hang.

bats_require_minimum_version 1.5.0
load lib

# run the loader; expect failure with MESSAGE in the only line of stderr.
expect_refused() { # MESSAGE ARGS...
	local msg=$1
	shift
	run --separate-stderr "$LOADER" load "$@" --pin-root "$ROOT"
	echo "status=$status stderr=$stderr"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == "ebpf-loader: "*"$msg"* ]]
}

# A copy of t_tracepoint.o damaged in one way (see the cases below), found
# by walking its ELF section headers, so that a rebuilt object still works.
corrupt_object() { # HOW OUT
	python3 - "$TOBJ/t_tracepoint.o" "$2" "$1" <<'EOF'
import struct, sys
src, dst, how = sys.argv[1:4]
d = bytearray(open(src, "rb").read())
shoff, = struct.unpack_from("<Q", d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
hdr = lambda i: shoff + i * shentsize
sec = lambda i: struct.unpack_from("<IIQQQQ", d, hdr(i))
stroff = sec(shstrndx)[4]
def name(i):
    n = stroff + sec(i)[0]
    return bytes(d[n:d.index(b"\0", n)]).decode()
idx = {name(i): i for i in range(shnum)}
btf = sec(idx[".BTF"])[4]
if how == "btf-type":       # .BTF of a section type libbpf does not know
    struct.pack_into("<I", d, hdr(idx[".BTF"]) + 4, 0xae)
elif how == "btf-datasec":  # BTF names a data section the ELF has not got
    hdr_len, _, _, str_off, str_len = struct.unpack_from("<IIIII", d, btf + 4)
    s = btf + hdr_len + str_off
    at = d.index(b"\0license\0", s, s + str_len)
    d[at + 1:at + 8] = b"licensx"
elif how == "btf-ext":      # .BTF.ext line info beyond the section's end
    struct.pack_into("<I", d, sec(idx[".BTF.ext"])[4] + 16, 0x00c30000)
else:
    sys.exit("unknown damage " + how)
open(dst, "wb").write(d)
EOF
}

# The docs of the tree BUILD was made from, so that the baseline build is
# checked against its own man page.
manpage() {
	echo "$BUILD/../docs/ebpf-loader.8"
}

@test "a FIFO as object: refused at once as a FIFO, without waiting for a writer" {
	mkfifo "$TMP/f.o"
	run --separate-stderr timeout 10 "$LOADER" load "$TMP/f.o" --pin-root "$ROOT"
	echo "status=$status stderr=$stderr"
	[ "$status" -eq 1 ]
	[ "$stderr" = "ebpf-loader: $TMP/f.o: is a FIFO, not a BPF object file" ]
	[ ! -e "$ROOT" ]
}

@test "a directory, a socket and a device as object: each refused by its type" {
	mkdir "$TMP/d.o"
	expect_refused "$TMP/d.o: is a directory, not a BPF object file" "$TMP/d.o"
	run -0 python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/s.o"
	expect_refused "$TMP/s.o: is a socket, not a BPF object file" "$TMP/s.o"
	expect_refused "/dev/null: is a character device, not a BPF object file" /dev/null
	[ ! -e "$ROOT" ]
}

@test "a 200 GiB sparse object: refused by size at once, naming the file" {
	run -0 truncate -s 200G "$TMP/huge.o"
	SECONDS=0
	expect_refused "$TMP/huge.o: 214748364800 bytes, larger than the 67108864-byte limit for a BPF object (EBPF_OBJ_MAX_SIZE raises it)" "$TMP/huge.o"
	[ "$SECONDS" -lt 5 ]
	[ ! -e "$ROOT" ]
}

@test "EBPF_OBJ_MAX_SIZE lowers and raises the object size limit" {
	local size
	size=$(stat -c %s "$TOBJ/t_tracepoint.o")
	EBPF_OBJ_MAX_SIZE=$((size - 1)) expect_refused \
		"$TOBJ/t_tracepoint.o: $size bytes, larger than the $((size - 1))-byte limit" "$TOBJ/t_tracepoint.o"
	[ ! -e "$ROOT" ]
	EBPF_OBJ_MAX_SIZE=1x expect_refused "EBPF_OBJ_MAX_SIZE=1x: not a size" "$TOBJ/t_tracepoint.o"
	# 65 MiB of zeros: over the default, under 1G; refused as "not an ELF",
	# so it was read.
	run -0 truncate -s 65M "$TMP/big.o"
	EBPF_OBJ_MAX_SIZE=1G expect_refused "$TMP/big.o: not an ELF file" "$TMP/big.o"
	EBPF_OBJ_MAX_SIZE=$size run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	[ -d "$ROOT/t_tracepoint/progs" ]
}

@test "the documented name length limit is the one load enforces and reports" {
	local max doc
	doc=$(manpage)
	max=$(sed -n 's/^A name is 1 to \([0-9]*\) characters.*/\1/p' "$doc")
	echo "documented maximum: '$max'"
	[ -n "$max" ]
	local name
	name=$(printf 'n%.0s' $(seq "$max"))
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --name "$name" --pin-root "$ROOT"
	[ -d "$ROOT/$name/progs" ]
	expect_refused "invalid backend name '${name}x': longer than $max characters" "$TOBJ/t_tracepoint.o" --name "${name}x"
	# The design document says the same.
	grep -F "is at most $max" "$(dirname "$doc")/design.md"
}

@test "a name from a too long file name is refused, naming the file, not cut" {
	local name63 long
	name63=$(printf 'f%.0s' $(seq 63))
	long=${name63}x
	cp "$TOBJ/t_tracepoint.o" "$TMP/$long.o"
	expect_refused "$TMP/$long.o: backend name from the file name is longer than 63 characters (use --name)" "$TMP/$long.o"
	[ ! -e "$ROOT" ]
	assert_no_prog_named count_getppid
	# The suffix does not count: 63 characters and ".o" is a good name.
	cp "$TOBJ/t_tracepoint.o" "$TMP/$name63.o"
	run -0 "$LOADER" load "$TMP/$name63.o" --pin-root "$ROOT"
	[ -d "$ROOT/$name63/progs" ]
	run -0 "$LOADER" load "$TMP/$long.o" --name short --pin-root "$ROOT"
	[ -d "$ROOT/short/progs" ]
}

@test "a name beginning with '-' is refused: it could not be unloaded without '--'" {
	expect_refused "invalid backend name '-x': must not begin with '-'" "$TOBJ/t_tracepoint.o" --name -x
	[ ! -e "$ROOT" ]
	assert_no_prog_named count_getppid
	# '-' elsewhere stays allowed.
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --name a-x --pin-root "$ROOT"
	[ -d "$ROOT/a-x" ]
}

@test "a non-ASCII name is quoted escaped in the error, never as raw bytes" {
	expect_refused "invalid backend name 'a\\xc3\\xa9': character '\\xc3' not allowed" \
		"$TOBJ/t_tracepoint.o" --name "$(printf 'a\303\251')"
	# Only printable ASCII on stderr.
	run -1 grep -P '[^\x20-\x7e]' <<<"$stderr"
	expect_refused "invalid backend name 'a\\x1b[31m': character '\\x1b' not allowed" \
		"$TOBJ/t_tracepoint.o" --name "$(printf 'a\033[31m')"
	[ ! -e "$ROOT" ]
}

# ARGS run as user nobody with CAPS (setpriv syntax) in a private mount
# namespace, on a fresh bpffs at $TMP/fs that nobody may write (mode 1777, as
# a new bpffs is): the mount goes with the namespace, whatever happens.
# Prints "created: <entries>" when the pin root exists afterwards.
load_unprivileged() { # CAPS OBJ
	chmod 0755 "$TMP"
	mkdir -p "$TMP/fs"
	# A copy nobody may read: the build tree may be out of its reach (a
	# checkout under /root). Errors then name $TMP/OBJ.
	cp "$2" "$TMP/"
	unshare --mount --propagation private sh -c '
		mount -t bpf bpf "$1" && chmod 1777 "$1" || exit 99
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps="$2" --ambient-caps="$2" "$3" load "$4" --pin-root "$1/r"
		rc=$?
		"$3" unload --all --pin-root "$1/r" >/dev/null 2>&1
		if [ -e "$1/r" ]; then echo "created: $(ls -A "$1/r")"; fi
		exit $rc' sh "$TMP/fs" "$1" "$LOADER" "$TMP/${2##*/}"
}

@test "load without CAP_BPF: says what it needs and creates nothing" {
	run --separate-stderr load_unprivileged -all "$TOBJ/t_tracepoint.o"
	echo "status=$status stderr=$stderr output=$output"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ebpf-loader: $TMP/t_tracepoint.o: not permitted without CAP_BPF: needs root (or CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON for tracing, CAP_NET_ADMIN for network programs and CAP_NET_RAW for socket filters)" ]
}

@test "load with CAP_BPF but without CAP_PERFMON, CAP_NET_ADMIN or CAP_NET_RAW: names the program and the capability" {
	run --separate-stderr load_unprivileged +bpf "$TOBJ/t_tracepoint.o"
	echo "status=$status stderr=$stderr output=$output"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "ebpf-loader: $TMP/t_tracepoint.o: program 'count_getppid' (section 'tp/syscalls/sys_enter_getppid'): not permitted without CAP_PERFMON: needs root"* ]]
	rm -rf "$TMP/fs"
	run --separate-stderr load_unprivileged +bpf,+perfmon "$TOBJ/t_xdp.o"
	echo "status=$status stderr=$stderr output=$output"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "ebpf-loader: $TMP/t_xdp.o: program 'count_xdp' (section 'xdp'): not permitted without CAP_NET_ADMIN: needs root"* ]]
	# A socket filter loads with CAP_BPF alone, but its packet socket
	# needs CAP_NET_RAW: said before anything is made, classic or not.
	local obj
	for obj in sockex1.o sockex1_classic.o; do
		rm -rf "$TMP/fs"
		run --separate-stderr load_unprivileged +bpf,+perfmon,+net_admin "$BUILD/bpf/$obj"
		echo "status=$status stderr=$stderr output=$output"
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[[ "$stderr" == "ebpf-loader: $TMP/$obj: program '"*"' (section 'socket"*"'): not permitted without CAP_NET_RAW: needs root"* ]]
	done
}

@test "an object libbpf refuses without a warning: corrupt or unsupported, libbpf's own error code spelled out" {
	run -0 corrupt_object btf-type "$TMP/btftype.o"
	expect_refused "$TMP/btftype.o: corrupt or unsupported BPF object (libbpf error: BPF object format invalid; --verbose shows libbpf's log)" "$TMP/btftype.o"
	[[ "$stderr" != *"Unknown error"* ]]
	assert_no_backend btftype
}

@test "an object libbpf refuses with ENOENT: its debug-level reason, not 'No such file or directory' alone" {
	run -0 corrupt_object btf-datasec "$TMP/datasec.o"
	expect_refused "$TMP/datasec.o: corrupt or unsupported BPF object (sec 'licensx': failed to determine size from ELF: size 0, err -2 (No such file or directory))" "$TMP/datasec.o"
	assert_no_backend datasec
}

@test "corrupt .BTF.ext: the reason libbpf failed, not the warning it ignored" {
	run -0 corrupt_object btf-ext "$TMP/btfext.o"
	expect_refused "$TMP/btfext.o: corrupt or unsupported BPF object (BTF is required, but is missing or corrupted)" "$TMP/btfext.o"
	[[ "$stderr" != *"Ignored and continue"* ]]
	assert_no_backend btfext
}

@test "a load the verifier refuses on a new pin root leaves no root, shared/ or staging/ behind" {
	run -1 --separate-stderr "$LOADER" load "$TOBJ/t_reject.o" --pin-root "$ROOT"
	[[ "$stderr" == *"rejected by the verifier"* ]]
	[ ! -e "$ROOT" ]
	# An existing root stays, with what it holds.
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run -1 "$LOADER" load "$TOBJ/t_reject.o" --pin-root "$ROOT"
	[ -d "$ROOT/t_tracepoint" ]
}
