/*
 * sign.c - signatures through the user's ssh-keygen or gpg, as git does.
 */
#include "treqs/sign.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

	if (!ok && !strcmp(fmt, "openpgp")) {
		/* as git: without user.signingkey, gpg signs as the committer */
		git_signature *who = NULL;
		if (treqs_signature(&who, repo, 1) == 0) {
			char *program = config_or(repo, "gpg.openpgp.program", NULL);
			const char *argv[5];
			struct treqs_cmd cmd;

			if (!program)
				program = config_or(repo, "gpg.program", "gpg");
			argv[0] = program;
			argv[1] = "--batch";
			argv[2] = "--list-secret-keys";
			argv[3] = who->email;
			argv[4] = NULL;
			memset(&cmd, 0, sizeof(cmd));
			cmd.argv = argv;
			cmd.capture_out = cmd.capture_err = 1;
			cmd.timeout = 30;
			ok = treqs_cmd_run(&cmd) == 0 && cmd.status == 0;
			treqs_cmd_clear(&cmd);
			free(program);
		}
		git_signature_free(who);
		treqs_error_clear();
	}
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

/* ---- OpenPGP ---- */

static struct {
	char *home;       /* the private GNUPGHOME, or NULL */
	struct treqs_buf keys;
} pgp;

static void pgp_cleanup(void)
{
	if (pgp.home) {
		treqs_rmtree(pgp.home);
		free(pgp.home);
		pgp.home = NULL;
	}
	treqs_buf_free(&pgp.keys);
}

static int gpg_run(struct treqs_cmd *cmd, const char *const *args, const char *in, size_t inlen)
{
	const char *argv[16];
	size_t n = 0, i;

	argv[n++] = "gpg";
	argv[n++] = "--homedir";
	argv[n++] = pgp.home;
	argv[n++] = "--batch";
	argv[n++] = "--no-tty";
	argv[n++] = "--quiet";
	for (i = 0; args[i] && n < TREQS_ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	memset(cmd, 0, sizeof(*cmd));
	cmd->argv = argv;
	cmd->in = in;
	cmd->inlen = inlen;
	cmd->capture_out = cmd->capture_err = 1;
	cmd->timeout = 60;
	return treqs_cmd_run(cmd);
}

int treqs_openpgp_trust(const char *armored, size_t len)
{
	static int registered;
	struct treqs_cmd cmd;
	const char *args[] = {"--import", NULL};
	int ret;

	if (pgp.home && pgp.keys.len == len && (!len || !memcmp(pgp.keys.ptr, armored, len)))
		return 0; /* the same keys: nothing to do */
	pgp_cleanup();
	if (!len)
		return 0;
	if (!registered) {
		atexit(pgp_cleanup);
		registered = 1;
	}
	if ((ret = treqs_tmpdir(&pgp.home)) < 0)
		return ret;
	treqs_buf_put(&pgp.keys, armored, len);
	if ((ret = gpg_run(&cmd, args, armored, len)) == 0 && cmd.status != 0)
		ret = treqs_error(TREQS_EENV, "gpg could not import %s: %s", TREQS_OPENPGP_KEYS_PATH, treqs_buf_cstr(&cmd.err));
	treqs_cmd_clear(&cmd);
	if (ret < 0)
		pgp_cleanup();
	return ret;
}

/*
 * The value after "[GNUPG:] KEY " in gpg's status output, up to the line's
 * end, from a line that starts so; caller frees.  *count (may be NULL)
 * receives how many such lines there are.  Only the start of a line counts:
 * gpg writes the signer's user id, which anyone can choose, into GOODSIG,
 * BADSIG and EXPKEYSIG lines, so "[GNUPG:] VALIDSIG <fingerprint>" inside a
 * user id would otherwise name another key.
 */
static char *status_line(const char *status, const char *key, int *count)
{
	size_t klen = strlen(key);
	const char *p, *end;
	char *v = NULL;
	int n = 0;

	for (p = status; *p; p = *end ? end + 1 : end) {
		const char *val;

		end = p + strcspn(p, "\n");
		if (strncmp(p, "[GNUPG:] ", 9) || strncmp(p + 9, key, klen))
			continue;
		val = p + 9 + klen;
		if (val != end && *val != ' ')
			continue; /* a longer keyword: EXPKEYSIG is not EXPSIG */
		if (val != end)
			val++;
		if (!n++)
			v = xstrndup(val, (size_t)(end - val));
	}
	if (count)
		*count = n;
	return v;
}

static int status_line_present(const char *status, const char *key)
{
	int n;

	free(status_line(status, key, &n));
	return n > 0;
}

/* Field n (1-based) of a space-separated status value, or NULL; caller frees. */
static char *status_field(const char *value, int n)
{
	const char *p = value;
	size_t len;

	for (; n > 1 && p; n--) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || !*p)
		return NULL;
	len = strcspn(p, " ");
	return len ? xstrndup(p, len) : NULL;
}

