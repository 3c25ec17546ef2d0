/*
 * crypto.c - SHA-256, SHA-512 (FIPS 180-4) and Ed25519 verification
 * (RFC 8032 section 5.1.7), written from the specifications.
 *
 * Field elements mod p = 2^255 - 19 are five 51-bit limbs; products use
 * unsigned __int128.  Constants that can be computed (d, sqrt(-1), the
 * base point) are computed once from their definitions rather than typed
 * in, so that a transcription error cannot hide in them.
 */
#include "crypto.h"

#include <string.h>

/* ---- SHA-256 ---- */

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void sha256_block(struct treqs_sha256 *c, const unsigned char *p)
{
	uint32_t w[64], a, b, cc, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g, g = f, f = e, e = d + t1;
		d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
	c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

void treqs_sha256_init(struct treqs_sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, h0, sizeof(h0));
	c->len = 0;
	c->n = 0;
}

void treqs_sha256_update(struct treqs_sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	c->len += len;
	while (len) {
		size_t take = 64 - c->n < len ? 64 - c->n : len;
		memcpy(c->buf + c->n, p, take);
		c->n += take;
		p += take;
		len -= take;
		if (c->n == 64) {
			sha256_block(c, c->buf);
			c->n = 0;
		}
	}
}

void treqs_sha256_final(struct treqs_sha256 *c, unsigned char out[32])
{
	uint64_t bits = c->len * 8;
	unsigned char pad = 0x80, zero = 0, lenbuf[8];
	int i;

	treqs_sha256_update(c, &pad, 1);
	while (c->n != 56)
		treqs_sha256_update(c, &zero, 1);
	for (i = 0; i < 8; i++)
		lenbuf[i] = (unsigned char)(bits >> (56 - 8 * i));
	treqs_sha256_update(c, lenbuf, 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

/* ---- SHA-512 ---- */

static const uint64_t K512[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static uint64_t ror64(uint64_t x, int n)
{
	return (x >> n) | (x << (64 - n));
}

static void sha512_block(struct treqs_sha512 *c, const unsigned char *p)
{
	uint64_t w[80], a, b, cc, d, e, f, g, h, t1, t2;
	int i, j;

	for (i = 0; i < 16; i++) {
		w[i] = 0;
		for (j = 0; j < 8; j++)
			w[i] = (w[i] << 8) | p[8 * i + j];
	}
	for (; i < 80; i++) {
		uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
		uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (i = 0; i < 80; i++) {
		t1 = h + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) + ((e & f) ^ (~e & g)) + K512[i] + w[i];
		t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g, g = f, f = e, e = d + t1;
		d = cc, cc = b, b = a, a = t1 + t2;
	}
	c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d;
	c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

void treqs_sha512_init(struct treqs_sha512 *c)
{
	static const uint64_t h0[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
				       0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
				       0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
	memcpy(c->h, h0, sizeof(h0));
	c->len = 0;
	c->n = 0;
}

void treqs_sha512_update(struct treqs_sha512 *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	c->len += len;
	while (len) {
		size_t take = 128 - c->n < len ? 128 - c->n : len;
		memcpy(c->buf + c->n, p, take);
		c->n += take;
		p += take;
		len -= take;
		if (c->n == 128) {
			sha512_block(c, c->buf);
			c->n = 0;
		}
	}
}

void treqs_sha512_final(struct treqs_sha512 *c, unsigned char out[64])
{
	uint64_t bits = c->len * 8;
	unsigned char pad = 0x80, zero = 0, lenbuf[16];
	int i;

	treqs_sha512_update(c, &pad, 1);
	while (c->n != 112)
		treqs_sha512_update(c, &zero, 1);
	memset(lenbuf, 0, 8);
	for (i = 0; i < 8; i++)
		lenbuf[8 + i] = (unsigned char)(bits >> (56 - 8 * i));
	treqs_sha512_update(c, lenbuf, 16);
	for (i = 0; i < 8; i++) {
		int j;
		for (j = 0; j < 8; j++)
			out[8 * i + j] = (unsigned char)(c->h[i] >> (56 - 8 * j));
	}
}

/* ---- GF(2^255 - 19) ---- */

typedef uint64_t fe[5];
typedef unsigned __int128 u128;
#define MASK51 ((1ULL << 51) - 1)

static uint64_t load64_le(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void fe_frombytes(fe h, const unsigned char s[32])
{
	h[0] = load64_le(s) & MASK51;
	h[1] = (load64_le(s + 6) >> 3) & MASK51;
	h[2] = (load64_le(s + 12) >> 6) & MASK51;
	h[3] = (load64_le(s + 19) >> 1) & MASK51;
	h[4] = (load64_le(s + 24) >> 12) & MASK51;
}

/* Brings every limb below 2^51 (plus a little in limb 0). */
static void fe_carry(fe h)
{
	uint64_t c;
	int i;

	for (i = 0; i < 4; i++) {
		c = h[i] >> 51;
		h[i] &= MASK51;
		h[i + 1] += c;
	}
	c = h[4] >> 51;
	h[4] &= MASK51;
	h[0] += c * 19;
	c = h[0] >> 51;
	h[0] &= MASK51;
	h[1] += c;
}

static void fe_tobytes(unsigned char s[32], const fe f)
{
	fe h;
	uint64_t q, w[4];
	int i, j;

	memcpy(h, f, sizeof(fe));
	fe_carry(h);
	fe_carry(h);
	/* q = 1 exactly when h >= p */
	q = (h[0] + 19) >> 51;
	q = (h[1] + q) >> 51;
	q = (h[2] + q) >> 51;
	q = (h[3] + q) >> 51;
	q = (h[4] + q) >> 51;
	h[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= MASK51;
	}
	h[4] &= MASK51;
	w[0] = h[0] | (h[1] << 51);
	w[1] = (h[1] >> 13) | (h[2] << 38);
	w[2] = (h[2] >> 26) | (h[3] << 25);
	w[3] = (h[3] >> 39) | (h[4] << 12);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			s[8 * i + j] = (unsigned char)(w[i] >> (8 * j));
}

static void fe_copy(fe h, const fe f)
{
	memcpy(h, f, sizeof(fe));
}

static void fe_set(fe h, uint64_t v)
{
	memset(h, 0, sizeof(fe));
	h[0] = v;
}

static void fe_add(fe h, const fe f, const fe g)
{
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
	fe_carry(h);
}

static void fe_sub(fe h, const fe f, const fe g)
{
	/* f + 4p - g, so that no limb goes negative for carried inputs */
	static const uint64_t p4[5] = {0x1FFFFFFFFFFFB4ULL, 0x1FFFFFFFFFFFFCULL, 0x1FFFFFFFFFFFFCULL,
				       0x1FFFFFFFFFFFFCULL, 0x1FFFFFFFFFFFFCULL};
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + p4[i] - g[i];
	fe_carry(h);
}

static void fe_neg(fe h, const fe f)
{
	fe z;

	fe_set(z, 0);
	fe_sub(h, z, f);
}

static void fe_mul(fe h, const fe f, const fe g)
{
	uint64_t g1 = g[1] * 19, g2 = g[2] * 19, g3 = g[3] * 19, g4 = g[4] * 19;
	u128 r0, r1, r2, r3, r4;
	uint64_t c;

	r0 = (u128)f[0] * g[0] + (u128)f[1] * g4 + (u128)f[2] * g3 + (u128)f[3] * g2 + (u128)f[4] * g1;
	r1 = (u128)f[0] * g[1] + (u128)f[1] * g[0] + (u128)f[2] * g4 + (u128)f[3] * g3 + (u128)f[4] * g2;
	r2 = (u128)f[0] * g[2] + (u128)f[1] * g[1] + (u128)f[2] * g[0] + (u128)f[3] * g4 + (u128)f[4] * g3;
	r3 = (u128)f[0] * g[3] + (u128)f[1] * g[2] + (u128)f[2] * g[1] + (u128)f[3] * g[0] + (u128)f[4] * g4;
	r4 = (u128)f[0] * g[4] + (u128)f[1] * g[3] + (u128)f[2] * g[2] + (u128)f[3] * g[1] + (u128)f[4] * g[0];
	r1 += (uint64_t)(r0 >> 51);
	h[0] = (uint64_t)r0 & MASK51;
	r2 += (uint64_t)(r1 >> 51);
	h[1] = (uint64_t)r1 & MASK51;
	r3 += (uint64_t)(r2 >> 51);
	h[2] = (uint64_t)r2 & MASK51;
	r4 += (uint64_t)(r3 >> 51);
	h[3] = (uint64_t)r3 & MASK51;
	c = (uint64_t)(r4 >> 51);
	h[4] = (uint64_t)r4 & MASK51;
	h[0] += c * 19;
	h[1] += h[0] >> 51;
	h[0] &= MASK51;
}

static void fe_sq(fe h, const fe f)
{
	fe_mul(h, f, f);
}

/* h = f^e, e a 256-bit little-endian exponent */
static void fe_pow(fe h, const fe f, const unsigned char e[32])
{
	fe r, b;
	int i;

	fe_set(r, 1);
	fe_copy(b, f);
	for (i = 255; i >= 0; i--) {
		fe_sq(r, r);
		if ((e[i / 8] >> (i % 8)) & 1)
			fe_mul(r, r, b);
	}
	fe_copy(h, r);
}

static void exp_const(unsigned char e[32], unsigned char low, unsigned char high)
{
	memset(e, 0xff, 32);
	e[0] = low;
	e[31] = high;
}

static void fe_invert(fe h, const fe f)
{
	unsigned char e[32];

	exp_const(e, 0xeb, 0x7f); /* p - 2 = 2^255 - 21 */
	fe_pow(h, f, e);
}

static int fe_equal(const fe f, const fe g)
{
	unsigned char a[32], b[32];

	fe_tobytes(a, f);
	fe_tobytes(b, g);
	return !memcmp(a, b, 32);
}

static int fe_iszero(const fe f)
{
	unsigned char a[32], z[32];

	fe_tobytes(a, f);
	memset(z, 0, 32);
	return !memcmp(a, z, 32);
}

static int fe_isodd(const fe f)
{
	unsigned char a[32];

	fe_tobytes(a, f);
	return a[0] & 1;
}

/* ---- the curve -x^2 + y^2 = 1 + d x^2 y^2, extended coordinates ---- */

struct ge {
	fe X, Y, Z, T;
};

static struct {
	int ready;
	fe d, d2, sqrtm1;
	struct ge B;
} K;

static int ge_decode(struct ge *p, const unsigned char s[32]);

static void init_constants(void)
{
	fe a, b;
	unsigned char e[32], base[32];

	if (K.ready)
		return;
	/* d = -121665 / 121666 */
	fe_set(a, 121665);
	fe_neg(a, a);
	fe_set(b, 121666);
	fe_invert(b, b);
	fe_mul(K.d, a, b);
	fe_add(K.d2, K.d, K.d);
	/* sqrt(-1) = 2^((p - 1) / 4) */
	fe_set(a, 2);
	exp_const(e, 0xfb, 0x1f);
	fe_pow(K.sqrtm1, a, e);
	/* B: y = 4/5, x even */
	memset(base, 0x66, 32);
	base[0] = 0x58;
	K.ready = 1;
	ge_decode(&K.B, base);
}

static void ge_identity(struct ge *p)
{
	fe_set(p->X, 0);
	fe_set(p->Y, 1);
	fe_set(p->Z, 1);
	fe_set(p->T, 0);
}

/* r = p + q (add-2008-hwcd-3, a = -1) */
static void ge_add(struct ge *r, const struct ge *p, const struct ge *q)
{
	fe a, b, c, d, e, f, g, h, t;

	fe_sub(a, p->Y, p->X);
	fe_sub(t, q->Y, q->X);
	fe_mul(a, a, t);
	fe_add(b, p->Y, p->X);
	fe_add(t, q->Y, q->X);
	fe_mul(b, b, t);
	fe_mul(c, p->T, q->T);
	fe_mul(c, c, K.d2);
	fe_mul(d, p->Z, q->Z);
	fe_add(d, d, d);
	fe_sub(e, b, a);
	fe_sub(f, d, c);
	fe_add(g, d, c);
	fe_add(h, b, a);
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

/* r = 2p (dbl-2008-hwcd, a = -1) */
static void ge_double(struct ge *r, const struct ge *p)
{
	fe a, b, c, d, e, f, g, h, t;

	fe_sq(a, p->X);
	fe_sq(b, p->Y);
	fe_sq(c, p->Z);
	fe_add(c, c, c);
	fe_neg(d, a);
	fe_add(t, p->X, p->Y);
	fe_sq(t, t);
	fe_sub(e, t, a);
	fe_sub(e, e, b);
	fe_add(g, d, b);
	fe_sub(f, g, c);
	fe_sub(h, d, b);
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

/* RFC 8032 5.1.3; returns 0 when s encodes a point. */
static int ge_decode(struct ge *p, const unsigned char s[32])
{
	unsigned char y_bytes[32], check[32], e[32];
	fe u, v, v3, x, vx2, t;
	int sign = s[31] >> 7;

	memcpy(y_bytes, s, 32);
	y_bytes[31] &= 0x7f;
	fe_frombytes(p->Y, y_bytes);
	fe_tobytes(check, p->Y);
	if (memcmp(check, y_bytes, 32))
		return -1; /* y >= p: not canonical */
	fe_sq(u, p->Y);
	fe_mul(v, u, K.d);
	fe_set(t, 1);
	fe_sub(u, u, t); /* u = y^2 - 1 */
	fe_add(v, v, t); /* v = d y^2 + 1 */
	/* x = u v^3 (u v^7)^((p - 5) / 8) */
	fe_sq(v3, v);
	fe_mul(v3, v3, v);
	fe_sq(x, v3);
	fe_mul(x, x, v);
	fe_mul(x, x, u);
	exp_const(e, 0xfd, 0x0f); /* 2^252 - 3 */
	fe_pow(x, x, e);
	fe_mul(x, x, v3);
	fe_mul(x, x, u);
	fe_sq(vx2, x);
	fe_mul(vx2, vx2, v);
	if (!fe_equal(vx2, u)) {
		fe_neg(t, u);
		if (!fe_equal(vx2, t))
			return -1;
		fe_mul(x, x, K.sqrtm1);
	}
	if (fe_iszero(x) && sign)
		return -1;
	if (fe_isodd(x) != sign)
		fe_neg(x, x);
	fe_copy(p->X, x);
	fe_set(p->Z, 1);
	fe_mul(p->T, p->X, p->Y);
	return 0;
}

static void ge_encode(unsigned char s[32], const struct ge *p)
{
	fe zi, x, y;

	fe_invert(zi, p->Z);
	fe_mul(x, p->X, zi);
	fe_mul(y, p->Y, zi);
	fe_tobytes(s, y);
	s[31] |= (unsigned char)(fe_isodd(x) << 7);
}

/* ---- scalars mod L = 2^252 + 27742317777372353535851937790883648493 ---- */

static const uint64_t L[4] = {0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL};

static int ge_L(const uint64_t r[4])
{
	int i;

	for (i = 3; i >= 0; i--)
		if (r[i] != L[i])
			return r[i] > L[i];
	return 1;
}

static void sub_L(uint64_t r[4])
{
	uint64_t borrow = 0;
	int i;

	for (i = 0; i < 4; i++) {
		u128 d = (u128)r[i] - L[i] - borrow;
		r[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
}

/* r = n mod L, n of len bytes little-endian, by bitwise long division */
static void sc_reduce(unsigned char out[32], const unsigned char *n, size_t len)
{
	uint64_t r[4] = {0, 0, 0, 0};
	size_t i;
	int j;

	for (i = len * 8; i-- > 0;) {
		r[3] = (r[3] << 1) | (r[2] >> 63);
		r[2] = (r[2] << 1) | (r[1] >> 63);
		r[1] = (r[1] << 1) | (r[0] >> 63);
		r[0] = (r[0] << 1) | ((n[i / 8] >> (i % 8)) & 1);
		if (ge_L(r))
			sub_L(r);
	}
	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			out[8 * i + (size_t)j] = (unsigned char)(r[i] >> (8 * j));
}

static int sc_canonical(const unsigned char s[32])
{
	uint64_t r[4];
	int i;

	for (i = 0; i < 4; i++)
		r[i] = load64_le(s + 8 * i);
	return !ge_L(r);
}

int treqs_ed25519_verify(const unsigned char sig[64], const unsigned char pk[32], const void *msg, size_t len)
{
	struct treqs_sha512 h;
	unsigned char hram[64], k[32], check[32];
	struct ge A, P;
	int i;

	init_constants();
	if (!sc_canonical(sig + 32))
		return 0;
	if (ge_decode(&A, pk) < 0)
		return 0;
	/* -A */
	fe_neg(A.X, A.X);
	fe_neg(A.T, A.T);
	treqs_sha512_init(&h);
	treqs_sha512_update(&h, sig, 32);
	treqs_sha512_update(&h, pk, 32);
	treqs_sha512_update(&h, msg, len);
	treqs_sha512_final(&h, hram);
	sc_reduce(k, hram, 64);
	/* P = [S]B + [k](-A), then compare its encoding with R */
	ge_identity(&P);
	for (i = 255; i >= 0; i--) {
		ge_double(&P, &P);
		if ((sig[32 + i / 8] >> (i % 8)) & 1)
			ge_add(&P, &P, &K.B);
		if ((k[i / 8] >> (i % 8)) & 1)
			ge_add(&P, &P, &A);
	}
	ge_encode(check, &P);
	return !memcmp(check, sig, 32);
}

/* ---- base64 ---- */

long treqs_base64_decode(unsigned char *out, size_t outcap, const char *in, size_t inlen)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t n = 0, i;

	for (i = 0; i < inlen; i++) {
		int c = (unsigned char)in[i], v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad)
			return -1; /* data after padding */
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outcap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (pad > 2)
		return -1;
	return (long)n;
}

void treqs_base64_encode_nopad(char *out, const unsigned char *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
	}
	out[o] = '\0';
}
