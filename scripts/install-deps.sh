#!/bin/sh
# Install the Debian packages the build, the demo and the tests need, and
# nothing else. Cheap when everything is present: one dpkg-query, no apt-get.
set -eu

PKGS="make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev \
libsystemd-dev protobuf-c-compiler libprotobuf-c-dev bpftool \
bats jq iproute2 util-linux bsdutils procps python3 curl prometheus systemd man-db \
python3-protobuf protobuf-compiler libclang-rt-14-dev linux-libc-dev valgrind"

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
