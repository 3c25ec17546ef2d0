/*
 * sshsig.h - OpenSSH signatures (PROTOCOL.sshsig) and allowed_signers
 * files (ssh-keygen(1), ALLOWED SIGNERS), internal to libtreqs.
 *
 * The parser accepts what ssh-keygen writes; verification is done here for
 * ssh-ed25519 keys and reported as "not handled" for anything else (other
 * key types, certificates, valid-after/valid-before options) so that the
 * caller can ask ssh-keygen instead.
 */
#ifndef TREQS_SSHSIG_H
#define TREQS_SSHSIG_H

#include <stddef.h>

#include "treqs/common.h"

struct sshsig {
	unsigned char pk_blob[1024]; /* the signer's public key, ssh wire format */
	size_t pk_len;
	char keytype[64];            /* "ssh-ed25519", ... */
	unsigned char ed25519_pk[32];
	char ns[64];                 /* namespace, "git" for commits */
	char hashalg[16];            /* "sha512" or "sha256" */
	char sigtype[64];
	unsigned char sig[64];       /* ed25519 only */
	int is_ed25519;
};

/* Parses an armored "-----BEGIN SSH SIGNATURE-----" block.  0 or -1. */
int sshsig_parse(struct sshsig *out, const char *armored, size_t len);
/* "SHA256:<base64>" of the signer's key; out needs 64 bytes. */
void sshsig_fingerprint(char *out, size_t outsz, const unsigned char *blob, size_t len);

enum sshsig_result {
	SSHSIG_VALID = 1,
	SSHSIG_INVALID = 0,    /* the signature does not verify */
	SSHSIG_UNKNOWN_KEY = -1, /* no allowed_signers line lists this key for the principal */
	SSHSIG_UNHANDLED = -2, /* needs ssh-keygen (key type, options) */
};

/*
 * Verifies sig over msg for principal against allowed_signers text, as
 * "ssh-keygen -Y verify -n git -I principal" would.  *principals_out (may
 * be NULL) receives every principal pattern that lists the signing key,
 * for messages.
 */
enum sshsig_result sshsig_verify(const struct sshsig *sig, const void *msg, size_t len,
				 const char *allowed_signers, size_t signers_len, const char *principal,
				 struct treqs_strv *principals_out);

/* ssh's match_pattern_list for one comma-separated list: 1 on match. */
int sshsig_principal_match(const char *patterns, const char *principal);

#endif
