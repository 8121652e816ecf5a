#!/bin/sh
# install-deps.sh [--arch ARCH]... [--best-effort]
#
# Install the Debian packages the build, the demo and the tests need, and
# nothing else. Cheap when everything is present: one dpkg-query, no apt-get.
#
# --arch arm64|arm (repeatable) adds what `make ARCH=ARCH` needs: Debian's
# cross compiler, the multiarch -dev packages of that architecture (armhf for
# arm) and qemu-user to run the result. --best-effort makes a failure to
# install them a warning, not an error: the cross tests then skip, saying why.
set -eu
prog=install-deps

# debootstrap, systemd-container: the root and the container of the
# systemd tests (tests/18a-systemd.bats, make check-systemd).
PKGS="make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev \
libsystemd-dev protobuf-c-compiler libprotobuf-c-dev bpftool \
bats jq iproute2 util-linux bsdutils procps python3 curl prometheus systemd man-db \
python3-protobuf protobuf-compiler libclang-rt-14-dev linux-libc-dev valgrind \
python3-prometheus-client debootstrap systemd-container libnats-dev nats-server \
libssl-dev libyaml-dev libcrypt-dev openssl python3-bcrypt"
# make bench: the scaling section (bench/15-scaling.sh) draws its plots with it.
PKGS="$PKGS gnuplot-nox"

# The multiarch libraries the user-space binaries link, per Debian arch.
CROSS_LIBS="libbpf-dev libelf-dev zlib1g-dev libprotobuf-c-dev libsystemd-dev linux-libc-dev libc6-dev \
libssl-dev libyaml-dev libcrypt-dev libnats-dev"

archs=""
best_effort=0
while [ $# -gt 0 ]; do
	case $1 in
	--arch) [ $# -ge 2 ] || { echo "$prog: --arch needs an argument" >&2; exit 2; }
		archs="$archs $2"; shift 2 ;;
	--arch=*) archs="$archs ${1#--arch=}"; shift ;;
	--best-effort) best_effort=1; shift ;;
	*) echo "usage: $0 [--arch arm64|arm]... [--best-effort]" >&2; exit 2 ;;
	esac
done

# deb_arch ARCH: Debian's name of the make ARCH (arm is armhf, hard float).
deb_arch() {
	case $1 in
	arm64) echo arm64 ;;
	arm) echo armhf ;;
	*) return 1 ;;
	esac
}

# triplet ARCH: the GNU triplet of Debian's cross compiler for ARCH.
triplet() {
	case $1 in
	arm64) echo aarch64-linux-gnu ;;
	arm) echo arm-linux-gnueabihf ;;
	*) return 1 ;;
	esac
}

NATIVE=$(dpkg --print-architecture)

# installed PKG[:ARCH]: whether dpkg has it installed. Without :ARCH, the
# native (or arch: all) instance: once a foreign architecture is added,
# `dpkg-query -W libbpf-dev` lists the arm64 instance too.
installed() {
	case $1 in
	*:*) want=${1#*:} ;;
	*) want=$NATIVE ;;
	esac
	dpkg-query -W -f='${db:Status-Status} ${Architecture}\n' "$1" 2>/dev/null |
		grep -E "^installed ($want|all)\$" >/dev/null
}

missing_of() { # PKG... -> prints those not installed
	for p in "$@"; do
		installed "$p" || printf ' %s' "$p"
	done
}

# A mirror can be mid-sync (one architecture's Packages index ahead of
# another's) or drop a connection: apt is retried a few times, spaced out.
apt_retry() { # apt-get ARGS...
	n=1
	while :; do
		if apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 "$@"; then
			return 0
		fi
		[ "$n" -ge 3 ] && return 1
		echo "$prog: apt-get $1 failed (try $n of 3), retrying" >&2
		sleep $((n * 10))
		n=$((n + 1))
	done
}

SYSROOT_BASE=${EBPF_SYSROOT_BASE:-/opt/ebpf-sysroot}
# (Defined here, used before the fallback below: what a sysroot holds.)
SYSROOT_PKGS="libbpf1 libbpf-dev libelf1 libelf-dev zlib1g zlib1g-dev libprotobuf-c1 libprotobuf-c-dev \
libssl3 libssl-dev libyaml-0-2 libyaml-dev libcrypt1 libcrypt-dev"
# A sysroot is complete when its stamp lists the packages we need now: one
# made before a library was added is made again.
sysroot_ok() { # DEBARCH
	[ -e "$SYSROOT_BASE/$1/.complete" ] && [ "$(cat "$SYSROOT_BASE/$1/.complete")" = "$SYSROOT_PKGS" ]
}
cross_pkgs=""
for a in $archs; do
	da=$(deb_arch "$a") || { echo "$prog: unknown --arch '$a' (arm64 or arm)" >&2; exit 2; }
	cross_pkgs="$cross_pkgs gcc-$(triplet "$a") qemu-user"
	# A sysroot made by an earlier run (below) stands for the -dev packages.
	sysroot_ok "$da" && { cross_pkgs="$cross_pkgs libc6-dev-$da-cross"; continue; }
	for p in $CROSS_LIBS; do cross_pkgs="$cross_pkgs $p:$da"; done
