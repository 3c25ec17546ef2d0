/*
 * sign.c - signatures through the user's ssh-keygen or gpg, as git does.
 */
#include "treqs/sign.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "treqs/repo.h"
#include "treqs/run.h"

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

int treqs_signers_find(struct treqs_strv *out, const char *allowed_signers, size_t len, const char *sigfile)
{
	char *dir = NULL, *asfile = NULL;
	const char *argv[8];
	struct treqs_cmd cmd;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	if ((ret = treqs_tmpdir(&dir)) < 0)
		return ret;
	asfile = xasprintf("%s/allowed_signers", dir);
	if ((ret = treqs_write_file(asfile, allowed_signers, len)) < 0)
		goto out;
	argv[0] = "ssh-keygen";
	argv[1] = "-Y";
	argv[2] = "find-principals";
	argv[3] = "-f";
	argv[4] = asfile;
	argv[5] = "-s";
	argv[6] = sigfile;
	argv[7] = NULL;
	cmd.argv = argv;
	cmd.capture_out = cmd.capture_err = 1;
	if ((ret = treqs_cmd_run(&cmd)) < 0)
		goto out;
	if (cmd.status == 0) {
		char *save = NULL, *line;
		char *text = xstrdup(treqs_buf_cstr(&cmd.out));
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (*line)
				treqs_strv_push(out, line);
		free(text);
	}
out:
	treqs_cmd_clear(&cmd);
	treqs_rmtree(dir);
	free(dir);
	free(asfile);
	return ret;
}
