// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wiretags: every wire tag of pbwire.h's PB_WIRE_TAGS against protobuf-c's
 * descriptor of the field it names (from proto/ebpf_stream.proto): the
 * field exists, its number is the tag's, and its type is written with the
 * tag's wire type. Prints "wiretags: N tags match the descriptors", or
 * each tag that does not and exits 1.
 *
 * Not part of the build (only readers/stream/ itself is):
 * tests/14e-wire-naming.bats compiles it against the generated
 * ebpf_stream.pb-c.c.
 */
#include <stdio.h>
#include "pbwire.h"
#include "ebpf_stream.pb-c.h"

/* The wire type protobuf-c writes a field of this descriptor with. */
static int wire_type(const ProtobufCFieldDescriptor *fd)
{
	if (fd->label == PROTOBUF_C_LABEL_REPEATED && (fd->flags & PROTOBUF_C_FIELD_FLAG_PACKED))
		return PB_LEN;
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_BOOL: case PROTOBUF_C_TYPE_ENUM:
		return PB_VARINT;
	case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return PB_I64;
	case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_FLOAT:
		return 5;
	default: /* string, bytes, message */
		return PB_LEN;
	}
}

/* 0 when tag is field's number and wire type, else 1 (said on stderr). */
static int check(const char *tag_name, unsigned tag, const ProtobufCMessageDescriptor *md,
		 const char *field, unsigned number, int wiretype)
{
	const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(md, field);
	unsigned want;

	if (!fd) {
		fprintf(stderr, "wiretags: %s: %s has no field %s\n", tag_name, md->name, field);
		return 1;
	}
	want = fd->id << 3 | (unsigned)wire_type(fd);
	if (tag != want || number != fd->id || wiretype != wire_type(fd)) {
		fprintf(stderr, "wiretags: %s = 0x%02x, but %s.%s is field %u of wire type %d: 0x%02x\n",
			tag_name, tag, md->name, field, fd->id, wire_type(fd), want);
		return 1;
	}
	return 0;
}

int main(void)
{
	int bad = 0, n = 0;

#define CHECK_TAG(name, message, field, number, wiretype) \
	bad += check(#name, name, &ebpf__stream__v1__##message##__descriptor, #field, number, wiretype); \
	n++;
	PB_WIRE_TAGS(CHECK_TAG)
#undef CHECK_TAG
	if (bad)
		return 1;
	printf("wiretags: %d tags match the descriptors\n", n);
	return 0;
}
