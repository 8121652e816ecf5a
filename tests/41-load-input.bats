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
