// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `kstack` decoder: a stack id in a BPF_MAP_TYPE_STACK_TRACE map -> folded
 * frames "outer;...;inner", the form flame graph tools read. The map value
 * is an array of u64 instruction pointers, innermost first, ended by a zero
 * or by the end of the value (value_size / 8 frames, at most the
 * kernel.perf_event_max_stack sysctl, 127 by default). Each frame is named
 * by ksym_lookup(); a frame it cannot name is shown as 0x... so the stack
 * stays whole. A stack none of whose frames has a name (kallsyms hidden
 * from us) is -ENOENT: the raw id says as much and is shorter. A text
 * that does not fit is -ENOSPC, never cut: a cut stack would merge with a
 * different one as a label value.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "sysnames.h"

/* The kernel allows a value of up to 8 * kernel.perf_event_max_stack
 * bytes (127 frames by default); 4096 frames is far beyond any sane
 * setting and keeps our buffer bounded whatever the map says. */
#define KSTACK_MAX_FRAMES 4096

/* The stack map's frame count, or -errno if fd is not one. */
static int stack_map_frames(int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_STACK_TRACE || info.key_size != 4)
		return -EINVAL;
	if (!info.value_size || info.value_size % 8 || info.value_size / 8 > KSTACK_MAX_FRAMES)
		return -EINVAL;
	return (int)(info.value_size / 8);
}

/* Append frame text and, unless first, a ';' before it. */
static int append(char *buf, size_t size, size_t *len, const char *text)
{
	size_t n = strlen(text), sep = *len ? 1 : 0;

	if (*len + sep + n >= size)
		return -ENOSPC;
	if (sep)
		buf[(*len)++] = ';';
	memcpy(buf + *len, text, n + 1);
	*len += n;
	return 0;
}

static int fold(const uint64_t *ip, int depth, char *buf, size_t size)
{
	char name[256];
	size_t len = 0;
	int i, named = 0, err;

	/* Outermost first: the map holds the innermost frame at [0]. */
	for (i = depth - 1; i >= 0; i--) {
		if (!ksym_lookup(ip[i], name, sizeof(name)))
			named++;
		else
			snprintf(name, sizeof(name), "0x%" PRIx64, ip[i]);
		err = append(buf, size, &len, name);
		if (err)
			return err;
	}
	return named ? 0 : -ENOENT;
}

int kstack_lookup(int stack_map_fd, uint32_t stack_id, char *buf, size_t size)
{
	uint64_t *ip;
	int frames, depth, err;

	frames = stack_map_frames(stack_map_fd);
	if (frames < 0)
		return frames;
	ip = calloc((size_t)frames, sizeof(*ip));
	if (!ip)
		return -ENOMEM;
	/* A stack id that was never used, or reused and gone: -ENOENT. */
	if (bpf_map_lookup_elem(stack_map_fd, &stack_id, ip)) {
		err = errno == ENOENT ? -ENOENT : -errno;
		free(ip);
		return err;
	}
	for (depth = 0; depth < frames && ip[depth]; depth++)
		;
	err = depth ? fold(ip, depth, buf, size) : -ENOENT;
	free(ip);
	return err;
}
