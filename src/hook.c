/*
 * hook.c - the server's rules for a push (see hook.h), and installing the
 * hook scripts.
 */
#include "treqs/hook.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "treqs/config.h"
#include "treqs/history.h"
#include "treqs/policy.h"
#include "treqs/repo.h"
#include "treqs/sign.h"
#include "treqs/state.h"
#include "treqs/tr.h"

int treqs_hook_parse(struct treqs_hook_updates *out, const char *text, size_t len)
{
	char *copy = xstrndup(text, len), *save = NULL, *line;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char old[64], new[64], ref[4096];
		struct treqs_hook_update *u;

		if (!*line)
			continue;
		if (sscanf(line, "%63s %63s %4095s", old, new, ref) != 3 || strlen(old) != GIT_OID_HEXSZ ||
		    strlen(new) != GIT_OID_HEXSZ) {
			ret = treqs_error(TREQS_EINVALID, "malformed hook input line '%s'", line);
			break;
		}
		xgrow(&out->v, &out->cap, out->n + 1, sizeof(*out->v));
		u = &out->v[out->n];
		if (git_oid_fromstr(&u->old_id, old) < 0 || git_oid_fromstr(&u->new_id, new) < 0) {
			ret = treqs_error(TREQS_EINVALID, "malformed object id in '%s'", line);
			break;
		}
		u->ref = xstrdup(ref);
		out->n++;
	}
	free(copy);
	return ret;
}

void treqs_hook_updates_free(struct treqs_hook_updates *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		free(u->v[i].ref);
	free(u->v);
	memset(u, 0, sizeof(*u));
}

struct hc {
	struct treqs_ctx *ctx;
	git_repository *repo;
	const struct treqs_hook_updates *u;
	struct treqs_strv *problems;
	git_tree *protected_tree; /* the protected branch before the push; may be NULL */
	int err;                  /* a git failure, not a policy problem */
};

static void problem(struct hc *c, const char *fmt, ...) TREQS_PRINTF(2, 3);

static void problem(struct hc *c, const char *fmt, ...)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	treqs_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	treqs_strv_push_owned(c->problems, treqs_buf_detach(&b));
}

static char *short_oid(const git_oid *id)
{
	char s[8];

	git_oid_tostr(s, sizeof(s), id);
	return xstrdup(s);
}

/* The blob at path in the protected branch before the push; 0 if absent. */
static int protected_blob(struct hc *c, const char *path, git_oid *out)
{
	git_tree_entry *e = NULL;
	int found = 0;

	if (c->protected_tree && git_tree_entry_bypath(&e, c->protected_tree, path) == 0) {
		git_oid_cpy(out, git_tree_entry_id(e));
		found = 1;
	}
	git_tree_entry_free(e);
	return found;
}

static int is_archived(struct hc *c, const char *id)
{
	char *path = xasprintf("%s/%s/request.yaml", TREQS_ARCHIVE_DIR, id);
	git_oid b;
	int found = protected_blob(c, path, &b);

	free(path);
	return found;
}

struct change {
	char *path;
	git_oid id;      /* new blob, zero when deleted */
};

/* Paths whose content differs between commit and its first parent. */
static int changed_paths(struct hc *c, git_commit *commit, struct change **out, size_t *n)
{
	git_commit *parent = NULL;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	size_t i, cap = 0;
	int err;

	*out = NULL;
	*n = 0;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (git_commit_parentcount(commit) > 0 && (err = git_commit_parent(&parent, commit, 0)) < 0)
		return treqs_error_git(err, "unable to read a parent of %s", git_oid_tostr_s(git_commit_id(commit)));
	if ((parent && (err = git_commit_tree(&a, parent)) < 0) || (err = git_commit_tree(&b, commit)) < 0 ||
	    (err = git_diff_tree_to_tree(&diff, c->repo, a, b, &opts)) < 0) {
		git_commit_free(parent);
		git_tree_free(a);
		git_tree_free(b);
		return treqs_error_git(err, "unable to compare %s with its parent", git_oid_tostr_s(git_commit_id(commit)));
	}
	for (i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		struct change *ch;

		xgrow(out, &cap, *n + 1, sizeof(**out));
		ch = &(*out)[(*n)++];
		if (d->status == GIT_DELTA_DELETED) {
			ch->path = xstrdup(d->old_file.path);
			memset(&ch->id, 0, sizeof(ch->id));
		} else {
			ch->path = xstrdup(d->new_file.path);
			git_oid_cpy(&ch->id, &d->new_file.id);
		}
	}
	git_diff_free(diff);
	git_commit_free(parent);
	git_tree_free(a);
	git_tree_free(b);
	return 0;
}

static void free_changes(struct change *ch, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ch[i].path);
	free(ch);
}

/* Verifies commit's signature for its author against the trusted signers. */
static void verify(struct hc *c, const git_oid *id, const char *email, struct treqs_verify *v)
{
	if (treqs_verify_commit(v, c->repo, id, treqs_buf_cstr(&c->ctx->signers), c->ctx->signers.len, email) < 0)
		c->err = treqs_error_code();
}

typedef int (*commit_fn)(struct hc *c, git_commit *commit, void *data);

