/*
 * yval.h - typed reading of YAML nodes with positioned diagnostics.
 * Internal to libtreqs (used by tr.c and config.c).
 *
 * Each getter checks the node's type, reports "expected X, found Y" at the
 * node's position under the given field name, and returns 0 on success or
 * -1 after adding an error.
 */
#ifndef TREQS_YVAL_H
#define TREQS_YVAL_H

#include "treqs/common.h"
#include "treqs/yaml.h"

struct yctx {
	const char *path;
	struct treqs_diags *diags;
};

enum ykind { YK_NULL, YK_BOOL, YK_INT, YK_FLOAT, YK_STR, YK_SEQ, YK_MAP, YK_BADTAG };

enum ykind yval_kind(const struct treqs_ynode *n);
/* "the number 12", "the string \"abc\"", "a list", ...; caller frees. */
char *yval_describe(const struct treqs_ynode *n);

void yval_error(struct yctx *c, const struct treqs_ynode *n, const char *field, const char *fmt, ...)
	TREQS_PRINTF(4, 5);
void yval_warn(struct yctx *c, const struct treqs_ynode *n, const char *field, const char *fmt, ...)
	TREQS_PRINTF(4, 5);
/* Error "expected <what>, found <description of n>". */
void yval_expected(struct yctx *c, const struct treqs_ynode *n, const char *field, const char *what);

/* A non-null string (quoted or plain text); nonempty demands a non-blank one. */
int yval_string(struct yctx *c, const struct treqs_ynode *n, const char *field, int nonempty, char **out);
/* A finite number. */
int yval_number(struct yctx *c, const struct treqs_ynode *n, const char *field, double *out);
/* An integer within [min, max]. */
int yval_int(struct yctx *c, const struct treqs_ynode *n, const char *field, long min, long max, long *out);
int yval_bool(struct yctx *c, const struct treqs_ynode *n, const char *field, int *out);
/*
 * A list of strings.  A single string is accepted as a one-element list
 * with a warning when scalar_ok is set.
 */
int yval_strlist(struct yctx *c, const struct treqs_ynode *n, const char *field, int scalar_ok,
		 struct treqs_strv *out);
/* Requires a mapping; reports otherwise. */
int yval_map(struct yctx *c, const struct treqs_ynode *n, const char *field);

/*
 * Warns about a key not in known[] (NULL-terminated), with a "did you
 * mean" hint when one is close.  prefix is the dotted parent ("" at top).
 */
void yval_unknown_key(struct yctx *c, const struct treqs_ynode *key, const char *prefix,
		      const char *const *known);

#endif
