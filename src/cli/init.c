/*
 * init.c - treqs init: copy .treqs-template/ into .treqs/ and commit it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "treqs/repo.h"
#include "treqs/template.h"

static const struct cli_cmd_info info = {
	"init", "[--no-commit]",
	"Sets up treqs in the current git repository: copies the template (config.yaml,\n"
	"templates/default.yaml, allowed_signers) into .treqs/, commits it on the current\n"
	"branch, and configures the remotes so that git fetch and git push carry the\n"
	"review notes (refs/notes/treqs).  Run again, it changes nothing.",
};

static int mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			ret = treqs_error_errno(TREQS_EENV, "unable to create '%s'", p);
		*s = '/';
		if (ret)
			break;
	}
	free(p);
	return ret;
}

#define NOTES_FETCH "+" TREQS_NOTES_REF "*:" TREQS_NOTES_REF "*"
#define NOTES_PUSH TREQS_NOTES_REF "*:" TREQS_NOTES_REF "*"

static int has_refspec(git_strarray *a, const char *spec)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		if (!strcmp(a->strings[i], spec))
			return 1;
	return 0;
}

int cli_configure_notes(git_repository *repo)
{
	git_strarray remotes = {0};
	size_t i;
	int err;

	if ((err = git_remote_list(&remotes, repo)) < 0)
		return treqs_error_git(err, "unable to list remotes");
	for (i = 0; i < remotes.count; i++) {
		git_remote *r = NULL;
		git_strarray fetch = {0}, push = {0};

		if (git_remote_lookup(&r, repo, remotes.strings[i]) < 0)
			continue;
		/*
		 * Glob refspecs ("treqs*"), because git refuses to fetch a
		 * plain refspec whose ref the remote does not have yet.
		 */
		if (git_remote_get_fetch_refspecs(&fetch, r) == 0 && !has_refspec(&fetch, NOTES_FETCH))
			git_remote_add_fetch(repo, remotes.strings[i], NOTES_FETCH);
		if (git_remote_get_push_refspecs(&push, r) == 0) {
			/* a push refspec replaces git's default; keep pushing the current branch */
			if (!has_refspec(&push, "HEAD") && push.count == 0)
				git_remote_add_push(repo, remotes.strings[i], "HEAD");
			if (!has_refspec(&push, NOTES_PUSH))
				git_remote_add_push(repo, remotes.strings[i], NOTES_PUSH);
		}
		git_strarray_dispose(&fetch);
		git_strarray_dispose(&push);
		git_remote_free(r);
	}
	git_strarray_dispose(&remotes);
	return 0;
}

int cmd_init(int argc, char **argv)
{
	int no_commit = 0, ret, err;
	struct cli_opt opts[] = {
		{"no-commit", 0, CLI_FLAG, &no_commit, NULL, "write the files but do not commit them", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	git_repository *repo = NULL;
	git_reference *head = NULL;
	git_index *index = NULL;
	git_oid head_id, commit_id;
	const char *wd, *branch_ref = NULL;
	struct treqs_tree_change *changes = NULL;
	struct treqs_buf *contents = NULL;
	size_t n = 0, i, nfiles = 0;
	int unborn, exists_in_head = 0;
	char **paths = NULL;

	if ((ret = cli_parse(argc, argv, &info, opts, NULL)) != 0)
		return ret > 0 ? 0 : 2;
	if ((ret = cli_open_repo(&repo)) < 0)
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	if (!(wd = git_repository_workdir(repo))) {
		ret = cli_die(1, "init: this repository has no work tree");
		goto out;
	}

	unborn = git_repository_head_unborn(repo) == 1;
	if (!unborn) {
		struct treqs_buf b = TREQS_BUF_INIT;
		if (treqs_repo_read(&b, NULL, repo, "HEAD", ".treqs/config.yaml") == 0)
			exists_in_head = 1;
		treqs_buf_free(&b);
		treqs_repo_resolve(&head_id, repo, "HEAD");
	}
	if (exists_in_head) {
		cli_configure_notes(repo);
		printf("treqs is already set up in %s.treqs\n", wd);
		ret = 0;
		goto out;
	}

	for (nfiles = 0; treqs_template_files[nfiles].path; nfiles++)
		;
	changes = xcalloc(nfiles, sizeof(*changes));
	contents = xcalloc(nfiles, sizeof(*contents));
	paths = xcalloc(nfiles, sizeof(*paths));
	for (i = 0; i < nfiles; i++) {
		const struct treqs_template_file *t = &treqs_template_files[i];
		char *rel = xasprintf(".treqs/%s", t->path);
		char *abs = xasprintf("%s%s", wd, rel);

		/* keep what a person already wrote there */
		if (treqs_read_file(&contents[i], abs, 1 << 20) < 0) {
			treqs_buf_clear(&contents[i]);
			treqs_buf_put(&contents[i], t->data, t->len);
			if ((ret = mkdirs(abs)) < 0 ||
			    (ret = treqs_write_file(abs, contents[i].ptr, contents[i].len)) < 0) {
				free(abs);
				free(rel);
				ret = cli_fail(ret);
				goto out;
			}
		}
		free(abs);
		paths[n] = rel;
		changes[n].path = rel;
		changes[n].data = treqs_buf_cstr(&contents[i]);
		changes[n].len = contents[i].len;
		n++;
	}
	treqs_error_clear();
	if (no_commit) {
		printf("wrote %s.treqs (not committed)\n", wd);
		ret = 0;
		goto out;
	}

	/* commit on the current branch, leaving the rest of the index alone */
	if ((err = git_reference_lookup(&head, repo, "HEAD")) < 0) {
		ret = cli_fail(treqs_error_git(err, "unable to read HEAD"));
		goto out;
	}
	branch_ref = git_reference_symbolic_target(head);
	if (!branch_ref) {
		ret = cli_die(1, "init: HEAD is detached; check out a branch first");
		goto out;
	}
	{
		struct treqs_commit_opts co;
		memset(&co, 0, sizeof(co));
		co.refname = branch_ref;
		co.expected = unborn ? NULL : &head_id;
		co.update_ref = 1;
		co.parents[0] = unborn ? NULL : &head_id;
		co.reflog = "treqs init";
		if ((ret = treqs_repo_commit(&commit_id, repo, &co, changes, n,
					     "treqs: set up .treqs\n\nTReqs-Action: init\n")) < 0) {
			ret = cli_fail(ret);
			goto out;
		}
	}
	if (git_repository_index(&index, repo) == 0) {
		for (i = 0; i < n; i++)
			git_index_add_bypath(index, paths[i]);
		git_index_write(index);
	}
	cli_configure_notes(repo);
	printf("initialized treqs in %s.treqs (commit %.7s on %s)\n", wd, git_oid_tostr_s(&commit_id),
	       branch_ref + (strncmp(branch_ref, "refs/heads/", 11) ? 0 : 11));
	ret = 0;
out:
	for (i = 0; i < nfiles; i++) {
		if (contents)
			treqs_buf_free(&contents[i]);
		if (paths)
			free(paths[i]);
	}
	free(contents);
	free(paths);
	free(changes);
	git_index_free(index);
	git_reference_free(head);
	git_repository_free(repo);
	return ret;
}
