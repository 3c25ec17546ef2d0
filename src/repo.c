/*
 * repo.c - git access through libgit2.
 */
#define _GNU_SOURCE
#include "treqs/repo.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "treqs/config.h"
#include "treqs/run.h"
#include "treqs/sign.h"

void treqs_git_init(void)
{
	static int done;

	if (!done) {
		git_libgit2_init();
		/*
		 * As git does, trust the object store's own integrity checks
		 * (index-pack verified what was pushed) instead of hashing every
		 * object again on each read: half of `treqs list`'s time.
		 */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		/*
		 * Keep big trees (.treqs/requests of a busy repository) in the
		 * object cache: every TR branch's history reads its base's copy
		 * again.  The cache stays small.
		 */
		git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)2 << 20);
		git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)6 << 20);
		done = 1;
	}
}

int treqs_repo_open(git_repository **out, int from_env)
{
	int err;

	treqs_git_init();
	/*
	 * As git does: GIT_DIR, GIT_WORK_TREE, GIT_CEILING_DIRECTORIES and, in
	 * hooks, the quarantined object directories, else a search upwards
	 * from the current directory.
	 */
	(void)from_env;
	err = git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (err == GIT_ENOTFOUND)
		return treqs_error(TREQS_ENOTFOUND, "not a git repository (or any of the parent directories)");
	if (err < 0)
		return treqs_error_git(err, "unable to open the repository");
	return 0;
}

int treqs_repo_resolve(git_oid *out, git_repository *repo, const char *spec)
{
	git_object *obj = NULL;
	git_reference *ref = NULL;
	int err;

	if (git_oid_fromstr(out, spec) == 0 && strlen(spec) == GIT_OID_HEXSZ)
		return 0;
	err = git_reference_dwim(&ref, repo, spec);
	if (err == 0)
		err = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
	if (err == GIT_ENOTFOUND || err == GIT_EINVALIDSPEC) {
		git_reference_free(ref);
		return treqs_error(TREQS_ENOTFOUND, "'%s' is not a branch, ref or commit", spec);
	}
	if (err < 0) {
		git_reference_free(ref);
		return treqs_error_git(err, "unable to resolve '%s'", spec);
	}
	git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	git_reference_free(ref);
	return 0;
}

int treqs_repo_read_blob(struct treqs_buf *out, git_repository *repo, const git_oid *id, size_t max)
{
	git_blob *blob = NULL;
	int err;
	git_object_size_t size;

	if ((err = git_blob_lookup(&blob, repo, id)) < 0)
		return treqs_error_git(err, "unable to read blob %s", git_oid_tostr_s(id));
	size = git_blob_rawsize(blob);
	if (max && size > max) {
		git_blob_free(blob);
		return treqs_error(TREQS_EINVALID, "blob %s is %ju bytes, more than the %zu allowed",
				   git_oid_tostr_s(id), (uintmax_t)size, max);
	}
	treqs_buf_clear(out);
	treqs_buf_put(out, git_blob_rawcontent(blob), (size_t)size);
	git_blob_free(blob);
	return 0;
}

int treqs_repo_read(struct treqs_buf *out, git_oid *blob_id, git_repository *repo, const char *spec,
		    const char *path)
{
	git_oid cid;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	int err, ret;

	if ((ret = treqs_repo_resolve(&cid, repo, spec)) < 0)
		return ret;
	if ((err = git_commit_lookup(&commit, repo, &cid)) < 0 || (err = git_commit_tree(&tree, commit)) < 0) {
		ret = treqs_error_git(err, "unable to read '%s'", spec);
		goto out;
	}
	err = git_tree_entry_bypath(&entry, tree, path);
	if (err == GIT_ENOTFOUND) {
		ret = treqs_error(TREQS_ENOTFOUND, "'%s' has no '%s'", spec, path);
		goto out;
	}
	if (err < 0) {
		ret = treqs_error_git(err, "unable to read '%s:%s'", spec, path);
		goto out;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		ret = treqs_error(TREQS_EINVALID, "'%s:%s' is not a file", spec, path);
		goto out;
	}
	if (blob_id)
		git_oid_cpy(blob_id, git_tree_entry_id(entry));
	ret = treqs_repo_read_blob(out, repo, git_tree_entry_id(entry), 16 << 20);
out:
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	return ret;
}

