// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test object: a gauge with a label, for what readers show of gauges (the
 * shipped backends have none). Each getppid() sets its process's entry to
 * the time of the call, in seconds since boot. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_tags.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} last_getppid SEC(".maps")
	EBPF_GAUGE EBPF_LABEL("pid") EBPF_UNIT("seconds") EBPF_SCALE("1e-9")
	EBPF_HELP("Time of each process's last getppid(), since boot");

SEC("tp/syscalls/sys_enter_getppid")
int gauge_getppid(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&last_getppid, &pid, &now, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
