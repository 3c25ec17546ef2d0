/*
 * sign.c - signatures through the user's ssh-keygen or gpg, as git does.
 */
#include "treqs/sign.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "treqs/repo.h"
#include "treqs/run.h"
#include "sshsig.h"

static char *config_or(git_repository *repo, const char *key, const char *def)
{
	char *v = NULL;

	if (treqs_repo_config_string(&v, repo, key) == 0)
		return v;
	return def ? xstrdup(def) : NULL;
}

static char *expand_home(const char *p)
{
	const char *home = getenv("HOME");

	if (p[0] == '~' && p[1] == '/' && home)
		return xasprintf("%s%s", home, p + 1);
	return xstrdup(p);
}

int treqs_sign_configured(git_repository *repo)
{
	char *key = config_or(repo, "user.signingkey", NULL);
	char *fmt = config_or(repo, "gpg.format", "openpgp");
	int ok = key != NULL;

	free(key);
	free(fmt);
	return ok;
}

static int sign_ssh(struct treqs_buf *sig, git_repository *repo, const char *data, size_t len)
{
	char *program = config_or(repo, "gpg.ssh.program", "ssh-keygen");
	char *key = config_or(repo, "user.signingkey", NULL);
	char *dir = NULL, *keyfile = NULL, *datafile = NULL, *sigfile = NULL;
	const char *argv[10];
	struct treqs_cmd cmd;
	int ret = 0, literal = 0;
	size_t i = 0;

	memset(&cmd, 0, sizeof(cmd));
	if (!key) {
		ret = treqs_error(TREQS_EENV, "gpg.format is ssh but user.signingkey is not set; "
					      "set it to your ssh key: git config user.signingkey ~/.ssh/id_ed25519.pub");
		goto out;
	}
	if ((ret = treqs_tmpdir(&dir)) < 0)
		goto out;
	if (!strncmp(key, "key::", 5) || !strncmp(key, "ssh-", 5)) {
		const char *lit = !strncmp(key, "key::", 5) ? key + 5 : key;
		keyfile = xasprintf("%s/key.pub", dir);
		if ((ret = treqs_write_file(keyfile, lit, strlen(lit))) < 0)
			goto out;
		literal = 1;
	} else {
		keyfile = expand_home(key);
	}
	datafile = xasprintf("%s/buffer", dir);
	sigfile = xasprintf("%s/buffer.sig", dir);
	if ((ret = treqs_write_file(datafile, data, len)) < 0)
		goto out;
	argv[i++] = program;
	argv[i++] = "-Y";
	argv[i++] = "sign";
	argv[i++] = "-n";
	argv[i++] = "git";
	argv[i++] = "-f";
	argv[i++] = keyfile;
	if (literal)
		argv[i++] = "-U";
	argv[i++] = datafile;
	argv[i] = NULL;
	cmd.argv = argv;
	cmd.capture_out = cmd.capture_err = 1;
	if ((ret = treqs_cmd_run(&cmd)) < 0)
		goto out;
	if (cmd.status != 0) {
		ret = treqs_error(TREQS_EENV, "'%s -Y sign' failed with key '%s': %s", program, key,
				  treqs_buf_cstr(&cmd.err));
		goto out;
	}
	treqs_buf_clear(sig);
	if ((ret = treqs_read_file(sig, sigfile, 1 << 20)) < 0)
		goto out;
	if (!strstr(treqs_buf_cstr(sig), "-----BEGIN SSH SIGNATURE-----"))
		ret = treqs_error(TREQS_EENV, "'%s' wrote no ssh signature", program);
out:
	treqs_cmd_clear(&cmd);
	if (dir)
		treqs_rmtree(dir);
	free(dir);
	free(keyfile);
	free(datafile);
	free(sigfile);
	free(program);
	free(key);
	return ret;
}

static int sign_gpg(struct treqs_buf *sig, git_repository *repo, const char *data, size_t len)
{
	char *program = config_or(repo, "gpg.openpgp.program", NULL);
	char *key = config_or(repo, "user.signingkey", NULL);
	const char *argv[8];
	struct treqs_cmd cmd;
	git_signature *who = NULL;
	char *ident = NULL;
	int ret = 0;
	size_t i = 0;

	if (!program)
		program = config_or(repo, "gpg.program", "gpg");
	memset(&cmd, 0, sizeof(cmd));
	if (!key) {
		/* git signs as the committer when no key is named */
		if (treqs_signature(&who, repo, 1) == 0)
			ident = xasprintf("%s <%s>", who->name, who->email);
	}
	argv[i++] = program;
	argv[i++] = "--status-fd=2";
	argv[i++] = "-bsau";
	argv[i++] = key ? key : ident ? ident : "";
	argv[i] = NULL;
	cmd.argv = argv;
	cmd.in = data;
	cmd.inlen = len;
	cmd.capture_out = cmd.capture_err = 1;
	if ((ret = treqs_cmd_run(&cmd)) < 0)
		goto out;
	if (cmd.status != 0 || !strstr(treqs_buf_cstr(&cmd.err), "[GNUPG:] SIG_CREATED ")) {
		ret = treqs_error(TREQS_EENV, "'%s' failed to sign the data: %s", program, treqs_buf_cstr(&cmd.err));
		goto out;
	}
	treqs_buf_clear(sig);
	treqs_buf_put(sig, cmd.out.ptr, cmd.out.len);
out:
	treqs_cmd_clear(&cmd);
	git_signature_free(who);
	free(ident);
	free(program);
	free(key);
	return ret;
}