int treqs_repo_ref_get(git_oid *out, git_repository *repo, const char *refname)
{
	git_reference *ref = NULL;
	git_object *obj = NULL;
	int err = git_reference_lookup(&ref, repo, refname);

	if (err < 0)
		return 0;
	if (git_reference_peel(&obj, ref, GIT_OBJECT_ANY) < 0) {
		git_reference_free(ref);
		return 0;
	}
	if (out)
		git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	git_reference_free(ref);
	return 1;
}

int treqs_repo_protected_ref(char **out, git_repository *repo, const struct treqs_config *cfg)
{
	/*
	 * In a clone the remote's branch is what the server trusts; a local
	 * branch may be stale (fetched, not pulled) or ahead (not pushed).
	 */
	char *name = xasprintf("refs/remotes/%s/%s", cfg->remote, cfg->protected_branch);

	/* a server's own branches are the truth; anything under refs/remotes there was pushed by someone */
	if (!git_repository_is_bare(repo) && treqs_repo_ref_get(NULL, repo, name)) {
		*out = name;
		return 0;
	}
	free(name);
	name = xasprintf("refs/heads/%s", cfg->protected_branch);
	if (treqs_repo_ref_get(NULL, repo, name)) {
		*out = name;
		return 0;
	}
	free(name);
	*out = NULL;
	return treqs_error(TREQS_ENOTFOUND, "the protected branch '%s' does not exist", cfg->protected_branch);
}

static int load_config_at(struct treqs_config **out, git_repository *repo, const char *ref,
			  struct treqs_diags *diags)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	struct treqs_diags local = TREQS_DIAGS_INIT;
	char *where;
	int ret;

	ret = treqs_repo_read(&b, NULL, repo, ref, TREQS_CONFIG_PATH);
	if (ret < 0) {
		treqs_buf_free(&b);
		return ret;
	}
	where = xasprintf("%s:%s", ref, TREQS_CONFIG_PATH);
	ret = treqs_config_parse(out, treqs_buf_cstr(&b), b.len, where, diags ? diags : &local);
	free(where);
	treqs_diags_free(&local);
	treqs_buf_free(&b);
	return ret == TREQS_EINVALID ? 0 : ret; /* problems are in diags; defaults fill in */
}

int treqs_config_load_repo(struct treqs_config **out, git_repository *repo, struct treqs_diags *diags)
{
	static const char *const first[] = {"refs/remotes/origin/main", "refs/heads/main", "HEAD"};
	struct treqs_config *cfg = NULL;
	const char *found = NULL;
	char *protected = NULL;
	size_t i;

	*out = NULL;
	/* The protected branch is named in the config, which lives on it. */
	for (i = 0; i < TREQS_ARRAY_SIZE(first) && !found; i++) {
		if (git_repository_is_bare(repo) && !strncmp(first[i], "refs/remotes/", 13))
			continue;
		if (load_config_at(&cfg, repo, first[i], NULL) == 0)
			found = first[i];
	}
	if (cfg) {
		const char *from = found;

		if (treqs_repo_protected_ref(&protected, repo, cfg) == 0)
			from = protected;
		treqs_config_free(cfg);
		cfg = NULL;
		if (load_config_at(&cfg, repo, from, diags) < 0 && from != found)
			load_config_at(&cfg, repo, found, diags);
		free(protected);
	}
	if (!cfg && git_repository_workdir(repo)) {
		struct treqs_buf b = TREQS_BUF_INIT;
		char *path = xasprintf("%s%s", git_repository_workdir(repo), TREQS_CONFIG_PATH);
		struct treqs_diags local = TREQS_DIAGS_INIT;

		if (treqs_read_file(&b, path, TREQS_CONFIG_MAX_BYTES) == 0)
			treqs_config_parse(&cfg, treqs_buf_cstr(&b), b.len, TREQS_CONFIG_PATH, diags ? diags : &local);
		treqs_diags_free(&local);
		treqs_buf_free(&b);
		free(path);
	}
	if (!cfg)
		cfg = treqs_config_new_default();
	treqs_error_clear();
	*out = cfg;
	return 0;
}

