/*
 * state.c - deriving a TR's state from git.
 */
#include "treqs/state.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "treqs/config.h"
#include "treqs/repo.h"

int treqs_lock_lookup(git_oid *out, git_repository *repo, const struct treqs_config *cfg, const char *id)
{
	char *name = xasprintf("%s%s", TREQS_LOCKS_PREFIX, id);
	int found = treqs_repo_ref_get(out, repo, name);

	free(name);
	if (!found && !git_repository_is_bare(repo)) {
		/* exec fetches the remote's locks here (a server has only its own) */
		name = xasprintf("refs/remotes/%s/treqs-locks/%s", cfg->remote, id);
		found = treqs_repo_ref_get(out, repo, name);
		free(name);
	}
	return found;
}

static void load_file(struct treqs_status *st, struct treqs_ctx *ctx, const struct treqs_loc *l)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	git_oid d;

	if (treqs_repo_read_blob(&b, ctx->repo, &l->blob, TREQS_TR_MAX_BYTES) == 0) {
		char *where = xasprintf("%s:%s", l->ref, l->path);
		treqs_tr_load(&st->tr, treqs_buf_cstr(&b), b.len, where, ctx->cfg, &st->diags);
		free(where);
		if (treqs_digest_parsed(&d, treqs_buf_cstr(&b), b.len, st->tr ? st->tr->doc : NULL) == 0)
			git_oid_tostr(st->digest, sizeof(st->digest), &d);
	}
	treqs_error_clear();
	treqs_buf_free(&b);
}

static void archive_outcome(struct treqs_status *st, struct treqs_ctx *ctx, const struct treqs_loc *l, const char *id)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *path = xasprintf("%s/%s/result.json", TREQS_ARCHIVE_DIR, id);
	json_t *j = NULL;
	const char *o;

	st->state = TREQS_STATE_ARCHIVED;
	git_oid_cpy(&st->archive_commit, &l->commit);
	if (treqs_repo_read(&b, NULL, ctx->repo, git_oid_tostr_s(&l->commit), path) == 0 &&
	    (j = json_loadb(treqs_buf_cstr(&b), b.len, 0, NULL)) && (o = json_string_value(json_object_get(j, "outcome")))) {
		st->outcome = xstrdup(o);
		if (!strcmp(o, "failed"))
			st->state = TREQS_STATE_FAILED;
		else if (!strcmp(o, "cancelled"))
			st->state = TREQS_STATE_CANCELLED;
		st->result = json_incref(j);
		if (json_string_value(json_object_get(j, "job")))
			st->job = xstrdup(json_string_value(json_object_get(j, "job")));
	}
	treqs_error_clear();
	json_decref(j);
	free(path);
	treqs_buf_free(&b);
}

/* submitted_by, else (DESIGN section 2) the author of the commit that created the TR. */
static void set_submitter(struct treqs_status *st)
{
	size_t i;

	free(st->submitter);
	st->submitter = NULL;
	if (st->tr && st->tr->submitted_by) {
		st->submitter = xstrdup(st->tr->submitted_by);
		return;
	}
	for (i = 0; i < st->history.n; i++)
		if (st->history.v[i].action == TREQS_ACT_NEW || st->history.v[i].content_changed) {
			st->submitter = xstrdup(st->history.v[i].author_email);
			return;
		}
}

/*
 * An archived TR's story: the commits the archive commit brought in
 * through its second parent (the launch records, and through them the TR
 * branch), and the archive commit itself.
 */