static int verify_openpgp(struct treqs_verify *v, const char *sig, size_t siglen, const char *data, size_t datalen,
			  const char *email)
{
	char *sigfile = NULL, *validsig = NULL, *goodsig = NULL, *primary = NULL, *signing = NULL, *keyid = NULL;
	struct treqs_cmd cmd;
	int ret = 0, nvalid = 0, ngood = 0, nbad = 0;
	size_t i;
	static const char *const bad[] = {"BADSIG", "ERRSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG", NULL};

	memset(&cmd, 0, sizeof(cmd));
	if (!pgp.home) {
		v->detail = xasprintf("signed with OpenPGP, but %s on the protected branch lists no OpenPGP keys",
				      TREQS_OPENPGP_KEYS_PATH);
		return 0;
	}
	sigfile = xasprintf("%s/sig.asc", pgp.home);
	if ((ret = treqs_write_file(sigfile, sig, siglen)) < 0)
		goto out;
	{
		const char *args[] = {"--status-fd", "1", "--verify", sigfile, "-", NULL};
		if ((ret = gpg_run(&cmd, args, data, datalen)) < 0)
			goto out;
	}
	validsig = status_line(treqs_buf_cstr(&cmd.out), "VALIDSIG", &nvalid);
	goodsig = status_line(treqs_buf_cstr(&cmd.out), "GOODSIG", &ngood);
	/* VALIDSIG <fpr> <date> <ts> <exp> <ver> <res> <pk> <hash> <class> <primary-fpr> */
	if (validsig) {
		signing = status_field(validsig, 1);
		primary = status_field(validsig, 10);
	}
	if (goodsig)
		keyid = status_field(goodsig, 1);
	/*
	 * Exactly one good signature, and nothing else: a second signature
	 * in the block, a bad, expired or revoked one, or a GOODSIG for
	 * another key than the VALIDSIG's does not count.
	 */
	for (i = 0; bad[i]; i++)
		nbad += status_line_present(treqs_buf_cstr(&cmd.out), bad[i]);
	if (cmd.status != 0 || nvalid != 1 || ngood != 1 || nbad || !primary || !signing || !keyid ||
	    strspn(primary, "0123456789ABCDEFabcdef") != strlen(primary) || strlen(keyid) > strlen(signing) ||
	    strcasecmp(signing + strlen(signing) - strlen(keyid), keyid)) {
		v->detail = xstrdup(status_line_present(treqs_buf_cstr(&cmd.out), "NO_PUBKEY")
					    ? "the OpenPGP key is not in " TREQS_OPENPGP_KEYS_PATH
					    : "the OpenPGP signature does not verify");
		goto out;
	}
	v->fingerprint = xasprintf("OPENPGP:%s", primary);
	treqs_cmd_clear(&cmd);
	{
		const char *args[] = {"--with-colons", "--list-keys", primary, NULL};
		char *text, *line, *save = NULL;
		if ((ret = gpg_run(&cmd, args, NULL, 0)) < 0)
			goto out;
		/* uid:<validity>:...:<user id> is field 10; the email is inside <...> */
		text = xstrdup(treqs_buf_cstr(&cmd.out));
		for (line = strtok_r(text, "\n", &save); line && email; line = strtok_r(NULL, "\n", &save)) {
			const char *f = line, *lt, *gt;
			int field;
			if (strncmp(line, "uid:", 4))
				continue;
			for (field = 1; field < 10 && f; field++) {
				f = strchr(f, ':');
				if (f)
					f++;
			}
			if (!f)
				continue;
			/* a user id its owner revoked names nobody any more */
			if (line[4] == 'r')
				continue;
			lt = strchr(f, '<');
			gt = lt ? strchr(lt, '>') : NULL;
			if (lt && gt && (size_t)(gt - lt - 1) == strlen(email) && !strncasecmp(lt + 1, email, strlen(email)))
				v->valid = 1;
		}
		free(text);
	}
	if (v->valid)
		v->principal = xstrdup(email);
	else
		v->detail = xasprintf("OpenPGP key %s has no user id for %s", primary, email ? email : "(nobody)");
out:
	treqs_cmd_clear(&cmd);
	if (sigfile)
		unlink(sigfile);
	free(sigfile);
	free(validsig);
	free(goodsig);
	free(primary);
	free(signing);
	free(keyid);
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
		ret = verify_openpgp(v, sig.ptr, sig.size, data.ptr, data.size, email);
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
