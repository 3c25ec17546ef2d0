/*
 * history.c - a TR's events from its commits.
 */
#include "treqs/history.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "treqs/edit.h"
#include "treqs/repo.h"
#include "treqs/tr.h"
#include "treqs/yaml.h"

static const char *const action_names[] = {
	[TREQS_ACT_NONE] = "none",
	[TREQS_ACT_NEW] = "new",
	[TREQS_ACT_EDIT] = "edit",
	[TREQS_ACT_APPROVE] = "approve",
	[TREQS_ACT_REQUEST_CHANGES] = "request-changes",
	[TREQS_ACT_REJECT] = "reject",
	[TREQS_ACT_COMMENT] = "comment",
	[TREQS_ACT_LAUNCH] = "launch",
	[TREQS_ACT_ARCHIVE] = "archive",
	[TREQS_ACT_FAIL] = "fail",
	[TREQS_ACT_CANCEL] = "cancel",
	[TREQS_ACT_INIT] = "init",
	[TREQS_ACT_RELEASE] = "release",
	[TREQS_ACT_UNKNOWN] = "unknown",
};

const char *treqs_action_name(enum treqs_action a)
{
	return (size_t)a < TREQS_ARRAY_SIZE(action_names) && action_names[a] ? action_names[a] : "unknown";
}

enum treqs_action treqs_action_parse(const char *word)
{
	size_t i;

	for (i = 1; i < TREQS_ARRAY_SIZE(action_names); i++)
		if (action_names[i] && i != TREQS_ACT_UNKNOWN && i != TREQS_ACT_EDIT && !strcmp(word, action_names[i]))
			return (enum treqs_action)i;
	return TREQS_ACT_UNKNOWN;
}

int treqs_action_is_review(enum treqs_action a)
{
	return a == TREQS_ACT_APPROVE || a == TREQS_ACT_REQUEST_CHANGES || a == TREQS_ACT_REJECT ||
	       a == TREQS_ACT_COMMENT;
}

/*
 * The width of the YAML line break at buf[i], 0 when there is none.  YAML
 * (and libyaml) end a line at "\r\n", "\n", a lone "\r", NEL, LS and PS.
 */
static size_t yaml_break(const char *buf, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)buf + i;

	if (i >= len)
		return 0;
	if (u[0] == '\n')
		return 1;
	if (u[0] == '\r')
		return i + 1 < len && u[1] == '\n' ? 2 : 1;
	if (u[0] == 0xc2 && i + 1 < len && u[1] == 0x85)
		return 2;
	if (u[0] == 0xe2 && i + 2 < len && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9))
		return 3;
	return 0;
}

/*
 * The text without its status line, when status is a top-level key of a
 * block mapping alone on its line (how treqs writes it): then a TR whose
 * status was never written and one whose status the tool wrote have the
 * same digest.  Returns 0 when it did so.
 */
static int drop_status_line(struct treqs_buf *out, const char *buf, size_t len, const struct treqs_ydoc *parsed)
{
	struct treqs_ydoc *mine = NULL;
	const struct treqs_ydoc *doc = parsed;
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ynode *k = NULL, *v;
	size_t from, to;
	int ret = -1;

	if (!doc && treqs_yaml_parse(&mine, buf, len, "-", NULL, &d) == 0)
		doc = mine;
	if (!doc || !doc->root || doc->root->type != TREQS_YMAP ||
	    doc->root->style != TREQS_YBLOCK || !(v = treqs_ymap_get(doc->root, "status", &k)) || k->col != 1 ||
	    v->type != TREQS_YSCALAR || v->start < k->end || v->line != k->line || v->end_line != k->line ||
	    v->style == TREQS_YLITERAL || v->style == TREQS_YFOLDED)
		goto out;
	from = treqs_yaml_byte_offset(buf, len, doc->bom, k->start);
	to = treqs_yaml_byte_offset(buf, len, doc->bom, v->end);
	/*
	 * What goes with the value is a comment at most, up to the end of
	 * the line as git, editors and reviewers see it: "\n".  Behind a
	 * line break only YAML sees (a lone "\r", NEL, LS, PS), the "line"
	 * would go on with more keys ("status: review\rrun: {...}"), which
	 * the digest must cover: then only the value is blanked (below).
	 */
	while (to < len && (buf[to] == ' ' || buf[to] == '\t'))
		to++;
	if (to < len && buf[to] == '#')
		while (to < len && !yaml_break(buf, len, to))
			to++;
	if (to < len && buf[to] != '\n' && !(buf[to] == '\r' && yaml_break(buf, len, to) == 2))
		goto out;
	to += yaml_break(buf, len, to);
	treqs_buf_clear(out);
	treqs_buf_put(out, buf, from);
	treqs_buf_put(out, buf + to, len - to);
	ret = 0;
out:
	treqs_ydoc_free(mine);
	treqs_diags_free(&d);
	return ret;
}

