/*
 * review.c - treqs review ID (--approve | --request-changes | --reject |
 * --comment) [-m MSG] [--field PATH] [--line N] [--push], and its alias
 * treqs approve ID.
 *
 * A review is a signed commit on the TR's branch with trailers; when the
 * review satisfies the policy (or blocks it), the same commit writes the
 * new status into the TR file by a surgical edit.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/edit.h"
#include "treqs/history.h"
#include "treqs/notes.h"
#include "treqs/policy.h"
#include "treqs/repo.h"
#include "treqs/sign.h"
#include "treqs/state.h"
#include "treqs/tr.h"

static const struct cli_cmd_info review_info = {
	"review", "ID (--approve | --request-changes | --reject | --comment) [-m MSG] [--field PATH] [--line N] [--push]",
	"Records a review of a TR as a signed commit on its branch treqs/ID (created from the\n"
	"remote-tracking branch when missing; the checkout is not touched), with trailers\n"
	"TReqs-Id, TReqs-Action and TReqs-Digest (the content reviewed).  When the approval\n"
	"policy becomes satisfied, or a reviewer blocks it, the same commit updates the TR's\n"
	"status.  Approvals, requests for changes and rejections must be signed (git's\n"
	"gpg.format, user.signingkey); comments may be unsigned.  Adds the event to the note\n"
	"on the branch head (refs/notes/treqs).",
};

static const struct cli_cmd_info approve_info = {
	"approve", "ID [-m MSG] [--push]",
	"Approves a TR: the same as 'treqs review ID --approve'.",
};

static int push_notes(git_repository *repo, const struct treqs_config *cfg, const struct treqs_history *h)
{
	const char *spec[] = {TREQS_NOTES_REF ":" TREQS_NOTES_REF};
	int attempt, ret = 0;

	for (attempt = 0; attempt < 3; attempt++) {
		const char *fetch[] = {"fetch", "--quiet", cfg->remote, "+" TREQS_NOTES_REF ":" TREQS_NOTES_REF, NULL};
		struct treqs_buf err = TREQS_BUF_INIT;
		const char *args[] = {"push", "--quiet", cfg->remote, spec[0], NULL};

		ret = cli_git(repo, args, 1, &err);
		treqs_buf_free(&err);
		if (ret == 0)
			return 0;
		/* someone else's notes landed first: take theirs, put ours back, retry */
		cli_git(repo, fetch, 1, NULL);
		treqs_notes_sync(repo, h);
	}
	cli_warn("the review notes could not be pushed; they are rebuilt from the commits later");
	treqs_error_clear();
	return 0;
}

/* The review as a noun, for messages ("a approve" reads badly). */
static const char *action_noun(enum treqs_action a)
{
	switch (a) {
	case TREQS_ACT_APPROVE: return "an approval";
	case TREQS_ACT_REQUEST_CHANGES: return "a request for changes";
	case TREQS_ACT_REJECT: return "a rejection";
	default: return "a comment";
	}
}

/*
 * Whether email has a verified request-changes or reject in h: such a
 * reviewer may approve to withdraw it even after being dropped from the
 * TR's reviewers (policy.h), so treqs must not refuse to record it.
 */
static int has_objected(const struct treqs_history *h, const char *email)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if ((h->v[i].action == TREQS_ACT_REQUEST_CHANGES || h->v[i].action == TREQS_ACT_REJECT) &&
		    h->v[i].verify.valid && !strcasecmp(h->v[i].author_email, email))
			return 1;
	return 0;
}

/* Principal names allowed for me: my email must be a reviewer of this TR. */
static int is_reviewer(const struct treqs_config *cfg, const struct treqs_tr *tr, const char *email)
{
	struct treqs_strv r = TREQS_STRV_INIT;
	int ok;

	treqs_policy_reviewers(&r, cfg, tr);
	ok = treqs_strv_contains_ci(&r, email);
	treqs_strv_free(&r);
	return ok;
}

static void add_fake_event(struct treqs_history *h, enum treqs_action action, const char *email, const char *digest)
{
	struct treqs_event *e;

	xgrow(&h->v, &h->cap, h->n + 1, sizeof(*h->v));
	e = &h->v[h->n++];
	memset(e, 0, sizeof(*e));
	e->action = action;
	e->author_email = xstrdup(email);
	e->digest = xstrdup(digest);
	e->verify.valid = 1;
	e->verify.principal = xstrdup(email);
	e->verified_done = 1;
	e->time = (git_time_t)0x7fffffff;
}

