#!/bin/sh
# mkroot.sh CACHE_DIR: print the path of a minimal Debian 12 root for the
# systemd tests (tests/18a-systemd.bats), building it with debootstrap the
# first time. The root is cached under CACHE_DIR, keyed by the package list
# and the mirror: changing either builds a new one. It is never booted or
# written to: each run boots an overlay over it (tests/systemd/container.bash).
set -eu
prog=mkroot

cache=$1
SUITE=bookworm
# minbase plus what the checks run: systemd (PID 1, systemctl,
# systemd-analyze), the readers' and the loader's run-time libraries (with
# those dlopen()ed on demand: libnats for --publish, libyaml and OpenSSL for
# --web.config.file), curl for scrapes, netcat to subscribe to the stream's
# socket.
PKGS="systemd libbpf1 libelf1 libprotobuf-c1 libsystemd0 zlib1g libnats3.4 libyaml-0-2 libssl3 curl netcat-openbsd"

# The mirror apt already uses: the first deb URI of sources.list(.d).
mirror() {
	{
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *\([^ ]*\).*/\1/p'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\([^ ]*\) .*/\2/p'
	} | grep -v security | head -n 1
}

MIRROR=${EBPF_DEBOOTSTRAP_MIRROR:-$(mirror)}
[ -n "$MIRROR" ] || { echo "$prog: no Debian mirror in /etc/apt/sources.list(.d)" >&2; exit 1; }
key=$(printf '%s %s %s\n' "$SUITE" "$MIRROR" "$PKGS" | sha256sum | cut -c1-12)
root=$cache/$SUITE-$key

mkdir -p "$cache"
# One builder at a time; a second caller waits and then finds the root.
exec 9>"$cache/.lock"
flock 9
if [ ! -e "$root/.complete" ]; then
	# Roots of older package lists are not used any more.
	for old in "$cache"/*-*; do
		[ -d "$old" ] && rm -rf "$old"
	done
	start=$(date +%s)
	echo "$prog: building $root (debootstrap $SUITE from $MIRROR)" >&2
	if ! debootstrap --variant=minbase --include="$(echo $PKGS | tr ' ' ,)" \
		"$SUITE" "$root.tmp" "$MIRROR" >"$cache/debootstrap.log" 2>&1; then
		echo "$prog: debootstrap failed, see $cache/debootstrap.log:" >&2
		tail -n 5 "$cache/debootstrap.log" >&2
		rm -rf "$root.tmp"
		exit 1
	fi
	# Downloaded packages are of no use once installed.
	rm -rf "$root.tmp"/var/cache/apt/archives/*.deb "$root.tmp"/var/lib/apt/lists/*_Packages
	mv "$root.tmp" "$root"
	echo "$(($(date +%s) - start)) s" >"$root/.complete"
	echo "$prog: built in $(cat "$root/.complete"), $(du -sh "$root" | cut -f1)" >&2
fi
echo "$root"
