#!/usr/bin/env bats
# The suite's own rules, checked on its own files: an assertion that cannot
# fail is worse than none.

@test "no test negates a command with a bare '!', which Bats never fails on (use run !)" {
	# `! cmd` fails a test only on its last line; set -e ignores it anywhere
	# else. Comments and heredoc text are not commands.
	run grep -nE '^[[:space:]]*![[:space:]]' "$BATS_TEST_DIRNAME"/*.bats
	[ "$status" -eq 1 ] || { echo "$output"; false; }
}
