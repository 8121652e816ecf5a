/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A diagnosis: what failed, naming the object and the reason, in one line.
 *
 * Helpers never print. They return -errno and, when they know more than the
 * errno says (which file, which section, which map), fill a struct diag. The
 * one place that reports an error (a subcommand or main) prints it once.
 */
#ifndef EBPF_DIAG_H
#define EBPF_DIAG_H

#include <stdarg.h>
#include <stddef.h>

struct diag {
	char msg[1024];
	/* Extra lines shown after the message (e.g. a verifier log tail). */
	char detail[4096];
};

/* Set the message (printf-style) and return err unchanged, so helpers can
 * write `return diag_set(d, -EINVAL, "%s: no programs", path);`. A NULL diag
 * is allowed. An existing message is kept: the innermost cause wins. */
int diag_set(struct diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like diag_set, but always replaces an existing message. */
int diag_reset(struct diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Keep the last lines of text (at most sizeof(d->detail)) as detail. */
void diag_set_detail_tail(struct diag *d, const char *text, int max_lines);
void diag_clear(struct diag *d);
/* The message, or strerror(-err) when no helper set one. */
const char *diag_msg(const struct diag *d, int err);

#endif
