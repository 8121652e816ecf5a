#!/usr/bin/env bats
# Decoders named by ebpf:decode tags (docs/tags.md): every reader shows the
# same decoded text, from real events counted by tests/bpf/t_decoders.bpf.c,
# and the raw value whenever a decoder cannot map one.

bats_require_minimum_version 1.5.0
load lib

# Load the test object, then let one process named t_dec, in a private netns
# and a cgroup of this test, make every event it counts.
decoders_events() {
	require_cgroup2
	run -0 loader load "$TOBJ/t_decoders.o"
	netns_create
	NETNS_INO=$(stat -L -c %i "/run/netns/$NS")
	CGROUP=$(cgroup2_root)/ebpf-test-$BATS_TEST_NUMBER-$$${CGROUP_SUFFIX:-}
	mkdir "$CGROUP"
	loop_create 8
	DPORT=$(test_port)
	run -0 in_ns "$PY" "$BATS_TEST_DIRNAME/helpers/decoders_drive.py" "$CGROUP" "$DPORT" "$LOOPDEV"
}

# The entries of MAP in an `ebpf-print --once --json` document, compact.
entries() { # JSON MAP
	jq -c --arg m "$2" '.maps[] | select(.backend == "t_decoders" and .map == $m) | .entries[]' <<<"$1"
}

# Key bytes of a little-endian u32/u64, for bpftool.
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
le64() { echo "$(le32 $(($1 & 0xffffffff))) $(le32 $(($1 >> 32 & 0xffffffff)))"; }

@test "inet_ip, port, hex and enum: decoded text in ebpf-print text and JSON" {
	decoders_events
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" t_decoders
	local doc=$output
	# IPv4: the address bytes of the kernel, the port in network order.
	run -0 entries "$doc" conn4
	[[ "$output" == *"{\"key\":{\"netns\":$NETNS_INO,\"saddr\":\"127.0.0.1\",\"daddr\":\"127.0.0.2\",\"raw\":\"7f000002\",\"dport\":\"$DPORT\",\"pad\":0},\"value\":1}"* ]]
	# IPv6 in RFC 5952 text, a v4-mapped address as ::ffff:a.b.c.d.
	run -0 entries "$doc" conn6
	[[ "$output" == *"{\"key\":{\"netns\":$NETNS_INO,\"saddr\":\"::1\",\"daddr\":\"::1\",\"dport\":\"$DPORT\",\"pad\":0},\"value\":1}"* ]]
	[[ "$output" == *"{\"key\":{\"netns\":$NETNS_INO,\"saddr\":\"::ffff:127.0.0.1\",\"daddr\":\"::ffff:127.0.0.2\",\"dport\":\"$DPORT\",\"pad\":0},\"value\":1}"* ]]
	# A kernel enum by name, prefix left out: the refused SYNs had no socket.
	run -0 jq -r --argjson ns "$NETNS_INO" \
		'.maps[] | select(.map == "drops") | .entries[] | select(.key.netns == $ns) | .key.reason' <<<"$doc"
	[[ "$output" == *"no_socket"* ]]
	# The text view shows the same cells.
	run -0 "$PRINT" --once --pin-root "$ROOT" t_decoders/conn4 t_decoders/conn6 t_decoders/drops
	echo "$output"
	[[ "$output" =~ $NETNS_INO\ +127\.0\.0\.1\ +127\.0\.0\.2\ +7f000002\ +$DPORT\ +0\ +1 ]]
	[[ "$output" =~ $NETNS_INO\ +::1\ +::1\ +$DPORT\ +0\ +1 ]]
	[[ "$output" =~ $NETNS_INO\ +::ffff:127\.0\.0\.1\ +::ffff:127\.0\.0\.2\ +$DPORT ]]
	[[ "$output" =~ $NETNS_INO\ +no_socket\  ]]
}

