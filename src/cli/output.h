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
/* Appends s cut or padded to width columns (UTF-8 aware; control characters shown as '?'). */
void cli_put_cut(struct treqs_buf *b, const char *s, size_t width);
/* "12" or "12.50". */
const char *cli_fmt_num(char *buf, size_t n, double d);

struct treqs_status;
struct treqs_config;
/*
 * Derives e's state into *st and loads the TR at the location the state
 * describes into *tr (NULL when the file is not YAML; its diagnostics are
 * dropped: `treqs validate` reports them).
 */
int cli_load_entry(struct treqs_tr **tr, struct treqs_status *st, git_repository *repo,
		   const struct treqs_config *cfg, const struct treqs_entry *e);

#endif
