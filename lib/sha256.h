/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* SHA-256 (FIPS 180-4), for the object checksum recorded in meta: operators
 * compare it with `sha256sum` of the file they think is loaded. */
#ifndef EBPF_SHA256_H
#define EBPF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 65

void sha256(const void *data, size_t len, uint8_t out[32]);
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);

#endif
