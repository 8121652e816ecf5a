#!/bin/sh
# Run the Bats suite and end with the line CI counts: "N passed, N failed[, N skipped]".
# Usage: tests/run.sh BUILD_DIR [BATS_FILE...]
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 1
shift 2>/dev/null || true
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$here"/*.bats
export BUILD

if [ "$(id -u)" -ne 0 ]; then
	echo "tests: must run as root (they load BPF programs into the kernel)" >&2
	exit 1
fi

log=$(mktemp)
status_file=$(mktemp)
trap 'rm -f "$log" "$status_file"' EXIT
# TAP on stdout as it happens; the summary is computed from the same stream.
{ bats --tap "$@"; echo $? >"$status_file"; } | tee "$log"
bats_status=$(cat "$status_file")

passed=$(grep -cE '^ok [0-9]+ ' "$log" | tr -d ' ')
skipped=$(grep -cE '^ok [0-9]+ .*# skip' "$log" | tr -d ' ')
failed=$(grep -cE '^not ok [0-9]+ ' "$log" | tr -d ' ')
passed=$((passed - skipped))
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
ran=$((passed + skipped + failed))
# A test run that died midway (bats crash) must not look green.
if [ -n "$planned" ] && [ "$ran" -lt "$planned" ]; then
	failed=$((failed + planned - ran))
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$bats_status" -eq 0 ]
