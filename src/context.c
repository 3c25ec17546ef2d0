/*
 * context.c - the trusted configuration of a repository.
 */
#include "treqs/context.h"

#include <stdlib.h>
#include <string.h>

#include "treqs/config.h"
#include "treqs/repo.h"
#include "treqs/sign.h"
#include "treqs/state.h"

int treqs_ctx_open(struct treqs_ctx **out, git_repository *repo)
{
	struct treqs_ctx *ctx = xcalloc(1, sizeof(*ctx));
	int ret;

	ctx->repo = repo;
	if ((ret = treqs_config_load_repo(&ctx->cfg, repo, &ctx->diags)) < 0) {
		treqs_ctx_free(ctx);
		return ret;
	}
	if (treqs_repo_protected_ref(&ctx->protected_ref, repo, ctx->cfg) == 0 &&
	    treqs_repo_resolve(&ctx->protected_tip, repo, ctx->protected_ref) == 0) {
		ctx->has_protected = 1;
		struct treqs_buf pgp = TREQS_BUF_INIT;

		if (treqs_repo_read(&ctx->signers, NULL, repo, ctx->protected_ref, TREQS_SIGNERS_PATH) < 0)
			treqs_buf_clear(&ctx->signers);
		/* OpenPGP reviewers' keys, when the team signs with gpg */
		if (treqs_repo_read(&pgp, NULL, repo, ctx->protected_ref, TREQS_OPENPGP_KEYS_PATH) == 0)
			treqs_openpgp_trust(pgp.ptr, pgp.len);
		else
			treqs_openpgp_trust("", 0);
		treqs_buf_free(&pgp);
	}
	treqs_buf_put(&ctx->signers, "", 0); /* never NULL */
	treqs_error_clear();
	*out = ctx;
	return 0;
}

void treqs_ctx_free(struct treqs_ctx *ctx)
{
	if (!ctx)
		return;
	treqs_ledger_free(ctx->ledger);
	treqs_config_free(ctx->cfg);
	free(ctx->protected_ref);
	treqs_buf_free(&ctx->signers);
	treqs_diags_free(&ctx->diags);
	free(ctx);
}
