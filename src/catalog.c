/*
 * catalog.c - one scan of the refs for TR files.
 */
#include "treqs/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "treqs/config.h"
#include "treqs/repo.h"
#include "treqs/tr.h"

const char *treqs_where_name(enum treqs_where w)
{
	switch (w) {
	case TREQS_AT_OWN_LOCAL: return "local";
	case TREQS_AT_OWN_REMOTE: return "remote";
	case TREQS_AT_PROTECTED: return "protected";
	case TREQS_AT_OTHER_LOCAL: return "other-local";
	case TREQS_AT_OTHER_REMOTE: return "other-remote";
	case TREQS_AT_ARCHIVE: return "archive";
	}
	return "unknown";
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void reindex(struct treqs_catalog *cat)
{
	size_t i;

	free(cat->index);
	cat->index_cap = 64;
	while (cat->index_cap < cat->n * 2 + 2)
		cat->index_cap *= 2;
	cat->index = xmalloc(cat->index_cap * sizeof(*cat->index));
	for (i = 0; i < cat->index_cap; i++)
		cat->index[i] = (size_t)-1;
	for (i = 0; i < cat->n; i++) {
		size_t h = hash_str(cat->v[i].id) & (cat->index_cap - 1);
		while (cat->index[h] != (size_t)-1)
			h = (h + 1) & (cat->index_cap - 1);
		cat->index[h] = i;
	}
}

static struct treqs_entry *lookup(const struct treqs_catalog *cat, const char *id)
{
	size_t h;

	if (!cat->index_cap)
		return NULL;
	h = hash_str(id) & (cat->index_cap - 1);
	while (cat->index[h] != (size_t)-1) {
		if (!strcmp(cat->v[cat->index[h]].id, id))
			return &cat->v[cat->index[h]];
		h = (h + 1) & (cat->index_cap - 1);
	}
	return NULL;
}

static struct treqs_entry *get_entry(struct treqs_catalog *cat, const char *id, const struct treqs_config *cfg)
{
	struct treqs_entry *e = lookup(cat, id);
	size_t h;

	if (e)
		return e;
	xgrow(&cat->v, &cat->cap, cat->n + 1, sizeof(*cat->v));
	e = &cat->v[cat->n++];
	memset(e, 0, sizeof(*e));
	e->id = xstrdup(id);
	e->number = treqs_tr_id_number(id, cfg);
	if (e->number > cat->max_number)
		cat->max_number = e->number;
	if (cat->n * 2 + 2 > cat->index_cap) {
		reindex(cat);
	} else {
		h = hash_str(id) & (cat->index_cap - 1);
		while (cat->index[h] != (size_t)-1)
			h = (h + 1) & (cat->index_cap - 1);
		cat->index[h] = cat->n - 1;
	}
	return e;
}

static int has_blob(const struct treqs_entry *e, const git_oid *blob)
{
	size_t i;

	for (i = 0; i < e->nlocs; i++)
		if (git_oid_equal(&e->locs[i].blob, blob))
			return 1;
	return 0;
}

static void add_loc(struct treqs_entry *e, enum treqs_where where, const char *ref, const git_oid *commit,
		    const git_oid *blob, const char *path)
{
	struct treqs_loc *l;

	xgrow(&e->locs, &e->cap, e->nlocs + 1, sizeof(*e->locs));
	l = &e->locs[e->nlocs++];
	l->where = where;
	l->ref = xstrdup(ref);
	git_oid_cpy(&l->commit, commit);
	git_oid_cpy(&l->blob, blob);
	l->path = xstrdup(path);
}

/* "TR-0042.yaml" -> "TR-0042" when valid; returns 0 on success. */
static int id_from_name(char *out, size_t outsz, const char *name, const char *suffix,
			const struct treqs_config *cfg)
{
	size_t n = strlen(name), sl = strlen(suffix);

	if (n <= sl || n - sl >= outsz || strcmp(name + n - sl, suffix))
		return -1;
	memcpy(out, name, n - sl);
	out[n - sl] = '\0';
	return treqs_tr_id_valid(out, cfg) ? 0 : -1;
}

struct scan {
	struct treqs_catalog *cat;
	git_repository *repo;
	const struct treqs_config *cfg;
	char *protected_local, *protected_remote;
	int bare;
};

static void scan_requests(struct scan *s, git_tree *root, const char *ref, const git_oid *commit,
			  enum treqs_where where, int dedup)
{
	git_tree_entry *te = NULL;
	git_tree *reqs = NULL;
	size_t i, n;
	char id[64];

	if (git_tree_entry_bypath(&te, root, TREQS_REQUESTS_DIR) < 0)
		return;
	if (git_tree_entry_type(te) != GIT_OBJECT_TREE || git_tree_lookup(&reqs, s->repo, git_tree_entry_id(te)) < 0)
		goto out;
	n = git_tree_entrycount(reqs);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(reqs, i);
		struct treqs_entry *ent;
		char *path;

		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
		    id_from_name(id, sizeof(id), git_tree_entry_name(e), ".yaml", s->cfg) < 0)
			continue;
		ent = get_entry(s->cat, id, s->cfg);
		if (dedup && has_blob(ent, git_tree_entry_id(e)))
			continue;
		path = xasprintf("%s/%s", TREQS_REQUESTS_DIR, git_tree_entry_name(e));
		add_loc(ent, where, ref, commit, git_tree_entry_id(e), path);
		free(path);
	}
