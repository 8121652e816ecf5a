// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "util.h"

int strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (!size)
		return -ENAMETOOLONG;
	if (len >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int path_join(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= size ? -ENAMETOOLONG : 0;
}

double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Digits of v, the usual two at a time: a big map's scrape or document
 * is mostly numbers. */
size_t fmt_u64(char *buf, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	static const uint64_t pow10[] = {
		10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
		1000000000000ull, 10000000000000ull, 100000000000000ull,
		1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
		1000000000000000000ull, 10000000000000000000ull,
	};
	size_t n = 1;
	char *p;

	/* Digits by comparison, not division. */
	while (n <= sizeof(pow10) / sizeof(pow10[0]) && v >= pow10[n - 1])
		n++;
	p = buf + n;
	*p = '\0';
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		*--p = pairs[2 * r + 1];
		*--p = pairs[2 * r];
	}
	if (v >= 10) {
		*--p = pairs[2 * v + 1];
		*--p = pairs[2 * v];
	} else {
		*--p = (char)('0' + v);
	}
	return n;
}

size_t fmt_double(char *buf, double v)
{
	static const char *const forms[] = { "%.15g", "%.16g" };
	int n;

	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		n = snprintf(buf, FMT_DOUBLE_MAX, forms[i], v);
		if (strtod(buf, NULL) == v)
			return (size_t)n;
	}
	return (size_t)snprintf(buf, FMT_DOUBLE_MAX, "%.17g", v);
}

size_t fmt_i64(char *buf, int64_t v)
{
	if (v >= 0)
		return fmt_u64(buf, (uint64_t)v);
	buf[0] = '-';
	return 1 + fmt_u64(buf + 1, -(uint64_t)v);
}