static int do_review(const char *id, enum treqs_action action, const char *message, const char *field, long line,
		     int push)
{
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	struct treqs_buf text = TREQS_BUF_INIT, edited = TREQS_BUF_INIT, msg = TREQS_BUF_INIT;
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = NULL;
	struct treqs_history h;
	struct treqs_history_opts ho;
	struct treqs_policy_result pol;
	git_signature *me = NULL;
	git_oid head, blob, digest, commit;
	char dhex[GIT_OID_HEXSZ + 1], *path = NULL, *branch = NULL;
	enum treqs_state new_state;
	int ret, must_sign = action != TREQS_ACT_COMMENT, attempt;

	memset(&h, 0, sizeof(h));
	memset(&pol, 0, sizeof(pol));
	if ((ret = cli_open_repo(&repo)) < 0)
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	if ((ret = treqs_ctx_open(&ctx, repo)) < 0)
		goto fail;
	if (!treqs_tr_id_valid(id, ctx->cfg)) {
		ret = treqs_error(TREQS_EINVALID, "review: '%s' is not a TR id", id);
		goto fail;
	}
	if ((ret = treqs_signature(&me, repo, 0)) < 0)
		goto fail;
	if (must_sign && !treqs_sign_configured(repo)) {
		ret = treqs_error(TREQS_EENV, "review: %s must be signed; set up signing as for git: "
					      "git config gpg.format ssh && git config user.signingkey ~/.ssh/id_ed25519.pub",
				  action_noun(action));
		goto fail;
	}
	if ((ret = cli_tr_branch(&head, repo, ctx->cfg, id, 1)) < 0)
		goto fail;
	path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	branch = xasprintf("refs/heads/%s%s", TREQS_BRANCH_PREFIX, id);
	if ((ret = treqs_repo_read(&text, &blob, repo, git_oid_tostr_s(&head), path)) < 0)
		goto fail;
	treqs_tr_load(&tr, treqs_buf_cstr(&text), text.len, path, ctx->cfg, &diags);
	if (!tr || diags.nerrors) {
		treqs_diags_print(stderr, &diags);
		ret = treqs_error(TREQS_EINVALID, "review: %s is not valid; ask the submitter to fix it", id);
		goto fail;
	}
	if ((ret = treqs_digest(&digest, treqs_buf_cstr(&text), text.len)) < 0)
		goto fail;
	git_oid_tostr(dhex, sizeof(dhex), &digest);

	memset(&ho, 0, sizeof(ho));
	ho.head = &head;
	ho.hide = ctx->has_protected ? &ctx->protected_tip : NULL;
	ho.allowed_signers = treqs_buf_cstr(&ctx->signers);
	ho.allowed_signers_len = ctx->signers.len;
	if ((ret = treqs_history_load(&h, repo, id, &ho)) < 0)
		goto fail;

	if (action != TREQS_ACT_COMMENT) {
		size_t i;
		if (!is_reviewer(ctx->cfg, tr, me->email) &&
		    !(action == TREQS_ACT_APPROVE && has_objected(&h, me->email))) {
			ret = treqs_error(TREQS_EINVALID, "review: %s is not a reviewer of %s; %s by you would not count",
					  me->email, id, action_noun(action));
			goto fail;
		}
		if (tr->submitted_by && !strcasecmp(tr->submitted_by, me->email)) {
			ret = treqs_error(TREQS_EINVALID, "review: you (%s) submitted %s; you cannot review it yourself",
					  me->email, id);
			goto fail;
		}
		for (i = 0; i < h.n; i++)
			if ((h.v[i].action == TREQS_ACT_NEW || h.v[i].content_changed) &&
			    !strcasecmp(h.v[i].author_email, me->email)) {
				ret = treqs_error(TREQS_EINVALID,
						  "review: you (%s) wrote part of %s (commit %.7s); your review would not count",
						  me->email, id, git_oid_tostr_s(&h.v[i].commit));
				goto fail;
			}
	}

	/* what the state will be with this review, assuming its signature verifies */
	add_fake_event(&h, action, me->email, dhex);
	treqs_policy_eval(&pol, ctx->cfg, tr, dhex, &h);
	new_state = pol.state;
	treqs_policy_clear(&pol);
	treqs_history_clear(&h);

	for (attempt = 0; attempt < 2; attempt++) {
		struct treqs_commit_opts co;
		struct treqs_tree_change ch;
		size_t nch = 0;

		treqs_buf_clear(&msg);
		treqs_buf_printf(&msg, "%s: %s\n\n", id, treqs_action_name(action));
		if (message && *message)
			treqs_buf_printf(&msg, "%s\n\n", message);
		treqs_buf_printf(&msg, "TReqs-Id: %s\nTReqs-Action: %s\nTReqs-Digest: %s\n", id,
				 treqs_action_name(action), dhex);
		if (field)
			treqs_buf_printf(&msg, "TReqs-Field: %s\n", field);
		if (line > 0)
			treqs_buf_printf(&msg, "TReqs-Line: %ld\n", line);
		if (attempt == 0 && !treqs_status_agrees(tr->status, new_state)) {
			const char *word = new_state == TREQS_STATE_REVIEW ? "review" : treqs_state_name(new_state);
			if ((ret = treqs_edit_set_string(&edited, text.ptr, text.len, "status", word)) < 0)
				goto fail;
			ch.path = path;
			ch.data = edited.ptr;
			ch.len = edited.len;
			nch = 1;
		}
		memset(&co, 0, sizeof(co));
		co.refname = branch;
		co.update_ref = 0;
		co.parents[0] = &head;
		co.sign = must_sign || treqs_sign_configured(repo);
		if ((ret = treqs_repo_commit(&commit, repo, &co, &ch, nch, treqs_buf_cstr(&msg))) < 0)
			goto fail;
		/* check what we wrote: the state it now has must match the status it says */
		memset(&ho, 0, sizeof(ho));
		ho.head = &commit;
		ho.hide = ctx->has_protected ? &ctx->protected_tip : NULL;
		ho.allowed_signers = treqs_buf_cstr(&ctx->signers);
		ho.allowed_signers_len = ctx->signers.len;
		if ((ret = treqs_history_load(&h, repo, id, &ho)) < 0)
			goto fail;
		treqs_policy_eval(&pol, ctx->cfg, tr, dhex, &h);
		{
			/* the whole derivation, budgets included, as the server will judge it */
			struct treqs_status st2;
			if (treqs_state_derive_branch(&st2, ctx, id, &commit) == 0) {
				if (st2.state == TREQS_STATE_REVIEW && pol.state == TREQS_STATE_APPROVED) {
					size_t k;
					pol.state = TREQS_STATE_REVIEW;
					for (k = 0; k < st2.policy.notes.n; k++)
						if (!treqs_strv_contains(&pol.notes, st2.policy.notes.v[k]))
							treqs_strv_push(&pol.notes, st2.policy.notes.v[k]);
				}
				treqs_status_clear(&st2);
			}
			treqs_error_clear();
		}
		if (nch == 0 || pol.state == new_state)
			break;
		if (pol.state == TREQS_STATE_REVIEW && new_state == TREQS_STATE_APPROVED &&
		    h.n && h.v[h.n - 1].verify.valid)
			/* it verified: something else (a budget) holds the approval back */
			cli_warn("%s", pol.notes.n ? pol.notes.v[pol.notes.n - 1] : "the policy is not satisfied yet");
		else
			/* our own signature did not verify against allowed_signers: keep the status */
			cli_warn("your signature does not verify against %s on %s (%s); this review will not count",
				 TREQS_SIGNERS_PATH, ctx->cfg->protected_branch,
				 h.n && h.v[h.n - 1].verify.detail ? h.v[h.n - 1].verify.detail : "unknown key");
		new_state = pol.state;
		treqs_policy_clear(&pol);
		treqs_history_clear(&h);
	}
	{
		git_reference *ref = NULL;
		int err = git_reference_create_matching(&ref, repo, branch, &commit, 1, &head, "treqs review");
		git_reference_free(ref);
		if (err < 0) {
			ret = err == GIT_EMODIFIED ? treqs_error(TREQS_ECONFLICT, "%s moved meanwhile; run the review again", branch)
						   : treqs_error_git(err, "unable to update %s", branch);
			goto fail;
		}
	}
	if (treqs_notes_sync(repo, &h) < 0)
		cli_warn("%s", treqs_error_msg());
	if (push) {
		char *spec = xasprintf("%s:%s", branch, branch);
		const char *specs[] = {spec};
		ret = cli_push(repo, ctx->cfg, specs, 1);
		free(spec);
		if (ret == TREQS_EINVALID) {
			/* the server refused it: do not leave a refused review on the branch */
			git_reference *ref = NULL;
			if (git_reference_create_matching(&ref, repo, branch, &head, 1, &commit, "treqs review: refused") == 0)
				cli_warn("%s is back at %.7s; the refused review was not kept", branch,
					 git_oid_tostr_s(&head));
			git_reference_free(ref);
		}
		if (ret < 0)
			goto fail;
		push_notes(repo, ctx->cfg, &h);
	}
	printf("%s: %s by %s (commit %.7s); state: %s\n", id, treqs_action_name(action), me->email,
	       git_oid_tostr_s(&commit), treqs_state_name(pol.state));
	if (pol.state != TREQS_STATE_APPROVED && pol.notes.n && isatty(2)) {
		size_t i;
		for (i = 0; i < pol.notes.n; i++)
			fprintf(stderr, "  %s\n", pol.notes.v[i]);
	}
	ret = 0;
	goto out;
fail:
	ret = cli_fail(ret);
out:
	treqs_policy_clear(&pol);
	treqs_history_clear(&h);
	treqs_tr_free(tr);
	treqs_diags_free(&diags);
	treqs_buf_free(&text);
	treqs_buf_free(&edited);
	treqs_buf_free(&msg);
	git_signature_free(me);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	free(path);
	free(branch);
	return ret;
}

