/*
 * http.h - internal to the drivers: the helpers the HTTP-based drivers
 * (kubernetes.c, ray.c, http.c) share, and the pure functions of the
 * generic "http" job-service driver, exposed for tests/unit/test_drivers.c.
 *
 * Messages: every driver prefixes its errors with "<type> driver '<name>'"
 * (what), so that a failure says which configured driver it came from.
 * A malformed answer is TREQS_EENV naming the field that was wrong, never
 * a crash: fields are read through treqs_dj_*(), which check the type.
 */
#ifndef TREQS_DRIVERS_HTTP_H
#define TREQS_DRIVERS_HTTP_H

#include <jansson.h>

#include "treqs/driver.h"
#include "treqs/http.h"

/* ---- shared by the HTTP drivers ---- */

/*
 * Sets up h for endpoint with the connection keys every HTTP driver reads
 * from its mapping: ca_file, insecure (tests only), timeout_seconds,
 * connect_timeout_seconds, retries, retry_backoff_seconds.  what prefixes
 * messages.  The token is not read here (treqs_drv_http_token).
 */
int treqs_drv_http_setup(struct treqs_http *h, const char *what, const char *endpoint,
			 const struct treqs_ynode *conf);
/*
 * The bearer token from token_env / token_file, if configured: sent with
 * every request.  *found (may be NULL) tells whether one was.
 */
int treqs_drv_http_token(struct treqs_http *h, const char *what, const struct treqs_ynode *conf, int *found);
/* A boolean key: true/yes/on/1 or false/no/off/0; def when absent; -1 when neither. */
int treqs_drv_conf_bool(const struct treqs_ynode *conf, const char *key, int def);

/* treqs_http_request with what prefixed to its messages. */
int treqs_drv_request(const char *what, struct treqs_http *h, const char *method, const char *path, json_t *body,
		      struct treqs_http_response *resp);
/*
 * TREQS_EENV for an answer the driver cannot use: "what: METHOD PATH at
 * ENDPOINT: HTTP nnn: <the server's message>" (from JSON message, error
 * or detail, else the start of the body, control characters replaced).
 */
int treqs_drv_http_status_error(const char *what, const struct treqs_http *h, const char *method, const char *path,
				const struct treqs_http_response *r);
/*
 * Prefixes the last error (a treqs_dj_* complaint about a field) with
 * "what: METHOD PATH at ENDPOINT: unexpected answer: " and returns code.
 */
int treqs_drv_bad_answer(int code, const char *what, const struct treqs_http *h, const char *method,
			 const char *path);
/* The answer's JSON object, or TREQS_EENV "the answer is not a JSON object (it starts ...)". */
int treqs_drv_json_object(const struct treqs_http_response *r, json_t **obj);

/*
 * Typed reads of obj's member key; where names obj for messages ("status",
 * "" for the top level).  Absent or null members: *out untouched and 0 when
 * !required, else TREQS_EENV "'where.key' is missing".  The wrong type:
 * TREQS_EENV "'where.key' is a number, expected a string".
 */
int treqs_dj_str(const json_t *obj, const char *where, const char *key, int required, const char **out);
int treqs_dj_num(const json_t *obj, const char *where, const char *key, int required, double *out);
int treqs_dj_int(const json_t *obj, const char *where, const char *key, int required, long long *out);
int treqs_dj_bool(const json_t *obj, const char *where, const char *key, int required, int *out);
/* An array or object member (type JSON_ARRAY or JSON_OBJECT); *out borrowed. */
int treqs_dj_get(const json_t *obj, const char *where, const char *key, json_type type, int required,
		 json_t **out);
/* "where.key", or "key" at the top level; caller frees. */
char *treqs_dj_path(const char *where, const char *key);

/* RFC 3339 / ISO 8601 time ("2024-05-01T12:00:00Z", fractions, offsets) to unix seconds; -1 if not one. */
int treqs_drv_parse_time(const char *s, double *out);
/* Appends the last max bytes of text[0..len) to out, starting at a line when one starts near the cut. */
void treqs_drv_tail(struct treqs_buf *out, const char *text, size_t len, size_t max);
/* Replaces control characters in s by '?' (text from an engine, shown on terminals). */
void treqs_drv_clean(char *s);
/* Substitutes {tr_id}, {name}, {digest} in tmpl from spec; caller frees. */
char *treqs_drv_expand(const char *tmpl, const struct treqs_job_spec *spec);

/* ---- the generic job service ("http") ---- */

struct treqs_httpjobs_opts {
	const char *repo, *branch;      /* branch already expanded */
	const char *prefer_resource;    /* NULL: not sent */
	double gpu_memory_min_gb;       /* <= 0: not sent */
};

/* The POST /api/jobs body (new reference). */
json_t *treqs_httpjobs_submit_body(const struct treqs_job_spec *spec, const struct treqs_httpjobs_opts *o);
/* The job id of a submit answer ({"id": "..."} or a number): *id caller frees. */
int treqs_httpjobs_job_id(const json_t *answer, char **id);
/* A GET /api/jobs/{id} answer to a status. */
int treqs_httpjobs_status(const json_t *job, struct treqs_job_status *st);
/* The id of the job called name in a GET /api/jobs?name= answer: TREQS_ENOTFOUND when none. */
int treqs_httpjobs_find(const json_t *list, const char *name, char **id);
/* A GET /api/resources answer as lines "NAME: FREE/TOTAL GPU_TYPE free (MEM GB)". */
int treqs_httpjobs_resources(const json_t *answer, struct treqs_buf *out);

#endif
