#!/usr/bin/env bats
# The number -> name tables of the `syscall`, `errno` and `signal` decoders
# (readers/core/names.c), generated at build time from the kernel headers.
# names_check prints what the tables say; the references are the C
# library's constants (libc_numbers) and the kernel headers read here by
# the preprocessor, independently of scripts/gen-names.sh.

bats_require_minimum_version 1.5.0
load lib

GEN=$BATS_TEST_DIRNAME/../scripts/gen-names.sh

# The number the C library gives NAME (from libc_numbers' output in $LIBC).
libc() { # NAME
	awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }' <<<"$LIBC"
}

# "NAME NUMBER" for every #define of HEADER whose name matches REGEX and
# whose body is a plain decimal number, by `cc -E -dM`, sorted by name.
header_numbers() { # HEADER REGEX
	printf '#include <%s>\n' "$1" | gcc -E -dM -x c - |
		awk -v re="^$2\$" '$1 == "#define" && $2 ~ re && $3 ~ /^[0-9]+$/ && NF == 3 { print $2, $3 }' |
		sort
}

# Every "NAME NUMBER" line of FILE (header_numbers' output) for which
# names_check KIND prints no name that FILE gives NUMBER; empty when all
# agree. (Where two names share a number, the table may print either.)
disagreements() { # KIND FILE
	local nrs names
	mapfile -t nrs < <(awk '{ print $2 }' "$2")
	names=$("$HELPERS/names_check" "$1" "${nrs[@]}") || return 1
	paste -d' ' "$2" <(echo "$names") | while read -r name nr got; do
		if ! awk -v g="$got" -v n="$nr" '$1 == g && $2 == n { f = 1 } END { exit !f }' "$2"; then
			echo "$name $nr -> $got"
		fi
	done
}

setup() {
	common_setup
	run -0 "$HELPERS/libc_numbers"
	LIBC=$output
}

@test "syscall table names the C library's SYS_ numbers" {
	run -0 "$HELPERS/names_check" syscall "$(libc SYS_getppid)" "$(libc SYS_openat)" "$(libc SYS_read)"
	[ "${lines[0]}" = getppid ]
	[ "${lines[1]}" = openat ]
	[ "${lines[2]}" = read ]
}

@test "errno table names a code and its negation, the conventional name where two share a number" {
	run -0 "$HELPERS/names_check" errno "$(libc ENOENT)" "-$(libc ENOENT)" "$(libc EACCES)" \
		"$(libc EWOULDBLOCK)" "$(libc EDEADLOCK)" "-$(libc ENOTSUP)"
	[ "${lines[0]}" = ENOENT ]
	[ "${lines[1]}" = ENOENT ]
	[ "${lines[2]}" = EACCES ]
	[ "${lines[3]}" = EAGAIN ]
	[ "${lines[4]}" = EDEADLK ]
	# The kernel has only EOPNOTSUPP; the C library's ENOTSUP is the same number.
	[ "${lines[5]}" = EOPNOTSUPP ]
}

@test "signal table names classic signals, and real-time ones by offset from the kernel's SIGRTMIN" {
	local rtmin rtmax
	rtmin=$(libc __SIGRTMIN)
	rtmax=$(libc __SIGRTMAX)
	run -0 "$HELPERS/names_check" signal "$(libc SIGKILL)" "$(libc SIGSEGV)" "$(libc SIGIOT)" \
		"$(libc SIGPOLL)" "$(libc SIGSYS)" "$rtmin" "$((rtmin + 2))" "$rtmax"
	[ "${lines[0]}" = SIGKILL ]
	[ "${lines[1]}" = SIGSEGV ]
	[ "${lines[2]}" = SIGABRT ]
	[ "${lines[3]}" = SIGIO ]
	[ "${lines[4]}" = SIGSYS ]
	[ "${lines[5]}" = SIGRT_0 ]
	[ "${lines[6]}" = SIGRT_2 ]
	[ "${lines[7]}" = "SIGRT_$((rtmax - rtmin))" ]
}

@test "unknown, negative and out-of-range numbers have no name, whatever their 64 bits" {
	local getppid
	getppid=$(libc SYS_getppid)
	# 2^63, 2^64-1 (as -1), and getppid's number with high bits set (x32's
	# 2^30 bit, bit 32, bit 63): no truncation may turn them into a name.
	run -0 "$HELPERS/names_check" syscall 99999 9223372036854775808 -1 18446744073709551615 \
		$((getppid + 1073741824)) $((getppid + 4294967296)) -9223372036854775698
	[ "${#lines[@]}" -eq 7 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u)" = unknown ]
	run -0 "$HELPERS/names_check" errno 0 4096 -4096 $((2 + 4294967296)) \
		-9223372036854775808 9223372036854775807
	[ "${#lines[@]}" -eq 6 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u)" = unknown ]
	run -0 "$HELPERS/names_check" signal 0 -9 "$(($(libc __SIGRTMAX) + 1))" $((9 + 4294967296)) \
		-9223372036854775808 9223372036854775807
	[ "${#lines[@]}" -eq 6 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u)" = unknown ]
	# A number that is not one is refused, not looked up as 0.
	run -2 "$HELPERS/names_check" errno 2x
	[[ "$output" == *"bad number '2x'"* ]]
}

