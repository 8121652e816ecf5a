# A real systemd as PID 1 of a container, over a Debian root with the
# project installed, for tests/18a-systemd.bats (loaded after lib.bash).
#
# Never over this machine's own root: a systemd booted there, even in a
# namespace, runs its tmpfiles cleaning on the machine's /tmp. The root is a
# debootstrap cached under the build directory (mkroot.sh), never written:
# each run boots an overlay over it whose upper layer holds `make install
# DESTDIR=... PREFIX=/usr`. Both mounts, and the tmpfs nspawn needs on
# /run/systemd/nspawn (/run is not a tmpfs on this machine), live in a mount
# namespace of their own that dies with nspawn: nothing to unmount, even
# after a crash.
#
# Facts of this machine: nspawn needs --register=no --keep-unit (no host
# D-Bus), and SYSTEMD_SECCOMP=0 (its own seccomp filter denies bpf()).
# Its default bounding set lacks CAP_BPF, CAP_PERFMON and CAP_SYSLOG, which
# the units grant and a host's PID 1 has: added. tracefs is mounted from
# here once booted: a --bind=/sys/kernel/tracing is hidden under nspawn's
# own read-only /sys/kernel, and the container's systemd does not mount it
# (a loader unit, without CAP_SYS_ADMIN, cannot either).
# /sys/fs/bpf inside is a directory of the host's bpffs made for this run
# (CT_PINS), so the units use their default pin root and leave nothing on
# the host's /sys/fs/bpf once it is removed.

CT_CHECKS=/usr/local/lib/ebpf-checks

# What these tests need and this machine lacks (empty: nothing).
ct_missing() {
	local t
	for t in debootstrap systemd-nspawn unshare nsenter flock; do
		command -v "$t" >/dev/null || printf '%s ' "$t"
	done
}

# The container's PID 1: the child of nspawn that is PID 1 of a PID
# namespace of its own (nspawn's other children, helpers that join the
# container for a moment, are not).
ct_find_leader() {
	local p
	for p in $(pgrep -P "$CT_NSPAWN"); do
		if [ "$(awk '/^NSpid:/ { if (NF > 2) print $NF }' "/proc/$p/status" 2>/dev/null)" = 1 ]; then
			CT_LEADER=$p
			return 0
		fi
	done
	return 1
}

