/*
 * submit.c - treqs submit [ID]: publish a TR branch, opening its review.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/repo.h"
#include "treqs/tr.h"

static const struct cli_cmd_info info = {
	"submit", "[ID]",
	"Opens the review of a TR: validates it and pushes its branch treqs/ID to the\n"
	"remote, whose hook checks it.  Without ID, the TR of the current branch.",
};

int cmd_submit(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT;
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	struct treqs_buf text = TREQS_BUF_INIT;
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = NULL;
	git_reference *head = NULL;
	char *id = NULL, *path = NULL, *branch = NULL, *spec = NULL;
	git_oid tip;
	int ret;

	if ((ret = cli_parse(argc, argv, &info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n > 1) {
		treqs_strv_free(&args);
		return cli_die(2, "submit: give at most one TR id");
	}
	if ((ret = cli_open_repo(&repo)) < 0) {
		treqs_strv_free(&args);
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	}
	if ((ret = treqs_ctx_open(&ctx, repo)) < 0)
		goto fail;
	if (args.n) {
		id = xstrdup(args.v[0]);
	} else if (git_repository_head(&head, repo) == 0 && git_reference_is_branch(head) &&
		   !strncmp(git_reference_shorthand(head), TREQS_BRANCH_PREFIX, strlen(TREQS_BRANCH_PREFIX))) {
		id = xstrdup(git_reference_shorthand(head) + strlen(TREQS_BRANCH_PREFIX));
	} else {
		treqs_error_clear();
		ret = cli_die(2, "submit: name the TR (the current branch is not a treqs/ID branch)");
		goto out;
	}
	if (!treqs_tr_id_valid(id, ctx->cfg)) {
		ret = treqs_error(TREQS_EINVALID, "submit: '%s' is not a TR id", id);
		goto fail;
	}
	branch = xasprintf("refs/heads/%s%s", TREQS_BRANCH_PREFIX, id);
	if (!treqs_repo_ref_get(&tip, repo, branch)) {
		ret = treqs_error(TREQS_ENOTFOUND, "submit: there is no local branch %s%s", TREQS_BRANCH_PREFIX, id);
		goto fail;
	}
	path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	if ((ret = treqs_repo_read(&text, NULL, repo, branch, path)) < 0)
		goto fail;
	treqs_tr_load(&tr, treqs_buf_cstr(&text), text.len, path, ctx->cfg, &diags);
	treqs_diags_print(stderr, &diags);
	if (!tr || diags.nerrors) {
		ret = treqs_error(TREQS_EINVALID, "submit: %s is not valid; nothing was pushed", id);
		goto fail;
	}
	spec = xasprintf("%s:%s", branch, branch);
	{
		const char *specs[] = {spec};
		if ((ret = cli_push(repo, ctx->cfg, specs, 1)) == TREQS_ECONFLICT) {
			/* the remote has a branch of that id with other commits */
			ret = treqs_error(TREQS_ECONFLICT,
					  "submit: %s has a %s%s branch you do not have; if someone else published a "
					  "TR with this id, give yours a new one: treqs renumber %s",
					  ctx->cfg->remote, TREQS_BRANCH_PREFIX, id, id);
			goto fail;
		}
		if (ret < 0)
			goto fail;
	}
	printf("%s: submitted for review on %s\n", id, ctx->cfg->remote);
	ret = 0;
	goto out;
fail:
	ret = cli_fail(ret);
out:
	git_reference_free(head);
	treqs_tr_free(tr);
	treqs_diags_free(&diags);
	treqs_buf_free(&text);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	treqs_strv_free(&args);
	free(id);
	free(path);
	free(branch);
	free(spec);
	return ret;
}
