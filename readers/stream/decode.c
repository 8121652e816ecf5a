// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ebpf-stream --decode: a delimited stream on stdin as JSON lines, one per
 * frame, by walking protobuf-c's descriptors (no per-message code).
 * `protoc --decode` cannot read delimited streams; this can.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_writer.h"
#include "stream.h"

#define FRAME_MAX (64u << 20)

static void json_message(struct json_writer *w, const ProtobufCMessage *m);

static void json_scalar(struct json_writer *w, const ProtobufCFieldDescriptor *fd, const void *p)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		jw_int(w, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		jw_uint(w, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		jw_int(w, *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		jw_uint(w, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		jw_double(w, *(const double *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		jw_double(w, *(const float *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		jw_bool(w, *(const protobuf_c_boolean *)p);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(fd->descriptor, *(const int *)p);

		if (ev)
			jw_string(w, ev->name);
		else
			jw_int(w, *(const int *)p);
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		jw_string(w, *(char *const *)p ? *(char *const *)p : "");
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;

		jw_hex(w, b->data, b->len);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		json_message(w, *(ProtobufCMessage *const *)p);
		break;
	}
}

static size_t scalar_size(const ProtobufCFieldDescriptor *fd)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* proto3 leaves zero values out; so do we, except inside oneofs. */
static bool is_default(const ProtobufCFieldDescriptor *fd, const void *p)
{
	static const char zero[16];

	switch (fd->type) {
	case PROTOBUF_C_TYPE_STRING:
		return !*(char *const *)p || !**(char *const *)p;
	case PROTOBUF_C_TYPE_MESSAGE:
		return !*(void *const *)p;
	case PROTOBUF_C_TYPE_BYTES:
		return !((const ProtobufCBinaryData *)p)->len;
	default:
		return !memcmp(p, zero, scalar_size(fd));
	}
}

static void json_message(struct json_writer *w, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	jw_start_object(w);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		const char *base = (const char *)m;
		const void *p = base + fd->offset;

		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + fd->quantifier_offset);
			const char *arr = *(char *const *)p;

			if (!n)
				continue;
			jw_key(w, fd->name);
			jw_start_array(w);
			for (size_t k = 0; k < n; k++)
				json_scalar(w, fd, arr + k * scalar_size(fd));
			jw_end_array(w);
			continue;
		}
		if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)(base + fd->quantifier_offset) != fd->id)
				continue;
		} else if (is_default(fd, p)) {
			continue;
		}
		jw_key(w, fd->name);
		json_scalar(w, fd, p);
	}
	jw_end_object(w);
}

int stream_decode(FILE *in, FILE *out)
{
	struct json_writer w;
	uint8_t *buf = NULL;
	size_t cap = 0, offset = 0, frames = 0;
	int c, r = 0;

	for (;;) {
		uint64_t len = 0;
		int shift = 0;
		size_t got;
		Frame *f;

		/* varint length */
		c = getc(in);
		if (c == EOF && ferror(in))
			goto read_error;
		if (c == EOF)
			break; /* clean end between frames */
		for (;;) {
			if (shift > 63) {
				fprintf(stderr, "ebpf-stream: --decode: bad length prefix at byte %zu\n", offset);
				r = -EPROTO;
				goto out;
			}
			len |= (uint64_t)(c & 0x7f) << shift;
			shift += 7;
			offset++;
			if (!(c & 0x80))
				break;
			c = getc(in);
			if (c == EOF && ferror(in))
				goto read_error;
			if (c == EOF) {
				fprintf(stderr, "ebpf-stream: --decode: truncated length prefix at byte %zu\n", offset);
				r = -EPROTO;
				goto out;
			}
		}
		if (len > FRAME_MAX) {
			fprintf(stderr, "ebpf-stream: --decode: frame at byte %zu claims %" PRIu64
				" bytes (limit %u): not an ebpf-stream?\n", offset, len, FRAME_MAX);
			r = -EPROTO;
			goto out;
		}
		if (len > cap) {
			uint8_t *nb = realloc(buf, len);

			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = len;
		}
		got = fread(buf, 1, len, in);
		if (got != len && ferror(in)) {
			offset += got;
			goto read_error;
		}
		if (got != len) {
			fprintf(stderr, "ebpf-stream: --decode: truncated frame at byte %zu: %zu of %" PRIu64
				" bytes\n", offset, got, len);
			r = -EPROTO;
			goto out;
		}
		f = ebpf__stream__v1__frame__unpack(NULL, len, buf);
		if (!f || f->kind_case == EBPF__STREAM__V1__FRAME__KIND__NOT_SET) {
			fprintf(stderr, "ebpf-stream: --decode: invalid frame at byte %zu: not an ebpf.stream.v1.Frame\n",
				offset);
			if (f)
				ebpf__stream__v1__frame__free_unpacked(f, NULL);
			r = -EPROTO;
			goto out;
		}
		jw_init(&w, out);
		json_message(&w, &f->base);
		ebpf__stream__v1__frame__free_unpacked(f, NULL);
		offset += len;
		frames++;
		fflush(out); /* a live stream through a pipe: one line per frame, now */
		if (ferror(out)) {
			r = -EIO;
			goto out;
		}
	}
out:
	free(buf);
	fflush(out);
	return r;
read_error:
	/* Not the end of the stream: a read that failed (stdin a directory,
	 * an I/O error) must not pass for a clean end, exit 0. */
	r = errno ? -errno : -EIO;
	fprintf(stderr, "ebpf-stream: --decode: cannot read standard input at byte %zu: %s\n",
		offset, strerror(-r));
	goto out;
}