out:
	git_tree_free(reqs);
	git_tree_entry_free(te);
}

static void scan_archive(struct scan *s, git_tree *root, const char *ref, const git_oid *commit)
{
	git_tree_entry *te = NULL;
	git_tree *arch = NULL;
	size_t i, n;

	if (git_tree_entry_bypath(&te, root, TREQS_ARCHIVE_DIR) < 0)
		return;
	if (git_tree_entry_type(te) != GIT_OBJECT_TREE || git_tree_lookup(&arch, s->repo, git_tree_entry_id(te)) < 0)
		goto out;
	n = git_tree_entrycount(arch);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(arch, i);
		const char *name = git_tree_entry_name(e);
		git_tree *dir = NULL;
		const git_tree_entry *req;
		struct treqs_entry *ent;
		char *path;

		if (git_tree_entry_type(e) != GIT_OBJECT_TREE || !treqs_tr_id_valid(name, s->cfg) ||
		    git_tree_lookup(&dir, s->repo, git_tree_entry_id(e)) < 0)
			continue;
		req = git_tree_entry_byname(dir, "request.yaml");
		if (req && git_tree_entry_type(req) == GIT_OBJECT_BLOB) {
			ent = get_entry(s->cat, name, s->cfg);
			if (!has_blob(ent, git_tree_entry_id(req)) || !treqs_entry_at(ent, TREQS_AT_ARCHIVE)) {
				path = xasprintf("%s/%s/request.yaml", TREQS_ARCHIVE_DIR, name);
				add_loc(ent, TREQS_AT_ARCHIVE, ref, commit, git_tree_entry_id(req), path);
				free(path);
			}
		}
		git_tree_free(dir);
	}
out:
	git_tree_free(arch);
	git_tree_entry_free(te);
}

/* The TR id when ref is one of its own branches (heads/treqs/ID or remotes/R/treqs/ID). */
static const char *own_branch_id(const char *ref, int *remote)
{
	const char *p;

	if (!strncmp(ref, "refs/heads/" TREQS_BRANCH_PREFIX, strlen("refs/heads/" TREQS_BRANCH_PREFIX))) {
		*remote = 0;
		return ref + strlen("refs/heads/" TREQS_BRANCH_PREFIX);
	}
	if (!strncmp(ref, "refs/remotes/", 13) && (p = strchr(ref + 13, '/')) &&
	    !strncmp(p + 1, TREQS_BRANCH_PREFIX, strlen(TREQS_BRANCH_PREFIX))) {
		*remote = 1;
		return p + 1 + strlen(TREQS_BRANCH_PREFIX);
	}
	return NULL;
}

