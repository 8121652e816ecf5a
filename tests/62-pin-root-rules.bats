#!/usr/bin/env bats
# The pin root rule every command applies (lib/pinlayout.c pin_root_check,
# docs/design.md "The pin root"): symbolic links are refused, not followed,
# by the loader and by all three readers; a pin root inside another pin
# root's tree is refused; and the loader's staging clean-up removes only
# what a loader made there.

bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	LINK=$TMP/link
}

# Start a load paused at STEP and SIGKILL it there: staging debris.
kill_load_at() { # STEP OBJ
	local pid
	EBPF_LOADER_TEST_PAUSE=$1 "$LOADER" load "$2" --pin-root "$ROOT" 2>"$TMP/err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_until 5 grep -q "test pause at $1" "$TMP/err"
	grep "test pause at $1" "$TMP/err"
	kill -9 "$pid"
	wait "$pid" || true
}

# A directory in ROOT/staging/ that no loader made, shaped like a pin root,
# with a map pinned in it.
make_foreign_in_staging() { # NAME
	local dir=$ROOT/staging/$1
	mkdir -p "$dir/shared" "$dir/staging"
	bpftool map create "$dir/shared/m" type array key 4 value 8 entries 1 name pinroot_m
}

# Each reader refuses --pin-root ARG, saying WHY, and does not start.
readers_refuse_pin_root() { # ARG WHY
	run -1 timeout 10 "$PRINT" --once --pin-root "$1"
	[ "$output" = "ebpf-print: $2" ]
	run -1 timeout 10 "$EXPORTER" --pin-root "$1" --listen "127.0.0.1:$(free_port)"
	[ "$output" = "ebpf-exporter: $2" ]
	run -1 timeout 10 "$STREAM" --once --pin-root "$1" --output "$TMP/out"
	[ "$output" = "ebpf-stream: $2" ]
}

@test "a pin root inside another pin root's staging/ or backend directory is refused" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	local nested
	for nested in "$ROOT/staging/inner" "$ROOT/shared/inner" "$ROOT/t_tracepoint/maps" \
		"$ROOT/t_tracepoint" "$ROOT/other"; do
		run -1 "$LOADER" load "$TOBJ/t_rawtp.o" --pin-root "$nested"
		[ "$output" = "ebpf-loader: pin root $nested is inside pin root $ROOT: refusing (pin roots do not nest)" ]
		[ ! -e "$nested/t_rawtp" ]
		[ ! -e "$nested/staging" ]
	done
	assert_no_prog_named count_sys_enter
	# unload and the readers apply the same rule: nothing of t_tracepoint
	# is taken for a backend of a root of its own.
	run -1 "$LOADER" unload --all --pin-root "$ROOT/t_tracepoint"
	[ "$output" = "ebpf-loader: pin root $ROOT/t_tracepoint is inside pin root $ROOT: refusing (pin roots do not nest)" ]
	[ -e "$ROOT/t_tracepoint/maps/hits" ]
	run -1 timeout 10 "$PRINT" --once --pin-root "$ROOT/t_tracepoint"
	[ "$output" = "ebpf-print: pin root $ROOT/t_tracepoint is inside pin root $ROOT: refusing (pin roots do not nest)" ]
	run -0 "$LOADER" list --pin-root "$ROOT"
	[ "${lines[1]%% *}" = t_tracepoint ]
}

@test "a backend directory is refused as a pin root, and so is anything inside one" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	# Without shared/ and staging/ the root no longer looks like one: the
	# backend's meta pin still tells what its directory is.
	rmdir "$ROOT/shared" "$ROOT/staging"
	run -1 "$LOADER" list --pin-root "$ROOT/t_tracepoint"
	[ "$output" = "ebpf-loader: pin root $ROOT/t_tracepoint is a backend directory (it holds a meta pin): refusing" ]
	run -1 "$LOADER" load "$TOBJ/t_rawtp.o" --pin-root "$ROOT/t_tracepoint/maps/inner"
	[ "$output" = "ebpf-loader: pin root $ROOT/t_tracepoint/maps/inner is inside backend directory $ROOT/t_tracepoint: refusing" ]
	[ ! -e "$ROOT/t_tracepoint/maps/inner" ]
	assert_no_prog_named count_sys_enter
}

