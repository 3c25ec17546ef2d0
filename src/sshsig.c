/*
 * sshsig.c - parsing and verifying OpenSSH signatures, and reading
 * allowed_signers, following OpenSSH's PROTOCOL.sshsig and ssh-keygen(1).
 */
#include "sshsig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"

struct rd {
	const unsigned char *p;
	size_t n;
};

static int rd_u32(struct rd *r, uint32_t *v)
{
	if (r->n < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->n -= 4;
	return 0;
}

static int rd_str(struct rd *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (rd_u32(r, &n) < 0 || n > r->n)
		return -1;
	*s = r->p;
	*len = n;
	r->p += n;
	r->n -= n;
	return 0;
}

static int rd_cstr(struct rd *r, char *out, size_t outsz)
{
	const unsigned char *s;
	size_t n;

	if (rd_str(r, &s, &n) < 0 || n >= outsz || memchr(s, 0, n))
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Reads the key type and, for ed25519, the 32-byte key from a key blob. */
static int parse_key_blob(const unsigned char *blob, size_t len, char *type, size_t typesz, unsigned char pk[32],
			  int *is_ed25519)
{
	struct rd r = {blob, len};
	const unsigned char *k;
	size_t klen;

	*is_ed25519 = 0;
	if (rd_cstr(&r, type, typesz) < 0)
		return -1;
	if (!strcmp(type, "ssh-ed25519")) {
		if (rd_str(&r, &k, &klen) < 0 || klen != 32 || r.n != 0)
			return -1;
		memcpy(pk, k, 32);
		*is_ed25519 = 1;
	}
	return 0;
}

int sshsig_parse(struct sshsig *out, const char *armored, size_t len)
{
	static const char begin[] = "-----BEGIN SSH SIGNATURE-----", end[] = "-----END SSH SIGNATURE-----";
	const char *b, *e;
	unsigned char raw[4096];
	long n;
	struct rd r, sr;
	uint32_t version;
	const unsigned char *pk, *sigblob, *sigbytes, *reserved;
	size_t pklen, siglen, sigbyteslen, reslen;
	char stype[64];
	char *copy = xstrndup(armored, len);

	memset(out, 0, sizeof(*out));
	b = strstr(copy, begin);
	e = b ? strstr(b, end) : NULL;
	if (!b || !e) {
		free(copy);
		return -1;
	}
	b += sizeof(begin) - 1;
	n = treqs_base64_decode(raw, sizeof(raw), b, (size_t)(e - b));
	free(copy);
	if (n < 6 || memcmp(raw, "SSHSIG", 6))
		return -1;
	r.p = raw + 6;
	r.n = (size_t)n - 6;
	if (rd_u32(&r, &version) < 0 || version != 1 || rd_str(&r, &pk, &pklen) < 0 || pklen > sizeof(out->pk_blob) ||
	    rd_cstr(&r, out->ns, sizeof(out->ns)) < 0 || rd_str(&r, &reserved, &reslen) < 0 ||
	    rd_cstr(&r, out->hashalg, sizeof(out->hashalg)) < 0 || rd_str(&r, &sigblob, &siglen) < 0 || r.n != 0)
		return -1;
	memcpy(out->pk_blob, pk, pklen);
	out->pk_len = pklen;
	if (parse_key_blob(pk, pklen, out->keytype, sizeof(out->keytype), out->ed25519_pk, &out->is_ed25519) < 0)
		return -1;
	sr.p = sigblob;
	sr.n = siglen;
	if (rd_cstr(&sr, stype, sizeof(stype)) < 0 || rd_str(&sr, &sigbytes, &sigbyteslen) < 0)
		return -1;
	memcpy(out->sigtype, stype, sizeof(stype));
	if (out->is_ed25519) {
		if (strcmp(stype, "ssh-ed25519") || sigbyteslen != 64 || sr.n != 0)
			return -1;
		memcpy(out->sig, sigbytes, 64);
	}
	return 0;
}

void sshsig_fingerprint(char *out, size_t outsz, const unsigned char *blob, size_t len)
{
	struct treqs_sha256 c;
	unsigned char h[32];
	char b64[48];

	treqs_sha256_init(&c);
	treqs_sha256_update(&c, blob, len);
	treqs_sha256_final(&c, h);
	treqs_base64_encode_nopad(b64, h, 32);
	snprintf(out, outsz, "SHA256:%s", b64);
}

/* ssh's match_pattern: '*' and '?' wildcards */
static int match_pattern(const char *s, const char *p, size_t plen)
{
	while (plen) {
		if (*p == '*') {
			p++, plen--;
			if (!plen)
				return 1;
			for (; *s; s++)
				if (match_pattern(s, p, plen))
					return 1;
			return match_pattern(s, p, plen);
		}
		if (!*s)
			return 0;
		if (*p != '?' && *p != *s)
			return 0;
		s++, p++, plen--;
	}
	return *s == '\0';
}

int sshsig_principal_match(const char *patterns, const char *principal)
{
	const char *p = patterns;
	int found = 0;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int neg = *p == '!';

		if (match_pattern(principal, p + neg, n - (size_t)neg)) {
			if (neg)
				return 0;
			found = 1;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return found;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put_str(struct treqs_buf *b, const void *s, size_t n)
{
	unsigned char len[4];

	put_u32(len, (uint32_t)n);
	treqs_buf_put(b, len, 4);
	treqs_buf_put(b, s, n);
}

static int check_ed25519(const struct sshsig *sig, const void *msg, size_t len)
{
	struct treqs_buf blob = TREQS_BUF_INIT;
	unsigned char h[64];
	size_t hlen;
	int ok;

	if (!strcmp(sig->hashalg, "sha512")) {
		struct treqs_sha512 c;
		treqs_sha512_init(&c);
		treqs_sha512_update(&c, msg, len);
		treqs_sha512_final(&c, h);
		hlen = 64;
	} else if (!strcmp(sig->hashalg, "sha256")) {
		struct treqs_sha256 c;
		treqs_sha256_init(&c);
		treqs_sha256_update(&c, msg, len);
		treqs_sha256_final(&c, h);
		hlen = 32;
	} else {
		return 0;
	}
	treqs_buf_put(&blob, "SSHSIG", 6);
	put_str(&blob, sig->ns, strlen(sig->ns));
	put_str(&blob, "", 0);
	put_str(&blob, sig->hashalg, strlen(sig->hashalg));
	put_str(&blob, h, hlen);
	ok = treqs_ed25519_verify(sig->sig, sig->ed25519_pk, blob.ptr, blob.len);
	treqs_buf_free(&blob);
	return ok;
}

/* One allowed_signers line, split into its fields (pointers into a copy). */
struct line {
	char *principals;
	char *options;  /* NULL when none */
	char *keytype;
	char *key;      /* base64 */
};

/* Splits off one whitespace-delimited token, honouring double quotes. */
static char *token(char **s)
{
	char *p = *s, *start;
	int q = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	start = p;
	for (; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (!q && (*p == ' ' || *p == '\t'))
			break;
	}
	if (*p)
		*p++ = '\0';
	*s = p;
	return start;
}

static int key_type_word(const char *s)
{
	return !strncmp(s, "ssh-", 4) || !strncmp(s, "ecdsa-", 6) || !strncmp(s, "sk-", 3);
}

static int split_line(char *text, struct line *l)
{
	char *s = text, *t;
	size_t n;

	memset(l, 0, sizeof(*l));
	if (!(t = token(&s)))
		return -1;
	n = strlen(t);
	if (n >= 2 && t[0] == '"' && t[n - 1] == '"') {
		t[n - 1] = '\0';
		t++;
	}
	l->principals = t;
	if (!(t = token(&s)))
		return -1;
	if (!key_type_word(t)) {
		l->options = t;
		if (!(t = token(&s)))
			return -1;
	}
	l->keytype = t;
	if (!(l->key = token(&s)))
		return -1;
	return 0;
}

/* Value of option name="..." (quotes removed) in an options string; caller frees. */
static char *option_value(const char *opts, const char *name, int *present)
{
	const char *p = opts;
	size_t nl = strlen(name);

	*present = 0;
	while (p && *p) {
		const char *next;
		int q = 0;

		for (next = p; *next && (q || *next != ','); next++)
			if (*next == '"')
				q = !q;
		if (!strncasecmp(p, name, nl) && (p[nl] == '=' || p[nl] == ',' || p + nl == next)) {
			*present = 1;
			if (p[nl] == '=') {
				const char *v = p + nl + 1;
				size_t vl = (size_t)(next - v);
				if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
					return xstrndup(v + 1, vl - 2);
				return xstrndup(v, vl);
			}
			return NULL;
		}
		p = *next ? next + 1 : next;
	}
	return NULL;
}

enum sshsig_result sshsig_verify(const struct sshsig *sig, const void *msg, size_t len,
				 const char *allowed_signers, size_t signers_len, const char *principal,
				 struct treqs_strv *principals_out)
{
	char *text = xstrndup(allowed_signers, signers_len), *save = NULL, *raw;
	enum sshsig_result res = SSHSIG_UNKNOWN_KEY;
	int listed_for_principal = 0, unhandled = 0;

	if (strcmp(sig->ns, "git")) {
		free(text);
		return SSHSIG_INVALID;
	}
	for (raw = strtok_r(text, "\n", &save); raw; raw = strtok_r(NULL, "\n", &save)) {
		struct line l;
		unsigned char blob[1024];
		long n;
		char *hash, *lt;
		int present;

		while (*raw == ' ' || *raw == '\t')
			raw++;
		if (!*raw || *raw == '#')
			continue;
		if ((hash = strchr(raw, '\r')))
			*hash = '\0';
		lt = xstrdup(raw);
		if (split_line(lt, &l) < 0) {
			free(lt);
			continue;
		}
		n = treqs_base64_decode(blob, sizeof(blob), l.key, strlen(l.key));
		if (n < 0 || (size_t)n != sig->pk_len || memcmp(blob, sig->pk_blob, sig->pk_len) ||
		    strcmp(l.keytype, sig->keytype)) {
			free(lt);
			continue;
		}
		/* this line lists the signing key */
		if (principals_out)
			treqs_strv_push(principals_out, l.principals);
		if (l.options) {
			char *ns = option_value(l.options, "namespaces", &present);
			int ca, va, vb;
			free(option_value(l.options, "cert-authority", &ca));
			free(option_value(l.options, "valid-after", &va));
			free(option_value(l.options, "valid-before", &vb));
			if (ca) {
				free(ns);
				free(lt);
				continue; /* a CA key signs certificates, not commits */
			}
			if (va || vb)
				unhandled = 1;
			if (present && (!ns || !sshsig_principal_match(ns, "git"))) {
				free(ns);
				free(lt);
				continue;
			}
			free(ns);
		}
		if (sshsig_principal_match(l.principals, principal))
			listed_for_principal = 1;
		free(lt);
	}
	free(text);
	if (!listed_for_principal)
		return SSHSIG_UNKNOWN_KEY;
	if (unhandled || !sig->is_ed25519)
		return SSHSIG_UNHANDLED;
	res = check_ed25519(sig, msg, len) ? SSHSIG_VALID : SSHSIG_INVALID;
	return res;
}