# CMD... run inside the container (all its namespaces), root's environment.
ct_exec() {
	nsenter -t "$CT_LEADER" -a -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

ct_booted() {
	local state
	state=$(ct_exec systemctl is-system-running 2>/dev/null)
	[ "$state" = running ] || [ "$state" = degraded ]
}

# The files the run adds to the root: the project, the checks, their unit,
# the suite's helpers they use, and the one that tries a write through a
# reader's map fd.
ct_stage() { # UPPER_DIR
	local repo=$BATS_TEST_DIRNAME/..
	# -o all: install what this suite runs, never rebuild it with other flags.
	make -s -C "$repo" OUTPUT="$BUILD" -o all install DESTDIR="$1" PREFIX=/usr >/dev/null || return 1
	install -D -m 0755 "$BATS_TEST_DIRNAME/systemd/checks.bash" "$1$CT_CHECKS/checks.bash" &&
		install -m 0644 "$BATS_TEST_DIRNAME/lib.bash" "$1$CT_CHECKS/lib.bash" &&
		install -m 0755 "$HELPERS/fdprobe" "$1$CT_CHECKS/fdprobe" &&
		install -D -m 0644 "$BATS_TEST_DIRNAME/systemd/ebpf-check@.service" \
			"$1/etc/systemd/system/ebpf-check@.service"
}

# SRC DEST: a file of the host into the container, mode 0600 (a secret).
ct_put() {
	ct_exec sh -c 'umask 077; mkdir -p "${1%/*}" && cat >"$1"' sh "$2" <"$1"
}

# What there is to know when the container did not come up.
ct_boot_failed() {
	cat "$CT_DIR/console.log"
	if pid_gone "$CT_NSPAWN"; then
		echo "systemd-nspawn exited"
	else
		echo "state: $(ct_exec systemctl is-system-running 2>&1)"
		ct_exec systemctl --failed --no-pager
	fi
}

# Boot the container; sets and exports CT_DIR, CT_PINS, CT_NSPAWN, CT_LEADER.
ct_boot() {
	local base
	base=$(sh "$BATS_TEST_DIRNAME/systemd/mkroot.sh" "$BUILD/systemd-root") || return 1
	CT_DIR=$(mktemp -d)
	CT_PINS=/sys/fs/bpf/systemd-test-$$
	export CT_DIR CT_PINS
	mkdir -m 0700 "$CT_PINS" || return 1
	mkdir "$CT_DIR/upper" "$CT_DIR/work" "$CT_DIR/merged"
	ct_stage "$CT_DIR/upper" || return 1
	SYSTEMD_SECCOMP=0 unshare -m --propagation private sh -ec '
		mkdir -p /run/systemd/nspawn
		mount -t tmpfs -o mode=0755 nspawn /run/systemd/nspawn
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/merged"
		exec systemd-nspawn -D "$2/merged" --boot --register=no --keep-unit \
			--private-network --capability=CAP_BPF,CAP_PERFMON,CAP_SYSLOG \
			--machine="ebpf-test-$$" --console=read-only \
			--bind="$3:/sys/fs/bpf"' \
		ct "$base" "$CT_DIR" "$CT_PINS" >"$CT_DIR/console.log" 2>&1 3>&- &
	CT_NSPAWN=$!
	export CT_NSPAWN
	wait_until 30 ct_find_leader || { ct_boot_failed; return 1; }
	export CT_LEADER
	wait_until 120 ct_booted || { ct_boot_failed; return 1; }
	# The host's tracefs, where a host's systemd mounts it (tracepoint ids).
	ct_exec mount -t tracefs -o nosuid,nodev,noexec tracefs /sys/kernel/tracing
}

# Power the container off (or kill it), then remove the run's pins and files.
ct_shutdown() {
	if [ -n "${CT_NSPAWN:-}" ]; then
		kill -TERM "$CT_NSPAWN" 2>/dev/null || true
		wait_until 30 pid_gone "$CT_NSPAWN" || kill -9 "$CT_NSPAWN" 2>/dev/null || true
		wait "$CT_NSPAWN" 2>/dev/null || true
	fi
	# A PID 1 that outlived nspawn takes its whole namespace with it.
	if [ -n "${CT_LEADER:-}" ] && ! pid_gone "$CT_LEADER"; then
		kill -9 "$CT_LEADER" 2>/dev/null || true
		wait_until 10 pid_gone "$CT_LEADER" || true
	fi
	if [ -n "${CT_PINS:-}" ] && [ -d "$CT_PINS" ]; then
		"$LOADER" unload --all --pin-root "$CT_PINS/ebpf" >/dev/null 2>&1 || true
		rm -rf "$CT_PINS"
	fi
	if [ -n "${CT_DIR:-}" ]; then rm -rf "$CT_DIR"; fi
}

# NAME: check_NAME of checks.bash, run as a unit of the container's systemd
# (ebpf-check@.service); its output is the test's, its status the test's.
ct_check() {
	local status=0
	ct_exec systemctl start "ebpf-check@$1.service" || status=$?
	# What a passing check noted (scores, pids) shows in the TAP too.
	if [ "$status" -eq 0 ]; then
		ct_exec grep '^# ' "/run/ebpf-check-$1.log" >&3 || true
	else
		ct_exec cat "/run/ebpf-check-$1.log"
	fi
	ct_exec rm -f "/run/ebpf-check-$1.log"
	return "$status"
}

# Between tests: every unit of the project stopped, nothing left failed.
ct_reset() {
	ct_exec systemctl stop 'ebpf-*' >/dev/null 2>&1 || true
	ct_exec systemctl reset-failed 'ebpf-*' >/dev/null 2>&1 || true
	# What a check configured, should it have died before its own cleanup.
	ct_exec systemctl disable ebpf-backends.service >/dev/null 2>&1 || true
	ct_exec rm -rf /etc/ebpf/backends /etc/ebpf/exporter.conf /etc/ebpf/stream.conf /etc/ebpf/tls \
		/etc/ebpf/nats.auth
}
