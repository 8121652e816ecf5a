// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NATS NKeys: seeds read and checked, user public keys made (nkey.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "nkey.h"

/* Version bytes of the nkeys spec: each base32-encodes to its letter. */
#define PREFIX_SEED (18 << 3) /* 'S' */
#define PREFIX_USER (20 << 3) /* 'U' */

/* Decoded lengths: a public key and a seed. */
#define PUBLIC_BYTES (1 + NKEY_RAW_LEN + 2)
#define SEED_BYTES (2 + NKEY_RAW_LEN + 2)

/* A seed file holds one line of 58 characters; more than this is not one. */
#define SEED_FILE_MAX 4096

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

uint16_t nkey_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	while (n--) {
		crc ^= (uint16_t)(*p++ << 8);
		for (int i = 0; i < 8; i++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

int nkey_base32_encode(const uint8_t *p, size_t n, char *out, size_t outsize)
{
	size_t len = (n * 8 + 4) / 5, o = 0;
	unsigned bits = 0, nbits = 0;

	if (len + 1 > outsize)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		bits = (bits << 8 | p[i]) & 0xfff; /* at most 4 + 8 bits wait */
		nbits += 8;
		while (nbits >= 5) {
			nbits -= 5;
			out[o++] = b32[(bits >> nbits) & 31];
		}
	}
	if (nbits)
		out[o++] = b32[(bits << (5 - nbits)) & 31];
	out[o] = '\0';
	return (int)o;
}

int nkey_base32_decode(const char *s, size_t n, uint8_t *out, size_t outsize)
{
	unsigned bits = 0, nbits = 0;
	size_t o = 0;

	if (n * 5 / 8 > outsize)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		const char *c = s[i] ? memchr(b32, s[i], 32) : NULL;

		if (!c)
			return -EINVAL;
		bits = (bits << 5 | (unsigned)(c - b32)) & 0xfff; /* at most 7 + 5 bits wait */
		nbits += 5;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (uint8_t)(bits >> nbits);
		}
	}
	return (int)o;
}

/* raw[0..n-2) then its CRC, little endian, as base32 into out. */
static int encode_with_crc(uint8_t *raw, size_t n, char *out, size_t outsize)
{
	uint16_t crc = nkey_crc16(raw, n - 2);

	raw[n - 2] = (uint8_t)crc;
	raw[n - 1] = (uint8_t)(crc >> 8);
	return nkey_base32_encode(raw, n, out, outsize);
}

int nkey_user_seed_decode(const char *s, size_t n, uint8_t seed[NKEY_RAW_LEN])
{
	uint8_t raw[SEED_BYTES];
	int r = -EINVAL;

	if (n != NKEY_SEED_LEN || nkey_base32_decode(s, n, raw, sizeof(raw)) != SEED_BYTES)
		goto out;
	r = -EBADMSG;
	if (nkey_crc16(raw, SEED_BYTES - 2) != (raw[SEED_BYTES - 2] | raw[SEED_BYTES - 1] << 8))
		goto out;
	/* The first five bits say seed, the next five whose: a user's. */
	r = -EKEYREJECTED;
	if ((raw[0] & 0xf8) != PREFIX_SEED ||
	    ((raw[0] & 7) << 5 | raw[1] >> 3) != PREFIX_USER)
		goto out;
	memcpy(seed, raw + 2, NKEY_RAW_LEN);
	r = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	return r;
}

int nkey_user_seed_encode(const uint8_t seed[NKEY_RAW_LEN], char *out, size_t outsize)
{
	uint8_t raw[SEED_BYTES] = { PREFIX_SEED | PREFIX_USER >> 5, (PREFIX_USER & 31) << 3 };
	int r;

	memcpy(raw + 2, seed, NKEY_RAW_LEN);
	r = encode_with_crc(raw, sizeof(raw), out, outsize);
	explicit_bzero(raw, sizeof(raw));
	return r;
}

int nkey_user_public_encode(const uint8_t pub[NKEY_RAW_LEN], char *out, size_t outsize)
{
	uint8_t raw[PUBLIC_BYTES] = { PREFIX_USER };

	memcpy(raw + 1, pub, NKEY_RAW_LEN);
	return encode_with_crc(raw, sizeof(raw), out, outsize);
}

int nkey_user_seed_find(const char *text, size_t len, uint8_t seed[NKEY_RAW_LEN])
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *e;

		if (!eol)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		for (e = eol; e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		if (p < e && *p == 'S')
			return nkey_user_seed_decode(p, (size_t)(e - p), seed);
		p = eol + 1;
	}
	return -ENOKEY;
}

int nkey_user_seed_read(const char *path, uint8_t seed[NKEY_RAW_LEN])
{
	char buf[SEED_FILE_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* Up to one byte more than a seed file may hold, to tell it apart. */
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		len += (size_t)n;
	}
	r = len > SEED_FILE_MAX ? -EFBIG : nkey_user_seed_find(buf, len, seed);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return r;
}

const char *nkey_strerror(int err)
{
	switch (err) {
	case -ENOKEY: return "no nkey seed in it (a line starting with S)";
	case -EINVAL: return "not an nkey seed (58 characters of base32)";
	case -EBADMSG: return "the seed's checksum is wrong (a damaged or mistyped seed)";
	case -EKEYREJECTED: return "not a user seed (SU...)";
	case -EFBIG: return "too large for a seed file";
	default: return strerror(-err);
	}
}
