/*
 * state.h - the lifecycle state of a TR, derived from git (DESIGN section
 * 3).  State is a pure function of refs, commits and notes: every command
 * that shows a state (list, show, log, the hook, exec) calls
 * treqs_state_derive() and nothing else.
 */
#ifndef TREQS_STATE_H
#define TREQS_STATE_H

#include <git2.h>

#include "treqs/catalog.h"
#include "treqs/tr.h"

struct treqs_config;

struct treqs_status {
	enum treqs_state state;
	const struct treqs_loc *loc; /* the location the state describes (in the entry) */
};

/*
 * Derives the state of catalog entry e.  Fills *out; returns 0 or a
 * negative code when git could not be read.
 */
int treqs_state_derive(struct treqs_status *out, git_repository *repo, const struct treqs_config *cfg,
		       const struct treqs_entry *e);
void treqs_status_clear(struct treqs_status *st);

#endif
