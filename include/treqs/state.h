/*
 * state.h - the lifecycle state of a TR, derived from git (DESIGN section
 * 3).  State is a pure function of refs, commits and notes: every command
 * that shows or acts on a state (list, show, log, review, the hook, exec)
 * calls treqs_state_derive() and nothing else.
 *
 *   archived / failed / cancelled  the protected branch holds
 *                                  .treqs/archive/ID/ (outcome from result.json)
 *   running      approved, and the launch lock refs/treqs/locks/ID exists
 *   approved / changes-requested / rejected
 *                the policy (policy.h) over the TR branch's history;
 *                an approved TR of a team with a monthly budget
 *                (policy.budgets) stays in review when the team's spend in
 *                the month of its approval (actual costs of archived runs,
 *                estimates of approved ones, in order of approval) leaves
 *                no room for its estimate
 *   review       the TR branch is published (a remote-tracking branch, or
 *                a branch of a bare repository)
 *   draft        only a local branch has it
 */
#ifndef TREQS_STATE_H
#define TREQS_STATE_H

#include <git2.h>
#include <jansson.h>

#include "treqs/catalog.h"
#include "treqs/context.h"
#include "treqs/history.h"
#include "treqs/policy.h"
#include "treqs/tr.h"

struct treqs_status {
	enum treqs_state state;
	const struct treqs_loc *loc;   /* where the TR's content was read (in the entry) */
	struct treqs_tr *tr;           /* the file at loc; NULL when it is not YAML */
	struct treqs_diags diags;      /* problems in that file */
	char digest[GIT_OID_HEXSZ + 1];/* its content digest */
	int has_head;                  /* a TR branch was found */
	git_oid head;                  /* its tip */
	struct treqs_history history;  /* the TR branch's commits (when has_head) */
	struct treqs_policy_result policy;
	/* execution */
	int locked;                    /* refs/treqs/locks/ID holds the TR */
	int released;                  /* the lock exists but was given back (a failed launch) */
	git_oid lock;                  /* its commit */
	char *job;                     /* "driver:job-id" from the lock commit */
	char *outcome;                 /* archived: "succeeded", "failed", "cancelled" */
	json_t *result;                /* archived: result.json (owned), or NULL */
	char *submitter;               /* submitted_by, else the creating commit's author, or NULL */
	git_oid archive_commit;        /* archived: the commit of the protected branch holding it */
};

/*
 * Derives the review state of TR id from its branch tip head alone (no
 * catalog): the file at head, the history from head not reachable from the
 * protected branch, the policy, and the lock.  Used by the hook and exec.
 * Returns TREQS_ENOTFOUND when head has no file for id.
 */
int treqs_state_derive_branch(struct treqs_status *out, struct treqs_ctx *ctx, const char *id, const git_oid *head);

/* Derives the state of catalog entry e.  *out is cleared with treqs_status_clear(). */
int treqs_state_derive(struct treqs_status *out, struct treqs_ctx *ctx, const struct treqs_entry *e);
void treqs_status_clear(struct treqs_status *st);

/* Frees the budget ledger a context built (NULL is fine). */
void treqs_ledger_free(struct treqs_ledger *l);

/* The lock ref of id, in this repository or as fetched from the remote. */
int treqs_lock_lookup(git_oid *out, git_repository *repo, const struct treqs_config *cfg, const char *id);

#endif