done

# shellcheck disable=SC2086
missing=$(missing_of $PKGS)
# shellcheck disable=SC2086
cross_missing=$(missing_of $cross_pkgs)
[ -z "$missing$cross_missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "$prog: missing packages:$missing$cross_missing (run as root, or install them)" >&2
	[ -z "$missing" ] && [ "$best_effort" -eq 1 ] && exit 0
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

if [ -n "$missing" ]; then
	echo "$prog: installing$missing"
	apt_retry update -qq ||
		echo "$prog: warning: apt-get update incomplete, installing from the indexes apt has" >&2
	# shellcheck disable=SC2086
	apt_retry install -y -qq --no-install-recommends $missing >/dev/null
fi

# install_cross: the foreign architectures, their index, their packages.
install_cross() {
	for a in $archs; do
		da=$(deb_arch "$a")
		# Served by its sysroot: no foreign architecture needed.
		sysroot_ok "$da" && continue
		dpkg --print-foreign-architectures | grep -x "$da" >/dev/null ||
			dpkg --add-architecture "$da" || return 1
	done
	echo "$prog: installing$cross_missing"
	# An index that still fails after the retries (one architecture's
	# mirror mid-sync) is not fatal by itself: apt keeps what it has, and
	# the install below says whether that was enough.
	apt_retry update -qq ||
		echo "$prog: warning: apt-get update incomplete, installing from the indexes apt has" >&2
	# shellcheck disable=SC2086
	apt_retry install -y -qq --no-install-recommends $cross_missing >/dev/null
}

# The fallback when multiarch cannot be installed: a Multi-Arch: same
# package (libc6, linux-libc-dev, libssl3...) must have the very version
# installed for the native architecture, and a mirror mid-sync (or a
# security update not yet built for that architecture) can make that
# impossible. The libraries the binaries link are then unpacked, without
# dpkg, into a sysroot of their own (SYSROOT_BASE/DEBARCH), which the
# Makefile uses when it exists; the cross compiler brings its own libc.
install_sysroot() { # ARCH
	da=$(deb_arch "$1")
	dir=$SYSROOT_BASE/$da
	apt_retry install -y -qq --no-install-recommends "gcc-$(triplet "$1")" \
		"libc6-dev-$da-cross" qemu-user >/dev/null || return 1
	sysroot_ok "$da" && return 0
	dpkg --print-foreign-architectures | grep -x "$da" >/dev/null || dpkg --add-architecture "$da" || return 1
	dl=$(mktemp -d) || return 1
	for p in $SYSROOT_PKGS; do
		(cd "$dl" && apt_retry download "$p:$da" >/dev/null) || { rm -rf "$dl"; return 1; }
	done
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" || { rm -rf "$dl"; return 1; }
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$dir.tmp" || { rm -rf "$dl" "$dir.tmp"; return 1; }
	done
	rm -rf "$dl"
	# Absolute symlinks (zlib's libz.so -> /lib/...) point into the sysroot.
	find "$dir.tmp" -type l | while read -r l; do
		t=$(readlink "$l")
		case $t in /*) ln -sfn "$dir$t" "$l" ;; esac
	done
	echo "$SYSROOT_PKGS" >"$dir.tmp/.complete"
	rm -rf "$dir" && mv "$dir.tmp" "$dir" || return 1
	# Nothing of that architecture is installed: dropping it again keeps
	# its broken index out of every later apt-get update (dpkg refuses if
	# anything of it is installed after all).
	dpkg --remove-architecture "$da" 2>/dev/null || true
	echo "$prog: $1 libraries unpacked into $dir (multiarch packages could not be installed)"
}

[ -z "$cross_missing" ] && exit 0
install_cross && exit 0
failed=""
for a in $archs; do
	# Only the architectures whose packages are still missing.
	# shellcheck disable=SC2086
	[ -z "$(missing_of gcc-$(triplet "$a") $(for p in $CROSS_LIBS; do printf '%s:%s ' "$p" "$(deb_arch "$a")"; done))" ] && continue
	install_sysroot "$a" || failed="$failed $a"
done
[ -z "$failed" ] && exit 0
if [ "$best_effort" -eq 1 ]; then
	echo "$prog: warning: could not install the cross packages for:$failed (cross tests will skip)" >&2
	exit 0
fi
echo "$prog: could not install the cross packages for:$failed" >&2
exit 1