static int archived_history(struct treqs_status *st, struct treqs_ctx *ctx, const char *id)
{
	struct treqs_history_opts ho;
	git_commit *a = NULL, *c = NULL;
	git_oid cur, hide;
	char *path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	int ret = 0, found = 0;

	/* find the commit on the protected branch that added the archive */
	git_oid_cpy(&cur, &st->archive_commit);
	while (git_commit_lookup(&c, ctx->repo, &cur) == 0) {
		char *tid = treqs_trailer_get(git_commit_message(c), "TReqs-Id");
		int match = tid && !strcmp(tid, id) && git_commit_parentcount(c) == 2;
		free(tid);
		if (match) {
			a = c;
			found = 1;
			break;
		}
		if (git_commit_parentcount(c) == 0)
			break;
		git_oid_cpy(&cur, git_commit_parent_id(c, 0));
		git_commit_free(c);
		c = NULL;
	}
	if (!found) {
		git_commit_free(c);
		free(path);
		return 0;
	}
	git_oid_cpy(&hide, git_commit_parent_id(a, 0));
	memset(&ho, 0, sizeof(ho));
	ho.head = git_commit_id(a);
	ho.hide = &hide;
	ho.path = path;
	ho.allowed_signers = treqs_buf_cstr(&ctx->signers);
	ho.allowed_signers_len = ctx->signers.len;
	git_oid_cpy(&st->head, git_commit_id(a));
	st->has_head = 1;
	if ((ret = treqs_history_load(&st->history, ctx->repo, id, &ho)) == 0) {
		struct treqs_policy_result p;
		const char *digest = NULL;
		size_t i;
		/* the approvals that let it run: the content the lock named */
		for (i = 0; i < st->history.n; i++)
			if (st->history.v[i].action == TREQS_ACT_LAUNCH && st->history.v[i].digest)
				digest = st->history.v[i].digest;
		treqs_policy_eval(&p, ctx->cfg, st->tr, digest ? digest : st->digest, &st->history);
		st->policy = p;
		set_submitter(st);
		/* the archive holds what is true now; the policy's state is history */
		treqs_strv_free(&st->policy.notes);
	}
	git_commit_free(a);
	free(path);
	return ret;
}

/* The lock commit's TReqs-Job. */
static void lock_job(struct treqs_status *st, struct treqs_ctx *ctx)
{
	git_commit *c = NULL;

	if (git_commit_lookup(&c, ctx->repo, &st->lock) == 0)
		st->job = treqs_trailer_get(git_commit_message(c), "TReqs-Job");
	git_commit_free(c);
}

/* The policy over the TR branch that ends at head. */
static int review_state(struct treqs_status *st, struct treqs_ctx *ctx, const char *id, const git_oid *head,
			const git_oid *head_blob)
{
	struct treqs_history_opts ho;
	int ret;

	memset(&ho, 0, sizeof(ho));
	ho.head_blob = head_blob;
	st->has_head = 1;
	git_oid_cpy(&st->head, head);
	ho.head = &st->head;
	ho.hide = ctx->has_protected ? &ctx->protected_tip : NULL;
	ho.allowed_signers = treqs_buf_cstr(&ctx->signers);
	ho.allowed_signers_len = ctx->signers.len;
	if ((ret = treqs_history_load(&st->history, ctx->repo, id, &ho)) < 0)
		return ret;
	treqs_policy_eval(&st->policy, ctx->cfg, st->tr, st->digest, &st->history);
	if (st->policy.state != TREQS_STATE_REVIEW)
		st->state = st->policy.state;
	set_submitter(st);
	return 0;
}

/* ---- budgets ---- */

struct ledger_item {
	char *id, *team;
	long month;        /* year * 100 + month, UTC */
	git_time_t when;   /* approval time */
	double amount;     /* actual cost when archived, else the estimate */
};

struct treqs_ledger {
	struct ledger_item *v;
	size_t n, cap;
};

void treqs_ledger_free(struct treqs_ledger *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].id);
		free(l->v[i].team);
	}
	free(l->v);
	free(l);
}