int cmd_review(int argc, char **argv)
{
	int approve = 0, changes = 0, reject = 0, comment = 0, push = 0, ret;
	const char *message = NULL, *field = NULL;
	long line = 0;
	struct cli_opt opts[] = {
		{"approve", 0, CLI_FLAG, &approve, NULL, "approve the TR's current content", 0},
		{"request-changes", 0, CLI_FLAG, &changes, NULL, "ask for changes (blocks approval until you approve)", 0},
		{"reject", 0, CLI_FLAG, &reject, NULL, "reject the TR", 0},
		{"comment", 0, CLI_FLAG, &comment, NULL, "comment without deciding", 0},
		{"message", 'm', CLI_STRING, &message, "MSG", "the review's message", 0},
		{"field", 0, CLI_STRING, &field, "PATH", "the field commented on (e.g. resources.hours)", 0},
		{"line", 0, CLI_INT, &line, "N", "the line commented on", 0},
		{"push", 0, CLI_FLAG, &push, NULL, "push the branch and the notes to the remote", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT;
	enum treqs_action action;

	if ((ret = cli_parse(argc, argv, &review_info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n != 1 || approve + changes + reject + comment != 1) {
		treqs_strv_free(&args);
		return cli_die(2, "review: give one TR id and one of --approve, --request-changes, --reject, --comment");
	}
	if (comment && (!message || !*message)) {
		treqs_strv_free(&args);
		return cli_die(2, "review: --comment needs -m MSG");
	}
	if (line < 0) {
		treqs_strv_free(&args);
		return cli_die(2, "review: --line must be a line number");
	}
	action = approve ? TREQS_ACT_APPROVE : changes ? TREQS_ACT_REQUEST_CHANGES : reject ? TREQS_ACT_REJECT
											: TREQS_ACT_COMMENT;
	ret = do_review(args.v[0], action, message, field, line, push);
	treqs_strv_free(&args);
	return ret;
}

int cmd_approve(int argc, char **argv)
{
	int push = 0, ret;
	const char *message = NULL;
	struct cli_opt opts[] = {
		{"message", 'm', CLI_STRING, &message, "MSG", "the approval's message", 0},
		{"push", 0, CLI_FLAG, &push, NULL, "push the branch and the notes to the remote", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT;

	if ((ret = cli_parse(argc, argv, &approve_info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n != 1) {
		treqs_strv_free(&args);
		return cli_die(2, "approve: give one TR id");
	}
	ret = do_review(args.v[0], TREQS_ACT_APPROVE, message, NULL, 0, push);
	treqs_strv_free(&args);
	return ret;
}
