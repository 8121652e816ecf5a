// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* NATS NKeys for --nats-nkey (readers/stream/nkey.h): base32, CRC-16, user
 * seeds read and refused with their reason, user public keys written.
 *
 * The key pairs were made for this test with
 *   openssl genpkey -algorithm ed25519 -out k.pem
 *   openssl pkey -in k.pem -text -noout      (priv: and pub: in hex)
 * and their seeds and public keys encoded with python3 (base64.b32encode,
 * binascii.crc_hqx(data, 0) for CRC-16/XMODEM), independently of nkey.c;
 * nats-server accepted the first public key in its configuration. */
#include <stdlib.h>
#include <unistd.h>
#include "nkey.h"
#include "unit.h"

struct pair {
	const char *seed, *pub; /* encoded */
	uint8_t priv_raw[NKEY_RAW_LEN], pub_raw[NKEY_RAW_LEN];
};

static const struct pair pairs[] = {
	{ "SUAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAJPZQ",
	  "UD22YXKPFCKOLRIJRSMO7VUSH6673DRJW4SO6MYLGPUI7EMKNBOLXPKR",
	  { 0xa3, 0xdf, 0xda, 0x11, 0x6c, 0x7a, 0x57, 0xec, 0x2e, 0xda, 0x1b, 0x9a, 0x01, 0x9f, 0xd4, 0xfd,
	    0x47, 0x5d, 0xe6, 0x61, 0xac, 0xcc, 0x85, 0x74, 0x71, 0x5b, 0xc4, 0xfe, 0x8f, 0xf2, 0x08, 0x01 },
	  { 0xf5, 0xac, 0x5d, 0x4f, 0x28, 0x94, 0xe5, 0xc5, 0x09, 0x8c, 0x98, 0xef, 0xd6, 0x92, 0x3f, 0xbd,
	    0xfd, 0x8e, 0x29, 0xb7, 0x24, 0xef, 0x33, 0x0b, 0x33, 0xe8, 0x8f, 0x91, 0x8a, 0x68, 0x5c, 0xbb } },
	{ "SUAO45OS5JUR7E3G7627YFVMV2SLHICWFBLOO4JV5AUBBL4QJDNSTSY5BM",
	  "UD7VDNF2GL72LUL7SYXK5ZJM2PUIEXPD57G26WENK6VTPT76VXDGUPOH",
	  { 0xee, 0x75, 0xd2, 0xea, 0x69, 0x1f, 0x93, 0x66, 0xff, 0xb5, 0xfc, 0x16, 0xac, 0xae, 0xa4, 0xb3,
	    0xa0, 0x56, 0x28, 0x56, 0xe7, 0x71, 0x35, 0xe8, 0x28, 0x10, 0xaf, 0x90, 0x48, 0xdb, 0x29, 0xcb },
	  { 0xff, 0x51, 0xb4, 0xba, 0x32, 0xff, 0xa5, 0xd1, 0x7f, 0x96, 0x2e, 0xae, 0xe5, 0x2c, 0xd3, 0xe8,
	    0x82, 0x5d, 0xe3, 0xef, 0xcd, 0xaf, 0x58, 0x8d, 0x57, 0xab, 0x37, 0xcf, 0xfe, 0xad, 0xc6, 0x6a } },
};

/* The first pair's Ed25519 seed as an account's seed ("SA..."). */
static const char account_seed[] = "SAAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAO4AA";

/* CRC-16/XMODEM's check value, and RFC 4648's base32 vectors (unpadded). */
static void test_crc_and_base32(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const want[] = { "", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI" };
	char out[32];
	uint8_t back[16];

	CHECK_INT(nkey_crc16((const uint8_t *)"123456789", 9), 0x31c3);
	CHECK_INT(nkey_crc16(NULL, 0), 0);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t n = strlen(in[i]);

		CHECK_INT(nkey_base32_encode((const uint8_t *)in[i], n, out, sizeof(out)), strlen(want[i]));
		CHECK_STR(out, want[i]);
		CHECK_INT(nkey_base32_decode(want[i], strlen(want[i]), back, sizeof(back)), n);
		CHECK_MEM(back, n, in[i], n);
	}
	/* No room for the text and its NUL; a byte out of the alphabet. */
	CHECK_INT(nkey_base32_encode((const uint8_t *)"foobar", 6, out, 10), -ENOSPC);
	CHECK_INT(nkey_base32_decode("MZXW1", 5, back, sizeof(back)), -EINVAL);
	CHECK_INT(nkey_base32_decode("mzxw6", 5, back, sizeof(back)), -EINVAL);
	CHECK_INT(nkey_base32_decode("MZXW6YTBOI", 10, back, 5), -ENOSPC);
}

/* Seeds decode to their Ed25519 seeds, public keys encode to what the
 * server is told, both ways. */
