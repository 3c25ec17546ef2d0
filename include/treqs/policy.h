/*
 * policy.h - the approval policy (DESIGN section 5) applied to a TR's
 * history.
 *
 * An approval counts when all of these hold:
 *   - its commit carries TReqs-Action: approve and TReqs-Id: <the TR>;
 *   - its signature verifies against allowed_signers (from the protected
 *     branch) for the commit author's email;
 *   - that email is one of the TR's reviewers (its `reviewers`, else the
 *     config's default_reviewers, plus members of the policy's groups when
 *     the TR names none);
 *   - it is not the TR's submitter, nor anyone who wrote its content;
 *   - its TReqs-Digest is the TR's current content digest.
 * A request-changes or reject by a verified reviewer (of the TR now, or
 * of the content it was about: dropping the objector from `reviewers` does
 * not dismiss it) stays outstanding until the same person approves later
 * (that approval clears the objection; it counts as an approval only from
 * a reviewer of the TR now).  On top: approvals_required
 * distinct approvers, one from each required group, one more from the
 * cost_threshold group above its amount.  Budgets are checked across TRs
 * (state.c), not here.
 */
#ifndef TREQS_POLICY_H
#define TREQS_POLICY_H

#include "treqs/history.h"
#include "treqs/tr.h"

struct treqs_config;

struct treqs_approval {
	char *principal;
	char *fingerprint;
	git_oid commit;
	git_time_t time;
};

struct treqs_policy_result {
	enum treqs_state state;   /* REVIEW, APPROVED, CHANGES_REQUESTED or REJECTED */
	char *digest;             /* the current content digest (hex) */
	struct treqs_approval *approvals; /* the approvals that count */
	size_t napprovals;
	git_time_t approved_at;   /* time of the approval that satisfied the policy */
	struct treqs_strv notes;  /* why approvals did not count, what is missing */
	char *blocker;            /* who requested changes / rejected, when state says so */
};

/*
 * Evaluates the policy for tr (the file at the history's head, digest
 * its content digest) over h.  Never fails; the result is freed with
 * treqs_policy_clear().
 */
void treqs_policy_eval(struct treqs_policy_result *out, const struct treqs_config *cfg, const struct treqs_tr *tr,
		       const char *digest, const struct treqs_history *h);
void treqs_policy_clear(struct treqs_policy_result *r);

/*
 * What the TR is judged to cost, for cost_threshold and budgets: its
 * cost_estimate_usd, or the price catalog's gpu_count x hours x price when
 * that is more (the estimate is the submitter's own word).  0 when neither
 * is known.
 */
double treqs_policy_cost(const struct treqs_config *cfg, const struct treqs_tr *tr);

/* The reviewers of tr under cfg (the TR's list, else the defaults). */
void treqs_policy_reviewers(struct treqs_strv *out, const struct treqs_config *cfg, const struct treqs_tr *tr);

/*
 * Whether a status word written in the file agrees with the derived
 * state: "draft" and "review" (and their variants) both stand for an open
 * review; every other state must be written as itself.
 */
int treqs_status_agrees(enum treqs_state in_file, enum treqs_state derived);

#endif
