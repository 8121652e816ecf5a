#!/usr/bin/env bats
# The benchmark sections as make bench runs them, once each and
# quickly: their rows are well formed, and they leave nothing behind (no
# pin, program, process or loop device), as make bench promises. Figures
# are not checked: tests never assert timings.

bats_require_minimum_version 1.5.0
load lib

BENCH=$BATS_TEST_DIRNAME/../bench

# Every row: 9 tab-separated fields, a number in VALUE, and in the last
# (the in-run ratio a target is checked against) a number or "-".
rows_ok() { # FILE
	[ -s "$1" ]
	awk -F'\t' 'NF != 9 || $3 !~ /^[0-9.e+-]+$/ || $9 !~ /^([0-9.e+-]+|-)$/ {
		print "bad row: " $0; bad = 1 } END { exit bad }' "$1"
}

# What a section may not leave behind, of what it can make: programs of
# the shipped objects pinned nowhere (or under ROOT, its BENCH_ROOT), pins
# at the top of /sys/fs/bpf, loop devices over its files, network
# namespaces, processes it starts. Other users of the machine (tests running alongside, a container
# sharing this kernel) load, pin and start the same kinds of things: theirs
# do not count.
state() {
	bpftool -f -j prog show | jq -r --argjson names "$SHIPPED_PROGS" --arg r "$ROOT/" \
		'.[] | select(.name as $n | $names | index($n))
		     | select((.pinned // []) | length == 0 or any(startswith($r))) | .id' | sort -n
	find /sys/fs/bpf -mindepth 1 -maxdepth 1 ! -type d
	losetup -a | grep -F /ebpf-bench. || true
	pgrep -f -- "--pin-root $ROOT( |\$)" || true
	ip netns list | grep -o '^ebpf-bench-[0-9]*' || true
	local p
	for p in bpftrace syscount bitesize runqlat biolatency tcpstates softirqs \
		oomkill tcpconnlat pingpong tcpchurn udpsend; do
		pgrep -x "$p" || true
	done
}

# The names of the programs in the shipped and bench objects (their global
# functions), whole and as the kernel keeps them (15 characters), as a JSON
# array: bpftool shows the whole name when the object has BTF.
shipped_progs() {
	local o n
	for o in "$BPFOBJ"/*.o "$BUILD"/bench/bpf/*.o; do
		[ -e "$o" ] || continue
		for n in $(readelf -Ws "$o" | awk '$4 == "FUNC" && $5 == "GLOBAL" { print $8 }'); do
			echo "$n"
			echo "${n:0:15}"
		done
	done | sort -u | jq -R . | jq -s -c .
}

# Nothing is in the state now that was not before the section (what went
# meanwhile went with others' tests).
nothing_added() {
	state | sort >"$TMP/after"
	[ -z "$(comm -13 "$TMP/before" "$TMP/after")" ]
}

run_section() { # SCRIPT
	SHIPPED_PROGS=$(shipped_progs)
	state | sort >"$TMP/before"
	run env BUILD="$BUILD" RUNS=1 RESULTS="$TMP/rows" BENCH_ROOT="$ROOT" bash "$BENCH/$1"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	rows_ok "$TMP/rows"
	# The kernel frees a program a moment after its last reference goes.
	wait_until 3 nothing_added || {
		echo "left behind: $(comm -13 "$TMP/before" "$TMP/after")"
		return 1
	}
	[ ! -e "$ROOT" ]
}

@test "bench: load time section runs once and leaves nothing behind" {
	run_section 40-load.sh
	# One row per shipped object, bpftool's figure or the reason it has none.
	[ "$(wc -l <"$TMP/rows")" -eq "$(ls "$BPFOBJ"/*.o | wc -l)" ]
	grep -q "sockex1_classic: load + unload.*classic maps section" "$TMP/rows"
}

@test "bench: footprint section runs once and leaves nothing behind" {
	command -v bpftrace >/dev/null && [ -x /usr/sbin/syscount ] ||
		skip "bpftrace and libbpf-tools not installed (make bench installs them)"
	run_section 50-footprint.sh
	grep -q "all four binaries, stripped" "$TMP/rows"
	grep -q "under systemd (libsystemd loaded)" "$TMP/rows"
}

# The rows of the backend cost section, by backend, in $TMP/rows.
backend_row() { # NAME
	awk -F'\t' -v s="$1 ns/event" '$2 == s' "$TMP/rows"
}

@test "bench: backend cost section times each peer on its workload and leaves nothing behind" {
	[ -x /usr/sbin/runqlat ] || skip "libbpf-tools not installed (make bench installs it)"
	export BK_ROUNDS=2000 BK_IO_COUNT=1024 BK_CONNS=200 BK_DGRAMS=2000 BK_MIN_EVENTS=1000
	run_section 60-backends.sh
	local b row
	# Each peer that runs here attached and was timed over at least
	# BK_MIN_EVENTS events of the section's own workload; ours has a
	# figure, or the row says it is not built.
	for b in runqlat biolatency tcpstates softirqs; do
		row=$(backend_row "$b")
		echo "$b: $row"
		[ "$(printf '%s\n' "$row" | wc -l)" -eq 1 ]
		[[ "$(cut -f6 <<<"$row")" =~ ^[0-9.e+]+$ ]]
		[[ "$(cut -f7 <<<"$row")" == "<=0.8x" ]]
		[[ "$row" != *"too few to be meaningful"* ]]
		if [ -e "$BPFOBJ/$b.o" ]; then
			[[ "$(cut -f3 <<<"$row")" =~ ^[0-9.e+]+$ ]]
		else
			[[ "$row" == *"ours not built"* ]]
		fi
	done
	# The peers that need kprobes get a row with the reason they stopped
	# (on a kernel with kprobes, one saying they start).
	for b in oomkill tcpconnlat; do
		row=$(backend_row "$b")
		echo "$b: $row"
		if [ -e /sys/kernel/tracing/kprobe_events ]; then
			[[ "$row" == *"peer starts here"* ]]
		else
			[[ "$row" == *"peer cannot run here, it needs kprobes: "*kprobe* ]]
		fi
	done
}
