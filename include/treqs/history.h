/*
 * history.h - a TR's story read from its commits: creation, edits,
 * reviews, launch and archive, each with its trailers, the content digest
 * and whether its signature verifies.
 *
 * Commits are the authority (DESIGN section 4); notes are only an index
 * built from this history (notes.h).
 */
#ifndef TREQS_HISTORY_H
#define TREQS_HISTORY_H

#include <git2.h>

#include "treqs/common.h"
#include "treqs/sign.h"

enum treqs_action {
	TREQS_ACT_NONE = 0, /* a commit without a TReqs-Action trailer */
	TREQS_ACT_NEW,
	TREQS_ACT_EDIT,     /* a plain commit that changed the TR's content */
	TREQS_ACT_APPROVE,
	TREQS_ACT_REQUEST_CHANGES,
	TREQS_ACT_REJECT,
	TREQS_ACT_COMMENT,
	TREQS_ACT_LAUNCH,
	TREQS_ACT_ARCHIVE,
	TREQS_ACT_FAIL,
	TREQS_ACT_CANCEL,
	TREQS_ACT_INIT,
	TREQS_ACT_RELEASE,  /* a lock given back: the launch failed before a job existed */
	TREQS_ACT_UNKNOWN,  /* a TReqs-Action value treqs does not know */
};

const char *treqs_action_name(enum treqs_action a);
enum treqs_action treqs_action_parse(const char *word);
/* approve, request-changes, reject, comment */
int treqs_action_is_review(enum treqs_action a);

struct treqs_event {
	enum treqs_action action;
	git_oid commit;
	char *author_name, *author_email; /* the reviewer for reviews */
	git_time_t time;                  /* author time */
	int offset;
	char *summary;       /* first line of the message */
	char *message;       /* body without the summary and the trailers, may be "" */
	char *trailer_id;    /* TReqs-Id, or NULL */
	char *digest;        /* TReqs-Digest (hex), or NULL */
	char *field;         /* TReqs-Field (inline comment), or NULL */
	long line;           /* TReqs-Line, 0 when none */
	char *job;           /* TReqs-Job, or NULL */
	char *cost_actual;   /* TReqs-Cost-Actual, or NULL */
	char *content_digest;/* digest of the TR file in this commit's tree (hex), or NULL */
	int content_changed; /* the digest differs from the first parent's */
	int status_changed;  /* only the status scalar changed */
	int verified_done;   /* verification was attempted */
	struct treqs_verify verify;
	/*
	 * request-changes and reject: the `reviewers` the TR named in the
	 * content this review was about (empty when it named none), so that
	 * an objection outlives its author being dropped from the list.
	 */
	struct treqs_strv reviewers;
};

struct treqs_history {
	char *id;
	char *path;             /* path of the TR file ".treqs/requests/ID.yaml" */
	git_oid head;
	struct treqs_event *v;  /* oldest first */
	size_t n, cap;
};

struct treqs_history_opts {
	const git_oid *head;       /* where to start (required) */
	const git_oid *hide;       /* commits reachable from here are not part of it; may be NULL */
	const char *path;          /* TR file path; default .treqs/requests/ID.yaml */
	const git_oid *head_blob;  /* the file's blob at head when already known (saves a tree read), or NULL */
	/* verification of review, launch and archive commits; no verification when NULL */
	const char *allowed_signers;
	size_t allowed_signers_len;
};

/*
 * Reads the commits reachable from opts->head and not from opts->hide
 * that either carry "TReqs-Id: <id>" or change the TR file.  Signatures of
 * review, launch and archive events are checked against allowed_signers
 * for the principal of the commit's author email.
 */
int treqs_history_load(struct treqs_history *h, git_repository *repo, const char *id,
		       const struct treqs_history_opts *opts);
void treqs_history_clear(struct treqs_history *h);

/*
 * The content digest (DESIGN section 4): the git blob id of the file with
 * the status normalised away: the whole "status: ..." line when status is
 * a top-level key on a line of its own (so writing a missing status does
 * not change the digest), else the status scalar's value.  Text that is
 * not YAML hashes as is.
 */
int treqs_digest(git_oid *out, const char *buf, size_t len);
/* The same, reusing doc when the text was already parsed (may be NULL). */
struct treqs_ydoc;
int treqs_digest_parsed(git_oid *out, const char *buf, size_t len, const struct treqs_ydoc *doc);
/* The same, for a blob in the repository (cached per blob id in-process). */
int treqs_digest_blob(git_oid *out, git_repository *repo, const git_oid *blob);

/* A commit message's trailers, parsed once (see treqs_trailer_get). */
struct treqs_trailers {
	git_message_trailer_array arr;
	int ok;
};
int treqs_trailers_parse(struct treqs_trailers *t, const char *message);
/* The last value of key (case-insensitive); caller frees; NULL if absent. */
char *treqs_trailers_get(const struct treqs_trailers *t, const char *key);
void treqs_trailers_clear(struct treqs_trailers *t);

/* Parses the value of one trailer key in a commit message; caller frees; NULL if absent. */
char *treqs_trailer_get(const char *message, const char *key);

#endif