static long month_of(git_time_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	return (long)(tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

static const struct treqs_budget *budget_of(const struct treqs_config *cfg, const char *team)
{
	size_t i;

	for (i = 0; team && i < cfg->nbudgets; i++)
		if (!strcmp(cfg->budgets[i].team, team))
			return &cfg->budgets[i];
	return NULL;
}

static double archived_cost(struct treqs_ctx *ctx, const struct treqs_status *st, const char *id)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *path = xasprintf("%s/%s/result.json", TREQS_ARCHIVE_DIR, id);
	json_t *j = NULL, *c;
	double v = treqs_policy_cost(ctx->cfg, st->tr);

	if (treqs_repo_read(&b, NULL, ctx->repo, git_oid_tostr_s(&st->archive_commit), path) == 0 &&
	    (j = json_loadb(treqs_buf_cstr(&b), b.len, 0, NULL)) && json_is_number(c = json_object_get(j, "cost_actual_usd")))
		v = json_number_value(c);
	treqs_error_clear();
	json_decref(j);
	treqs_buf_free(&b);
	free(path);
	return v;
}

/* Every TR of a team with a budget that was approved (or ran), from one scan. */
static int build_ledger(struct treqs_ctx *ctx)
{
	struct treqs_catalog *cat = NULL;
	size_t i;
	int ret;

	ctx->ledger = xcalloc(1, sizeof(*ctx->ledger));
	if ((ret = treqs_catalog_scan(&cat, ctx->repo, ctx->cfg)) < 0)
		return ret;
	ctx->building_ledger = 1;
	for (i = 0; i < cat->n; i++) {
		struct treqs_status st;
		struct ledger_item *it;

		if (treqs_state_derive(&st, ctx, &cat->v[i]) < 0) {
			treqs_error_clear();
			continue;
		}
		if (st.tr && budget_of(ctx->cfg, st.tr->team) &&
		    (st.state == TREQS_STATE_APPROVED || st.state == TREQS_STATE_RUNNING || st.state == TREQS_STATE_ARCHIVED ||
		     st.state == TREQS_STATE_FAILED || st.state == TREQS_STATE_CANCELLED)) {
			xgrow(&ctx->ledger->v, &ctx->ledger->cap, ctx->ledger->n + 1, sizeof(*ctx->ledger->v));
			it = &ctx->ledger->v[ctx->ledger->n++];
			it->id = xstrdup(cat->v[i].id);
			it->team = xstrdup(st.tr->team);
			it->when = st.policy.approved_at;
			it->month = month_of(it->when);
			it->amount = st.state == TREQS_STATE_APPROVED || st.state == TREQS_STATE_RUNNING
					     ? treqs_policy_cost(ctx->cfg, st.tr)
					     : archived_cost(ctx, &st, cat->v[i].id);
		}
		treqs_status_clear(&st);
	}
	ctx->building_ledger = 0;
	treqs_catalog_free(cat);
	return 0;
}

/* An approved TR over its team's monthly budget stays in review. */
static void apply_budget(struct treqs_status *st, struct treqs_ctx *ctx, const char *id)
{
	const struct treqs_budget *b;
	double spent = 0;
	long month;
	size_t i;

	if (st->state != TREQS_STATE_APPROVED || ctx->building_ledger || !st->tr ||
	    !(b = budget_of(ctx->cfg, st->tr->team)))
		return;
	if (!ctx->ledger && build_ledger(ctx) < 0) {
		treqs_error_clear();
		return;
	}
	month = month_of(st->policy.approved_at);
	for (i = 0; i < ctx->ledger->n; i++) {
		const struct ledger_item *it = &ctx->ledger->v[i];
		if (strcmp(it->team, st->tr->team) || it->month != month || !strcmp(it->id, id))
			continue;
		if (it->when < st->policy.approved_at || (it->when == st->policy.approved_at && strcmp(it->id, id) < 0))
			spent += it->amount;
	}
	if (spent + treqs_policy_cost(ctx->cfg, st->tr) > b->monthly_usd + 0.005) {
		st->state = TREQS_STATE_REVIEW;
		st->policy.state = TREQS_STATE_REVIEW;
		treqs_strv_push_owned(&st->policy.notes,
				      xasprintf("over the %s team's monthly budget: %.2f of %.2f USD already committed in "
						"%04ld-%02ld, and this TR's estimate is %.2f USD",
						st->tr->team, spent, b->monthly_usd, month / 100, month % 100,
						treqs_policy_cost(ctx->cfg, st->tr)));
	}
}

static void lock_state(struct treqs_status *st, struct treqs_ctx *ctx, const char *id)
{
	/* a TR that was launched stays launched: the budget is judged before, not after */
	if (st->state == TREQS_STATE_APPROVED && treqs_lock_lookup(&st->lock, ctx->repo, ctx->cfg, id)) {
		git_commit *c = NULL;
		char *act = NULL;

		if (git_commit_lookup(&c, ctx->repo, &st->lock) == 0)
			act = treqs_trailer_get(git_commit_message(c), "TReqs-Action");
		git_commit_free(c);
		if (act && !strcmp(act, "release")) {
			/* given back after a failed launch: approved again */
			st->released = 1;
			free(act);
		} else {
			free(act);
			st->locked = 1;
			st->state = TREQS_STATE_RUNNING;
			lock_job(st, ctx);
			return;
		}
	}
	apply_budget(st, ctx, id);
}

int treqs_state_derive(struct treqs_status *st, struct treqs_ctx *ctx, const struct treqs_entry *e)
{
	const struct treqs_loc *own_l = treqs_entry_at(e, TREQS_AT_OWN_LOCAL);
	const struct treqs_loc *own_r = treqs_entry_at(e, TREQS_AT_OWN_REMOTE);
	const struct treqs_loc *arch = treqs_entry_at(e, TREQS_AT_ARCHIVE);
	int published = 0;
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	st->loc = treqs_entry_best(ctx->repo, e);
	if (!st->loc)
		return treqs_error(TREQS_ENOTFOUND, "%s has no file", e->id);
	load_file(st, ctx, st->loc);
	if (arch) {
		archive_outcome(st, ctx, arch, e->id);
		return archived_history(st, ctx, e->id);
	}
	for (i = 0; i < e->nlocs; i++)
		if (e->locs[i].where == TREQS_AT_OWN_REMOTE || e->locs[i].where == TREQS_AT_OTHER_REMOTE ||
		    (e->locs[i].where == TREQS_AT_PROTECTED && !strncmp(e->locs[i].ref, "refs/remotes/", 13)))
			published = 1;
	if (git_repository_is_bare(ctx->repo))
		published = 1;
	st->state = published ? TREQS_STATE_REVIEW : TREQS_STATE_DRAFT;
	if (st->loc == own_l || st->loc == own_r) {
		if ((ret = review_state(st, ctx, e->id, &st->loc->commit, &st->loc->blob)) < 0)
			return ret;
	}
	lock_state(st, ctx, e->id);
	return 0;
}

int treqs_state_derive_branch(struct treqs_status *st, struct treqs_ctx *ctx, const char *id, const git_oid *head)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	git_oid blob, d;
	int ret;

	memset(st, 0, sizeof(*st));
	st->state = TREQS_STATE_REVIEW;
	ret = treqs_repo_read(&b, &blob, ctx->repo, git_oid_tostr_s(head), path);
	if (ret == 0) {
		treqs_tr_load(&st->tr, treqs_buf_cstr(&b), b.len, path, ctx->cfg, &st->diags);
		if ((ret = treqs_digest(&d, treqs_buf_cstr(&b), b.len)) == 0)
			git_oid_tostr(st->digest, sizeof(st->digest), &d);
	}
	if (ret == 0 && (ret = review_state(st, ctx, id, head, &blob)) == 0)
		lock_state(st, ctx, id);
	treqs_buf_free(&b);
	free(path);
	return ret;
}

void treqs_status_clear(struct treqs_status *st)
{
	treqs_tr_free(st->tr);
	treqs_diags_free(&st->diags);
	treqs_history_clear(&st->history);
	treqs_policy_clear(&st->policy);
	free(st->job);
	free(st->outcome);
	free(st->submitter);
	json_decref(st->result);
	memset(st, 0, sizeof(*st));
}
