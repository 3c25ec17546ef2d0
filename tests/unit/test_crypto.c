/*
 * test_crypto.c - the in-process signature check must agree with the
 * published test vectors and with ssh-keygen itself: it decides which
 * approvals count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "sshsig.h"
#include "treqs/common.h"
#include "treqs/run.h"

static void hex(const char *h, unsigned char *out)
{
	size_t i;

	for (i = 0; i < strlen(h) / 2; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static void tohex(char *out, const unsigned char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static void test_sha256_vectors(void **state)
{
	struct treqs_sha256 c;
	unsigned char d[32];
	char h[65];
	char *million = xmalloc(1000000);

	(void)state;
	treqs_sha256_init(&c);
	treqs_sha256_update(&c, "abc", 3);
	treqs_sha256_final(&c, d);
	tohex(h, d, 32);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	treqs_sha256_init(&c);
	treqs_sha256_final(&c, d);
	tohex(h, d, 32);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* one million 'a', fed in uneven pieces */
	memset(million, 'a', 1000000);
	treqs_sha256_init(&c);
	treqs_sha256_update(&c, million, 333333);
	treqs_sha256_update(&c, million, 666667);
	treqs_sha256_final(&c, d);
	tohex(h, d, 32);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void test_sha512_vectors(void **state)
{
	struct treqs_sha512 c;
	unsigned char d[64];
	char h[129];
	static const char two_blocks[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
					 "klmnopqrlmnopqrsmnopqrstnopqrstu";

	(void)state;
	treqs_sha512_init(&c);
	treqs_sha512_update(&c, "abc", 3);
	treqs_sha512_final(&c, d);
	tohex(h, d, 64);
	assert_string_equal(h, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
			       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	treqs_sha512_init(&c);
	treqs_sha512_update(&c, two_blocks, strlen(two_blocks));
	treqs_sha512_final(&c, d);
	tohex(h, d, 64);
	assert_string_equal(h, "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
			       "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

/* RFC 8032 section 7.1, tests 1-3. */
static void test_ed25519_rfc8032(void **state)
{
	static const struct {
		const char *pk, *msg, *sig;
	} v[] = {
		{"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
		{"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		 "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < TREQS_ARRAY_SIZE(v); i++) {
		unsigned char pk[32], sig[64], msg[8];
		size_t mlen = strlen(v[i].msg) / 2;

		hex(v[i].pk, pk);
		hex(v[i].sig, sig);
		hex(v[i].msg, msg);
		assert_int_equal(treqs_ed25519_verify(sig, pk, msg, mlen), 1);
		/* any flipped bit anywhere is refused */
		sig[i * 7 % 64] ^= 0x10;
		assert_int_equal(treqs_ed25519_verify(sig, pk, msg, mlen), 0);
		sig[i * 7 % 64] ^= 0x10;
		pk[5] ^= 1;
		assert_int_equal(treqs_ed25519_verify(sig, pk, msg, mlen), 0);
		pk[5] ^= 1;
		msg[0] ^= 1;
		assert_int_equal(treqs_ed25519_verify(sig, pk, msg, mlen ? mlen : 1), 0);
	}
}

/* S must be reduced: S + L is the same point, and must still be refused. */
static void test_ed25519_non_canonical_s(void **state)
{
	static const unsigned char L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
					    0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
					    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
	unsigned char pk[32], sig[64];
	unsigned carry = 0;
	int i;

	(void)state;
	hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pk);
	hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    sig);
	for (i = 0; i < 32; i++) {
		unsigned s = sig[32 + i] + L[i] + carry;
		sig[32 + i] = (unsigned char)s;
		carry = s >> 8;
	}
	assert_int_equal(treqs_ed25519_verify(sig, pk, "", 0), 0);
}

static int run(const char *const *argv, const char *in, size_t inlen, struct treqs_buf *out)
{
	struct treqs_cmd c;
	int status;

	memset(&c, 0, sizeof(c));
	c.argv = argv;
	c.in = in;
	c.inlen = inlen;
	c.capture_out = c.capture_err = 1;
	if (treqs_cmd_run(&c) < 0)
		return -1;
	status = c.status;
	if (out)
		treqs_buf_put(out, c.out.ptr ? c.out.ptr : "", c.out.len);
	treqs_cmd_clear(&c);
	return status;
}

/*
 * Differential: ssh-keygen signs many messages; the in-process check
 * must accept exactly what "ssh-keygen -Y verify" accepts, for the right
 * principal, and refuse tampered messages, other principals, unknown keys
 * and other namespaces.
 */
static void test_sshsig_against_ssh_keygen(void **state)
{
	char *dir = NULL;
	char *key, *pub, *data, *sigf, *signers;
	struct treqs_buf pubtext = TREQS_BUF_INIT, as = TREQS_BUF_INIT, sig = TREQS_BUF_INIT;
	int i;

	(void)state;
	if (access("/usr/bin/ssh-keygen", X_OK) < 0)
		skip();
	assert_int_equal(treqs_tmpdir(&dir), 0);
	key = xasprintf("%s/k", dir);
	pub = xasprintf("%s/k.pub", dir);
	data = xasprintf("%s/msg", dir);
	sigf = xasprintf("%s/msg.sig", dir);
	signers = xasprintf("%s/allowed", dir);
	{
		const char *argv[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "t", "-f", key, NULL};
		assert_int_equal(run(argv, NULL, 0, NULL), 0);
	}
	assert_int_equal(treqs_read_file(&pubtext, pub, 4096), 0);
	treqs_buf_printf(&as, "lee@example.org,ops-* namespaces=\"git\" %s", treqs_buf_cstr(&pubtext));
	assert_int_equal(treqs_write_file(signers, as.ptr, as.len), 0);

	for (i = 0; i < 24; i++) {
		struct treqs_buf msg = TREQS_BUF_INIT;
		struct sshsig ss;
		int k, ok;

		for (k = 0; k < i * 37; k++)
			treqs_buf_putc(&msg, (char)('a' + (k * 7 + i) % 26));
		assert_int_equal(treqs_write_file(data, msg.ptr ? msg.ptr : "", msg.len), 0);
		unlink(sigf);
		{
			const char *argv[] = {"ssh-keygen", "-Y", "sign", "-n", i % 5 == 4 ? "file" : "git", "-f", key, data, NULL};
			assert_int_equal(run(argv, NULL, 0, NULL), 0);
		}
		treqs_buf_clear(&sig);
		assert_int_equal(treqs_read_file(&sig, sigf, 1 << 16), 0);
		assert_int_equal(sshsig_parse(&ss, sig.ptr, sig.len), 0);
		{
			const char *argv[] = {"ssh-keygen", "-Y", "verify", "-f", signers, "-I", "lee@example.org",
					      "-n", "git", "-s", sigf, NULL};
			int theirs = run(argv, msg.ptr ? msg.ptr : "", msg.len, NULL) == 0;
			ok = sshsig_verify(&ss, msg.ptr ? msg.ptr : "", msg.len, as.ptr, as.len, "lee@example.org", NULL) ==
			     SSHSIG_VALID;
			assert_int_equal(ok, theirs);
			assert_int_equal(ok, i % 5 != 4); /* the "file" namespace never verifies for git */
		}
		/* a principal matching the pattern list, and one that does not */
		assert_int_equal(sshsig_verify(&ss, msg.ptr ? msg.ptr : "", msg.len, as.ptr, as.len, "ops-runner", NULL) ==
					 SSHSIG_VALID,
				 i % 5 != 4);
		assert_int_not_equal(sshsig_verify(&ss, msg.ptr ? msg.ptr : "", msg.len, as.ptr, as.len, "eve@example.org",
						   NULL),
				     SSHSIG_VALID);
		/* the message changed by one byte */
		treqs_buf_putc(&msg, 'x');
		assert_int_not_equal(sshsig_verify(&ss, msg.ptr, msg.len, as.ptr, as.len, "lee@example.org", NULL),
				     SSHSIG_VALID);
		/* nobody trusts the key (a signature for another namespace is refused first) */
		assert_int_equal(sshsig_verify(&ss, msg.ptr, msg.len, "", 0, "lee@example.org", NULL),
				 i % 5 == 4 ? SSHSIG_INVALID : SSHSIG_UNKNOWN_KEY);
		treqs_buf_free(&msg);
	}
	treqs_rmtree(dir);
	free(dir);
	free(key);
	free(pub);
	free(data);
	free(sigf);
	free(signers);
	treqs_buf_free(&pubtext);
	treqs_buf_free(&as);
	treqs_buf_free(&sig);
}

static void test_principal_patterns(void **state)
{
	(void)state;
	assert_int_equal(sshsig_principal_match("lee@example.org", "lee@example.org"), 1);
	assert_int_equal(sshsig_principal_match("*@example.org", "lee@example.org"), 1);
	assert_int_equal(sshsig_principal_match("*@example.org,!eve@example.org", "eve@example.org"), 0);
	assert_int_equal(sshsig_principal_match("l?e@example.org", "lee@example.org"), 1);
	assert_int_equal(sshsig_principal_match("lee@example.org", "lee@example.org.evil"), 0);
	assert_int_equal(sshsig_principal_match("", "lee@example.org"), 0);
}

static void test_base64(void **state)
{
	unsigned char out[16];
	char enc[32];

	(void)state;
	assert_int_equal(treqs_base64_decode(out, sizeof(out), "aGVsbG8=", 8), 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(treqs_base64_decode(out, sizeof(out), "aGVs\nbG8=", 9), 5);
	assert_int_equal(treqs_base64_decode(out, sizeof(out), "a$==", 4), -1);
	assert_int_equal(treqs_base64_decode(out, 2, "aGVsbG8=", 8), -1);
	treqs_base64_encode_nopad(enc, (const unsigned char *)"hello", 5);
	assert_string_equal(enc, "aGVsbG8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha512_vectors),
		cmocka_unit_test(test_ed25519_rfc8032),
		cmocka_unit_test(test_ed25519_non_canonical_s),
		cmocka_unit_test(test_sshsig_against_ssh_keygen),
		cmocka_unit_test(test_principal_patterns),
		cmocka_unit_test(test_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
