/*
 * sign.h - signing and verifying commits the way git does.
 *
 * Signing runs the user's own tools, chosen by git's configuration:
 * gpg.format (openpgp, default, or ssh), user.signingkey, gpg.program /
 * gpg.openpgp.program and gpg.ssh.program.  For ssh the buffer is signed
 * with "ssh-keygen -Y sign -n git -f KEY", exactly as git does, so
 * "git verify-commit" accepts the result.
 *
 * Verification checks ssh signatures against an allowed_signers text that
 * the caller supplies (read from the protected branch, never from the
 * branch being checked): in-process for ssh-ed25519 keys (sshsig.c,
 * crypto.c: the hook verifies thousands of signatures), and with
 * "ssh-keygen -Y verify" for every other key type or option.
 */
#ifndef TREQS_SIGN_H
#define TREQS_SIGN_H

#include <git2.h>

#include "treqs/common.h"

/* Signs data; *sig receives the armored signature.  TREQS_EENV on failure. */
int treqs_sign(struct treqs_buf *sig, git_repository *repo, const char *data, size_t len);

/* Returns 1 when git's configuration names a signing key (or gpg has a default). */
int treqs_sign_configured(git_repository *repo);

struct treqs_verify {
	int signed_;          /* the commit carries a signature */
	int valid;            /* it verified against allowed_signers */
	char *principal;      /* the principal that matched (ssh), owned */
	char *fingerprint;    /* key fingerprint (SHA256:...), owned */
	char *format;         /* "ssh" or "openpgp" */
	char *detail;         /* why it did not verify, owned */
};

/*
 * Verifies the signature of commit id against allowed_signers (ssh
 * format text; may be empty).  email is the principal the signature must
 * belong to when not NULL.  Always fills *v (free with
 * treqs_verify_clear); returns 0 unless something broke (TREQS_EENV).
 */
int treqs_verify_commit(struct treqs_verify *v, git_repository *repo, const git_oid *id,
			const char *allowed_signers, size_t signers_len, const char *email);
void treqs_verify_clear(struct treqs_verify *v);

/*
 * The OpenPGP public keys (armored) that OpenPGP signatures are verified
 * against, for this process: .treqs/openpgp-keys.asc of the protected
 * branch.  A signature counts for the email of one of its key's user ids.
 * The keys go into a private keyring (a temporary GNUPGHOME, removed at
 * exit); gpg's web of trust plays no part: the file is the trust root.
 * An empty text removes them.  Returns 0 or TREQS_EENV.
 */
int treqs_openpgp_trust(const char *armored, size_t len);

#endif
