#!/usr/bin/env bats
# The unit tests (tests/unit/*.c, built by make unit): pure code, no BPF
# objects loaded, no network. Each program is one test here, run as
# nobody with no groups, to show it needs no privilege; the programs forbid
# the bpf() syscall themselves (tests/unit/unit.h), and say so on stderr
# when they could not.

bats_require_minimum_version 1.5.0
load lib

UNITS="schema tags decoders http webconfig pbwire pubring nkey classic backends"

# Run unit program NAME as nobody; it must exit 0, having checked
# something and failed nothing, with its bpf() guard in place.
unit_as_nobody() { # NAME [ARGS...]
	local name=$1
	shift
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/unit/$name" "$@"
	echo "$output"
	set -- "$name"
	[[ "${lines[-1]}" =~ ^tests/unit/$1\.c:\ [1-9][0-9]*\ passed,\ 0\ failed$ ]]
	[[ "$output" != *"no bpf() guard"* ]]
}

@test "BTF built in memory flattens into the fields, names, offsets and texts readers show" {
	unit_as_nobody schema
}

@test "ebpf: tags are read from a map's variable in .maps only, into map_tags and field paths" {
	unit_as_nobody tags
}

@test "decoders name addresses, ports, errnos, signals, syscalls and enums, and fall back to the raw value" {
	unit_as_nobody decoders
}

@test "web config files (exporter-toolkit format) load or are refused naming the key; bcrypt users check" {
	unit_as_nobody webconfig
}

@test "the NATS publish ring keeps frames whole and in order across wraps, dropping the oldest" {
	unit_as_nobody pubring
}

@test "--nats-nkey's seeds decode, user public keys encode, and bad seeds are refused with their reason" {
	unit_as_nobody nkey
}

@test "the exporter's HTTP request parser takes well-formed heads and answers bad ones 400, 405 or 414" {
	unit_as_nobody http
}

@test "the stream's hand-written protobuf is byte for byte what protobuf-c packs" {
	unit_as_nobody pbwire
}

@test "the libelf reader parses a classic object and refuses corrupt copies with their reason" {
	# Its fixtures, where nobody may read them: a checkout under a 0700
	# home (/root on a fresh Debian) is closed to that user.
	mkdir "$TMP/fixtures"
	cp "$BUILD/bpf/sockex1_classic.o" "$BUILD/bpf/sockex1.o" "$TMP/fixtures/"
	chmod 0755 "$TMP" "$TMP/fixtures"
	chmod 0644 "$TMP/fixtures"/*.o
	unit_as_nobody classic "$TMP/fixtures"
}

@test "the backends' arithmetic: biolatency's buckets bound every I/O counted in them" {
	unit_as_nobody backends
}

@test "every unit program of the build is run by this file" {
	local t name
	run -0 ls "$BUILD/unit"
	[ -n "$output" ]
	for t in $output; do
		name=${t##*/}
		[[ $name != *.d ]] || continue # make's record of its headers
		[[ " $UNITS " == *" $name "* ]] || { echo "$name: not run by 01-unit.bats"; false; }
	done
}

@test "a unit program that reaches bpf() is killed, not passed" {
	# The guard of unit.h, compiled into a program that then calls bpf().
	run -0 cc -I"$BATS_TEST_DIRNAME/unit" -o "$TMP/guard" -x c - <<'C'
#include "unit.h"
#include <unistd.h>
int main(void)
{
	unit_start();
	syscall(__NR_bpf, 0, NULL, 0);
	return UNIT_END();
}
C
	run -159 "$TMP/guard"
	[ "$output" = "" ]
}
