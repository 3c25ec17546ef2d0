/*
 * policy.c - the approval policy.
 */
#include "treqs/policy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "treqs/config.h"

void treqs_policy_reviewers(struct treqs_strv *out, const struct treqs_config *cfg, const struct treqs_tr *tr)
{
	const struct treqs_strv *src = tr && tr->reviewers.n ? &tr->reviewers : &cfg->default_reviewers;
	size_t i;

	for (i = 0; i < src->n; i++)
		if (!treqs_strv_contains_ci(out, src->v[i]))
			treqs_strv_push(out, src->v[i]);
}

double treqs_policy_cost(const struct treqs_config *cfg, const struct treqs_tr *tr)
{
	double est, price, cat = 0;

	if (!tr)
		return 0;
	est = tr->cost > 0 ? tr->cost : 0;
	if (tr->gpu_type && tr->hours > 0 && (price = treqs_config_price(cfg, tr->gpu_type)) >= 0)
		cat = (double)tr->gpu_count * tr->hours * price;
	return est > cat ? est : cat;
}

int treqs_status_agrees(enum treqs_state in_file, enum treqs_state derived)
{
	int open_file = in_file == TREQS_STATE_DRAFT || in_file == TREQS_STATE_REVIEW;
	int open_derived = derived == TREQS_STATE_DRAFT || derived == TREQS_STATE_REVIEW;

	if (in_file == TREQS_STATE_UNKNOWN)
		return open_derived; /* no status written: fine while open */
	if (open_file || open_derived)
		return open_file && open_derived;
	return in_file == derived;
}

static int in_group(const struct treqs_config *cfg, const char *group, const char *email)
{
	const struct treqs_group *g = treqs_config_group(cfg, group);

	return g && treqs_strv_contains_ci(&g->members, email);
}

/*
 * Whether the author of a request-changes or reject was a reviewer: of the
 * TR as it is, or of the content the objection was about.  Dropping an
 * objector from `reviewers` must not dismiss the objection.
 */
static int objector_was_reviewer(const struct treqs_config *cfg, const struct treqs_strv *reviewers,
				 const struct treqs_event *e)
{
	const struct treqs_strv *then = e->reviewers.n ? &e->reviewers : &cfg->default_reviewers;

	return treqs_strv_contains_ci(reviewers, e->author_email) || treqs_strv_contains_ci(then, e->author_email);
}

static void short_id(char out[8], const git_oid *id)
{
	git_oid_tostr(out, 8, id);
}

