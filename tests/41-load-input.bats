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
