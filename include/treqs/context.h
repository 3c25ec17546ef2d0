/*
 * context.h - what every command that judges TRs needs, loaded once: the
 * repository, the trusted configuration and allowed_signers (both from
 * the protected branch, never from a branch under review), and the
 * protected branch's tip.
 */
#ifndef TREQS_CONTEXT_H
#define TREQS_CONTEXT_H

#include <git2.h>

#include "treqs/common.h"

struct treqs_config;
struct treqs_ledger;

struct treqs_ctx {
	git_repository *repo;       /* borrowed */
	struct treqs_config *cfg;   /* owned */
	char *protected_ref;        /* owned; NULL when the branch does not exist */
	git_oid protected_tip;
	int has_protected;
	struct treqs_buf signers;   /* allowed_signers text from the protected branch ("" if none) */
	struct treqs_diags diags;   /* problems in the trusted config */
	/* budgets (state.c): what each team spent, built on first need */
	struct treqs_ledger *ledger;
	int building_ledger;
};

/* Loads the context for repo.  Never fails for missing files (defaults). */
int treqs_ctx_open(struct treqs_ctx **out, git_repository *repo);
void treqs_ctx_free(struct treqs_ctx *ctx);

#endif
