/*
 * exec.h - internal: the pure parts of the exec driver (the request it
 * writes, the replies it reads), exposed for tests/unit/test_drivers.c.
 * The protocol is described at the top of drivers/exec.c.
 */
#ifndef TREQS_DRIVERS_EXEC_H
#define TREQS_DRIVERS_EXEC_H

#include <jansson.h>

#include "treqs/driver.h"

#define TREQS_EXECDRV_PROTOCOL 1

/* The "spec" object of find and submit requests (new reference). */
json_t *treqs_execdrv_spec(const struct treqs_job_spec *spec);

/*
 * Reads the program's stdout: exactly one non-blank line holding a JSON
 * object with a boolean "ok".  0 and *reply (caller decrefs), or
 * TREQS_EENV saying what was wrong with it.  An {"ok": false} reply is
 * returned as it is (treqs_execdrv_failure reads it).
 */
int treqs_execdrv_parse_reply(const char *out, size_t len, json_t **reply);

/*
 * The error of an {"ok": false, "error": "...", "code": "..."} reply:
 * TREQS_ENOTFOUND for code not_found, TREQS_EINVALID for unsupported
 * (the caller decides whether that matters), TREQS_EENV otherwise; the
 * message is the program's "error".
 */
int treqs_execdrv_failure(const json_t *reply);

/* A reply's "job_id": a string of 1-256 printable characters without spaces.  Caller frees. */
int treqs_execdrv_job_id(const json_t *reply, char **id);

/* A poll reply's "status" object to a status. */
int treqs_execdrv_status(const json_t *status, struct treqs_job_status *st);

#endif