int treqs_sign(struct treqs_buf *sig, git_repository *repo, const char *data, size_t len)
{
	char *fmt = config_or(repo, "gpg.format", "openpgp");
	int ret;

	if (!strcmp(fmt, "ssh"))
		ret = sign_ssh(sig, repo, data, len);
	else if (!strcmp(fmt, "openpgp"))
		ret = sign_gpg(sig, repo, data, len);
	else
		ret = treqs_error(TREQS_EENV, "gpg.format '%s' is not supported (use ssh or openpgp)", fmt);
	free(fmt);
	return ret;
}

void treqs_verify_clear(struct treqs_verify *v)
{
	free(v->principal);
	free(v->fingerprint);
	free(v->format);
	free(v->detail);
	memset(v, 0, sizeof(*v));
}

/* Asks ssh-keygen, for what the in-process check does not handle. */
static int verify_ssh_keygen(struct treqs_verify *v, const char *sigtext, size_t siglen, const char *data,
			     size_t datalen, const char *allowed, size_t allowed_len, const char *principal)
{
	char *dir = NULL, *asfile = NULL, *sigfile = NULL;
	const char *argv[12];
	struct treqs_cmd cmd;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	if ((ret = treqs_tmpdir(&dir)) < 0)
		return ret;
	asfile = xasprintf("%s/allowed_signers", dir);
	sigfile = xasprintf("%s/sig", dir);
	if ((ret = treqs_write_file(asfile, allowed, allowed_len)) < 0 ||
	    (ret = treqs_write_file(sigfile, sigtext, siglen)) < 0)
		goto out;
	argv[0] = "ssh-keygen";
	argv[1] = "-Y";
	argv[2] = "verify";
	argv[3] = "-f";
	argv[4] = asfile;
	argv[5] = "-I";
	argv[6] = principal;
	argv[7] = "-n";
	argv[8] = "git";
	argv[9] = "-s";
	argv[10] = sigfile;
	argv[11] = NULL;
	cmd.argv = argv;
	cmd.in = data;
	cmd.inlen = datalen;
	cmd.capture_out = cmd.capture_err = 1;
	if ((ret = treqs_cmd_run(&cmd)) < 0)
		goto out;
	if (cmd.status == 0) {
		v->valid = 1;
	} else {
		char *nl;
		v->detail = xstrdup(cmd.err.len ? treqs_buf_cstr(&cmd.err) : treqs_buf_cstr(&cmd.out));
		if ((nl = strchr(v->detail, '\n')))
			*nl = '\0';
	}
out:
	treqs_cmd_clear(&cmd);
	treqs_rmtree(dir);
	free(dir);
	free(asfile);
	free(sigfile);
	return ret;
}

int treqs_verify_commit(struct treqs_verify *v, git_repository *repo, const git_oid *id,
			const char *allowed_signers, size_t signers_len, const char *email)
{
	git_buf sig = {0}, data = {0};
	struct sshsig ss;
	struct treqs_strv principals = TREQS_STRV_INIT;
	char fp[80];
	int err, ret = 0;

	memset(v, 0, sizeof(*v));
	err = git_commit_extract_signature(&sig, &data, repo, (git_oid *)id, NULL);
	if (err == GIT_ENOTFOUND) {
		v->detail = xstrdup("the commit is not signed");
		return 0;
	}
	if (err < 0)
		return treqs_error_git(err, "unable to read commit %s", git_oid_tostr_s(id));
	v->signed_ = 1;
	if (strstr(sig.ptr, "-----BEGIN PGP SIGNATURE-----")) {
		v->format = xstrdup("openpgp");
		v->detail = xstrdup("signed with OpenPGP; treqs trusts the ssh keys in allowed_signers");
		goto out;
	}
	v->format = xstrdup("ssh");
	if (sshsig_parse(&ss, sig.ptr, sig.size) < 0) {
		v->detail = xstrdup("the ssh signature cannot be parsed");
		goto out;
	}
	sshsig_fingerprint(fp, sizeof(fp), ss.pk_blob, ss.pk_len);
	v->fingerprint = xstrdup(fp);
	if (!email) {
		v->detail = xstrdup("no principal to check the signature for");
		goto out;
	}
	switch (sshsig_verify(&ss, data.ptr, data.size, allowed_signers, signers_len, email, &principals)) {
	case SSHSIG_VALID:
		v->valid = 1;
		break;
	case SSHSIG_INVALID:
		v->detail = xstrdup("the signature does not match the commit");
		break;
	case SSHSIG_UNKNOWN_KEY:
		if (principals.n)
			v->detail = xasprintf("key %s is listed for %s, not for %s", fp, principals.v[0], email);
		else
			v->detail = xasprintf("key %s is not in allowed_signers", fp);
		break;
	case SSHSIG_UNHANDLED:
		ret = verify_ssh_keygen(v, sig.ptr, sig.size, data.ptr, data.size, allowed_signers, signers_len, email);
		break;
	}
	if (v->valid)
		v->principal = xstrdup(email);
out:
	treqs_strv_free(&principals);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return ret;
}
