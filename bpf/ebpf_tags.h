/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Presentation tags for readers: BTF decl tags on a map variable.
 *
 *   struct { ... } proto_stats SEC(".maps") EBPF_COUNTER EBPF_HELP("...");
 *
 * The readers find the map's VAR in the object's BTF (DATASEC ".maps") and
 * read every "ebpf:<key>=<value>" decl tag that targets it. The spelling is
 * documented in docs/tags.md; nothing else is needed to present a map.
 */
#ifndef EBPF_TAGS_H
#define EBPF_TAGS_H

#define EBPF_TAG(kv)            __attribute__((btf_decl_tag("ebpf:" kv)))

/* Metric kind of the map's values. */
#define EBPF_COUNTER            EBPF_TAG("kind=counter")
#define EBPF_GAUGE              EBPF_TAG("kind=gauge")
/* Value is a struct with an array field "buckets" and optional "sum":
 * bucket 0 counts the value 0, bucket i > 0 counts [2^(i-1), 2^i - 1]. */
#define EBPF_LOG2_HISTOGRAM     EBPF_TAG("kind=log2_histogram")
/* Same struct; bucket i counts [i*width, (i+1)*width - 1]. Pass a number
 * literal: the argument is stringified, not macro-expanded. */
#define EBPF_LINEAR_HISTOGRAM(width) \
	EBPF_TAG("kind=linear_histogram") EBPF_TAG("bucket_width=" #width)

#define EBPF_HELP(text)         EBPF_TAG("help=" text)
/* Unit readers present the values in, and the factor that turns the stored
 * values into that unit (EBPF_UNIT("seconds") EBPF_SCALE("1e-9") for a map
 * that stores nanoseconds). Without a scale, values are in the unit as stored. */
#define EBPF_UNIT(unit)         EBPF_TAG("unit=" unit)
#define EBPF_SCALE(factor)      EBPF_TAG("scale=" factor)
/* Label name for a scalar (non-struct) key. */
#define EBPF_LABEL(name)        EBPF_TAG("label=" name)
/* An integer key whose values are the enumerators of this named enum. */
#define EBPF_KEY_ENUM(name)     EBPF_TAG("key_enum=" name)
/* Ring buffer: the struct type of its records. The type must be in the
 * object's BTF (ebpf-loader load refuses the object otherwise): see
 * EBPF_EMIT_TYPE. */
#define EBPF_RECORD(type_name)  EBPF_TAG("record=" type_name)
/* Internal state (a start-timestamp hash, a stack map): ebpf-print shows it
 * only with --all, the exporter and ebpf-stream's snapshots leave it out.
 * Global-data maps (.rodata, .bss, .data) are hidden without the tag. */
#define EBPF_HIDDEN             EBPF_TAG("hidden")

/*
 * Put a type in the object's BTF: EBPF_EMIT_TYPE(struct foo); at file scope.
 *
 * clang emits BTF for the types of globals, maps and function signatures,
 * not for locals, so a record type that only a bpf_ringbuf_reserve() result
 * points to is missing from BTF. This declares a static pointer to the type:
 * "used" keeps it (and so its type) in BTF, and its section is one libbpf
 * does not know, which it skips, so no global-data map is created for it
 * and nothing runs. Works for structs, unions, enums and typedefs.
 */
#define EBPF_EMIT_TYPE(type)    EBPF__EMIT_TYPE(type, __COUNTER__)
#define EBPF__EMIT_TYPE(type, n) EBPF__EMIT_TYPE2(type, n)
#define EBPF__EMIT_TYPE2(type, n) \
	static type *__ebpf_emit_type_##n __attribute__((used, section(".discard.ebpf_types")))

/* Show a key or value field (dotted for nested structs; "key" or "value"
 * for a scalar) through a decoder: EBPF_DECODE("daddr", "inet_ip"). One
 * tag per field; the decoders are listed in docs/tags.md. */
#define EBPF_DECODE(field, decoder) EBPF_TAG("decode=" field ":" decoder)

#endif /* EBPF_TAGS_H */