@test "a pin root that holds another pin root is refused" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT/inner"
	# ROOT would take inner for a backend: unload --all would remove it.
	run -1 "$LOADER" unload --all --pin-root "$ROOT"
	[ "$output" = "ebpf-loader: pin root $ROOT holds pin root $ROOT/inner: refusing (pin roots do not nest)" ]
	run -1 "$LOADER" load "$TOBJ/t_rawtp.o" --pin-root "$ROOT"
	[ "$output" = "ebpf-loader: pin root $ROOT holds pin root $ROOT/inner: refusing (pin roots do not nest)" ]
	run -1 timeout 10 "$PRINT" --once --pin-root "$ROOT"
	[ "$output" = "ebpf-print: pin root $ROOT holds pin root $ROOT/inner: refusing (pin roots do not nest)" ]
	[ -e "$ROOT/inner/t_tracepoint/meta" ]
	[ ! -e "$ROOT/staging" ]
	assert_no_prog_named count_sys_enter
	run -0 "$LOADER" unload --all --pin-root "$ROOT/inner"
	assert_no_prog_named count_getppid
}

@test "list removes a killed loader's staging debris and nothing else in staging/" {
	kill_load_at staged "$TOBJ/t_rawtp.o"
	run -0 ls "$ROOT/staging"
	[[ "$output" == t_rawtp-*-new ]]
	make_foreign_in_staging inner
	# A loader-like name, but not a backend tree's contents.
	make_foreign_in_staging lookalike-1-new
	bpftool map create "$ROOT/staging/loose" type array key 4 value 8 entries 1 name pinroot_l
	run -0 "$LOADER" list --pin-root "$ROOT"
	run -0 ls "$ROOT/staging"
	[ "$output" = "$(printf 'inner\nlookalike-1-new\nloose')" ]
	[ -e "$ROOT/staging/inner/shared/m" ]
	[ -e "$ROOT/staging/lookalike-1-new/shared/m" ]
	[ -e "$ROOT/staging/loose" ]
	assert_no_prog_named count_sys_enter
	# load and unload clean up the same way.
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	run -0 "$LOADER" unload t_tracepoint --pin-root "$ROOT"
	run -0 ls "$ROOT/staging"
	[ "$output" = "$(printf 'inner\nlookalike-1-new\nloose')" ]
}

@test "a symlinked pin root is refused by every loader command and every reader" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	ln -s "$ROOT" "$LINK"
	local why="pin root $LINK is a symbolic link (to $ROOT): refusing, give the real path"
	run -1 "$LOADER" list --pin-root "$LINK"
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" show t_tracepoint --pin-root "$LINK"
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" load "$TOBJ/t_rawtp.o" --pin-root "$LINK"
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" unload t_tracepoint --pin-root "$LINK"
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" unload --all --pin-root "$LINK"
	[ "$output" = "ebpf-loader: $why" ]
	run -1 env EBPF_PIN_ROOT="$LINK" "$LOADER" list
	[ "$output" = "ebpf-loader: $why" ]
	readers_refuse_pin_root "$LINK" "$why"
	# None of them touched the real root.
	assert_no_prog_named count_sys_enter
	[ -e "$ROOT/t_tracepoint/meta" ]
	run -0 timeout 10 "$PRINT" --once --pin-root "$ROOT" t_tracepoint
}

