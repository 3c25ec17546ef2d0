/*
 * catalog.h - where every TR lives: one scan of the refs.
 *
 * A TR can be found in several places at once: its own branch
 * (treqs/<ID>) locally and on remotes, the protected branch's
 * .treqs/requests/ (rare: open TRs live on their own branches), another
 * branch someone made, and the archive (.treqs/archive/<ID>/request.yaml
 * on the protected branch).  The catalog lists them all, keyed by id,
 * without parsing any file; parsing is left to the caller for the
 * locations it needs.
 *
 * Cost: one tree lookup per TR branch and one listing of .treqs/requests
 * and .treqs/archive per other branch; other branches' entries already
 * seen with the same blob are not recorded twice.
 */
#ifndef TREQS_CATALOG_H
#define TREQS_CATALOG_H

#include <git2.h>

#include "treqs/common.h"

struct treqs_config;

enum treqs_where {
	TREQS_AT_OWN_LOCAL,      /* refs/heads/treqs/<ID> */
	TREQS_AT_OWN_REMOTE,     /* refs/remotes/<r>/treqs/<ID> */
	TREQS_AT_PROTECTED,      /* requests/ on the protected branch (local or remote) */
	TREQS_AT_OTHER_LOCAL,    /* requests/ on another local branch */
	TREQS_AT_OTHER_REMOTE,   /* requests/ on another remote-tracking branch */
	TREQS_AT_ARCHIVE,        /* archive/<ID>/request.yaml on the protected branch */
};

struct treqs_loc {
	enum treqs_where where;
	char *ref;        /* full ref name, owned */
	git_oid commit;   /* the ref's commit */
	git_oid blob;     /* the TR file */
	char *path;       /* path in the commit's tree, owned */
};

struct treqs_entry {
	char *id;
	long number;
	struct treqs_loc *locs;
	size_t nlocs, cap;
};

struct treqs_catalog {
	struct treqs_entry *v;   /* sorted by id */
	size_t n, cap;
	long max_number;         /* highest id number seen anywhere, -1 if none */
	/* hash index from id to position in v (internal) */
	size_t *index;
	size_t index_cap;
};

/*
 * Scans every local branch, remote-tracking branch and the archive.
 * In a bare repository (a server), refs/heads/ are the published
 * branches and count as remote.  *out is freed with treqs_catalog_free.
 */
int treqs_catalog_scan(struct treqs_catalog **out, git_repository *repo, const struct treqs_config *cfg);
void treqs_catalog_free(struct treqs_catalog *cat);

/* The entry for id, or NULL. */
const struct treqs_entry *treqs_catalog_find(const struct treqs_catalog *cat, const char *id);

/*
 * The location whose content represents the TR now: the archive if it
 * was archived; else its own branch (the local one unless the remote one
 * is ahead of it); else the protected branch; else any other.
 */
const struct treqs_loc *treqs_entry_best(git_repository *repo, const struct treqs_entry *e);
/* The first location of the given kind, or NULL. */
const struct treqs_loc *treqs_entry_at(const struct treqs_entry *e, enum treqs_where where);

/* Short word for a location kind ("local", "remote", "archive", ...). */
const char *treqs_where_name(enum treqs_where w);

#endif
