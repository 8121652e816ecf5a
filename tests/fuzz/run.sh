#!/bin/sh
# run.sh BUILD SECONDS: each fuzz target for SECONDS, from a seed corpus.
# Corpora and crash reproducers are kept in BUILD/fuzz/.
set -eu
BUILD=$1
SECONDS_EACH=$2
here=$(cd "$(dirname "$0")" && pwd)
status=0
for target in object decode http decoders; do
	corpus=$BUILD/fuzz/corpus-$target
	mkdir -p "$corpus"
	case $target in
	object) cp "$BUILD"/bpf/*.o "$BUILD"/tests/bpf/*.o "$corpus"/ 2>/dev/null || true ;;
	*) cp "$here"/seeds/$target/* "$corpus"/ 2>/dev/null || true ;;
	esac
	echo "fuzz: $target for ${SECONDS_EACH}s"
	if ! "$BUILD/fuzz/fuzz_$target" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz/crash-$target-" "$corpus" >"$BUILD/fuzz/$target.log" 2>&1; then
		echo "fuzz: $target FAILED, see $BUILD/fuzz/$target.log" >&2
		tail -n 30 "$BUILD/fuzz/$target.log" >&2
		status=1
	fi
	grep -E '^stat::number_of_executed_units' "$BUILD/fuzz/$target.log" | sed "s/^/fuzz: $target /"
done
exit $status