int treqs_repo_config_string(char **out, git_repository *repo, const char *key)
{
	git_config *cfg = NULL, *snap = NULL;
	git_buf b = {0};
	int err;

	*out = NULL;
	if (repo)
		err = git_repository_config(&cfg, repo);
	else
		err = git_config_open_default(&cfg);
	if (err < 0)
		return treqs_error_git(err, "unable to read git's configuration");
	err = git_config_snapshot(&snap, cfg);
	if (err == 0)
		err = git_config_get_string_buf(&b, snap, key);
	git_config_free(snap);
	git_config_free(cfg);
	if (err == GIT_ENOTFOUND)
		return TREQS_ENOTFOUND;
	if (err < 0)
		return treqs_error_git(err, "unable to read '%s'", key);
	*out = xstrndup(b.ptr, b.size);
	git_buf_dispose(&b);
	return 0;
}

/* ---- identities ---- */

static int parse_tz(const char *s, int *minutes)
{
	int sign, h, m;

	while (*s == ' ')
		s++;
	if (!*s) {
		*minutes = 0;
		return 0;
	}
	if (*s == 'Z' && !s[1]) {
		*minutes = 0;
		return 0;
	}
	if ((*s != '+' && *s != '-') || !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
		return -1;
	sign = *s == '-' ? -1 : 1;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	s += 3;
	if (*s == ':')
		s++;
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2])
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	*minutes = sign * (h * 60 + m);
	return 0;
}