int treqs_digest(git_oid *out, const char *buf, size_t len)
{
	return treqs_digest_parsed(out, buf, len, NULL);
}

int treqs_digest_parsed(git_oid *out, const char *buf, size_t len, const struct treqs_ydoc *doc)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	int err;

	if (drop_status_line(&b, buf, len, doc) == 0)
		;
	else if (treqs_edit_blank(&b, buf, len, "status") < 0) {
		/* not YAML: the bytes themselves are the content */
		treqs_error_clear();
		treqs_buf_clear(&b);
		treqs_buf_put(&b, buf, len);
	}
	err = git_odb_hash(out, b.ptr ? b.ptr : "", b.len, GIT_OBJECT_BLOB);
	treqs_buf_free(&b);
	return err < 0 ? treqs_error_git(err, "unable to hash") : 0;
}

/* A small per-process cache: digests are asked for the same blobs again and again. */
static struct {
	git_oid blob, digest;
	int used;
} digest_cache[1024];

int treqs_digest_blob(git_oid *out, git_repository *repo, const git_oid *blob)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	size_t slot = ((size_t)blob->id[0] << 8 | blob->id[1]) % TREQS_ARRAY_SIZE(digest_cache);
	int ret;

	if (digest_cache[slot].used && git_oid_equal(&digest_cache[slot].blob, blob)) {
		git_oid_cpy(out, &digest_cache[slot].digest);
		return 0;
	}
	if ((ret = treqs_repo_read_blob(&b, repo, blob, TREQS_TR_MAX_BYTES)) == 0)
		ret = treqs_digest(out, b.ptr ? b.ptr : "", b.len);
	treqs_buf_free(&b);
	if (ret == 0) {
		git_oid_cpy(&digest_cache[slot].blob, blob);
		git_oid_cpy(&digest_cache[slot].digest, out);
		digest_cache[slot].used = 1;
	}
	return ret;
}