@test "every syscall of the architecture's unistd header round-trips, and no other number has a name" {
	header_numbers asm/unistd.h '__NR_[a-z0-9_]+' | sed 's/^__NR_//' >"$TMP/nr"
	[ "$(wc -l <"$TMP/nr")" -ge 300 ]
	run -0 disagreements syscall "$TMP/nr"
	[ "$output" = "" ]
	# Numbers 0..max+64: a name exactly where the header defines one.
	local max all
	max=$(awk '$2 > m { m = $2 } END { print m }' "$TMP/nr")
	mapfile -t all < <(seq 0 $((max + 64)))
	run -0 "$HELPERS/names_check" syscall "${all[@]}"
	paste -d' ' <(printf '%s\n' "${all[@]}") <(printf '%s\n' "${lines[@]}") |
		awk '$2 != "unknown" { print $2, $1 }' | sort >"$TMP/named"
	run -0 diff "$TMP/nr" "$TMP/named"
}

@test "every errno code of the architecture's headers round-trips; aliases give their target's name" {
	header_numbers asm/errno.h 'E[A-Z0-9]+' >"$TMP/errno"
	[ "$(wc -l <"$TMP/errno")" -ge 130 ]
	run -0 disagreements errno "$TMP/errno"
	[ "$output" = "" ]
	# Negated, as kernel code returns them: the same names.
	local nrs positive
	mapfile -t nrs < <(awk '{ print $2 }' "$TMP/errno")
	run -0 "$HELPERS/names_check" errno "${nrs[@]}"
	positive=("${lines[@]}")
	run -0 "$HELPERS/names_check" errno "${nrs[@]/#/-}"
	[ "${lines[*]}" = "${positive[*]}" ]
	# EWOULDBLOCK is defined as EAGAIN, EDEADLOCK as EDEADLK: no number of their own.
	local alias
	read -r -a alias < <(printf '#include <asm/errno.h>\nEWOULDBLOCK EDEADLOCK\n' | gcc -E -P -x c - | tail -n 1)
	[ "${#alias[@]}" -eq 2 ]
	run -0 "$HELPERS/names_check" errno "${alias[@]}"
	[ "${lines[0]}" = EAGAIN ]
	[ "${lines[1]}" = EDEADLK ]
}

@test "every classic signal of the architecture's signal header round-trips" {
	header_numbers asm/signal.h 'SIG[A-Z0-9]+' | awk -v rt="$(libc __SIGRTMIN)" '$2 >= 1 && $2 < rt' >"$TMP/sig"
	[ "$(wc -l <"$TMP/sig")" -ge 31 ]
	run -0 disagreements signal "$TMP/sig"
	[ "$output" = "" ]
}

@test "the generator reads another architecture's headers through the compiler it is given" {
	local t=aarch64-linux-gnu arm=arm-linux-gnueabihf
	if [ ! -e /usr/$t/include/asm/unistd.h ] || [ ! -e /usr/$arm/include/asm/unistd.h ]; then
		skip "no arm64/armhf kernel headers (Debian linux-libc-dev-arm64-cross, -armhf-cross)"
	fi
	# The numbers as each target's preprocessor evaluates them, summed by bash.
	target_nr() { # TRIPLE MACRO
		printf '#include <asm/unistd.h>\n@@ %s\n' "$2" |
			clang --target="$1" -nostdinc -isystem "/usr/$1/include" -E -P -x c - |
			sed -n 's/^@@ //p'
	}
	run -0 sh "$GEN" clang --target=$t -nostdinc -isystem /usr/$t/include
	[[ "$output" == *"{ $(($(target_nr $t __NR_getppid)))ULL, \"getppid\" },"* ]]
	[[ "$output" == *"{ $(($(target_nr $t __NR_openat)))ULL, \"openat\" },"* ]]
	# arm: numbers written as (__NR_SYSCALL_BASE + N); sync_file_range2 is an
	# alias of arm_sync_file_range and must not take its number.
	run -0 sh "$GEN" clang --target=$arm -nostdinc -isystem /usr/$arm/include
	[[ "$output" == *"{ $(($(target_nr $arm __NR_getppid)))ULL, \"getppid\" },"* ]]
	[[ "$output" == *"{ $(($(target_nr $arm __NR_sync_file_range2)))ULL, \"arm_sync_file_range\" },"* ]]
	[[ "$output" != *'"sync_file_range2"'* ]]
	[ "$(($(target_nr $arm __NR_getppid)))" -ne "$(libc SYS_getppid)" ]
}

@test "the generator fails, saying why, when the compiler finds no kernel headers" {
	run -1 --separate-stderr sh "$GEN" gcc -nostdinc
	[[ "$stderr" == "gen-names: preprocessing with 'gcc -nostdinc -dD' failed:"* ]]
	[[ "$stderr" == *"asm/unistd.h"* ]]
}
