// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "diag.h"

static int diag_vset(struct diag *d, int err, const char *fmt, va_list ap)
{
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	return err;
}

int diag_set(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (!d || d->msg[0])
		return err;
	va_start(ap, fmt);
	diag_vset(d, err, fmt, ap);
	va_end(ap);
	return err;
}

int diag_reset(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	va_start(ap, fmt);
	diag_vset(d, err, fmt, ap);
	va_end(ap);
	return err;
}

void diag_set_detail_tail(struct diag *d, const char *text, int max_lines)
{
	const char *start;
	size_t len;
	int lines = 0;

	if (!d || !text)
		return;
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\0'))
		len--;
	/* Walk back over max_lines line breaks, or as far as detail holds. */
	start = text + len;
	while (start > text && len - (size_t)(start - text) < sizeof(d->detail) - 1) {
		if (start[-1] == '\n' && ++lines >= max_lines)
			break;
		start--;
	}
	snprintf(d->detail, sizeof(d->detail), "%.*s", (int)(text + len - start), start);
}

void diag_clear(struct diag *d)
{
	if (d)
		d->msg[0] = d->detail[0] = '\0';
}

const char *diag_msg(const struct diag *d, int err)
{
	if (d && d->msg[0])
		return d->msg;
	return strerror(err < 0 ? -err : err);
}