@test "a symlink among the pin root's parent directories is refused too" {
	ln -s "$(dirname "$ROOT")" "$LINK"
	local via=$LINK/${ROOT##*/}
	run -1 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$via"
	[ "$output" = "ebpf-loader: pin root $via: $LINK is a symbolic link (to $(dirname "$ROOT")): refusing, give the real path" ]
	[ ! -e "$ROOT" ]
	assert_no_prog_named count_getppid
}

@test "the pin root is spelled one way: '..' refused, extra slashes dropped" {
	run -1 "$LOADER" list --pin-root "$ROOT/../x"
	[ "$output" = "ebpf-loader: pin root $ROOT/../x: '.' and '..' components are not allowed" ]
	run -1 timeout 10 "$PRINT" --once --pin-root "$ROOT/./"
	[ "$output" = "ebpf-print: pin root $ROOT/./: '.' and '..' components are not allowed" ]
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT//"
	run -0 "$LOADER" show t_tracepoint --json --pin-root "/${ROOT}/"
	[ "$(jq -r .pin_dir <<<"$output")" = "$ROOT/t_tracepoint" ]
}

@test "an empty --pin-root is refused by every command and reader, not taken as the default" {
	local why="pin root '' (an empty --pin-root): refusing, give the pin root's path or leave the option out"
	# Were the empty option passed over, this (not the default root) is
	# where the load would land.
	export EBPF_PIN_ROOT=$ROOT
	run -1 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root ""
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" --pin-root= list
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" show t_tracepoint -r ""
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" unload --all --pin-root=
	[ "$output" = "ebpf-loader: $why" ]
	readers_refuse_pin_root "" "$why"
	[ ! -e "$ROOT" ]
	assert_no_prog_named count_getppid
}

@test "a symbolic link under the pin root is no backend: listed broken, never followed" {
	local links why="$ROOT/symb: not a backend: a symbolic link (not followed)"
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	links=$(ls "$ROOT/t_tracepoint/links")
	[ -n "$links" ]
	ln -s "$ROOT/t_tracepoint" "$ROOT/symb"
	run -0 "$LOADER" list --json --pin-root "$ROOT"
	[ "$(jq -c '.backends[] | select(.name == "symb") | [.state, .reason, .programs]' <<<"$output")" = '["broken","a symbolic link (not followed)",[]]' ]
	run -1 "$LOADER" show symb --pin-root "$ROOT"
	[ "$output" = "ebpf-loader: $why" ]
	run -1 "$LOADER" unload symb --pin-root "$ROOT"
	[ "$output" = "ebpf-loader: $why: left in place" ]
	run -1 "$LOADER" load "$TOBJ/t_rawtp.o" --name symb --replace --pin-root "$ROOT"
	[ "$output" = "ebpf-loader: $why: left in place" ]
	[ -L "$ROOT/symb" ]
	# The readers skip it too, saying so: t_tracepoint's map once, not
	# again as symb's.
	run -0 --separate-stderr "$PRINT" --once --json --pin-root "$ROOT"
	[ "$stderr" = "ebpf-print: warning: $ROOT/symb: a symbolic link: not followed, skipped" ]
	[ "$(jq -c '[.maps[] | .backend]' <<<"$output")" = '["t_tracepoint"]' ]
	# Shaped as staging debris, a link is no debris: the clean-up leaves it.
	ln -s "$ROOT/t_tracepoint" "$ROOT/staging/x-123-new"
	run -0 "$LOADER" list --pin-root "$ROOT"
	[ -L "$ROOT/staging/x-123-new" ]
	rm "$ROOT/staging/x-123-new"
	# What the links point to is untouched.
	[ "$(ls "$ROOT/t_tracepoint/links")" = "$links" ]
	run -0 "$LOADER" list --json --pin-root "$ROOT"
	[ "$(jq -r '.backends[] | select(.name == "t_tracepoint") | .state' <<<"$output")" = ok ]
	run -0 "$LOADER" unload --all --pin-root "$ROOT"
	[[ "$output" == *"warning: $why: left in place"* ]]
	[ -L "$ROOT/symb" ]
	rm "$ROOT/symb"
}

@test "unload leaves in place what is not a backend: a named one fails, --all warns and goes on" {
	run -0 "$LOADER" load "$TOBJ/t_tracepoint.o" --pin-root "$ROOT"
	mkdir "$ROOT/plain"
	bpftool map create "$ROOT/junk" type array key 4 value 4 entries 1 name junk
	run -1 "$LOADER" unload plain --pin-root "$ROOT"
	[[ "$output" == *"$ROOT/plain: not a backend: no meta record: left in place"* ]]
	[ -d "$ROOT/plain" ]
	run -0 "$LOADER" unload --all --pin-root "$ROOT"
	[[ "$output" == *"warning: $ROOT/junk: not a backend: not a directory: left in place"* ]]
	[[ "$output" == *"warning: $ROOT/plain: not a backend: no meta record: left in place"* ]]
	[[ "$output" == *"unloaded t_tracepoint"* ]]
	[ -d "$ROOT/plain" ]
	[ -e "$ROOT/junk" ]
	[ ! -e "$ROOT/t_tracepoint" ]
	rm -rf "$ROOT/plain" "$ROOT/junk"
}
