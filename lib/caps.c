// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "caps.h"

int caps_keep_only(const int *caps, size_t n)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	if (!data[0].permitted && !data[1].permitted)
		return 0; /* nothing to drop */
	__u32 keep[2] = { 0, 0 };

	for (size_t i = 0; i < n; i++) {
		int c = caps[i];

		if (c >= 0 && c < 64)
			keep[c / 32] |= 1u << (c % 32);
	}
	/* Only what we had can be kept. */
	for (int w = 0; w < 2; w++) {
		data[w].permitted &= keep[w];
		data[w].effective = data[w].permitted;
	}
	data[0].inheritable = data[1].inheritable = 0;
	/* Bounding set too, so an exec cannot bring anything back. */
	for (int c = 0; c < 64; c++) {
		if (c < 64 && (data[c / 32].permitted & (1u << (c % 32))))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			break;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
