/*
 * crypto.h - the hashes and the signature check that verifying ssh
 * signatures in-process needs (internal to libtreqs).
 *
 * Why in-process: the pre-receive hook verifies every review signature a
 * push carries, and running "ssh-keygen -Y verify" costs ~5 ms a
 * signature; a push of 1,000 TRs with two reviews each would take ten
 * seconds.  Ed25519 keys (ssh-keygen's default) are verified here; every
 * other key type falls back to ssh-keygen.  tests/unit/test_crypto.c checks
 * the code against published test vectors and against ssh-keygen itself.
 *
 * Only verification is implemented: nothing here handles secrets, so the
 * arithmetic may (and does) run in variable time.
 */
#ifndef TREQS_CRYPTO_H
#define TREQS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

struct treqs_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
};
void treqs_sha256_init(struct treqs_sha256 *c);
void treqs_sha256_update(struct treqs_sha256 *c, const void *data, size_t len);
void treqs_sha256_final(struct treqs_sha256 *c, unsigned char out[32]);

struct treqs_sha512 {
	uint64_t h[8];
	uint64_t len;
	unsigned char buf[128];
	size_t n;
};
void treqs_sha512_init(struct treqs_sha512 *c);
void treqs_sha512_update(struct treqs_sha512 *c, const void *data, size_t len);
void treqs_sha512_final(struct treqs_sha512 *c, unsigned char out[64]);

/*
 * RFC 8032 Ed25519 verification: returns 1 when sig (R || S) is a valid
 * signature of msg under the public key pk, 0 otherwise (including a
 * non-canonical S, or a public key or R that is not a curve point).
 */
int treqs_ed25519_verify(const unsigned char sig[64], const unsigned char pk[32], const void *msg, size_t len);

/* Base64 (RFC 4648, with padding, whitespace ignored).  Returns decoded length or -1. */
long treqs_base64_decode(unsigned char *out, size_t outcap, const char *in, size_t inlen);
/* Base64 without padding, as ssh prints fingerprints; out needs 4*ceil(n/3)+1 bytes. */
void treqs_base64_encode_nopad(char *out, const unsigned char *in, size_t n);

#endif
