#!/usr/bin/env bats
# A short smoke run of each fuzz target (make fuzz runs them longer).

bats_require_minimum_version 1.5.0
load lib

FUZZ_SMOKE_RUNS=200

fuzz_smoke() { # TARGET SEEDS...
	local target=$1
	shift
	mkdir -p "$TMP/corpus"
	cp "$@" "$TMP/corpus/"
	# A number of runs, not of seconds: on a loaded machine (or under a
	# sanitizer) a time limit leaves a count that says nothing.
	run "$BUILD/fuzz/fuzz_$target" -runs=$FUZZ_SMOKE_RUNS -print_final_stats=1 \
		-artifact_prefix="$TMP/crash-" "$TMP/corpus"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<<"$output")
	echo "# fuzz_$target: $execs executions" >&3
	[ "$execs" -ge "$FUZZ_SMOKE_RUNS" ]
	[ -z "$(ls "$TMP" | grep '^crash-')" ]
}

@test "fuzz smoke: BPF object parsing (modern and classic)" {
	fuzz_smoke object "$BPFOBJ"/*.o "$TOBJ"/t_noprog.o "$TOBJ"/t_reject.o
}

@test "fuzz smoke: the stream decoder" {
	fuzz_smoke decode "$BATS_TEST_DIRNAME"/fuzz/seeds/decode/*
}

@test "fuzz smoke: the exporter's HTTP request parser" {
	fuzz_smoke http "$BATS_TEST_DIRNAME"/fuzz/seeds/http/*
}
