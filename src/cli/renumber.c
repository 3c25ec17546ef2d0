/*
 * renumber.c - treqs renumber ID: give a draft TR the next free id.
 *
 * Ids are allocated in each clone; two people who write a TR at the same
 * moment get the same one, and the second push is refused.  renumber
 * moves the second TR to a new id: a new branch treqs/NEW whose single
 * commit (on the protected branch) holds the same content with the id
 * changed by a surgical edit, and the old local branch removed.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/edit.h"
#include "treqs/repo.h"
#include "treqs/sign.h"
#include "treqs/tr.h"

static const struct cli_cmd_info info = {
	"renumber", "ID",
	"Gives a TR that is only on a local branch the next free id: writes the same\n"
	"content with the new id on a new branch treqs/NEW (from the protected branch) and\n"
	"deletes the local branch treqs/ID.  For the TR whose push was refused because\n"
	"someone else published the same id first.  Prints the new id.",
};

int cmd_renumber(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT;
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	struct treqs_catalog *cat = NULL;
	struct treqs_buf text = TREQS_BUF_INIT, edited = TREQS_BUF_INIT, msg = TREQS_BUF_INIT;
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = NULL;
	char *old_branch = NULL, *old_path = NULL, *id = NULL, *branch = NULL, *path = NULL, *remote = NULL;
	git_oid tip, base, commit, rtip;
	git_reference *ref = NULL;
	int ret, attempt, err;

	if ((ret = cli_parse(argc, argv, &info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n != 1) {
		treqs_strv_free(&args);
		return cli_die(2, "renumber: give one TR id");
	}
	if ((ret = cli_open_repo(&repo)) < 0) {
		treqs_strv_free(&args);
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	}
	if ((ret = treqs_ctx_open(&ctx, repo)) < 0)
		goto fail;
	if (!treqs_tr_id_valid(args.v[0], ctx->cfg)) {
		ret = treqs_error(TREQS_EINVALID, "renumber: '%s' is not a TR id", args.v[0]);
		goto fail;
	}
	old_branch = xasprintf("refs/heads/%s%s", TREQS_BRANCH_PREFIX, args.v[0]);
	old_path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, args.v[0]);
	if (!treqs_repo_ref_get(&tip, repo, old_branch)) {
		ret = treqs_error(TREQS_ENOTFOUND, "renumber: there is no local branch %s%s", TREQS_BRANCH_PREFIX,
				  args.v[0]);
		goto fail;
	}
	/* the remote's branch of that id must be someone else's, not this one published */
	remote = xasprintf("refs/remotes/%s/%s%s", ctx->cfg->remote, TREQS_BRANCH_PREFIX, args.v[0]);
	if (treqs_repo_ref_get(&rtip, repo, remote) &&
	    (git_oid_equal(&rtip, &tip) || git_graph_descendant_of(repo, &tip, &rtip) == 1 ||
	     git_graph_descendant_of(repo, &rtip, &tip) == 1)) {
		ret = treqs_error(TREQS_EINVALID, "renumber: %s is published on %s already; renumbering it would drop "
						  "its review", args.v[0], ctx->cfg->remote);
		goto fail;
	}
	if ((ret = treqs_repo_read(&text, NULL, repo, old_branch, old_path)) < 0)
		goto fail;
	if (!ctx->has_protected && treqs_repo_resolve(&base, repo, "HEAD") < 0) {
		ret = treqs_error(TREQS_EINVALID, "renumber: the repository has no commits");
		goto fail;
	}
	if (ctx->has_protected)
		git_oid_cpy(&base, &ctx->protected_tip);
	treqs_error_clear();

	for (attempt = 0; attempt < 20; attempt++) {
		struct treqs_commit_opts co;
		struct treqs_tree_change ch;

		if ((ret = treqs_catalog_scan(&cat, repo, ctx->cfg)) < 0)
			goto fail;
		free(id);
		id = treqs_tr_id_format(cat->max_number < 0 ? 1 : cat->max_number + 1 + attempt, ctx->cfg);
		treqs_catalog_free(cat);
		cat = NULL;
		if ((ret = treqs_edit_set_string(&edited, text.ptr, text.len, "id", id)) < 0)
			goto fail;
		free(path);
		path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
		treqs_diags_free(&diags);
		treqs_tr_free(tr);
		tr = NULL;
		if (treqs_tr_load(&tr, edited.ptr, edited.len, path, ctx->cfg, &diags) < 0 || !tr) {
			treqs_diags_print(stderr, &diags);
			ret = treqs_error(TREQS_EINVALID, "renumber: %s is not valid; fix it first", args.v[0]);
			goto fail;
		}
		free(branch);
		branch = xasprintf("refs/heads/%s%s", TREQS_BRANCH_PREFIX, id);
		treqs_buf_clear(&msg);
		treqs_buf_printf(&msg, "%s: %s\n\nRenumbered from %s, whose id was taken.\n\nTReqs-Id: %s\nTReqs-Action: new\n",
				 id, tr->title ? tr->title : "", args.v[0], id);
		memset(&co, 0, sizeof(co));
		co.refname = branch;
		co.update_ref = 1;
		co.parents[0] = &base;
		co.reflog = "treqs renumber";
		co.sign = treqs_sign_configured(repo);
		ch.path = path;
		ch.data = edited.ptr;
		ch.len = edited.len;
		ret = treqs_repo_commit(&commit, repo, &co, &ch, 1, treqs_buf_cstr(&msg));
		if (ret == TREQS_ECONFLICT)
			continue;
		if (ret < 0)
			goto fail;
		break;
	}
	if (ret < 0)
		goto fail;
	/* the old branch goes, unless it moved meanwhile */
	if ((err = git_reference_lookup(&ref, repo, old_branch)) == 0 && git_oid_equal(git_reference_target(ref), &tip))
		git_reference_delete(ref);
	treqs_error_clear();
	printf("%s\n", id);
	fprintf(stderr, "treqs: %s is now %s (branch %s%s); open its review with: treqs submit %s\n", args.v[0], id,
		TREQS_BRANCH_PREFIX, id, id);
	ret = 0;
	goto out;
fail:
	ret = cli_fail(ret);
out:
	git_reference_free(ref);
	treqs_tr_free(tr);
	treqs_diags_free(&diags);
	treqs_catalog_free(cat);
	treqs_buf_free(&text);
	treqs_buf_free(&edited);
	treqs_buf_free(&msg);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	treqs_strv_free(&args);
	free(old_branch);
	free(old_path);
	free(id);
	free(branch);
	free(path);
	free(remote);
	return ret;
}