static void test_pairs(void)
{
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct pair *p = &pairs[i];
		uint8_t seed[NKEY_RAW_LEN];
		char out[64];

		CHECK_INT(nkey_user_seed_decode(p->seed, strlen(p->seed), seed), 0);
		CHECK_MEM(seed, sizeof(seed), p->priv_raw, sizeof(p->priv_raw));
		CHECK_INT(nkey_user_seed_encode(p->priv_raw, out, sizeof(out)), NKEY_SEED_LEN);
		CHECK_STR(out, p->seed);
		CHECK_INT(nkey_user_public_encode(p->pub_raw, out, sizeof(out)), NKEY_PUBLIC_LEN);
		CHECK_STR(out, p->pub);
		CHECK_INT(nkey_user_public_encode(p->pub_raw, out, NKEY_PUBLIC_LEN), -ENOSPC);
	}
}

/* What is not a user seed is refused, each with its own reason. */
static void test_refused(void)
{
	char bad[NKEY_SEED_LEN + 1];
	uint8_t seed[NKEY_RAW_LEN];

	/* One character changed: the checksum tells. */
	memcpy(bad, pairs[0].seed, sizeof(bad));
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	CHECK_INT(nkey_user_seed_decode(bad, NKEY_SEED_LEN, seed), -EBADMSG);
	/* The checksum itself changed. */
	memcpy(bad, pairs[0].seed, sizeof(bad));
	bad[NKEY_SEED_LEN - 3] = bad[NKEY_SEED_LEN - 3] == 'A' ? 'B' : 'A';
	CHECK_INT(nkey_user_seed_decode(bad, NKEY_SEED_LEN, seed), -EBADMSG);
	CHECK_INT(nkey_user_seed_decode(account_seed, strlen(account_seed), seed), -EKEYREJECTED);
	/* A public key is no seed; nor is a seed cut short, or with a
	 * character out of the alphabet, or in lower case. */
	CHECK_INT(nkey_user_seed_decode(pairs[0].pub, strlen(pairs[0].pub), seed), -EINVAL);
	CHECK_INT(nkey_user_seed_decode(pairs[0].seed, NKEY_SEED_LEN - 1, seed), -EINVAL);
	memcpy(bad, pairs[0].seed, sizeof(bad));
	bad[10] = '1';
	CHECK_INT(nkey_user_seed_decode(bad, NKEY_SEED_LEN, seed), -EINVAL);
	bad[10] = 'h';
	CHECK_INT(nkey_user_seed_decode(bad, NKEY_SEED_LEN, seed), -EINVAL);
	CHECK_STR(nkey_strerror(-EKEYREJECTED), "not a user seed (SU...)");
	CHECK_STR(nkey_strerror(-ENOENT), strerror(ENOENT));
}

/* The seed line of a file's text: alone, indented, CRLF, or in a .creds
 * file's seed block, after its JWT. */
static void test_find(void)
{
	static const char *const texts[] = {
		"SUAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAJPZQ",
		"SUAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAJPZQ\n",
		"\n  SUAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAJPZQ \r\n",
		"-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5In0.x.y\n"
		"------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n"
		"SUAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAJPZQ\n"
		"------END USER NKEY SEED------\n",
	};
	uint8_t seed[NKEY_RAW_LEN];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		memset(seed, 0, sizeof(seed));
		CHECK_INT(nkey_user_seed_find(texts[i], strlen(texts[i]), seed), 0);
		CHECK_MEM(seed, sizeof(seed), pairs[0].priv_raw, sizeof(seed));
	}
	CHECK_INT(nkey_user_seed_find("", 0, seed), -ENOKEY);
	CHECK_INT(nkey_user_seed_find("user=a\npassword=b\n", 18, seed), -ENOKEY);
	CHECK_INT(nkey_user_seed_find("SAAKHX62CFWHUV7MF3NBXGQBT7KP2R254ZQ2ZTEFORYVXRH6R7ZAQAO4AA\n", 59, seed),
		  -EKEYREJECTED);
}

/* From a file: read, or refused with the errno of open or a size. */
static void test_read(void)
{
	char path[] = "/tmp/unit-nkey-XXXXXX";
	uint8_t seed[NKEY_RAW_LEN];
	char big[5000];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, pairs[1].seed, NKEY_SEED_LEN) == NKEY_SEED_LEN);
	CHECK_INT(nkey_user_seed_read(path, seed), 0);
	CHECK_MEM(seed, sizeof(seed), pairs[1].priv_raw, sizeof(seed));
	memset(big, '\n', sizeof(big));
	CHECK(write(fd, big, sizeof(big)) == (ssize_t)sizeof(big));
	CHECK_INT(nkey_user_seed_read(path, seed), -EFBIG);
	close(fd);
	unlink(path);
	CHECK_INT(nkey_user_seed_read(path, seed), -ENOENT);
	CHECK_INT(nkey_user_seed_read("/dev/null", seed), -ENOKEY);
	CHECK_INT(nkey_user_seed_read("/", seed), -EISDIR);
}

int main(void)
{
	unit_start();
	test_crc_and_base32();
	test_pairs();
	test_refused();
	test_find();
	test_read();
	return UNIT_END();
}