static void scan_ref(struct scan *s, const char *name, int phase)
{
	git_oid cid;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	const char *id;
	int remote = 0, is_protected;

	is_protected = !strcmp(name, s->protected_local) || !strcmp(name, s->protected_remote);
	id = own_branch_id(name, &remote);
	if (s->bare && !strncmp(name, "refs/heads/", 11))
		remote = 1;
	/* phase 0: the protected branch; phase 1: TR branches; phase 2: the rest */
	if ((phase == 0) != is_protected)
		return;
	if (phase == 1 && !id)
		return;
	if (phase == 2 && id)
		return;
	if (!treqs_repo_ref_get(&cid, s->repo, name) || git_commit_lookup(&commit, s->repo, &cid) < 0)
		return;
	if (git_commit_tree(&tree, commit) < 0)
		goto out;
	if (id && treqs_tr_id_valid(id, s->cfg)) {
		char *path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
		git_tree_entry *te = NULL;

		struct treqs_entry *ent = treqs_catalog_find(s->cat, id) ? get_entry(s->cat, id, s->cfg) : NULL;
		size_t k;

		/*
		 * The local and the remote-tracking branch are usually at the
		 * same commit: its file is known, without reading the commit's
		 * (possibly large) .treqs/requests tree again.
		 */
		for (k = 0; ent && k < ent->nlocs; k++)
			if (git_oid_equal(&ent->locs[k].commit, &cid) &&
			    (ent->locs[k].where == TREQS_AT_OWN_LOCAL || ent->locs[k].where == TREQS_AT_OWN_REMOTE)) {
				git_oid blob;
				git_oid_cpy(&blob, &ent->locs[k].blob);
				add_loc(ent, remote ? TREQS_AT_OWN_REMOTE : TREQS_AT_OWN_LOCAL, name, &cid, &blob, path);
				break;
			}
		if ((!ent || k == ent->nlocs) && git_tree_entry_bypath(&te, tree, path) == 0 &&
		    git_tree_entry_type(te) == GIT_OBJECT_BLOB)
			add_loc(get_entry(s->cat, id, s->cfg), remote ? TREQS_AT_OWN_REMOTE : TREQS_AT_OWN_LOCAL, name, &cid,
				git_tree_entry_id(te), path);
		git_tree_entry_free(te);
		free(path);
	} else if (is_protected) {
		scan_archive(s, tree, name, &cid);
		/* both copies count: the remote one says the TR is published */
		scan_requests(s, tree, name, &cid, TREQS_AT_PROTECTED, 0);
	} else if (!id) {
		scan_requests(s, tree, name, &cid,
			      remote || !strncmp(name, "refs/remotes/", 13) ? TREQS_AT_OTHER_REMOTE : TREQS_AT_OTHER_LOCAL, 1);
	}
out:
	git_tree_free(tree);
	git_commit_free(commit);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct treqs_entry *x = a, *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return strcmp(x->id, y->id);
}

