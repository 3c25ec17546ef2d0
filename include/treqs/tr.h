/*
 * tr.h - the Training Request model: loading a TR file, checking it against
 * the format (DESIGN section 2), and the typed view of its fields.
 *
 * Loading never trusts the file: everything is checked while it is
 * converted, and every problem becomes a positioned diagnostic.  A TR with
 * errors is still returned (fields that could be read are filled) so that
 * commands can show what they can; callers decide by diags->nerrors.
 */
#ifndef TREQS_TR_H
#define TREQS_TR_H

#include "treqs/common.h"
#include "treqs/yaml.h"

struct treqs_config;

/* The largest TR file accepted, in bytes. */
#define TREQS_TR_MAX_BYTES (256 * 1024)

enum treqs_state {
	TREQS_STATE_UNKNOWN = 0,
	TREQS_STATE_DRAFT,
	TREQS_STATE_REVIEW,
	TREQS_STATE_CHANGES_REQUESTED,
	TREQS_STATE_APPROVED,
	TREQS_STATE_REJECTED,
	TREQS_STATE_WITHDRAWN,
	TREQS_STATE_RUNNING,
	TREQS_STATE_EXECUTED,
	TREQS_STATE_FAILED,
	TREQS_STATE_CANCELLED,
	TREQS_STATE_ARCHIVED,
};

/* Canonical word for a state ("changes-requested"); never NULL. */
const char *treqs_state_name(enum treqs_state s);
/*
 * Parses a status word.  Canonical words return their state with
 * *variant NULL; accepted variants ("pending", "in review", "reviewed")
 * return TREQS_STATE_REVIEW with *variant set to the canonical word.
 * Unknown words return TREQS_STATE_UNKNOWN.
 */
enum treqs_state treqs_state_parse(const char *word, const char **variant);

struct treqs_expect {
	char *metric;
	char op[3];   /* "<", "<=", ">", ">=", "==", "!=" */
	double value;
	char *text;   /* as written, e.g. "<= 0.47" */
};

struct treqs_env {
	char *name, *value;
};

/* The typed view of a TR.  Strings are owned by the TR; absent ones NULL. */
struct treqs_tr {
	char *path;            /* as given to the loader, for messages */
	struct treqs_ydoc *doc;

	char *id, *title, *objective, *hypothesis, *baseline, *notes;
	char *submitted_by, *team, *driver;
	char *gpu_type;
	long gpu_count;        /* 1 when absent */
	double hours;          /* 0 when absent or invalid */
	double cost;           /* cost_estimate_usd; -1 when absent or invalid */
	struct treqs_strv datasets, eval_metrics, reviewers;
	struct treqs_expect *expected;
	size_t nexpected;

	/* run: */
	struct treqs_strv command; /* argv form; or one element with shell */
	int shell;             /* command is a shell string */
	char *workdir;
	struct treqs_env *env;
	size_t nenv;
	double test_minutes;   /* 0 when no test_run */
	struct treqs_strv test_args;
	long max_restarts;

	enum treqs_state status; /* as written in the file (not trusted) */
	char *status_word;       /* as written */
};

/*
 * Loads a TR from buf[0..len).  path names it in messages.  cfg (may be
 * NULL for defaults) supplies the id prefix and width and the price
 * catalog.  *out is set to a new TR (free with treqs_tr_free) unless the
 * file could not be parsed as YAML at all, in which case *out is NULL.
 * Returns 0 when no error was found, TREQS_EINVALID when diags received
 * errors (warnings do not count).
 */
int treqs_tr_load(struct treqs_tr **out, const char *buf, size_t len, const char *path,
		  const struct treqs_config *cfg, struct treqs_diags *diags);
/* Reads path (capped at TREQS_TR_MAX_BYTES) and loads it. */
int treqs_tr_load_file(struct treqs_tr **out, const char *path, const struct treqs_config *cfg,
		       struct treqs_diags *diags);
void treqs_tr_free(struct treqs_tr *tr);

/*
 * Checks that s is a TR id under cfg's prefix and width: the prefix, then
 * width or more ASCII digits, nothing else.  Returns 1 if so.
 */
int treqs_tr_id_valid(const char *s, const struct treqs_config *cfg);
/* The number in a valid id ("TR-0042" -> 42), or -1. */
long treqs_tr_id_number(const char *id, const struct treqs_config *cfg);
/* Formats the id for number n; the caller frees it. */
char *treqs_tr_id_format(long n, const struct treqs_config *cfg);

/* Evaluates "op value" for an observed value: 1 met, 0 not met. */
int treqs_expect_met(const struct treqs_expect *e, double observed);

/* Parses a YAML plain scalar as a number.  Returns 0, or -1 if it is not one. */
int treqs_parse_number(const char *s, double *out);

#endif