@test "exporter label values are the decoded text; promtool passes" {
	decoders_events
	exporter_start
	scrape >"$TMP/m"
	run -0 promtool check metrics <"$TMP/m"
	run -0 grep -F "{netns=\"$NETNS_INO\",saddr=\"127.0.0.1\",daddr=\"127.0.0.2\",raw=\"7f000002\",dport=\"$DPORT\",pad=\"0\"} 1" "$TMP/m"
	run -0 grep -F "{netns=\"$NETNS_INO\",saddr=\"::1\",daddr=\"::1\",dport=\"$DPORT\",pad=\"0\"} 1" "$TMP/m"
	run -0 grep -F "{netns=\"$NETNS_INO\",saddr=\"::ffff:127.0.0.1\",daddr=\"::ffff:127.0.0.2\",dport=\"$DPORT\",pad=\"0\"} 1" "$TMP/m"
	run -0 grep -E "\{netns=\"$NETNS_INO\",reason=\"no_socket\",location=\"[^\"]+\"\} [0-9]+$" "$TMP/m"
}

@test "ebpf-stream: Describe names each field's decoder; snapshots carry the decoded text beside the raw value" {
	decoders_events
	# The self-check builds every frame again with protobuf-c: the direct
	# encoders must write the same bytes, decoded strings included.
	run -0 stream_selfcheck_build
	STREAM_SELFCHECK=$TMP/ebpf-stream-selfcheck
	EBPF_STREAM_SELFCHECK=1 timeout 10 "$STREAM_SELFCHECK" --once --pin-root "$ROOT" t_decoders/conn4 t_decoders/conn6 t_decoders/drops \
		>"$TMP/cap" 2>"$TMP/err"
	run -0 cat "$TMP/err"
	[ -z "$output" ]
	run -0 "$STREAM" --decode <"$TMP/cap"
	local doc=$output
	run -0 jq -c '.describe.maps[]? | select(.map == "conn4") | [.key_fields[] | .decoder // ""]' <<<"$doc"
	[ "$output" = '["","inet_ip","inet_ip","hex","port",""]' ]
	run -0 jq -c '.describe.maps[]? | select(.map == "drops") | [.key_fields[] | .decoder // ""]' <<<"$doc"
	[ "$output" = '["","enum:skb_drop_reason","ksym"]' ]
	# The raw bytes stay in values; decoded has the text, one per field here.
	run -0 jq -c --argjson ns "$NETNS_INO" '.snapshot? | select(.map == "conn4") | .entries[].key
		| select(.[0].values[0].u == $ns) | map({(.name): (.decoded // [.values[].u])}) | add' <<<"$doc"
	[ "$output" = "{\"netns\":[$NETNS_INO],\"saddr\":[\"127.0.0.1\"],\"daddr\":[\"127.0.0.2\"],\"raw\":[\"7f000002\"],\"dport\":[\"$DPORT\"],\"pad\":[0]}" ]
	run -0 jq -c --argjson ns "$NETNS_INO" '.snapshot? | select(.map == "conn4") | .entries[].key
		| select(.[0].values[0].u == $ns) | .[1].values | map(.u)' <<<"$doc"
	[ "$output" = "[127,0,0,1]" ]
	run -0 jq -r --argjson ns "$NETNS_INO" '.snapshot? | select(.map == "conn6") | .entries[].key
		| select(.[0].values[0].u == $ns) | "\(.[1].decoded[0]) \(.[2].decoded[0]) \(.[3].decoded[0])"' <<<"$doc"
	[[ "$output" == *"::1 ::1 $DPORT"* ]]
	[[ "$output" == *"::ffff:127.0.0.1 ::ffff:127.0.0.2 $DPORT"* ]]
	run -0 jq -r --argjson ns "$NETNS_INO" '.snapshot? | select(.map == "drops") | .entries[].key
		| select(.[0].values[0].u == $ns) | .[1].decoded[0]' <<<"$doc"
	[[ "$output" == *"no_socket"* ]]
}

# The key of each entry of the scalar-keyed MAP, as each reader shows it:
# print JSON ("s:text" or "n:number"), exporter label, stream ("decoded raw").
print_keys() { # MAP
	"$PRINT" --once --json --pin-root "$ROOT" "t_decoders/$1" |
		jq -r '.maps[0].entries[].key | if type == "string" then "s:" + . else "n:" + tostring end'
}
label_keys() { # MAP
	scrape | sed -n "s/^[a-z_]*_t_decoders_$1_total{key=\"\(.*\)\"} [0-9.e+]*\$/\1/p"
}
stream_keys() { # MAP
	timeout 10 "$STREAM" --once --pin-root "$ROOT" "t_decoders/$1" | "$STREAM" --decode |
		jq -r '.snapshot // empty | .entries[].key[0] | (.decoded[0] // "") + " " + (.values[0] | (.u // .i // 0) | tostring)'
}

# MAP has an entry shown as DECODED when SHOWN is 1, or as RAW when it is 0 (no
# decoder can map it), in all three readers; the stream carries RAW beside.
expect_key() { # MAP DECODED RAW SHOWN
	local p=n:$3 l=$3 s=" $3"
	if [ "$4" = 1 ]; then p=s:$2 l=$2 s="$2 $3"; fi
	run -0 print_keys "$1"
	echo "print $1: $output"
	[[ $'\n'$output$'\n' == *$'\n'"$p"$'\n'* ]]
	run -0 label_keys "$1"
	echo "labels $1: $output"
	[[ $'\n'$output$'\n' == *$'\n'"$l"$'\n'* ]]
	run -0 stream_keys "$1"
	echo "stream $1: $output"
	[[ $'\n'$output$'\n' == *$'\n'"$s"$'\n'* ]]
}

@test "syscall, errno and signal: getppid, EISDIR, SIGUSR1 in every reader" {
	decoders_events
	exporter_start
	local r=1
	# The number of getppid on this architecture, from its headers.
	local nr
	nr=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | cpp -P | tail -n 1)
	[[ "$nr" =~ ^[0-9]+$ ]]
	expect_key syscalls getppid "$nr" "$r"
	expect_key errors EISDIR -21 "$r"
	expect_key signals SIGUSR1 10 "$r"
	run -0 promtool check metrics < <(scrape)
}

@test "cgroup, majorminor, ifname: the test's cgroup, loop device and lo in every reader" {
	decoders_events
	exporter_start
	local r=1 dev
	expect_key cgroups "/${CGROUP#"$(cgroup2_root)"/}" "$(stat -c %i "$CGROUP")" "$r"
	# A kernel dev_t: major << 20 | minor.
	dev=$(( 0x$(stat -c %t "$LOOPDEV") << 20 | 0x$(stat -c %T "$LOOPDEV") ))
	expect_key disks "${LOOPDEV#/dev/}" "$dev" "$r"
	expect_key ifaces lo 1 "$r"
	run -0 promtool check metrics < <(scrape)
}

@test "ksym and kstack: where the kernel dropped the SYN, and the stack of getppid(), in every reader" {
	decoders_events
	exporter_start
	local doc
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT" t_decoders/drops t_decoders/stacks
	doc=$output
	run -0 jq -r --argjson ns "$NETNS_INO" '.maps[] | select(.map == "drops") | .entries[].key
		| select(.netns == $ns) | .location | tostring' <<<"$doc"
	local loc=$output stack
	echo "locations: $loc"
	run -0 jq -r '.maps[] | select(.map == "stacks") | .entries[].key | tostring' <<<"$doc"
	stack=$output
	echo "stacks: $stack"
	run -0 scrape
	local m=$output
	run -0 bash -c "timeout 10 '$STREAM' --once --pin-root '$ROOT' t_decoders/drops t_decoders/stacks | '$STREAM' --decode"
	local st=$output
	[[ $'\n'$loc =~ $'\n'tcp_v[46]_rcv(\+0x[0-9a-f]+)?($'\n'|$) ]]
	[[ "$stack" == *";"*"do_syscall_64"* || "$stack" == *"do_syscall_64"*";"* ]]
	[[ "$m" =~ location=\"tcp_v[46]_rcv ]]
	[[ "$m" =~ _t_decoders_stacks_total\{key=\"[^\"]*do_syscall_64 ]]
	run -0 jq -r '.snapshot? | select(.map == "stacks") | .entries[].key[0].decoded[0]' <<<"$st"
	[[ "$output" == *do_syscall_64* ]]
	run -0 promtool check metrics <<<"$m"
}

# Put an entry with KEYBYTES and a count of 1 into MAP.
put_entry() { # MAP KEYBYTES...
	local map=$1
	shift
	bpftool map update pinned "$ROOT/t_decoders/maps/$map" key "$@" value 1 0 0 0 0 0 0 0
}

@test "values no decoder can map stay raw in every reader: a stack id that is gone, no such ifindex, device, syscall, errno, signal, cgroup, enumerator" {
	decoders_events
	exporter_start
	local id
	# A stack the program recorded, then removed from the stack map.
	run -0 bash -c "'$PRINT' --once --json --pin-root '$ROOT' t_decoders/stacks | jq -r '.maps[0].entries[0].key'"
	id=$output
	if ! [[ "$id" =~ ^[0-9]+$ ]]; then
		# Decoded already: take the id from the stream's raw value.
		run -0 bash -c "timeout 10 '$STREAM' --once --pin-root '$ROOT' t_decoders/stacks | '$STREAM' --decode | jq -r '.snapshot // empty | .entries[0].key[0].values[0].u'"
		id=$output
	fi
	[[ "$id" =~ ^[0-9]+$ ]]
	run -0 bpftool map delete pinned "$ROOT/t_decoders/maps/stack_map" key $(le32 "$id")
	expect_key stacks - "$id" 0
	run -0 put_entry ifaces $(le32 999999)
	expect_key ifaces - 999999 0
	# major 4095, minor 99999: no such block device.
	run -0 put_entry disks $(le32 $((4095 << 20 | 99999)))
	expect_key disks - $((4095 << 20 | 99999)) 0
	run -0 put_entry syscalls $(le32 4000)
	expect_key syscalls - 4000 0
	run -0 put_entry errors $(le32 $((2**32 - 4000)))
	expect_key errors - -4000 0
	run -0 put_entry signals $(le32 200)
	expect_key signals - 200 0
	run -0 put_entry cgroups $(le64 999999999)
	expect_key cgroups - 999999999 0
	# An integer no enumerator of the kernel's enum has.
	run -0 put_entry drops $(le32 7) $(le32 99999) $(le64 0)
	run -0 bash -c "'$PRINT' --once --json --pin-root '$ROOT' t_decoders/drops | jq -c '.maps[0].entries[].key | select(.netns == 7) | .reason'"
	[ "$output" = 99999 ]
	run -0 scrape
	[[ "$output" == *'{netns="7",reason="99999",location="'* ]]
	run -0 promtool check metrics <<<"$output"
}

@test "fuzz smoke: every decoder on random bytes shows text or the raw value, never crashes" {
	mkdir -p "$TMP/corpus"
	cp "$BATS_TEST_DIRNAME"/fuzz/seeds/decoders/* "$TMP/corpus/"
	run "$BUILD/fuzz/fuzz_decoders" -max_total_time=3 -print_final_stats=1 \
		-artifact_prefix="$TMP/crash-" "$TMP/corpus"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<<"$output")
	[ "$execs" -gt 100 ]
	run -0 find "$TMP" -maxdepth 1 -name 'crash-*'
	[ -z "$output" ]
}

@test "a cgroup named with a tab and a Latin-1 byte: one escaped text, the same in every reader" {
	# (cgroupfs refuses a newline in a name; a tab and \xe9 it takes.)
	CGROUP_SUFFIX=$'\tx\xe9' decoders_events
	exporter_start
	local id text
	id=$(stat -c %i "$CGROUP")
	# The readers' one escaping: the bytes outside printable ASCII as \xNN.
	text="/ebpf-test-$BATS_TEST_NUMBER-$$\\x09x\\xe9"
	run -0 print_keys cgroups
	[[ $'\n'$output$'\n' == *$'\n's:"$text"$'\n'* ]]
	run -0 stream_keys cgroups
	[[ $'\n'$output$'\n' == *$'\n'"$text $id"$'\n'* ]]
	# In the exposition format the label value escapes the backslash again.
	run -0 label_keys cgroups
	[[ $'\n'$output$'\n' == *$'\n'"${text//\\/\\\\}"$'\n'* ]]
	run -0 promtool check metrics < <(scrape)
}

@test "a decoder built from the proto without the decoder fields reads the new frames; the current one sees the text" {
	decoders_events
	timeout 10 "$STREAM" --once --pin-root "$ROOT" t_decoders/conn4 >"$TMP/cap"
	# The proto as it was before decoders: the two fields taken out.
	mkdir -p "$TMP/old"
	grep -v -e 'string decoder = 5;' -e 'repeated string decoded = 3;' \
		"$BATS_TEST_DIRNAME/../proto/ebpf_stream.proto" >"$TMP/old/ebpf_stream.proto"
	run -0 grep -c -e 'decoder = 5' -e 'decoded = 3' "$BATS_TEST_DIRNAME/../proto/ebpf_stream.proto"
	[ "$output" = 2 ]
	protoc --python_out="$TMP/old" -I "$TMP/old" "$TMP/old/ebpf_stream.proto"
	run -0 "$PY" "$BATS_TEST_DIRNAME/helpers/decode_stream.py" "$TMP/old" "$TMP/cap"
	local old=$output
	# The same raw values, nothing about decoders.
	run -0 jq -c --argjson ns "$NETNS_INO" 'select(.snapshot) | .snapshot.entries[].key
		| select(.[0].values[0].u == ($ns | tostring)) | .[1].values | map(.u)' <<<"$old"
	[ "$output" = '["127","0","0","1"]' ]
	[[ "$old" != *'"decoded"'* && "$old" != *'"decoder"'* ]]
	run -0 py_decode "$TMP/cap"
	run -0 jq -r --argjson ns "$NETNS_INO" 'select(.snapshot) | .snapshot.entries[].key
		| select(.[0].values[0].u == ($ns | tostring)) | .[2].decoded[0]' <<<"$output"
	[ "$output" = 127.0.0.2 ]
}

@test "load refuses a decode tag naming an unknown decoder, field or enum, naming tag and reason; nothing is left" {
	local n obj
	declare -A why=(
		[name]="map 'conns': decode tag 'dport:portnum': unknown decoder 'portnum' (known: inet_ip, port, hex, enum:<name>, syscall, errno, signal, ksym, kstack, cgroup, majorminor, ifname, argv)"
		[field]="map 'conns': decode tag 'dev.ifidx:ifname': no key or value field 'dev.ifidx' (nested fields as a.b, \"key\"/\"value\" for a scalar key or value; docs/tags.md)"
		[enum]="map 'conns': decode tag 'pad:enum:no_such_enum_anywhere': enum 'no_such_enum_anywhere' is in neither the object's BTF nor the running kernel's: define it in the BPF source and EBPF_EMIT_TYPE(enum no_such_enum_anywhere);"
	)
	for n in name field enum; do
		obj=$TOBJ/t_decode_bad_$n.o
		run --separate-stderr "$LOADER" load "$obj" --pin-root "$ROOT"
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[ "$stderr" = "ebpf-loader: $obj: ${why[$n]}" ]
		# Refused before anything was made.
		[ ! -e "$ROOT" ]
		assert_no_prog_named bad_decode_getp
	done
	# The same tags, spelt right (saddr:inet_ip, dev.ifindex:ifname on the
	# same object), are accepted: what is refused is only the bad one.
	run -0 bpftool btf dump file "$TOBJ/t_decode_bad_name.o"
	[[ "$output" == *"DECL_TAG 'ebpf:decode=dev.ifindex:ifname'"* ]]
	[[ "$output" == *"DECL_TAG 'ebpf:decode=saddr:inet_ip'"* ]]
}
