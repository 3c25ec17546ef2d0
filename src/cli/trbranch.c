/*
 * trbranch.c - helpers shared by the commands that write to a TR's
 * branch and talk to the remote: the local branch treqs/<ID>, and running
 * git for the network (so that the user's credentials, ssh configuration
 * and remote hooks apply).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "treqs/config.h"
#include "treqs/repo.h"
#include "treqs/run.h"

int cli_git(git_repository *repo, const char *const *args, int quiet, struct treqs_buf *err_out)
{
	struct treqs_buf out = TREQS_BUF_INIT;
	int ret = treqs_repo_git(repo, args, &out, NULL);

	/* git's output is for people: keep it off our stdout */
	if (!quiet && out.len)
		fputs(treqs_buf_cstr(&out), stderr);
	if (err_out)
		treqs_buf_put(err_out, out.ptr ? out.ptr : "", out.len);
	treqs_buf_free(&out);
	return ret;
}

int cli_has_remote(git_repository *repo, const char *name)
{
	git_remote *r = NULL;
	int ok = git_remote_lookup(&r, repo, name) == 0;

	git_remote_free(r);
	treqs_error_clear();
	return ok;
}

int cli_tr_branch(git_oid *head, git_repository *repo, const struct treqs_config *cfg, const char *id, int create)
{
	char *local = xasprintf("refs/heads/%s%s", TREQS_BRANCH_PREFIX, id);
	char *remote = xasprintf("refs/remotes/%s/%s%s", cfg->remote, TREQS_BRANCH_PREFIX, id);
	git_oid l, r;
	int has_l = treqs_repo_ref_get(&l, repo, local), has_r = treqs_repo_ref_get(&r, repo, remote);
	git_reference *ref = NULL;
	int ret = 0, err;

	if (!has_l && !has_r) {
		ret = treqs_error(TREQS_ENOTFOUND, "no branch %s%s here or on %s (try git fetch)", TREQS_BRANCH_PREFIX, id,
				  cfg->remote);
		goto out;
	}
	if (!has_l) {
		if (!create) {
			git_oid_cpy(head, &r);
			goto out;
		}
		err = git_reference_create(&ref, repo, local, &r, 0, "treqs: branch from remote");
		if (err < 0) {
			ret = treqs_error_git(err, "unable to create %s", local);
			goto out;
		}
		git_oid_cpy(head, &r);
		goto out;
	}
	git_oid_cpy(head, &l);
	if (has_r && !git_oid_equal(&l, &r)) {
		if (git_graph_descendant_of(repo, &r, &l) == 1) {
			/* the remote is ahead (others reviewed): fast-forward */
			err = git_reference_create_matching(&ref, repo, local, &r, 1, &l, "treqs: fast-forward");
			if (err < 0) {
				ret = treqs_error_git(err, "unable to fast-forward %s", local);
				goto out;
			}
			git_oid_cpy(head, &r);
		} else if (git_graph_descendant_of(repo, &l, &r) != 1) {
			ret = treqs_error(TREQS_ECONFLICT,
					  "%s and %s have diverged; merge or rebase the branch before reviewing", local,
					  remote);
		}
	}
out:
	git_reference_free(ref);
	free(local);
	free(remote);
	return ret;
}

int cli_push(git_repository *repo, const struct treqs_config *cfg, const char *const *refspecs, size_t n)
{
	struct treqs_buf msgs = TREQS_BUF_INIT;
	int ret;

	if (!cli_has_remote(repo, cfg->remote))
		return treqs_error(TREQS_ENOTFOUND, "there is no remote '%s' to push to", cfg->remote);
	ret = treqs_repo_push(repo, cfg->remote, refspecs, n, &msgs);
	if (msgs.len)
		fputs(treqs_buf_cstr(&msgs), stderr);
	treqs_buf_free(&msgs);
	return ret;
}
