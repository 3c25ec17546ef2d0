/*
 * hook.h - the server side: what a push may do (pre-receive), and
 * installing the hook scripts.
 *
 * treqs_hook_check() is the whole policy of the server.  It reads the
 * repository as it is before the push (refs are not updated yet; the
 * pushed objects are visible through git's quarantine), takes the trust
 * files from the protected branch as it stands, and judges each ref
 * update:
 *
 *   refs/heads/treqs/ID    fast-forward only, never deleted; only the
 *                          TR's own file changes; the file is valid and
 *                          names ID; review commits verify; the id is not
 *                          already archived; the status written in the
 *                          file agrees with the state derived from git
 *   refs/heads/<protected> fast-forward only; changes to config.yaml or
 *                          allowed_signers signed by an admin (except the
 *                          very first setup); archive entries only as
 *                          archive commits matching a launch lock; no
 *                          change to an open TR's file (.treqs/requests/)
 *                          unless the push leaves that TR archived
 *   refs/treqs/locks/ID    created once for an approved TR, then moved
 *                          forward once by its launch record; never
 *                          deleted or rewritten
 *   everything else        accepted
 */
#ifndef TREQS_HOOK_H
#define TREQS_HOOK_H

#include <git2.h>

#include "treqs/common.h"
#include "treqs/context.h"

struct treqs_hook_update {
	git_oid old_id, new_id;
	char *ref;
};

struct treqs_hook_updates {
	struct treqs_hook_update *v;
	size_t n, cap;
};

/*
 * Parses "old new ref" lines (pre-receive's standard input).  Returns 0,
 * or TREQS_EINVALID for a malformed line.
 */
int treqs_hook_parse(struct treqs_hook_updates *out, const char *text, size_t len);
void treqs_hook_updates_free(struct treqs_hook_updates *u);

/*
 * Judges a push.  Every problem is added to problems as one line
 * "file:line: reason" or "ref: reason".  Returns 0 when the push may
 * proceed, TREQS_EINVALID when it must be refused, another negative code
 * when the repository could not be read.
 */
int treqs_hook_check(struct treqs_ctx *ctx, const struct treqs_hook_updates *u, struct treqs_strv *problems);

/*
 * Installs the hooks into a repository (bare or not): pre-receive and/or
 * post-receive scripts calling treqs_path.  An existing hook that is not
 * ours is kept and run first (renamed to <hook>.treqs-chained).  Running
 * it again updates our script only.  *installed receives the paths written.
 */
int treqs_hook_install(const char *repo_path, const char *treqs_path, int pre, int post, struct treqs_strv *installed);

#endif