/* Calls fn for each commit reachable from new and not from old or hide. */
static int each_new_commit(struct hc *c, const git_oid *new_id, const git_oid *old, const git_oid *hide, commit_fn fn,
			   void *data)
{
	git_revwalk *w = NULL;
	git_oid oid;
	int err, ret = 0;

	if ((err = git_revwalk_new(&w, c->repo)) < 0)
		return treqs_error_git(err, "unable to walk the pushed commits");
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	if ((err = git_revwalk_push(w, new_id)) < 0 || (old && (err = git_revwalk_hide(w, old)) < 0) ||
	    (hide && (err = git_revwalk_hide(w, hide)) < 0)) {
		git_revwalk_free(w);
		return treqs_error_git(err, "unable to walk the pushed commits");
	}
	while ((err = git_revwalk_next(&oid, w)) == 0) {
		git_commit *commit = NULL;
		if ((err = git_commit_lookup(&commit, c->repo, &oid)) < 0) {
			ret = treqs_error_git(err, "unable to read pushed commit %s", git_oid_tostr_s(&oid));
			break;
		}
		ret = fn(c, commit, data);
		git_commit_free(commit);
		if (ret < 0)
			break;
	}
	if (!ret && err != GIT_ITEROVER)
		ret = treqs_error_git(err, "unable to walk the pushed commits");
	git_revwalk_free(w);
	return ret;
}

/* ---- TR branches ---- */

struct tr_push {
	const char *id;
	const char *ref;
	char *file;
};

