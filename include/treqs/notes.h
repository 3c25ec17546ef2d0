/*
 * notes.h - the review index in refs/notes/treqs.
 *
 * The note on a TR branch's head commit holds one JSON object per line
 * for every event of the TR so far (created, edited, each review with its
 * reviewer, action, digest, message, field/line, time and commit).  Notes
 * are an index for people and tools reading `git log --notes=treqs`;
 * nothing treqs decides depends on them: they are rebuilt from the
 * commits whenever they are missing or differ (libgit2 cannot merge
 * notes, and a forged note must not count).
 */
#ifndef TREQS_NOTES_H
#define TREQS_NOTES_H

#include <git2.h>

#include "treqs/history.h"

/* The note text for h: JSON lines, oldest event first. */
void treqs_notes_render(struct treqs_buf *out, const struct treqs_history *h);
/*
 * Makes the note on h->head equal to the rendering of h.  Returns 1 when
 * it wrote a note, 0 when it was already right, or a negative code.
 */
int treqs_notes_sync(git_repository *repo, const struct treqs_history *h);
/* Reads the note on commit id into out; TREQS_ENOTFOUND when there is none. */
int treqs_notes_read(struct treqs_buf *out, git_repository *repo, const git_oid *id);

#endif
