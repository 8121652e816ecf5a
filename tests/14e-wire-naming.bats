#!/usr/bin/env bats
# The stream's hand-written wire tags against the .proto, and the loader's
# one word per idea: what a section name attaches as, in one table.

bats_require_minimum_version 1.5.0
load lib

@test "every wire tag the direct encoders write is its field's number and wire type in protobuf-c's descriptors" {
	local src=$BATS_TEST_DIRNAME/.. cc=${CC:-cc}
	[ -e "$BUILD/proto/ebpf_stream.pb-c.o" ] || skip "no generated protobuf-c code in $BUILD"
	run -0 "$cc" -O1 -std=gnu11 -D_GNU_SOURCE -I"$src/lib" -I"$BUILD" -I"$src/readers/core" \
		-I"$src/readers/stream" -I"$BUILD/proto" -o "$TMP/wiretags" \
		"$src/readers/stream/check/wiretags.c" "$BUILD/proto/ebpf_stream.pb-c.o" -lprotobuf-c
	run -0 "$TMP/wiretags"
	[ "$output" = "wiretags: 28 tags match the descriptors" ]
}
