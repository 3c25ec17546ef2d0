/*
 * state.c - deriving a TR's state from git.
 */
#include "treqs/state.h"

#include <string.h>

#include "treqs/config.h"

int treqs_state_derive(struct treqs_status *out, git_repository *repo, const struct treqs_config *cfg,
		       const struct treqs_entry *e)
{
	size_t i;

	(void)cfg;
	memset(out, 0, sizeof(*out));
	out->loc = treqs_entry_best(repo, e);
	if (treqs_entry_at(e, TREQS_AT_ARCHIVE)) {
		out->state = TREQS_STATE_ARCHIVED;
		return 0;
	}
	out->state = TREQS_STATE_DRAFT;
	for (i = 0; i < e->nlocs; i++)
		if (e->locs[i].where == TREQS_AT_OWN_REMOTE || e->locs[i].where == TREQS_AT_OTHER_REMOTE ||
		    (e->locs[i].where == TREQS_AT_PROTECTED && !strncmp(e->locs[i].ref, "refs/remotes/", 13)))
			out->state = TREQS_STATE_REVIEW;
	return 0;
}

void treqs_status_clear(struct treqs_status *st)
{
	memset(st, 0, sizeof(*st));
}
