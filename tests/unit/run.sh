#!/bin/sh
# make unit: run each unit test program, then one summary line. Every
# program runs even when one fails; the exit status is 1 if any did.
# Usage: tests/unit/run.sh PROGRAM...
set -u
passed=0
failed=0
for t in "$@"; do
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "unit: $t failed (exit status $?)" >&2
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
