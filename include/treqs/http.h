/*
 * http.h - JSON over HTTP for the cluster drivers, with libcurl and
 * jansson.
 *
 * One request at a time, with the failure policy every driver shares:
 *   - connection refused, timeouts, HTTP 5xx (and 429): retried with
 *     exponential backoff (retries, backoff), then TREQS_EENV with a
 *     message naming the endpoint and the last failure;
 *   - HTTP 401/403: TREQS_EENV at once, "the server refused the
 *     credentials" naming which credential was sent (no retry);
 *   - other 4xx: returned to the caller as the status (the driver decides:
 *     404 means "no such job", 409 "already exists");
 *   - a body that should be JSON and is not: TREQS_EENV naming the request.
 * Endpoints are "http://host:port", "https://...", or "unix:/path.sock"
 * (the request then goes to http://localhost over that socket).
 */
#ifndef TREQS_HTTP_H
#define TREQS_HTTP_H

#include <jansson.h>

#include "treqs/common.h"

struct treqs_http {
	char *endpoint;          /* as configured */
	char *base_url;          /* http(s)://host[:port][/prefix], without a trailing slash */
	char *unix_socket;       /* path, or NULL */
	struct treqs_strv headers; /* "Name: value" sent with every request */
	char *credential_name;   /* for messages: "the bearer token from $K8S_TOKEN" */
	char *ca_file;           /* TLS trust, or NULL for the system's */
	int insecure;            /* skip TLS verification (tests only) */
	long timeout_ms;         /* per attempt (default 30000) */
	long connect_timeout_ms; /* default 5000 */
	int retries;             /* extra attempts after the first (default 4) */
	long backoff_ms;         /* first wait, doubled each time (default 200) */
};

struct treqs_http_response {
	long status;             /* HTTP status, 0 when none came back */
	struct treqs_buf body;
	json_t *json;            /* the body parsed when it is JSON, else NULL */
};

/* Sets up a client for endpoint; free with treqs_http_clear. */
int treqs_http_init(struct treqs_http *h, const char *endpoint);
void treqs_http_clear(struct treqs_http *h);
/* Adds "Authorization: Bearer <token>"; name says where the token came from. */
void treqs_http_bearer(struct treqs_http *h, const char *token, const char *name);
void treqs_http_header(struct treqs_http *h, const char *name, const char *value);

/*
 * Sends method path (appended to the base URL) with body (a JSON value,
 * or NULL).  On return *resp holds the last answer (free with
 * treqs_http_response_clear).  Returns 0 when an answer other than
 * 401/403/5xx came back (check resp->status), or TREQS_EENV.
 */
int treqs_http_request(struct treqs_http *h, const char *method, const char *path, json_t *body,
		       struct treqs_http_response *resp);
void treqs_http_response_clear(struct treqs_http_response *r);

/*
 * A secret from config: the value of key "<key>_env" names an environment
 * variable, "<key>_file" a file (first line); a literal "<key>" is refused
 * so that tokens never sit in the repository.  *out is NULL when neither
 * is configured.  *from describes where it came from, for messages.
 */
struct treqs_ynode;
int treqs_http_secret(char **out, char **from, const struct treqs_ynode *conf, const char *key);

/* Percent-encodes s for a URL path or query component; caller frees. */
char *treqs_http_escape(const char *s);

#endif