int treqs_trailers_parse(struct treqs_trailers *t, const char *message)
{
	char *copy = xstrdup(message), *p;
	int err;

	memset(t, 0, sizeof(*t));
	/*
	 * libgit2 reads a message as a patch e-mail: its trailers are looked
	 * for above the first line that starts with "---".  git reads a
	 * commit's trailers without that divider (%(trailers), what treqs
	 * writes them for), so a review whose message has a Markdown rule
	 * would lose its TReqs-* trailers, and a request for changes would
	 * silently not count.  Such lines are hidden from libgit2 here.
	 */
	for (p = copy; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (!strncmp(p, "---", 3))
			*p = '_';
	err = git_message_trailers(&t->arr, copy);
	free(copy);
	if (err < 0) {
		memset(t, 0, sizeof(*t));
		return -1;
	}
	t->ok = 1;
	return 0;
}

char *treqs_trailers_get(const struct treqs_trailers *t, const char *key)
{
	const char *val = NULL;
	size_t i;

	/* the last one wins, as for git's trailer readers */
	for (i = 0; t->ok && i < t->arr.count; i++)
		if (!strcasecmp(t->arr.trailers[i].key, key))
			val = t->arr.trailers[i].value;
	return val ? xstrdup(val) : NULL;
}

void treqs_trailers_clear(struct treqs_trailers *t)
{
	if (t->ok)
		git_message_trailer_array_free(&t->arr);
	memset(t, 0, sizeof(*t));
}

char *treqs_trailer_get(const char *message, const char *key)
{
	struct treqs_trailers t;
	char *val;

	if (treqs_trailers_parse(&t, message) < 0)
		return NULL;
	val = treqs_trailers_get(&t, key);
	treqs_trailers_clear(&t);
	return val;
}

/* The body of a message: after the summary, without the trailer paragraph. */
static char *message_body(const char *msg)
{
	const char *p = strchr(msg, '\n'), *last;
	size_t n;
	char *body;

	if (!p)
		return xstrdup("");
	while (*p == '\n')
		p++;
	body = xstrdup(p);
	n = strlen(body);
	while (n && (body[n - 1] == '\n' || body[n - 1] == ' '))
		body[--n] = '\0';
	/* drop the final paragraph when every line of it is "Key: value" */
	last = strstr(body, "\n\n");
	{
		const char *q, *start = body;
		int all = 1;
		while ((q = strstr(start, "\n\n")))
			start = q + 2;
		last = start;
		for (q = last; *q && all;) {
			const char *eol = strchr(q, '\n');
			const char *c = q;
			while (*c && (isalnum((unsigned char)*c) || *c == '-'))
				c++;
			if (c == q || c[0] != ':' )
				all = 0;
			q = eol ? eol + 1 : q + strlen(q);
		}
		if (all && *last) {
			body[last - body] = '\0';
			n = strlen(body);
			while (n && body[n - 1] == '\n')
				body[--n] = '\0';
		}
	}
	return body;
}

static void event_clear(struct treqs_event *e)
{
	free(e->author_name);
	free(e->author_email);
	free(e->summary);
	free(e->message);
	free(e->trailer_id);
	free(e->digest);
	free(e->field);
	free(e->job);
	free(e->cost_actual);
	free(e->content_digest);
	treqs_verify_clear(&e->verify);
	treqs_strv_free(&e->reviewers);
}

void treqs_history_clear(struct treqs_history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		event_clear(&h->v[i]);
	free(h->v);
	free(h->id);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

static int file_blob(git_oid *out, git_commit *c, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int found = 0;

	if (git_commit_tree(&tree, c) == 0 && git_tree_entry_bypath(&e, tree, path) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		git_oid_cpy(out, git_tree_entry_id(e));
		found = 1;
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return found;
}

/* The reviewers named in the TR file blob (none when it cannot be read). */
static void reviewers_at(struct treqs_strv *out, git_repository *repo, const git_oid *blob, const char *path)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = NULL;
	size_t i;

	/* a file with errors elsewhere still names its reviewers */
	if (treqs_repo_read_blob(&b, repo, blob, TREQS_TR_MAX_BYTES) == 0)
		treqs_tr_load(&tr, treqs_buf_cstr(&b), b.len, path, NULL, &diags);
	for (i = 0; tr && i < tr->reviewers.n; i++)
		treqs_strv_push(out, tr->reviewers.v[i]);
	treqs_error_clear();
	treqs_tr_free(tr);
	treqs_diags_free(&diags);
	treqs_buf_free(&b);
}

/*
 * The commits walked so far and the TR file's blob in each, found by id: a
 * commit's parent is looked up for every commit, and a branch may have
 * many thousands (a list searched from the start made a long branch, which
 * anyone can push, take minutes).
 */
struct seen {
	struct seen_entry {
		git_oid commit, blob;
		int has;
	} *v;
	size_t n, cap;
	size_t *slots; /* index + 1 into v, 0 for a free slot */
	size_t nslots; /* a power of two, at least twice n */
};

static size_t seen_hash(const git_oid *id, size_t nslots)
{
	size_t h = 0, i;

	for (i = 0; i < sizeof(h); i++)
		h = h << 8 | id->id[i];
	return h & (nslots - 1);
}

static const struct seen_entry *seen_find(const struct seen *s, const git_oid *id)
{
	size_t h;

	if (!s->nslots)
		return NULL;
	for (h = seen_hash(id, s->nslots); s->slots[h]; h = (h + 1) & (s->nslots - 1))
		if (git_oid_equal(&s->v[s->slots[h] - 1].commit, id))
			return &s->v[s->slots[h] - 1];
	return NULL;
}

static void seen_add(struct seen *s, const git_oid *commit, int has, const git_oid *blob)
{
	size_t h, i;

	xgrow(&s->v, &s->cap, s->n + 1, sizeof(*s->v));
	git_oid_cpy(&s->v[s->n].commit, commit);
	s->v[s->n].has = has;
	if (has)
		git_oid_cpy(&s->v[s->n].blob, blob);
	else
		memset(&s->v[s->n].blob, 0, sizeof(s->v[s->n].blob));
	s->n++;
	if (s->n * 2 > s->nslots) {
		free(s->slots);
		s->nslots = s->nslots ? s->nslots * 2 : 64;
		s->slots = xcalloc(s->nslots, sizeof(*s->slots));
		for (i = 0; i < s->n; i++) {
			for (h = seen_hash(&s->v[i].commit, s->nslots); s->slots[h]; h = (h + 1) & (s->nslots - 1))
				;
			s->slots[h] = i + 1;
		}
		return;
	}
	for (h = seen_hash(commit, s->nslots); s->slots[h]; h = (h + 1) & (s->nslots - 1))
		;
	s->slots[h] = s->n;
}

int treqs_history_load(struct treqs_history *h, git_repository *repo, const char *id,
		       const struct treqs_history_opts *opts)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	int err, ret = 0;
	struct seen seen;

	memset(h, 0, sizeof(*h));
	memset(&seen, 0, sizeof(seen));
	h->id = xstrdup(id);
	h->path = opts->path ? xstrdup(opts->path) : xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	git_oid_cpy(&h->head, opts->head);
	if ((err = git_revwalk_new(&walk, repo)) < 0)
		return treqs_error_git(err, "unable to walk history");
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	if ((err = git_revwalk_push(walk, opts->head)) < 0 || (opts->hide && (err = git_revwalk_hide(walk, opts->hide)) < 0)) {
		ret = treqs_error_git(err, "unable to walk history of %s", id);
		goto out;
	}
	while ((err = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL, *parent = NULL;
		git_oid blob, pblob, dig, pdig;
		int has, phas = 0, changed;
		char *tid, *action;
		struct treqs_event *e;
		struct treqs_trailers tr;
		const char *msg;
		const git_signature *a;

		if ((err = git_commit_lookup(&c, repo, &oid)) < 0) {
			ret = treqs_error_git(err, "unable to read commit %s", git_oid_tostr_s(&oid));
			goto out;
		}
		msg = git_commit_message(c);
		treqs_trailers_parse(&tr, msg);
		tid = treqs_trailers_get(&tr, "TReqs-Id");
		action = treqs_trailers_get(&tr, "TReqs-Action");
		if (opts->head_blob && git_oid_equal(&oid, opts->head)) {
			has = 1;
			git_oid_cpy(&blob, opts->head_blob);
		} else {
			has = file_blob(&blob, c, h->path);
		}
		if (git_commit_parentcount(c) > 0) {
			/* the walk is oldest first: the parent's answer is usually known */
			const struct seen_entry *p = seen_find(&seen, git_commit_parent_id(c, 0));
			if (p) {
				phas = p->has;
				git_oid_cpy(&pblob, &p->blob);
			} else if (git_commit_parent(&parent, c, 0) == 0) {
				phas = file_blob(&pblob, parent, h->path);
			}
		}
		seen_add(&seen, &oid, has, &blob);
		changed = has != phas || (has && !git_oid_equal(&blob, &pblob));
		if (!(tid && !strcmp(tid, id)) && !changed) {
			free(tid);
			free(action);
			treqs_trailers_clear(&tr);
			git_commit_free(parent);
			git_commit_free(c);
			continue;
		}
		xgrow(&h->v, &h->cap, h->n + 1, sizeof(*h->v));
		e = &h->v[h->n++];
		memset(e, 0, sizeof(*e));
		git_oid_cpy(&e->commit, &oid);
		a = git_commit_author(c);
		e->author_name = xstrdup(a->name ? a->name : "");
		e->author_email = xstrdup(a->email ? a->email : "");
		e->time = a->when.time;
		e->offset = a->when.offset;
		e->summary = xstrdup(git_commit_summary(c) ? git_commit_summary(c) : "");
		e->message = message_body(msg);
		e->trailer_id = tid;
		if (tid && !strcmp(tid, id) && action)
			e->action = treqs_action_parse(action);
		e->digest = treqs_trailers_get(&tr, "TReqs-Digest");
		e->field = treqs_trailers_get(&tr, "TReqs-Field");
		{
			char *line = treqs_trailers_get(&tr, "TReqs-Line");
			e->line = line ? strtol(line, NULL, 10) : 0;
			free(line);
		}
		e->job = treqs_trailers_get(&tr, "TReqs-Job");
		e->cost_actual = treqs_trailers_get(&tr, "TReqs-Cost-Actual");
		treqs_trailers_clear(&tr);
		if (has && treqs_digest_blob(&dig, repo, &blob) == 0) {
			e->content_digest = xstrdup(git_oid_tostr_s(&dig));
			if (phas && treqs_digest_blob(&pdig, repo, &pblob) == 0)
				e->content_changed = !git_oid_equal(&dig, &pdig);
			else
				e->content_changed = 1;
			e->status_changed = changed && !e->content_changed;
		}
		if (e->action == TREQS_ACT_NONE && e->content_changed)
			e->action = TREQS_ACT_EDIT;
		if (has && (e->action == TREQS_ACT_REQUEST_CHANGES || e->action == TREQS_ACT_REJECT))
			reviewers_at(&e->reviewers, repo, &blob, h->path);
		/* every event is checked: content too, for policy.require_signed_submissions */
		if (opts->allowed_signers && e->action != TREQS_ACT_NONE) {
			if ((ret = treqs_verify_commit(&e->verify, repo, &oid, opts->allowed_signers,
						       opts->allowed_signers_len, e->author_email)) < 0) {
				free(action);
				git_commit_free(parent);
				git_commit_free(c);
				goto out;
			}
			e->verified_done = 1;
		}
		free(action);
		git_commit_free(parent);
		git_commit_free(c);
	}
	if (err != GIT_ITEROVER)
		ret = treqs_error_git(err, "unable to walk history of %s", id);
out:
	free(seen.v);
	free(seen.slots);
	git_revwalk_free(walk);
	if (ret < 0)
		treqs_history_clear(h);
	return ret;
}