static int check_tr_commit(struct hc *c, git_commit *commit, void *data)
{
	struct tr_push *t = data;
	const git_oid *oid = git_commit_id(commit);
	const char *msg = git_commit_message(commit);
	char *tid = treqs_trailer_get(msg, "TReqs-Id"), *act = treqs_trailer_get(msg, "TReqs-Action");
	char *sid = short_oid(oid);
	struct change *ch = NULL;
	size_t n = 0, i;
	int ret, changes_checked = 0;

	if ((ret = changed_paths(c, commit, &ch, &n)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		git_oid there;
		int present;

		if (!strcmp(ch[i].path, t->file)) {
			if (c->ctx->cfg->require_signed_submissions && !changes_checked) {
				/* who wrote the TR decides who may approve it: it must be provable */
				const git_signature *au = git_commit_author(commit);
				struct treqs_verify v;
				changes_checked = 1;
				verify(c, oid, au->email, &v);
				if (!v.valid)
					problem(c, "%s: commit %s changes %s but is not signed by its author %s "
						   "(policy.require_signed_submissions): %s",
						t->ref, sid, t->file, au->email, v.detail ? v.detail : "unknown reason");
				treqs_verify_clear(&v);
			}
			continue;
		}
		/* a merge from the protected branch may bring its files along */
		present = protected_blob(c, ch[i].path, &there);
		if (git_oid_is_zero(&ch[i].id) ? !present : present && git_oid_equal(&there, &ch[i].id))
			continue;
		problem(c, "%s: commit %s changes %s; a TR branch may change only %s", t->ref, sid, ch[i].path, t->file);
	}
	if (tid && strcmp(tid, t->id))
		problem(c, "%s: commit %s is about %s (TReqs-Id); it does not belong on this branch", t->ref, sid, tid);
	if (act && tid && !strcmp(tid, t->id)) {
		enum treqs_action a = treqs_action_parse(act);
		const git_signature *au = git_commit_author(commit);

		if (a == TREQS_ACT_LAUNCH || a == TREQS_ACT_ARCHIVE || a == TREQS_ACT_FAIL || a == TREQS_ACT_CANCEL) {
			problem(c, "%s: commit %s says TReqs-Action: %s, which only treqs exec writes, and not here", t->ref,
				sid, act);
		} else if (a == TREQS_ACT_UNKNOWN) {
			problem(c, "%s: commit %s has an unknown TReqs-Action '%s'", t->ref, sid, act);
		} else if (treqs_action_is_review(a) && a != TREQS_ACT_COMMENT) {
			/*
			 * Comments decide nothing, so they are kept signed or not:
			 * refusing one signed with a key that is not listed would
			 * only punish people whose git signs every commit (treqs
			 * log says which comments verify).
			 */
			struct treqs_verify v;
			verify(c, oid, au->email, &v);
			if (!v.valid)
				problem(c, "%s: commit %s: the %s by %s does not verify against %s on %s: %s", t->ref, sid,
					act, au->email, TREQS_SIGNERS_PATH, c->ctx->cfg->protected_branch,
					v.detail ? v.detail : "unknown reason");
			treqs_verify_clear(&v);
		}
	}
out:
	free_changes(ch, n);
	free(tid);
	free(act);
	free(sid);
	return ret;
}

/* Whether a verified approval in st's history named content edited since. */
static int approval_voided(const struct treqs_status *st)
{
	size_t i;

	for (i = 0; i < st->history.n; i++) {
		const struct treqs_event *e = &st->history.v[i];
		if (e->action == TREQS_ACT_APPROVE && e->verify.valid && e->digest && strcmp(e->digest, st->digest))
			return 1;
	}
	return 0;
}

static void check_tr_branch(struct hc *c, const struct treqs_hook_update *u, const char *id)
{
	struct tr_push t;
	struct treqs_status st;
	int old_zero = git_oid_is_zero(&u->old_id), ret;
	size_t i;

	if (!treqs_tr_id_valid(id, c->ctx->cfg)) {
		problem(c, "%s: '%s' is not a TR id (expected %s followed by %u or more digits)", u->ref, id,
			c->ctx->cfg->id_prefix, c->ctx->cfg->id_width);
		return;
	}
	if (git_oid_is_zero(&u->new_id)) {
		if (!is_archived(c, id))
			problem(c, "%s: deleting a review branch would erase its reviews; it stays until %s is archived",
				u->ref, id);
		return;
	}
	if (!old_zero && !git_oid_equal(&u->old_id, &u->new_id) &&
	    git_graph_descendant_of(c->repo, &u->new_id, &u->old_id) != 1) {
		problem(c, "%s: not a fast-forward: rewriting a TR branch would drop reviews already recorded on it",
			u->ref);
		return;
	}
	if (is_archived(c, id)) {
		problem(c, "%s: %s is already used: it is archived on %s", u->ref, id, c->ctx->cfg->protected_branch);
		return;
	}
	t.id = id;
	t.ref = u->ref;
	t.file = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	if ((ret = each_new_commit(c, &u->new_id, old_zero ? NULL : &u->old_id,
				   c->ctx->has_protected ? &c->ctx->protected_tip : NULL, check_tr_commit, &t)) < 0) {
		c->err = ret;
		free(t.file);
		return;
	}
	ret = treqs_state_derive_branch(&st, c->ctx, id, &u->new_id);
	if (ret == TREQS_ENOTFOUND) {
		problem(c, "%s: the branch has no %s", u->ref, t.file);
	} else if (ret < 0) {
		c->err = ret;
	} else {
		struct treqs_buf line = TREQS_BUF_INIT;

		for (i = 0; i < st.diags.n; i++) {
			if (st.diags.v[i].sev != TREQS_ERROR)
				continue;
			treqs_buf_clear(&line);
			treqs_diag_format(&line, &st.diags.v[i]);
			treqs_strv_push(c->problems, treqs_buf_cstr(&line));
		}
		if (st.tr && st.tr->id && strcmp(st.tr->id, id))
			problem(c, "%s: id: the file says '%s' but the branch is for %s", t.file, st.tr->id, id);
		if (st.tr && !st.diags.nerrors && !treqs_status_agrees(st.tr->status, st.state)) {
			const struct treqs_ynode *n = treqs_ymap_get(st.tr->doc->root, "status", NULL);
			treqs_buf_clear(&line);
			for (i = 0; i < st.policy.notes.n; i++)
				treqs_buf_printf(&line, "%s%s", i ? "; " : "", st.policy.notes.v[i]);
			problem(c, "%s:%u: status: the file says '%s' but %s is %s%s%s%s", t.file, n ? n->line : 1,
				st.tr->status_word ? st.tr->status_word : "(none)", id, treqs_state_name(st.state),
				line.len ? ": " : "", treqs_buf_cstr(&line),
				/* the hint only where an edit is what voided an approval */
				st.tr->status == TREQS_STATE_APPROVED && st.state == TREQS_STATE_REVIEW && approval_voided(&st)
					? " (an edit voids earlier approvals: write 'status: review' and ask for a new review)"
					: "");
		}
		treqs_buf_free(&line);
	}
	treqs_status_clear(&st);
	free(t.file);
}

/* ---- the protected branch ---- */

struct main_push {
	const char *ref;
	int bootstrap;
	git_tree *tip_tree; /* the branch as the push leaves it */
	struct change *made; /* treqs' paths as the pushed commits change them (judged) */
	size_t nmade, capmade;
};

/* The paths on the protected branch that only judged commits may change. */
static int guarded_path(const char *p)
{
	return !strcmp(p, TREQS_CONFIG_PATH) || !strcmp(p, TREQS_SIGNERS_PATH) || !strcmp(p, TREQS_OPENPGP_KEYS_PATH) ||
	       !strncmp(p, TREQS_REQUESTS_DIR "/", strlen(TREQS_REQUESTS_DIR "/")) ||
	       !strncmp(p, TREQS_ARCHIVE_DIR "/", strlen(TREQS_ARCHIVE_DIR "/"));
}

/* Whether the first parent of commit holds path. */
static int parent_has(git_commit *commit, const char *path)
{
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int found;

	found = git_commit_parentcount(commit) > 0 && git_commit_parent(&parent, commit, 0) == 0 &&
		git_commit_tree(&tree, parent) == 0 && git_tree_entry_bypath(&e, tree, path) == 0;
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(parent);
	return found;
}

/* Whether id is archived on the protected branch once the push is in. */
static int archived_after(struct main_push *m, const char *id)
{
	char *path = xasprintf("%s/%s/request.yaml", TREQS_ARCHIVE_DIR, id);
	git_tree_entry *e = NULL;
	int found = m->tip_tree && git_tree_entry_bypath(&e, m->tip_tree, path) == 0;

	git_tree_entry_free(e);
	free(path);
	return found;
}

/* The value a ref will have after this push (pushed, else current); 0 if none. */
static int ref_after_push(struct hc *c, const char *name, git_oid *out)
{
	size_t i;

	for (i = 0; i < c->u->n; i++)
		if (!strcmp(c->u->v[i].ref, name)) {
			if (git_oid_is_zero(&c->u->v[i].new_id))
				return 0;
			git_oid_cpy(out, &c->u->v[i].new_id);
			return 1;
		}
	return treqs_repo_ref_get(out, c->repo, name);
}

/* The TReqs-Job recorded on the lock of id (its launch record), or NULL. */
static char *lock_job(struct hc *c, const char *id)
{
	char *name = xasprintf("%s%s", TREQS_LOCKS_PREFIX, id), *job = NULL;
	git_oid tip;
	git_commit *commit = NULL;

	if (ref_after_push(c, name, &tip) && git_commit_lookup(&commit, c->repo, &tip) == 0)
		job = treqs_trailer_get(git_commit_message(commit), "TReqs-Job");
	git_commit_free(commit);
	free(name);
	return job;
}

static int is_runner_signed(struct hc *c, git_commit *commit, char **why)
{
	const git_signature *au = git_commit_author(commit);
	struct treqs_verify v;
	int ok;

	*why = NULL;
	if (!treqs_strv_contains_ci(&c->ctx->cfg->runners, au->email)) {
		*why = xasprintf("%s is not one of the runners in config.yaml (exec.runners)", au->email);
		return 0;
	}
	verify(c, git_commit_id(commit), au->email, &v);
	ok = v.valid;
	if (!ok)
		*why = xasprintf("its signature does not verify: %s", v.detail ? v.detail : "unknown reason");
	treqs_verify_clear(&v);
	return ok;
}

static int check_main_commit(struct hc *c, git_commit *commit, void *data)
{
	struct main_push *m = data;
	const git_oid *oid = git_commit_id(commit);
	const char *msg = git_commit_message(commit);
	const git_signature *au = git_commit_author(commit);
	char *sid = short_oid(oid), *tid = treqs_trailer_get(msg, "TReqs-Id");
	char *act = treqs_trailer_get(msg, "TReqs-Action"), *job = treqs_trailer_get(msg, "TReqs-Job");
	struct change *ch = NULL;
	size_t n = 0, i;
	int ret, trust_checked = 0, archive_checked = 0;
	size_t alen = strlen(TREQS_ARCHIVE_DIR "/"), rlen = strlen(TREQS_REQUESTS_DIR "/");
	char aid[64] = "";

	if ((ret = changed_paths(c, commit, &ch, &n)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *p = ch[i].path;

		if (guarded_path(p)) {
			/* what this push's commits make of treqs' paths (check_protected) */
			xgrow(&m->made, &m->capmade, m->nmade + 1, sizeof(*m->made));
			m->made[m->nmade].path = xstrdup(p);
			git_oid_cpy(&m->made[m->nmade++].id, &ch[i].id);
		}
		if (!strcmp(p, TREQS_CONFIG_PATH) || !strcmp(p, TREQS_SIGNERS_PATH) || !strcmp(p, TREQS_OPENPGP_KEYS_PATH)) {
			struct treqs_verify v;
			if (m->bootstrap || trust_checked)
				continue;
			trust_checked = 1;
			if (!treqs_strv_contains_ci(&c->ctx->cfg->admins, au->email)) {
				problem(c, "%s: commit %s changes %s, but %s is not an admin in %s (admins: %s)", m->ref, sid,
					p, au->email, TREQS_CONFIG_PATH,
					c->ctx->cfg->admins.n ? c->ctx->cfg->admins.v[0] : "none");
				continue;
			}
			verify(c, oid, au->email, &v);
			if (!v.valid)
				problem(c, "%s: commit %s changes %s; it must be signed by admin %s: %s", m->ref, sid, p,
					au->email, v.detail ? v.detail : "unknown reason");
			treqs_verify_clear(&v);
		} else if (!strncmp(p, TREQS_REQUESTS_DIR "/", rlen) && !m->bootstrap) {
			/*
			 * Open TRs live on their branches only.  A TR's history is
			 * read from its branch minus what the protected branch
			 * holds, so its commits brought here would hide its
			 * reviews from the policy (a request for changes, or
			 * who wrote it).  Archiving brings them along on purpose:
			 * from then on the archive is what counts.
			 */
			char *id = xstrdup(p + rlen), *dot = strrchr(id, '.');

			if (dot && !strcmp(dot, ".yaml"))
				*dot = '\0';
			if (!archived_after(m, id))
				problem(c, "%s: commit %s changes %s; an open TR lives on its branch %s%s only (its "
					   "commits on %s would hide its reviews from the approval policy)",
					m->ref, sid, p, TREQS_BRANCH_PREFIX, id, c->ctx->cfg->protected_branch);
			free(id);
		} else if (!strncmp(p, TREQS_ARCHIVE_DIR "/", alen)) {
			char id[64];
			const char *slash = strchr(p + alen, '/');
			size_t idlen = slash ? (size_t)(slash - p - alen) : strlen(p + alen);
			char *why = NULL, *ljob;
			enum treqs_action a = act ? treqs_action_parse(act) : TREQS_ACT_NONE;

			if (idlen >= sizeof(id)) {
				problem(c, "%s: commit %s changes %s, which is not the archive of a TR", m->ref, sid, p);
				continue;
			}
			memcpy(id, p + alen, idlen);
			id[idlen] = '\0';
			/*
			 * One TR per archive commit: the checks below are about
			 * the TR it names, and must not let others come along.
			 */
			if (archive_checked) {
				if (strcmp(id, aid))
					problem(c, "%s: commit %s archives %s and also changes %s; an archive commit "
						   "archives one TR", m->ref, sid, aid, p);
				continue;
			}
			archive_checked = 1;
			memcpy(aid, id, idlen + 1);
			if (!(a == TREQS_ACT_ARCHIVE || a == TREQS_ACT_FAIL || a == TREQS_ACT_CANCEL) || !tid ||
			    strcmp(tid, id)) {
				problem(c, "%s: commit %s changes %s but is not an archive commit for %s (TReqs-Id: %s, "
					   "TReqs-Action: archive, fail or cancel)", m->ref, sid, p, id, id);
				continue;
			}
			/* exec writes a TR's archive once; its results are not rewritten or erased */
			{
				char *req = xasprintf("%s/%s/request.yaml", TREQS_ARCHIVE_DIR, id);
				int done = parent_has(commit, req);
				free(req);
				if (done) {
					problem(c, "%s: commit %s changes %s, but %s is archived already; an archive is "
						   "written once", m->ref, sid, p, id);
					continue;
				}
			}
			ljob = lock_job(c, id);
			if (!ljob)
				problem(c, "%s: commit %s archives %s, which was never launched (no launch record on %s%s)",
					m->ref, sid, id, TREQS_LOCKS_PREFIX, id);
			else if (!job || strcmp(job, ljob))
				problem(c, "%s: commit %s archives %s with TReqs-Job '%s', but it was launched as '%s'",
					m->ref, sid, id, job ? job : "(none)", ljob);
			free(ljob);
			if (c->ctx->cfg->require_signed_exec && !is_runner_signed(c, commit, &why))
				problem(c, "%s: commit %s archives %s but is not signed by a runner: %s", m->ref, sid, id, why);
			free(why);
		}
	}
out:
	free_changes(ch, n);
	free(sid);
	free(tid);
	free(act);
	free(job);
	return ret;
}

/*
 * Each commit is judged by what it changes from its first parent.  A merge
 * whose first parent is an old commit of the branch changes nothing from
 * it, yet takes the branch back to that commit's files: trust files an
 * admin has changed since, archives written since.  So the push as a whole
 * is judged too: every guarded path it changes must end as one of its
 * judged commits made it.
 */
static void check_net_changes(struct hc *c, struct main_push *m, const git_oid *old_id)
{
	git_commit *old = NULL;
	git_tree *old_tree = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	size_t i, j;
	int err;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if ((err = git_commit_lookup(&old, c->repo, old_id)) < 0 || (err = git_commit_tree(&old_tree, old)) < 0 ||
	    (err = git_diff_tree_to_tree(&diff, c->repo, old_tree, m->tip_tree, &opts)) < 0) {
		c->err = treqs_error_git(err, "unable to compare %s before and after the push", m->ref);
		goto out;
	}
	for (i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *p = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		git_oid now;
		int made = 0;

		if (!guarded_path(p))
			continue;
		if (d->status == GIT_DELTA_DELETED)
			memset(&now, 0, sizeof(now));
		else
			git_oid_cpy(&now, &d->new_file.id);
		for (j = 0; j < m->nmade && !made; j++)
			made = !strcmp(m->made[j].path, p) && git_oid_equal(&m->made[j].id, &now);
		if (!made)
			problem(c, "%s: the push changes %s, but none of its commits does: a merge takes it back to an "
				   "older version (only a commit that changes it is judged)", m->ref, p);
	}
out:
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_commit_free(old);
}

static void check_protected(struct hc *c, const struct treqs_hook_update *u)
{
	struct main_push m;
	int old_zero = git_oid_is_zero(&u->old_id), ret;

	if (git_oid_is_zero(&u->new_id)) {
		problem(c, "%s: the protected branch cannot be deleted", u->ref);
		return;
	}
	if (!old_zero && !git_oid_equal(&u->old_id, &u->new_id) &&
	    git_graph_descendant_of(c->repo, &u->new_id, &u->old_id) != 1) {
		problem(c, "%s: not a fast-forward: the protected branch's history (the audit trail) cannot be rewritten",
			u->ref);
		return;
	}
	m.ref = u->ref;
	m.tip_tree = NULL;
	/* the first push that brings treqs to the branch sets up the trust files */
	{
		git_oid b;
		git_commit *tip = NULL;
		m.bootstrap = old_zero || !protected_blob(c, TREQS_CONFIG_PATH, &b);
		if (git_commit_lookup(&tip, c->repo, &u->new_id) == 0)
			git_commit_tree(&m.tip_tree, tip);
		git_commit_free(tip);
	}
	m.made = NULL;
	m.nmade = m.capmade = 0;
	if ((ret = each_new_commit(c, &u->new_id, old_zero ? NULL : &u->old_id, NULL, check_main_commit, &m)) < 0)
		c->err = ret;
	else if (!m.bootstrap)
		check_net_changes(c, &m, &u->old_id);
	git_tree_free(m.tip_tree);
	free_changes(m.made, m.nmade);
}

/* ---- launch locks ---- */

/*
 * What exec launches is what the lock holds: the request in its tree and
 * the files of its last parent (the approved head).  Both must be the
 * approved commit's: a commit of the TR branch (its head, or an earlier
 * one when the branch moved on) whose file has the approved content, and
 * the lock's tree that commit's tree.  Otherwise anyone could lock an
 * approved TR with other files and have exec run them.
 */
static void check_lock_files(struct hc *c, const struct treqs_hook_update *u, const char *id, git_commit *lock,
			     const git_oid *head, const char *digest)
{
	const git_oid *tr = git_commit_parent_id(lock, git_commit_parentcount(lock) - 1);
	char *path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	git_commit *trc = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_oid d;
	char s1[8], s2[8];

	git_oid_tostr(s1, sizeof(s1), tr);
	git_oid_tostr(s2, sizeof(s2), head);
	if (!git_oid_equal(tr, head) && git_graph_descendant_of(c->repo, head, tr) != 1)
		problem(c, "%s: the lock's parent %s is not a commit of %s%s (its head is %s)", u->ref, s1,
			TREQS_BRANCH_PREFIX, id, s2);
	else if (git_commit_lookup(&trc, c->repo, tr) < 0 ||
		 !git_oid_equal(git_commit_tree_id(trc), git_commit_tree_id(lock)))
		problem(c, "%s: the lock's files are not those of the commit %s it launches; a lock adds no file",
			u->ref, s1);
	else if (git_commit_tree(&tree, trc) < 0 || git_tree_entry_bypath(&e, tree, path) < 0 ||
		 treqs_digest_blob(&d, c->repo, git_tree_entry_id(e)) < 0 || strcmp(git_oid_tostr_s(&d), digest))
		problem(c, "%s: the lock launches commit %s, whose %s is not the approved content %.7s", u->ref, s1,
			path, digest);
	treqs_error_clear();
	git_tree_entry_free(e);
	git_tree_free(tree);
	git_commit_free(trc);
	free(path);
}

static void check_lock(struct hc *c, const struct treqs_hook_update *u, const char *id)
{
	git_commit *commit = NULL, *parent = NULL;
	char *tid = NULL, *act = NULL, *digest = NULL, *job = NULL, *pjob = NULL, *why = NULL;
	struct treqs_status st;
	char *branch = NULL;
	git_oid head;
	int derived = 0;

	memset(&st, 0, sizeof(st));
	if (!treqs_tr_id_valid(id, c->ctx->cfg)) {
		problem(c, "%s: '%s' is not a TR id", u->ref, id);
		return;
	}
	if (git_oid_is_zero(&u->new_id)) {
		problem(c, "%s: a launch lock is never deleted", u->ref);
		return;
	}
	if (git_commit_lookup(&commit, c->repo, &u->new_id) < 0) {
		problem(c, "%s: does not point at a commit", u->ref);
		goto out;
	}
	tid = treqs_trailer_get(git_commit_message(commit), "TReqs-Id");
	act = treqs_trailer_get(git_commit_message(commit), "TReqs-Action");
	digest = treqs_trailer_get(git_commit_message(commit), "TReqs-Digest");
	job = treqs_trailer_get(git_commit_message(commit), "TReqs-Job");
	if (!tid || strcmp(tid, id) || !act || (strcmp(act, "launch") && strcmp(act, "release"))) {
		problem(c, "%s: the commit is not a launch record for %s (TReqs-Id: %s, TReqs-Action: launch or release)",
			u->ref, id, id);
		goto out;
	}
	if (c->ctx->cfg->require_signed_exec && !is_runner_signed(c, commit, &why)) {
		problem(c, "%s: the launch record is not signed by a runner: %s", u->ref, why);
		goto out;
	}
	if (git_oid_is_zero(&u->old_id) && strcmp(act, "launch")) {
		problem(c, "%s: a launch lock starts with a lock (TReqs-Action: launch), not a %s", u->ref, act);
		goto out;
	}
	if (!git_oid_is_zero(&u->old_id)) {
		/*
		 * The moves allowed, one record at a time on top of the old tip:
		 * a lock, then its launch record (the job) or its release (no
		 * job could start); after a release, a new lock.  Once a job is
		 * recorded the lock never moves again.
		 */
		char *oact = NULL;
		if (git_commit_parentcount(commit) < 1 || !git_oid_equal(git_commit_parent_id(commit, 0), &u->old_id) ||
		    git_commit_parent(&parent, commit, 0) < 0) {
			problem(c, "%s: a launch lock only moves forward, one record at a time", u->ref);
			goto out;
		}
		pjob = treqs_trailer_get(git_commit_message(parent), "TReqs-Job");
		oact = treqs_trailer_get(git_commit_message(parent), "TReqs-Action");
		if (pjob) {
			problem(c, "%s: %s was already launched as %s; a launch is recorded once", u->ref, id, pjob);
			free(oact);
			goto out;
		}
		if (oact && !strcmp(oact, "release")) {
			free(oact);
			if (strcmp(act, "launch") || job || git_commit_parentcount(commit) != 2) {
				problem(c, "%s: after a release the lock moves only by a new lock naming the approved head",
					u->ref);
				goto out;
			}
			/* a new lock: judged below as a first one is */
		} else {
			char *pdigest = treqs_trailer_get(git_commit_message(parent), "TReqs-Digest");
			free(oact);
			if (git_commit_parentcount(commit) != 1)
				problem(c, "%s: a launch record has one parent, the lock", u->ref);
			else if (!strcmp(act, "launch") && !job)
				problem(c, "%s: the launch record has no TReqs-Job", u->ref);
			/*
			 * exec reads the request it runs and archives from the
			 * lock's tip: a record adds a trailer, never a file.
			 */
			else if (!git_oid_equal(git_commit_tree_id(commit), git_commit_tree_id(parent)) || !digest ||
				 !pdigest || strcmp(digest, pdigest))
				problem(c, "%s: a %s record keeps the lock's files and TReqs-Digest; this one changes them",
					u->ref, act);
			free(pdigest);
			goto out;
		}
	} else if (git_commit_parentcount(commit) != 1) {
		problem(c, "%s: a lock has one parent, the approved head of %s%s", u->ref, TREQS_BRANCH_PREFIX, id);
		goto out;
	}
	/* a new lock: the TR must be approved, for the content the lock names */
	branch = xasprintf("refs/heads/%s%s", TREQS_BRANCH_PREFIX, id);
	if (!ref_after_push(c, branch, &head)) {
		problem(c, "%s: there is no branch %s%s to launch", u->ref, TREQS_BRANCH_PREFIX, id);
		goto out;
	}
	if (treqs_state_derive_branch(&st, c->ctx, id, &head) < 0) {
		problem(c, "%s: %s cannot be read", u->ref, id);
		goto out;
	}
	derived = 1;
	if (st.policy.state != TREQS_STATE_APPROVED)
		problem(c, "%s: %s is not approved (it is %s); it cannot be launched", u->ref, id,
			treqs_state_name(st.policy.state));
	else if (!digest || strcmp(digest, st.digest))
		problem(c, "%s: the lock names content %.7s but %s is now %.7s", u->ref, digest ? digest : "(none)", id,
			st.digest);
	else
		check_lock_files(c, u, id, commit, &head, st.digest);
out:
	if (derived)
		treqs_status_clear(&st);
	git_commit_free(parent);
	git_commit_free(commit);
	free(tid);
	free(act);
	free(digest);
	free(job);
	free(pjob);
	free(why);
	free(branch);
}

/* ---- other refs ---- */

/*
 * Refs are accepted as they come, except those that treqs would read for
 * something they are not:
 *   refs/remotes/...          in a clone, the remote's refs: the protected
 *                             branch (its config.yaml and trust files), TR
 *                             branches, locks.  A server that took them
 *                             from a push would judge the next push by the
 *                             pusher's trust files, and launch by them.
 *   refs/heads/treqs-locks/ID a runner's clone fetches every branch into
 *                             refs/remotes/<remote>/ and the locks into
 *                             refs/remotes/<remote>/treqs-locks/: such a
 *                             branch would be a lock there, unchecked.
 * and those in the way of treqs' refs: a ref that is a directory of them
 * ("refs/treqs/locks" leaves no room for any lock), or the same but for
 * case (on a file system that ignores case, the same file, unchecked).
 */
static void check_other_ref(struct hc *c, const struct treqs_hook_update *u, const char *protected_ref)
{
	static const char *const guarded[] = {"refs/heads/" TREQS_BRANCH_PREFIX, TREQS_LOCKS_PREFIX,
					      "refs/heads/treqs-locks/", "refs/remotes/", NULL};
	size_t i, n = strlen(u->ref);
	int deleted = git_oid_is_zero(&u->new_id);

	/* deleting one that got here (before this check) is what should be done */
	if (!strncmp(u->ref, "refs/remotes/", 13)) {
		if (!deleted)
			problem(c, "%s: refs/remotes/ is where treqs reads the remote's refs; it is not pushed to", u->ref);
		return;
	}
	if (!strncmp(u->ref, "refs/heads/treqs-locks/", 23)) {
		if (deleted)
			return;
		problem(c, "%s: a runner's clone would take this branch for the launch lock %s%s; it is not pushed to",
			u->ref, TREQS_LOCKS_PREFIX, u->ref + 23);
		return;
	}
	if (!strcasecmp(u->ref, protected_ref)) {
		problem(c, "%s: differs only in case from the protected branch %s; it is not pushed to", u->ref,
			protected_ref);
		return;
	}
	for (i = 0; guarded[i]; i++) {
		size_t g = strlen(guarded[i]);
		if (!strncasecmp(u->ref, guarded[i], n < g ? n : g) && (n >= g || guarded[i][n] == '/')) {
			problem(c, "%s: in the way of treqs' refs %s... (or the same but for case); it is not pushed to",
				u->ref, guarded[i]);
			return;
		}
	}
}

int treqs_hook_check(struct treqs_ctx *ctx, const struct treqs_hook_updates *u, struct treqs_strv *problems)
{
	struct hc c;
	git_commit *pc = NULL;
	char *protected_ref = xasprintf("refs/heads/%s", ctx->cfg->protected_branch);
	size_t i, before = problems->n;
	size_t blen = strlen("refs/heads/" TREQS_BRANCH_PREFIX), llen = strlen(TREQS_LOCKS_PREFIX);

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.repo = ctx->repo;
	c.u = u;
	c.problems = problems;
	if (ctx->has_protected && git_commit_lookup(&pc, c.repo, &ctx->protected_tip) == 0)
		git_commit_tree(&c.protected_tree, pc);
	git_commit_free(pc);

	for (i = 0; i < u->n && !c.err; i++) {
		const struct treqs_hook_update *up = &u->v[i];

		if (!strncmp(up->ref, "refs/heads/" TREQS_BRANCH_PREFIX, blen))
			check_tr_branch(&c, up, up->ref + blen);
		else if (!strcmp(up->ref, protected_ref))
			check_protected(&c, up);
		else if (!strncmp(up->ref, TREQS_LOCKS_PREFIX, llen))
			check_lock(&c, up, up->ref + llen);
		else
			check_other_ref(&c, up, protected_ref);
	}
	git_tree_free(c.protected_tree);
	free(protected_ref);
	if (c.err)
		return c.err;
	return problems->n > before ? TREQS_EINVALID : 0;
}

/* ---- installing ---- */

#define HOOK_MARK "# installed by treqs hook install"

static int write_hook(const char *dir, const char *name, const char *treqs, struct treqs_strv *installed)
{
	char *path = xasprintf("%s/%s", dir, name), *chained = xasprintf("%s/%s.treqs-chained", dir, name);
	struct treqs_buf old = TREQS_BUF_INIT, script = TREQS_BUF_INIT;
	int ret = 0;

	if (treqs_read_file(&old, path, 1 << 20) == 0 && !strstr(treqs_buf_cstr(&old), HOOK_MARK)) {
		/* someone else's hook: keep it, and run it first */
		if (access(chained, F_OK) == 0) {
			ret = treqs_error(TREQS_EEXISTS, "both %s and %s exist; merge them by hand", path, chained);
			goto out;
		}
		if (rename(path, chained) < 0) {
			ret = treqs_error_errno(TREQS_EENV, "unable to move '%s' aside", path);
			goto out;
		}
	}
	treqs_error_clear();
	treqs_buf_printf(&script,
			 "#!/bin/sh\n"
			 HOOK_MARK "\n"
			 "# Runs %s.treqs-chained first when it exists (the hook that was here before).\n"
			 "set -e\n",
			 name);
	if (!strcmp(name, "pre-receive") || !strcmp(name, "post-receive")) {
		treqs_buf_printf(&script,
				 "input=$(cat)\n"
				 "chained=\"$(dirname \"$0\")/%s.treqs-chained\"\n"
				 "if [ -x \"$chained\" ]; then\n"
				 "\tprintf '%%s\\n' \"$input\" | \"$chained\" \"$@\"\n"
				 "fi\n"
				 "printf '%%s\\n' \"$input\" | exec '%s' exec --hook %s\n",
				 name, treqs, name);
	}
	if ((ret = treqs_write_file(path, script.ptr, script.len)) < 0)
		goto out;
	if (chmod(path, 0755) < 0) {
		ret = treqs_error_errno(TREQS_EENV, "unable to make '%s' executable", path);
		goto out;
	}
	treqs_strv_push(installed, path);
out:
	treqs_buf_free(&old);
	treqs_buf_free(&script);
	free(path);
	free(chained);
	return ret;
}

int treqs_hook_install(const char *repo_path, const char *treqs_path, int pre, int post, struct treqs_strv *installed)
{
	git_repository *repo = NULL;
	char *dir = NULL;
	const char *p;
	int err, ret = 0;

	for (p = treqs_path; *p; p++)
		if (*p == '\'' || *p == '\n') {
			return treqs_error(TREQS_EINVALID, "the path of treqs '%s' has a quote or newline; install it elsewhere",
					   treqs_path);
		}
	treqs_git_init();
	if ((err = git_repository_open_ext(&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0)
		return treqs_error_git(err, "'%s' is not a git repository", repo_path);
	dir = xasprintf("%shooks", git_repository_path(repo));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = treqs_error_errno(TREQS_EENV, "unable to create '%s'", dir);
		goto out;
	}
	if (pre && (ret = write_hook(dir, "pre-receive", treqs_path, installed)) < 0)
		goto out;
	if (post && (ret = write_hook(dir, "post-receive", treqs_path, installed)) < 0)
		goto out;
out:
	free(dir);
	git_repository_free(repo);
	return ret;
}
