// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: the decoders of the reader core (readers/core/dec_*.c)
 * on bytes an attacker may shape. The first byte picks a decoder, the
 * second the field's layout (element size and count); the rest is the
 * entry. Besides not crashing, the text must be NUL-terminated within the
 * buffer, and field_format()/field_text() must always give some text: a
 * value no decoder maps is shown raw, never dropped. */
#include <string.h>
#include "reader.h"

static const char *const specs[] = {
	"inet_ip", "port", "hex", "argv", "enum:skb_drop_reason", "syscall", "errno", "signal",
	"ksym", "kstack", "cgroup", "majorminor", "ifname",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[] = { 1, 2, 4, 8, 3, 16 };
	static char buf[DECODED_MAX], text[64 * DECODED_MAX];
	struct field f = { .kind = FIELD_UINT, .dec_fd = -1 };
	const char *spec;

	if (size < 2)
		return 0;
	spec = specs[data[0] % (sizeof(specs) / sizeof(specs[0]))];
	f.dec = decoder_find(spec);
	if (!f.dec)
		__builtin_trap();
	strncpy(f.dec_name, spec, sizeof(f.dec_name) - 1);
	if (f.dec->arg && dec_enum_resolve(NULL, strchr(spec, ':') + 1, &f.btf, &f.enum_id))
		return 0; /* no kernel BTF here */
	f.size = sizes[data[1] % (sizeof(sizes) / sizeof(sizes[0]))];
	f.count = 1 + (data[1] >> 4);
	if (f.size > 8)
		f.kind = FIELD_HEX;
	data += 2;
	size -= 2;
	if ((size_t)f.size * f.count > size)
		return 0;
	for (uint32_t i = 0; i < field_elements(&f); i++) {
		if (!field_decode(&f, data, i, buf, sizeof(buf)) && !memchr(buf, '\0', sizeof(buf)))
			__builtin_trap();
		/* A small buffer: cut or refused, never overrun. */
		field_decode(&f, data, i, buf, 5);
		field_format(&f, data, i, buf, sizeof(buf));
		if (!buf[0] && !(f.kind == FIELD_HEX && !f.size))
			__builtin_trap(); /* raw, at least */
	}
	if (field_text_size(&f) <= sizeof(text))
		field_text(&f, data, text, field_text_size(&f));
	return 0;
}