/* "@1112911993 +0000", "1112911993 +0000", "2005-04-07T22:13:13[Z|+0200]" */
static int parse_git_date(const char *s, git_time_t *when, int *offset)
{
	char *end;
	long long t;
	struct tm tm;

	if (*s == '@')
		s++;
	if (isdigit((unsigned char)*s)) {
		t = strtoll(s, &end, 10);
		if (*end == ' ' || !*end) {
			if (parse_tz(end, offset) < 0)
				return -1;
			*when = (git_time_t)t;
			return 0;
		}
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return -1;
	if (*end == 'T' || *end == ' ') {
		char *e2 = strptime(end + 1, "%H:%M:%S", &tm);
		if (!e2)
			return -1;
		end = e2;
	}
	if (parse_tz(end, offset) < 0)
		return -1;
	*when = (git_time_t)timegm(&tm) - (git_time_t)*offset * 60;
	return 0;
}

int treqs_signature(git_signature **out, git_repository *repo, int committer)
{
	const char *kind = committer ? "COMMITTER" : "AUTHOR";
	char var[32];
	char *name = NULL, *email = NULL;
	const char *env;
	git_time_t when;
	int offset = 0, err, ret = 0;

	snprintf(var, sizeof(var), "GIT_%s_NAME", kind);
	if ((env = getenv(var)) && *env)
		name = xstrdup(env);
	else if (treqs_repo_config_string(&name, repo, "user.name") < 0)
		name = NULL;
	snprintf(var, sizeof(var), "GIT_%s_EMAIL", kind);
	if ((env = getenv(var)) && *env)
		email = xstrdup(env);
	else if (treqs_repo_config_string(&email, repo, "user.email") < 0 && (env = getenv("EMAIL")) && *env)
		email = xstrdup(env);
	if (!name || !email) {
		ret = treqs_error(TREQS_EENV, "no identity: set it with git config user.name and user.email");
		goto out;
	}
	snprintf(var, sizeof(var), "GIT_%s_DATE", kind);
	if ((env = getenv(var)) && *env) {
		if (parse_git_date(env, &when, &offset) < 0) {
			ret = treqs_error(TREQS_EENV, "invalid date in %s: '%s'", var, env);
			goto out;
		}
		err = git_signature_new(out, name, email, when, offset);
	} else {
		err = git_signature_now(out, name, email);
	}
	if (err < 0)
		ret = treqs_error_git(err, "invalid identity '%s <%s>'", name, email);
out:
	free(name);
	free(email);
	return ret;
}

/* ---- writing commits ---- */

int treqs_repo_commit(git_oid *out, git_repository *repo, const struct treqs_commit_opts *opts,
		      const struct treqs_tree_change *changes, size_t nchanges, const char *message)
{
	git_commit *parents[2] = {NULL, NULL};
	size_t nparents = 0, i;
	git_tree *base = NULL, *tree = NULL;
	git_tree_update *ups = NULL;
	git_oid tree_id, *blob_ids = NULL;
	git_signature *author = NULL, *committer = NULL;
	git_buf content = {0};
	struct treqs_buf sig = TREQS_BUF_INIT;
	git_reference *ref = NULL;
	int err = 0, ret = 0;

	for (i = 0; i < 2; i++) {
		if (!opts->parents[i])
			continue;
		if ((err = git_commit_lookup(&parents[nparents], repo, opts->parents[i])) < 0) {
			ret = treqs_error_git(err, "unable to read commit %s", git_oid_tostr_s(opts->parents[i]));
			goto out;
		}
		nparents++;
	}
	if (opts->base_tree)
		err = git_tree_lookup(&base, repo, opts->base_tree);
	else if (nparents)
		err = git_commit_tree(&base, parents[0]);
	if (err < 0) {
		ret = treqs_error_git(err, "unable to read the base tree");
		goto out;
	}
	ups = xcalloc(nchanges + 1, sizeof(*ups));
	blob_ids = xcalloc(nchanges + 1, sizeof(*blob_ids));
	for (i = 0; i < nchanges; i++) {
		ups[i].path = changes[i].path;
		if (changes[i].data) {
			if ((err = git_blob_create_from_buffer(&blob_ids[i], repo, changes[i].data, changes[i].len)) < 0) {
				ret = treqs_error_git(err, "unable to write '%s'", changes[i].path);
				goto out;
			}
			ups[i].action = GIT_TREE_UPDATE_UPSERT;
			ups[i].filemode = GIT_FILEMODE_BLOB;
			git_oid_cpy(&ups[i].id, &blob_ids[i]);
		} else {
			ups[i].action = GIT_TREE_UPDATE_REMOVE;
		}
	}
	if (base) {
		err = git_tree_create_updated(&tree_id, repo, base, nchanges, ups);
	} else {
		/* no parent: build from an empty tree */
		git_treebuilder *tb = NULL;
		git_oid empty;
		git_tree *et = NULL;
		if ((err = git_treebuilder_new(&tb, repo, NULL)) == 0 && (err = git_treebuilder_write(&empty, tb)) == 0 &&
		    (err = git_tree_lookup(&et, repo, &empty)) == 0)
			err = git_tree_create_updated(&tree_id, repo, et, nchanges, ups);
		git_tree_free(et);
		git_treebuilder_free(tb);
	}
	if (err < 0) {
		ret = treqs_error_git(err, "unable to build the tree");
		goto out;
	}
	if ((err = git_tree_lookup(&tree, repo, &tree_id)) < 0) {
		ret = treqs_error_git(err, "unable to read the new tree");
		goto out;
	}
	if ((ret = treqs_signature(&author, repo, 0)) < 0 || (ret = treqs_signature(&committer, repo, 1)) < 0)
		goto out;
	if ((err = git_commit_create_buffer(&content, repo, author, committer, NULL, message, tree, nparents,
					    (const git_commit **)parents)) < 0) {
		ret = treqs_error_git(err, "unable to create the commit");
		goto out;
	}
	if (opts->sign) {
		if ((ret = treqs_sign(&sig, repo, content.ptr, content.size)) < 0)
			goto out;
		err = git_commit_create_with_signature(out, repo, content.ptr, treqs_buf_cstr(&sig), NULL);
	} else {
		err = git_commit_create_with_signature(out, repo, content.ptr, NULL, NULL);
	}
	if (err < 0) {
		ret = treqs_error_git(err, "unable to write the commit");
		goto out;
	}
	if (opts->update_ref && opts->refname) {
		if (opts->expected)
			err = git_reference_create_matching(&ref, repo, opts->refname, out, 1, opts->expected,
							    opts->reflog ? opts->reflog : "treqs");
		else
			err = git_reference_create(&ref, repo, opts->refname, out, 0, opts->reflog ? opts->reflog : "treqs");
		if (err == GIT_EMODIFIED || err == GIT_EEXISTS || err == GIT_ELOCKED)
			ret = treqs_error(TREQS_ECONFLICT, "'%s' was changed by someone else meanwhile", opts->refname);
		else if (err < 0)
			ret = treqs_error_git(err, "unable to update '%s'", opts->refname);
	}
out:
	git_reference_free(ref);
	git_buf_dispose(&content);
	treqs_buf_free(&sig);
	git_signature_free(author);
	git_signature_free(committer);
	git_tree_free(tree);
	git_tree_free(base);
	free(ups);
	free(blob_ids);
	for (i = 0; i < 2; i++)
		git_commit_free(parents[i]);
	return ret;
}

int treqs_repo_git(git_repository *repo, const char *const *args, struct treqs_buf *out, int *status)
{
	const char *argv[40];
	const char *dir = git_repository_workdir(repo) ? git_repository_workdir(repo) : git_repository_path(repo);
	struct treqs_cmd cmd;
	size_t n = 0, i;
	int ret;

	argv[n++] = "git";
	for (i = 0; args[i] && n < TREQS_ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.argv = argv;
	cmd.dir = dir;
	cmd.capture_out = cmd.capture_err = 1;
	ret = treqs_cmd_run(&cmd);
	if (out) {
		treqs_buf_put(out, cmd.out.ptr ? cmd.out.ptr : "", cmd.out.len);
		treqs_buf_put(out, cmd.err.ptr ? cmd.err.ptr : "", cmd.err.len);
	}
	if (status)
		*status = cmd.status;
	if (ret == 0 && cmd.status != 0) {
		struct treqs_buf *why = cmd.err.len ? &cmd.err : &cmd.out;
		while (why->len && (why->ptr[why->len - 1] == '\n' || why->ptr[why->len - 1] == ' '))
			why->ptr[--why->len] = '\0';
		ret = treqs_error(TREQS_EENV, "'git %s' failed (exit %d): %s", args[0], cmd.status, treqs_buf_cstr(why));
	}
	treqs_cmd_clear(&cmd);
	return ret;
}

int treqs_repo_push(git_repository *repo, const char *remote, const char *const *specs, size_t n,
		    struct treqs_buf *remote_msgs)
{
	const char *args[24];
	struct treqs_buf out = TREQS_BUF_INIT;
	size_t i, k = 0;
	const char *o, *p;
	int ret, status = 0;

	args[k++] = "push";
	args[k++] = "--porcelain";
	args[k++] = remote;
	for (i = 0; i < n && k < TREQS_ARRAY_SIZE(args) - 1; i++)
		args[k++] = specs[i];
	args[k] = NULL;
	ret = treqs_repo_git(repo, args, &out, &status);
	o = treqs_buf_cstr(&out);
	/* the server's own words ("remote: ...") are for the user */
	for (p = o; remote_msgs && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > 8 && !strncmp(p, "remote: ", 8)) {
			treqs_buf_put(remote_msgs, p, len);
			treqs_buf_putc(remote_msgs, '\n');
		}
		p = eol ? eol + 1 : p + len;
	}
	if (ret < 0) {
		if (strstr(o, "hook declined"))
			ret = treqs_error(TREQS_EINVALID, "%s refused the push (its hook said why, above)", remote);
		else if (strstr(o, "[rejected]") || strstr(o, "fetch first") || strstr(o, "non-fast-forward") ||
			 strstr(o, "already exists") || strstr(o, "stale info"))
			ret = treqs_error(TREQS_ECONFLICT, "%s has moved on: fetch, then try again", remote);
		else if (strstr(o, "[remote rejected]"))
			ret = treqs_error(TREQS_EINVALID, "%s refused the push", remote);
	}
	treqs_buf_free(&out);
	return ret;
}