int treqs_catalog_scan(struct treqs_catalog **out, git_repository *repo, const struct treqs_config *cfg)
{
	struct treqs_catalog *cat = xcalloc(1, sizeof(*cat));
	struct scan s;
	git_reference_iterator *it = NULL;
	const char *name;
	struct treqs_strv names = TREQS_STRV_INIT;
	int err, phase;
	size_t i;

	cat->max_number = -1;
	memset(&s, 0, sizeof(s));
	s.cat = cat;
	s.repo = repo;
	s.cfg = cfg;
	s.bare = git_repository_is_bare(repo);
	s.protected_local = xasprintf("refs/heads/%s", cfg->protected_branch);
	s.protected_remote = xasprintf("refs/remotes/%s/%s", cfg->remote, cfg->protected_branch);
	reindex(cat);

	if ((err = git_reference_iterator_glob_new(&it, repo, "refs/*")) < 0) {
		err = treqs_error_git(err, "unable to list refs");
		goto fail;
	}
	while ((err = git_reference_next_name(&name, it)) == 0) {
		/* in a bare repository (a server) refs/remotes/ holds nothing but what someone pushed there */
		if (!strncmp(name, "refs/heads/", 11) || (!s.bare && !strncmp(name, "refs/remotes/", 13))) {
			size_t l = strlen(name);
			if (l >= 5 && !strcmp(name + l - 5, "/HEAD"))
				continue;
			treqs_strv_push(&names, name);
		} else if (!strncmp(name, TREQS_LOCKS_PREFIX, strlen(TREQS_LOCKS_PREFIX))) {
			/* a lock names an id that is taken even if its files are gone */
			long n = treqs_tr_id_number(name + strlen(TREQS_LOCKS_PREFIX), cfg);
			if (n > cat->max_number)
				cat->max_number = n;
		}
	}
	git_reference_iterator_free(it);
	if (err != GIT_ITEROVER) {
		err = treqs_error_git(err, "unable to list refs");
		goto fail;
	}
	for (phase = 0; phase < 3; phase++)
		for (i = 0; i < names.n; i++)
			scan_ref(&s, names.v[i], phase);
	/* branch names alone reserve ids too */
	for (i = 0; i < names.n; i++) {
		int remote;
		const char *id = own_branch_id(names.v[i], &remote);
		long n = id ? treqs_tr_id_number(id, cfg) : -1;
		if (n > cat->max_number)
			cat->max_number = n;
	}
	if (cat->n)
		qsort(cat->v, cat->n, sizeof(*cat->v), cmp_entry);
	reindex(cat);
	treqs_strv_free(&names);
	free(s.protected_local);
	free(s.protected_remote);
	*out = cat;
	return 0;
fail:
	treqs_strv_free(&names);
	free(s.protected_local);
	free(s.protected_remote);
	treqs_catalog_free(cat);
	*out = NULL;
	return err;
}

void treqs_catalog_free(struct treqs_catalog *cat)
{
	size_t i, j;

	if (!cat)
		return;
	for (i = 0; i < cat->n; i++) {
		for (j = 0; j < cat->v[i].nlocs; j++) {
			free(cat->v[i].locs[j].ref);
			free(cat->v[i].locs[j].path);
		}
		free(cat->v[i].locs);
		free(cat->v[i].id);
	}
	free(cat->v);
	free(cat->index);
	free(cat);
}

const struct treqs_entry *treqs_catalog_find(const struct treqs_catalog *cat, const char *id)
{
	return lookup(cat, id);
}

const struct treqs_loc *treqs_entry_at(const struct treqs_entry *e, enum treqs_where where)
{
	size_t i;

	for (i = 0; i < e->nlocs; i++)
		if (e->locs[i].where == where)
			return &e->locs[i];
	return NULL;
}

const struct treqs_loc *treqs_entry_best(git_repository *repo, const struct treqs_entry *e)
{
	const struct treqs_loc *l, *r;
	static const enum treqs_where order[] = {TREQS_AT_PROTECTED, TREQS_AT_OTHER_LOCAL, TREQS_AT_OTHER_REMOTE};
	size_t i;

	if ((l = treqs_entry_at(e, TREQS_AT_ARCHIVE)))
		return l;
	l = treqs_entry_at(e, TREQS_AT_OWN_LOCAL);
	r = treqs_entry_at(e, TREQS_AT_OWN_REMOTE);
	if (l && r) {
		if (git_oid_equal(&l->commit, &r->commit) || git_graph_descendant_of(repo, &r->commit, &l->commit) == 1)
			return r;
		return l;
	}
	if (l || r)
		return l ? l : r;
	for (i = 0; i < TREQS_ARRAY_SIZE(order); i++)
		if ((l = treqs_entry_at(e, order[i])))
			return l;
	return e->nlocs ? &e->locs[0] : NULL;
}
