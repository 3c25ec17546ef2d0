/*
 * output.h - shared JSON and text rendering for the read commands.
 */
#ifndef TREQS_CLI_OUTPUT_H
#define TREQS_CLI_OUTPUT_H

#include <jansson.h>

#include "treqs/catalog.h"
#include "treqs/common.h"
#include "treqs/tr.h"

/* New JSON array of {severity, path, line, column, field, message}. */
json_t *cli_diags_json(const struct treqs_diags *d);
/* New JSON object with every field of the TR. */
json_t *cli_tr_json(const struct treqs_tr *tr);
/* New JSON object {kind, ref, commit, blob, path}. */
json_t *cli_loc_json(const struct treqs_loc *l);
/* Appends s with control characters (C0 but newline and tab, DEL, C1) escaped. */
void cli_put_safe(struct treqs_buf *b, const char *s);
/* A copy of s escaped as cli_put_safe() does; the caller frees it. */
char *cli_safe(const char *s);
/* Appends s cut or padded to width columns (UTF-8 aware; control characters shown as '?'). */
void cli_put_cut(struct treqs_buf *b, const char *s, size_t width);
/* "12" or "12.50". */
const char *cli_fmt_num(char *buf, size_t n, double d);

struct treqs_status;
/*
 * New JSON object summing a TR up for list: id, state, title, resources,
 * cost_estimate_usd, submitted_by, team, valid, approvals (a count),
 * location {kind, ref}, job and outcome when there are.
 */
json_t *cli_summary_json(const struct treqs_entry *e, const struct treqs_status *st);
/* New JSON object: the TR's fields plus id, state, location, digest, approvals, policy notes. */
json_t *cli_status_json(const struct treqs_entry *e, const struct treqs_status *st);

#endif