void treqs_policy_eval(struct treqs_policy_result *out, const struct treqs_config *cfg, const struct treqs_tr *tr,
		       const char *digest, const struct treqs_history *h)
{
	struct treqs_strv reviewers = TREQS_STRV_INIT, authors = TREQS_STRV_INIT, approvers = TREQS_STRV_INIT;
	size_t i, j, need, cap = 0;
	const char *blocking = NULL;
	enum treqs_state block_state = TREQS_STATE_REVIEW;
	int groups_ok = 1, unsigned_content = 0;

	memset(out, 0, sizeof(*out));
	out->state = TREQS_STATE_REVIEW;
	out->digest = xstrdup(digest ? digest : "");
	treqs_policy_reviewers(&reviewers, cfg, tr);
	if (tr && tr->submitted_by)
		treqs_strv_push(&authors, tr->submitted_by);
	for (i = 0; i < h->n; i++) {
		const struct treqs_event *e = &h->v[i];
		char sid[8];

		if (!(e->action == TREQS_ACT_NEW || e->content_changed))
			continue;
		if (!treqs_strv_contains_ci(&authors, e->author_email))
			treqs_strv_push(&authors, e->author_email);
		/*
		 * An unsigned commit's author line is whatever its writer typed;
		 * with signed submissions required, only a verified one tells who
		 * wrote the content, and so who may not approve it.
		 */
		if (cfg->require_signed_submissions && !e->verify.valid) {
			short_id(sid, &e->commit);
			unsigned_content = 1;
			treqs_strv_push_owned(&out->notes,
					      xasprintf("commit %s changes the TR but is not signed by its author %s "
							"(policy.require_signed_submissions): %s",
							sid, e->author_email,
							e->verify.detail ? e->verify.detail : "its signature was not checked"));
		}
	}

	for (i = 0; i < h->n; i++) {
		const struct treqs_event *e = &h->v[i];
		char sid[8];
		int later_approve = 0;

		if (!treqs_action_is_review(e->action) || e->action == TREQS_ACT_COMMENT)
			continue;
		short_id(sid, &e->commit);
		if (!e->verify.valid) {
			treqs_strv_push_owned(&out->notes,
					      xasprintf("%s by %s (commit %s) does not count: %s", treqs_action_name(e->action),
							e->author_email, sid,
							e->verify.detail ? e->verify.detail : "its signature was not verified"));
			continue;
		}
		if (e->action == TREQS_ACT_APPROVE ? !treqs_strv_contains_ci(&reviewers, e->author_email)
						   : !objector_was_reviewer(cfg, &reviewers, e)) {
			treqs_strv_push_owned(&out->notes,
					      xasprintf("%s by %s (commit %s) does not count: %s is not a reviewer of %s",
							treqs_action_name(e->action), e->author_email, sid, e->author_email,
							h->id));
			continue;
		}
		if (e->action == TREQS_ACT_REQUEST_CHANGES || e->action == TREQS_ACT_REJECT) {
			for (j = i + 1; j < h->n; j++)
				if (h->v[j].action == TREQS_ACT_APPROVE && h->v[j].verify.valid &&
				    !strcasecmp(h->v[j].author_email, e->author_email))
					later_approve = 1;
			if (!later_approve) {
				blocking = e->author_email;
				block_state = e->action == TREQS_ACT_REJECT ? TREQS_STATE_REJECTED
									    : TREQS_STATE_CHANGES_REQUESTED;
			}
			continue;
		}
		/* an approval */
		if (treqs_strv_contains_ci(&authors, e->author_email)) {
			treqs_strv_push_owned(&out->notes,
					      xasprintf("approval by %s (commit %s) does not count: %s submitted or wrote this TR",
							e->author_email, sid, e->author_email));
			continue;
		}
		if (!e->digest || !digest || strcmp(e->digest, digest)) {
			treqs_strv_push_owned(&out->notes,
					      xasprintf("approval by %s (commit %s) does not count: it approved content %.7s, "
							"the TR is now %.7s (edited since)",
							e->author_email, sid, e->digest ? e->digest : "(none)",
							digest ? digest : "(none)"));
			continue;
		}
		if (treqs_strv_contains_ci(&approvers, e->author_email))
			continue;
		treqs_strv_push(&approvers, e->author_email);
		xgrow(&out->approvals, &cap, out->napprovals + 1, sizeof(*out->approvals));
		out->approvals[out->napprovals].principal = xstrdup(e->author_email);
		out->approvals[out->napprovals].fingerprint = xstrdup(e->verify.fingerprint ? e->verify.fingerprint : "");
		git_oid_cpy(&out->approvals[out->napprovals].commit, &e->commit);
		out->approvals[out->napprovals].time = e->time;
		out->napprovals++;
	}

	if (blocking) {
		out->state = block_state;
		out->blocker = xstrdup(blocking);
		treqs_strv_push_owned(&out->notes, xasprintf("%s %s and has not approved since", blocking,
							     block_state == TREQS_STATE_REJECTED ? "rejected it"
												 : "requested changes"));
		goto done;
	}
	need = cfg->approvals_required ? cfg->approvals_required : 1;
	if (cfg->cost_threshold_usd >= 0 && tr && treqs_policy_cost(cfg, tr) > cfg->cost_threshold_usd &&
	    cfg->cost_threshold_group) {
		int found = 0;
		need++;
		for (i = 0; i < out->napprovals; i++)
			if (in_group(cfg, cfg->cost_threshold_group, out->approvals[i].principal))
				found = 1;
		if (!found) {
			groups_ok = 0;
			treqs_strv_push_owned(&out->notes,
					      xasprintf("the estimate is above %.2f USD: an approval from group '%s' is needed",
							cfg->cost_threshold_usd, cfg->cost_threshold_group));
		}
	}
	for (i = 0; i < cfg->required_groups.n; i++) {
		int found = 0;
		for (j = 0; j < out->napprovals; j++)
			if (in_group(cfg, cfg->required_groups.v[i], out->approvals[j].principal))
				found = 1;
		if (!found) {
			groups_ok = 0;
			treqs_strv_push_owned(&out->notes, xasprintf("an approval from group '%s' is needed",
								     cfg->required_groups.v[i]));
		}
	}
	if (out->napprovals >= need && groups_ok && !unsigned_content) {
		out->state = TREQS_STATE_APPROVED;
		out->approved_at = out->approvals[out->napprovals - 1].time;
	} else if (out->napprovals < need) {
		struct treqs_buf names = TREQS_BUF_INIT;

		/* all of them: the first alone reads as if it were the only one */
		for (i = 0; i < reviewers.n; i++)
			treqs_buf_printf(&names, "%s%s", i ? ", " : "reviewers: ", reviewers.v[i]);
		treqs_strv_push_owned(&out->notes, xasprintf("%zu of %zu approval%s from reviewers (%s)", out->napprovals,
							     need, need == 1 ? "" : "s",
							     reviewers.n ? treqs_buf_cstr(&names) : "no reviewers are named"));
		treqs_buf_free(&names);
	}
done:
	treqs_strv_free(&reviewers);
	treqs_strv_free(&authors);
	treqs_strv_free(&approvers);
}

void treqs_policy_clear(struct treqs_policy_result *r)
{
	size_t i;

	for (i = 0; i < r->napprovals; i++) {
		free(r->approvals[i].principal);
		free(r->approvals[i].fingerprint);
	}
	free(r->approvals);
	free(r->digest);
	free(r->blocker);
	treqs_strv_free(&r->notes);
	memset(r, 0, sizeof(*r));
}
