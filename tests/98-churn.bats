#!/usr/bin/env bats
# Churn and crash safety across the board: backends loaded and unloaded
# under running readers, the loader and readers killed mid-work.

bats_require_minimum_version 1.5.0
load lib

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }

# Every program, map and link bpftool shows that our tests made is named by
# a pin under ROOT: nothing is left attached or alive without one.
assert_nothing_unpinned() {
	local pinned live
	pinned=$(for b in "$ROOT"/*/progs/*; do [ -e "$b" ] && bpftool -j prog show pinned "$b" | jq -r .id; done | sort -u)
	live=$(for n in count_getppid bitehist_rq_complete syscount_sys_enter execsnoop_exec exitsnoop_exit; do
		our_progs_named "$n"; done | tr ' ' '\n' | grep . | sort -u)
	echo "pinned: $pinned / live: $live"
	[ "$pinned" = "$live" ]
}

wait_nothing_unpinned() {
	wait_until 5 assert_nothing_unpinned >/dev/null 2>&1 && return 0
	assert_nothing_unpinned
}

@test "churn: 100 load/reload/unload rounds while print, exporter and stream run" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	exporter_start
	"$PRINT" --interval 0.1 --pin-root "$ROOT" >/dev/null 2>"$TMP/print.err" &
	local print=$!
	"$STREAM" --interval 0.1 --pin-root "$ROOT" --output /dev/null 2>"$TMP/stream.err" &
	local stream=$!
	BG_PIDS="$BG_PIDS $print $stream"
	# A scraper as Prometheus would be, only faster: its pace is the workload.
	( while [ ! -e "$TMP/stop" ]; do
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/metrics" && touch "$TMP/scraped"
		sleep 0.05 # not a wait: the scraper's pace
	done ) &
	local scraper=$!
	BG_PIDS="$BG_PIDS $scraper"
	# Each reader at work (its maps open, a scrape served) before the
	# baseline of its descriptors and memory.
	wait_until 5 holds_map_fd "$print"
	wait_until 5 holds_map_fd "$stream"
	wait_until 5 test -e "$TMP/scraped"
	local p fd0 rss0 i
	declare -A fd0 rss0
	for p in "$EXPORTER_PID" "$print" "$stream"; do fd0[$p]=$(fd_count "$p"); rss0[$p]=$(rss_kb "$p"); done
	for i in $(seq 100); do
		"$LOADER" load bitehist.o execsnoop.o exitsnoop.o --pin-root "$ROOT" >/dev/null
		"$LOADER" load bitehist.o --replace --pin-root "$ROOT" >/dev/null
		"$LOADER" unload bitehist execsnoop exitsnoop --pin-root "$ROOT" >/dev/null
	done
	# The readers' next rescans close what the last round unloaded.
	for p in "$EXPORTER_PID" "$print" "$stream"; do
		wait_until 5 fds_at_most "$p" $((fd0[$p] + 4)) || true
	done
	touch "$TMP/stop"
	wait "$scraper"
	# Alive and still correct: the remaining backend is served and printed.
	for p in "$EXPORTER_PID" "$print" "$stream"; do
		kill -0 "$p"
		echo "pid $p: fds ${fd0[$p]} -> $(fd_count "$p"), RSS ${rss0[$p]} -> $(rss_kb "$p") kB"
		[ "$(fd_count "$p")" -le $((fd0[$p] + 4)) ]
		# (Not under ASan: its quarantine keeps freed memory resident.)
		[ -n "${EBPF_SANITIZE:-}" ] || [ "$(rss_kb "$p")" -le $((rss0[$p] + 8000)) ]
	done
	scrape | grep -q '^ebpf_t_tracepoint_hits '
	scrape >"$TMP/after-churn"
	run ! grep -q bitehist "$TMP/after-churn"
	run -0 "$PRINT" --once --json --pin-root "$ROOT"
	[ "$(jq -c '[.maps[].backend]' <<<"$output")" = '["t_tracepoint"]' ]
	wait_nothing_unpinned
	[ -z "$(ls -A "$ROOT/shared")" ]
}

@test "SIGKILL the loader at random points of load and unload, 50 times: nothing orphaned" {
	local i delay
	for i in $(seq 50); do
		delay=$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.3f", rand() * 0.06 }')
		if [ $((i % 2)) -eq 0 ]; then
			"$LOADER" load "$TOBJ/t_tracepoint.o" bitehist.o --pin-root "$ROOT" >/dev/null 2>&1 &
		else
			"$LOADER" unload --all --pin-root "$ROOT" >/dev/null 2>&1 &
		fi
		local pid=$!
		sleep "$delay" # not a wait: a random point of the load to kill it at
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		# Each backend is absent or complete, whatever the kill hit.
		for b in t_tracepoint bitehist; do
			[ ! -e "$ROOT/$b" ] || { [ -e "$ROOT/$b/meta" ] && [ -e "$ROOT/$b/links" ]; }
		done
	done
	# The next run recovers: no staging debris, nothing attached without a pin.
	"$LOADER" list --pin-root "$ROOT" >/dev/null
	[ -z "$(ls -A "$ROOT/staging" 2>/dev/null)" ]
	wait_nothing_unpinned
	"$LOADER" unload --all --pin-root "$ROOT"
	assert_no_prog_named count_getppid
	assert_no_prog_named bitehist_rq_complete
}

@test "SIGKILL readers mid-work, 50 times: map contents survive, the next reader reads them" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	"$HELPERS/trigger" getppid 1234 >/dev/null
	local before i p curls=""
	before=$(hits t_tracepoint)
	PORT=$(free_port)
	for i in $(seq 50); do
		case $((i % 3)) in
		0) "$PRINT" --interval 0.01 --pin-root "$ROOT" >/dev/null 2>&1 & ;;
		1) "$STREAM" --interval 0.01 --pin-root "$ROOT" --output /dev/null 2>/dev/null & ;;
		2) "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" 2>/dev/null & ;;
		esac
		p=$!
		BG_PIDS="$BG_PIDS $p"
		# Mid-work: the exporter is killed while a scrape is on its way.
		if [ $((i % 3)) -eq 2 ]; then
			curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/metrics" &
			curls="$curls $!"
			BG_PIDS="$BG_PIDS $!"
		fi
		sleep "0.0$((RANDOM % 5))" # not a wait: a random point of its work to kill it at
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	# The scrapes end (each within its 1 s) before the port is reused.
	for p in $curls; do wait "$p" || true; done
	# Kernel-side counts are untouched by reader crashes, and readable.
	[ "$(hits t_tracepoint)" -ge "$before" ]
	[ "$before" -ge 1234 ]
	run "$PRINT" --once --json --pin-root "$ROOT" t_tracepoint
	[ "$status" -eq 0 ]
	[ "$(jq '.maps[0].entries[0].value' <<<"$output")" -ge "$before" ]
	# No stale consumer lock or listener: a fresh stream and exporter start.
	run -0 "$LOADER" load execsnoop.o --pin-root "$ROOT"
	timeout -s TERM 1 "$STREAM" --events --pin-root "$ROOT" --output /dev/null || [ "$?" -eq 124 ]
	exporter_start
	scrape -o /dev/null
}
