/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * NATS NKeys, as far as --nats-nkey needs them: the user's seed read from
 * its file and checked, and the user's public key written out. Why here:
 * libnats 3.4 signs with a seed file but cannot tell the server whose key
 * signed (natsOptions_SetNKeyFromSeed wants the public key and has no way
 * to derive it), so the public key is made here from the Ed25519 key of
 * the seed (nats_conn.c, with libcrypto). Pure code, no crypto: the unit
 * test (tests/unit/nkey.c) reaches all of it.
 *
 * The encoding (the nkeys spec, github.com/nats-io/nkeys): RFC 4648
 * base32 without padding of
 *   a public key: [prefix][32-byte Ed25519 public key][CRC16 LE]
 *   a seed:       [seed prefix | prefix >> 5][(prefix & 31) << 3]
 *                 [32-byte Ed25519 seed][CRC16 LE]
 * CRC-16/XMODEM over what precedes it. A user's prefix makes 'U', a
 * seed's 'S': a user seed reads "SU...".
 */
#ifndef EBPF_NKEY_H
#define EBPF_NKEY_H

#include <stddef.h>
#include <stdint.h>

#define NKEY_RAW_LEN 32        /* an Ed25519 seed or public key */
#define NKEY_PUBLIC_LEN 56     /* base32 of 1 + 32 + 2 bytes */
#define NKEY_SEED_LEN 58       /* base32 of 2 + 32 + 2 bytes */

/* CRC-16/XMODEM (polynomial 0x1021, initial value 0), as nkeys' crc16. */
uint16_t nkey_crc16(const uint8_t *p, size_t n);
/* RFC 4648 base32, upper case, no padding: the text's length, or -ENOSPC
 * when it and its NUL do not fit out. */
int nkey_base32_encode(const uint8_t *p, size_t n, char *out, size_t outsize);
/* The bytes of base32 text (no padding; bits left over ignored): their
 * number, -EINVAL for a character out of the alphabet, -ENOSPC when they
 * do not fit out. */
int nkey_base32_decode(const char *s, size_t n, uint8_t *out, size_t outsize);

/* The 32-byte Ed25519 seed of a user seed "SU...": 0, -EINVAL (not base32
 * of 36 bytes), -EBADMSG (its checksum is wrong) or -EKEYREJECTED (the
 * seed of something else than a user: an account's "SA...", say). */
int nkey_user_seed_decode(const char *s, size_t n, uint8_t seed[NKEY_RAW_LEN]);
/* A user seed out of an Ed25519 seed (for tests, and the reverse above). */
int nkey_user_seed_encode(const uint8_t seed[NKEY_RAW_LEN], char *out, size_t outsize);
/* A user's public key "U..." (NKEY_PUBLIC_LEN characters and a NUL). */
int nkey_user_public_encode(const uint8_t pub[NKEY_RAW_LEN], char *out, size_t outsize);

/* The Ed25519 seed of the user seed in FILE's text: its first line that
 * starts with 'S' (a seed file as nsc and nk write it holds that line
 * alone). 0, -ENOKEY (no such line), or nkey_user_seed_decode()'s. */
int nkey_user_seed_find(const char *text, size_t len, uint8_t seed[NKEY_RAW_LEN]);
/* The same, read from the file path: also -errno of open or read, -EFBIG
 * for a file too large to be a seed file. Read unbuffered, its copy wiped. */
int nkey_user_seed_read(const char *path, uint8_t seed[NKEY_RAW_LEN]);

/* Why for the errors above that strerror() would word badly. */
const char *nkey_strerror(int err);

#endif
