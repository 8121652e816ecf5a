#!/usr/bin/env bats
# The stream's hand-written wire tags against the .proto, and the loader's
# one word per idea: what a section name attaches as, in one table.

bats_require_minimum_version 1.5.0
load lib

@test "every wire tag the direct encoders write is its field's number and wire type in protobuf-c's descriptors" {
	local src=$BATS_TEST_DIRNAME/.. cc=${CC:-cc}
	[ -e "$BUILD/proto/ebpf_stream.pb-c.c" ] || skip "no generated protobuf-c code in $BUILD"
	# From the generated source, not the build's object: a sanitizer
	# build's objects do not link without the sanitizer runtime.
	run -0 "$cc" -O1 -std=gnu11 -D_GNU_SOURCE -I"$src/lib" -I"$BUILD" -I"$src/readers/core" \
		-I"$src/readers/stream" -I"$BUILD/proto" -o "$TMP/wiretags" \
		"$src/readers/stream/check/wiretags.c" "$BUILD/proto/ebpf_stream.pb-c.c" -lprotobuf-c
	run -0 "$TMP/wiretags"
	[ "$output" = "wiretags: 31 tags match the descriptors" ]
}

# A load that fails before anything is loaded: one line on stderr that
# names the object, section and program, and no backend left.
refused_before_load() { # OBJECT MESSAGE
	run --separate-stderr "$LOADER" load "$TOBJ/$1.o" --pin-root "$ROOT"
	echo "status=$status stderr=$stderr"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "${stderr_lines[0]}" = "ebpf-loader: $TOBJ/$1.o: $2" ]
	[ ! -e "$ROOT/$1" ]
}

@test "an lsm program is refused before load where fentry is, as it runs on a BPF trampoline too" {
	[ -e "$TOBJ/t_lsm.o" ] || skip "no t_lsm.o in $BUILD"
	refused_before_load t_lsm "section 'lsm/file_open' (program 'count_file_open'): lsm programs are not supported by this kernel (they run on a BPF trampoline, and a probe load was refused)"
	assert_no_prog_named count_file_open
}

@test "an freplace program is refused before load with the reason, not as an fentry program" {
	[ -e "$TOBJ/t_freplace.o" ] || skip "no t_freplace.o in $BUILD"
	refused_before_load t_freplace "section 'freplace/handler' (program 'new_handler'): freplace programs replace a function of a program loaded before them, which ebpf-loader cannot name"
	assert_no_prog_named new_handler
}

@test "the loader and its docs call objects with a maps section 'classic', never 'legacy'" {
	local src=$BATS_TEST_DIRNAME/..
	[ -d "$src/loader" ] || skip "no sources next to the tests"
	# make bench quotes peers' errors word for word in docs/performance.md;
	# libbpf's own "failed to add legacy kprobe event" is one of them.
	run -0 bash -c "grep -rniw legacy '$src/loader' '$src/docs' '$src/README.md' | grep -v 'legacy kprobe event' | wc -l"
	[ "$output" -eq 0 ]
	[ -e "$src/loader/classic.c" ]
}

@test "the loader's shared options are no global named g" {
	local src=$BATS_TEST_DIRNAME/..
	[ -d "$src/loader" ] || skip "no sources next to the tests"
	run -1 grep -rnE '^(extern[[:space:]]+)?struct[[:space:]]+[a-z_]+[[:space:]]+g;' "$src/loader" "$src/tests/fuzz"
	run -1 grep -rnE '\bg\.(json|verbose|pin_root)\b' "$src/loader"
}

@test "docs/design.md is complete in itself: no contract outside the repository, every link resolves" {
	local src=$BATS_TEST_DIRNAME/.. link
	[ -e "$src/docs/design.md" ] || skip "no docs next to the tests"
	run -1 grep -nE '\.\./shared|shared/DESIGN|original contract' "$src/docs/design.md"
	run -0 grep -oE '\]\([^)#]+' "$src/docs/design.md"
	for link in "${lines[@]}"; do
		link=${link#](}
		case $link in http*://*) continue ;; esac
		echo "link: $link"
		[ -e "$src/docs/$link" ]
	done
}

@test "the shipped ebpf-stream has no protobuf-c Snapshot or Event encoder; asked for the self-check, it says it has none" {
	run -0 nm "$STREAM"
	local syms=$output
	run -0 grep -E ' T (frame_describe|selfcheck_enabled)$' <<<"$syms"
	run -1 grep -E '^[0-9a-f]+ [TtWw] (frame_snapshot|frame_event|selfcheck_compare|selfcheck_snapshot_ref|selfcheck_event_ref)$' <<<"$syms"
	run -0 "$LOADER" load bitehist.o --pin-root "$ROOT"
	run --separate-stderr env EBPF_STREAM_SELFCHECK=1 "$STREAM" --once --pin-root "$ROOT" --output "$TMP/cap"
	[ "$status" -eq 0 ]
	[ "$stderr" = "ebpf-stream: EBPF_STREAM_SELFCHECK: no self-check in this build (the tests link it from readers/stream/check/)" ]
	[ -s "$TMP/cap" ]
}

@test "the test build's self-check finds the direct encoders' frames the same as protobuf-c's" {
	run -0 stream_selfcheck_build
	run -0 "$LOADER" load bitehist.o syscount.o --pin-root "$ROOT"
	run --separate-stderr env EBPF_STREAM_SELFCHECK=1 "$TMP/ebpf-stream-selfcheck" --once --pin-root "$ROOT" --output "$TMP/cap"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run -0 "$STREAM" --decode <"$TMP/cap"
	run -0 jq -s '[.[] | select(.snapshot)] | length' <<<"$output"
	[ "$output" -ge 2 ]
}
