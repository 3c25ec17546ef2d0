/*
 * http.c - the "http" driver: a generic GPU job service as labs run them,
 * plus the helpers every HTTP-based driver shares (see http.h).
 *
 * Configuration (.treqs/config.yaml, drivers.NAME):
 *
 *   key                      default          meaning
 *   type                     -                "http"
 *   endpoint                 (required)       http://host:port[/prefix], https://..., or unix:/path.sock
 *   repo                     (required)       the repository the service checks out (sent as "repo")
 *   branch                   treqs/{tr_id}    the branch it checks out; {tr_id}, {name} and {digest}
 *                                             are replaced (the default is the TR's own branch,
 *                                             which holds the approved files)
 *   prefer_resource          the TR's gpu_type  sent as "prefer_resource"
 *   gpu_memory_min_gb        (none: null)     sent as "gpu_memory_min_gb"
 *   token_env / token_file   (none)           a bearer token: the name of an environment variable,
 *                                             or a file whose first line it is (never in config)
 *   ca_file                  system CAs       PEM file to trust for https
 *   insecure                 false            skip TLS verification (tests only)
 *   timeout_seconds          30               per request attempt
 *   connect_timeout_seconds  5
 *   retries                  4                extra attempts after refused connections, timeouts,
 *                                             HTTP 5xx and 429
 *   retry_backoff_seconds    0.2              first wait between attempts, doubled each time
 *
 * The service's API, as this driver speaks it (paths under the endpoint):
 *
 *   POST /api/jobs            {"name", "repo", "branch", "script", "args", "env", "gpu_count",
 *                              "gpu_memory_min_gb", "time_limit_hours", "prefer_resource"}
 *                             name: the job's stable name (TR id, digest); script: argv[0];
 *                             args: the rest of argv; env: {"NAME": "value"}.
 *                             -> 2xx {"id": "..."} (a string or an integer).  409: a job of that
 *                             name exists: re-attached (the answer's "id", else found by name).
 *   GET /api/jobs/{id}        -> {"status": S, "exit_code": int|null, "started_at": T,
 *                              "finished_at": T, "restarts": int, "message": "..."}
 *                             S: queued|pending|submitted|scheduled, running|starting,
 *                             succeeded|success|completed|done, failed|error,
 *                             cancelled|canceled|stopped, timeout|timed_out, lost.
 *                             T: unix seconds (milliseconds when > 1e11), an ISO 8601 string,
 *                             or null.  404: no such job.
 *   GET /api/jobs/{id}/logs   -> {"logs": "..."}, or the output as text
 *   GET /api/jobs?name=NAME   -> {"jobs": [{"id", "name", ...}, ...]} or a bare array; only an
 *                             exact name counts (services often match prefixes)
 *   POST /api/jobs/{id}/cancel  -> 2xx; 409 (already over) is fine; 404: no such job.
 *                             POST rather than DELETE /api/jobs/{id}: on most such services DELETE
 *                             forgets the job's record, and treqs still needs its final status
 *                             and log after the cancel (treqs cancel archives them).
 *   GET /api/resources        -> {"resources": [{"name", "gpu_type", "gpus_free", "gpus_total",
 *                              "gpu_memory_gb"}]}: shown by `treqs status`
 *
 * collect(): the service keeps the job's files; metrics come from the log
 * (lines "treqs-metric NAME=VALUE"), so collect writes nothing.
 */
#include "http.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "treqs/yaml.h"

/* ---- shared helpers ---- */

int treqs_drv_conf_bool(const struct treqs_ynode *conf, const char *key, int def)
{
	const char *v = treqs_driver_conf_str(conf, key, NULL);

	if (!v)
		return def;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		return 1;
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		return 0;
	return -1;
}

int treqs_drv_http_setup(struct treqs_http *h, const char *what, const char *endpoint,
			 const struct treqs_ynode *conf)
{
	const char *ca = treqs_driver_conf_str(conf, "ca_file", NULL);
	double t = treqs_driver_conf_num(conf, "timeout_seconds", 30);
	double ct = treqs_driver_conf_num(conf, "connect_timeout_seconds", 5);
	double retries = treqs_driver_conf_num(conf, "retries", 4);
	double backoff = treqs_driver_conf_num(conf, "retry_backoff_seconds", 0.2);
	int insecure = treqs_drv_conf_bool(conf, "insecure", 0);
	int ret;

	if (!endpoint || !*endpoint) {
		memset(h, 0, sizeof(*h));
		return treqs_error(TREQS_EINVALID, "%s: no 'endpoint' in config.yaml", what);
	}
	if ((ret = treqs_http_init(h, endpoint)) < 0) {
		char *m = xstrdup(treqs_error_msg());
		treqs_error(ret, "%s: %s", what, m);
		free(m);
		return ret;
	}
	if (!(t > 0 && t <= 86400) || !(ct > 0 && ct <= 3600) || !(retries >= 0 && retries <= 20) ||
	    !(backoff >= 0 && backoff <= 600) || insecure < 0)
		return treqs_error(TREQS_EINVALID,
				   "%s: timeout_seconds (0-86400], connect_timeout_seconds (0-3600], retries [0-20], "
				   "retry_backoff_seconds [0-600] and insecure (true/false) must be in range",
				   what);
	h->timeout_ms = (long)(t * 1000);
	h->connect_timeout_ms = (long)(ct * 1000);
	h->retries = (int)retries;
	h->backoff_ms = (long)(backoff * 1000);
	h->insecure = insecure;
	if (ca)
		h->ca_file = xstrdup(ca);
	return 0;
}

int treqs_drv_http_token(struct treqs_http *h, const char *what, const struct treqs_ynode *conf, int *found)
{
	char *token = NULL, *from = NULL;
	int ret;

	if (found)
		*found = 0;
	if ((ret = treqs_http_secret(&token, &from, conf, "token")) < 0) {
		char *m = xstrdup(treqs_error_msg());
		treqs_error(ret, "%s: %s", what, m);
		free(m);
		return ret;
	}
	if (token) {
		if (!*token || strpbrk(token, "\r\n")) {
			ret = treqs_error(TREQS_EINVALID, "%s: %s is empty", what, from);
		} else {
			treqs_http_bearer(h, token, from);
			if (found)
				*found = 1;
		}
	}
	free(token);
	free(from);
	return ret;
}

int treqs_drv_request(const char *what, struct treqs_http *h, const char *method, const char *path, json_t *body,
		      struct treqs_http_response *resp)
{
	int ret = treqs_http_request(h, method, path, body, resp);

	if (ret < 0) {
		char *m = xstrdup(treqs_error_msg());
		treqs_error(ret, "%s: %s", what, m);
		free(m);
	}
	return ret;
}

/* At most n bytes of s, control characters as '?', into b. */
static void put_printable(struct treqs_buf *b, const char *s, size_t len, size_t n)
{
	size_t i;

	for (i = 0; i < len && i < n; i++)
		treqs_buf_putc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
	if (len > n)
		treqs_buf_puts(b, "...");
}

int treqs_drv_http_status_error(const char *what, const struct treqs_http *h, const char *method, const char *path,
				const struct treqs_http_response *r)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	const char *said = NULL;
	int ret;

	if (json_is_object(r->json)) {
		static const char *const keys[] = {"message", "error", "detail"};
		size_t i;
		for (i = 0; i < TREQS_ARRAY_SIZE(keys) && !said; i++)
			said = json_string_value(json_object_get(r->json, keys[i]));
	}
	if (said)
		put_printable(&b, said, strlen(said), 300);
	else if (r->body.len)
		put_printable(&b, r->body.ptr, r->body.len, 200);
	else
		treqs_buf_puts(&b, "(no message)");
	ret = treqs_error(TREQS_EENV, "%s: %s %s at %s: HTTP %ld: %s", what, method, path, h->endpoint, r->status,
			  treqs_buf_cstr(&b));
	treqs_buf_free(&b);
	return ret;
}

int treqs_drv_bad_answer(int code, const char *what, const struct treqs_http *h, const char *method,
			 const char *path)
{
	char *m = xstrdup(treqs_error_msg());

	treqs_error(code, "%s: %s %s at %s: unexpected answer: %s", what, method, path, h->endpoint, m);
	free(m);
	return code;
}

int treqs_drv_json_object(const struct treqs_http_response *r, json_t **obj)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	int ret;

	if (json_is_object(r->json)) {
		*obj = r->json;
		return 0;
	}
	*obj = NULL;
	if (!r->body.len)
		return treqs_error(TREQS_EENV, "the answer is empty, expected a JSON object");
	put_printable(&b, r->body.ptr, r->body.len, 60);
	ret = treqs_error(TREQS_EENV, "the answer is not a JSON object (it starts '%s')", treqs_buf_cstr(&b));
	treqs_buf_free(&b);
	return ret;
}

char *treqs_dj_path(const char *where, const char *key)
{
	return where && *where ? xasprintf("%s.%s", where, key) : xstrdup(key);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* The member, NULL when absent or null (then 0, or the missing error when required). */
static int member(const json_t *obj, const char *where, const char *key, int required, json_t **out)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	*out = NULL;
	if (!json_is_object(obj)) {
		int ret = treqs_error(TREQS_EENV, "'%s' is %s, expected an object", where && *where ? where : "the answer",
				      obj ? type_name(obj) : "missing");
		return ret;
	}
	if (!v || json_is_null(v)) {
		if (required) {
			char *p = treqs_dj_path(where, key);
			int ret = treqs_error(TREQS_EENV, "'%s' is missing", p);
			free(p);
			return ret;
		}
		return 0;
	}
	*out = v;
	return 0;
}

static int wrong_type(const char *where, const char *key, const json_t *v, const char *expected)
{
	char *p = treqs_dj_path(where, key);
	int ret = treqs_error(TREQS_EENV, "'%s' is %s, expected %s", p, type_name(v), expected);

	free(p);
	return ret;
}

int treqs_dj_str(const json_t *obj, const char *where, const char *key, int required, const char **out)
{
	json_t *v;
	int ret;

	if ((ret = member(obj, where, key, required, &v)) < 0 || !v)
		return ret;
	if (!json_is_string(v))
		return wrong_type(where, key, v, "a string");
	*out = json_string_value(v);
	return 0;
}

int treqs_dj_num(const json_t *obj, const char *where, const char *key, int required, double *out)
{
	json_t *v;
	int ret;

	if ((ret = member(obj, where, key, required, &v)) < 0 || !v)
		return ret;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return wrong_type(where, key, v, "a number");
	*out = json_number_value(v);
	return 0;
}

int treqs_dj_int(const json_t *obj, const char *where, const char *key, int required, long long *out)
{
	json_t *v;
	int ret;

	if ((ret = member(obj, where, key, required, &v)) < 0 || !v)
		return ret;
	if (!json_is_integer(v))
		return wrong_type(where, key, v, "an integer");
	*out = (long long)json_integer_value(v);
	return 0;
}

int treqs_dj_bool(const json_t *obj, const char *where, const char *key, int required, int *out)
{
	json_t *v;
	int ret;

	if ((ret = member(obj, where, key, required, &v)) < 0 || !v)
		return ret;
	if (!json_is_boolean(v))
		return wrong_type(where, key, v, "a boolean");
	*out = json_is_true(v);
	return 0;
}

int treqs_dj_get(const json_t *obj, const char *where, const char *key, json_type type, int required, json_t **out)
{
	json_t *v;
	int ret;

	*out = NULL;
	if ((ret = member(obj, where, key, required, &v)) < 0 || !v)
		return ret;
	if (json_typeof(v) != type)
		return wrong_type(where, key, v, type == JSON_ARRAY ? "an array" : "an object");
	*out = v;
	return 0;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int treqs_drv_parse_time(const char *s, double *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	double frac = 0;
	time_t t;

	if (!s)
		return -1;
	if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 || *s++ != '-' || digits(&s, 2, &d) < 0)
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0 || *s++ != ':' || digits(&s, 2, &sec) < 0)
		return -1;
	if (*s == '.') {
		double scale = 0.1;
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		for (; isdigit((unsigned char)*s); s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &oh) < 0 || *s++ != ':' || digits(&s, 2, &om) < 0)
			return -1;
	} else {
		return -1;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (double)t + frac - sign * (oh * 3600.0 + om * 60.0);
	return 0;
}

void treqs_drv_tail(struct treqs_buf *out, const char *text, size_t len, size_t max)
{
	size_t start = len > max ? len - max : 0;

	if (start) {
		/* begin at a line when one begins in the first 200 bytes kept */
		const char *nl = memchr(text + start, '\n', len - start < 200 ? len - start : 200);
		if (nl)
			start = (size_t)(nl - text) + 1;
	}
	treqs_buf_put(out, text + start, len - start);
}

void treqs_drv_clean(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

char *treqs_drv_expand(const char *tmpl, const struct treqs_job_spec *spec)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	const char *p = tmpl;

	while (*p) {
		if (!strncmp(p, "{tr_id}", 7)) {
			treqs_buf_puts(&b, spec->tr_id ? spec->tr_id : "");
			p += 7;
		} else if (!strncmp(p, "{name}", 6)) {
			treqs_buf_puts(&b, spec->name ? spec->name : "");
			p += 6;
		} else if (!strncmp(p, "{digest}", 8)) {
			treqs_buf_puts(&b, spec->digest ? spec->digest : "");
			p += 8;
		} else {
			treqs_buf_putc(&b, *p++);
		}
	}
	treqs_buf_putc(&b, '\0');
	b.len--;
	return treqs_buf_detach(&b);
}

/* ---- the generic job service: pure parts ---- */

json_t *treqs_httpjobs_submit_body(const struct treqs_job_spec *spec, const struct treqs_httpjobs_opts *o)
{
	json_t *args = json_array(), *env = treqs_driver_env_object(spec->env);
	size_t i;

	for (i = 1; spec->argv[0] && spec->argv[i]; i++)
		json_array_append_new(args, json_string(spec->argv[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:f, s:o}", "name", spec->name, "repo", o->repo,
			 "branch", o->branch, "script", spec->argv[0], "args", args, "env", env, "gpu_count",
			 (json_int_t)spec->gpu_count, "gpu_memory_min_gb",
			 o->gpu_memory_min_gb > 0 ? json_real(o->gpu_memory_min_gb) : json_null(), "time_limit_hours",
			 spec->time_limit / 3600.0, "prefer_resource",
			 o->prefer_resource ? json_string(o->prefer_resource) : json_null());
}

int treqs_httpjobs_job_id(const json_t *answer, char **id)
{
	json_t *v = json_is_object(answer) ? json_object_get(answer, "id") : NULL;

	*id = NULL;
	if (!json_is_object(answer))
		return treqs_error(TREQS_EENV, "the answer is %s, expected an object with 'id'",
				   answer ? type_name(answer) : "not JSON");
	if (!v)
		return treqs_error(TREQS_EENV, "'id' is missing");
	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 256 &&
	    !strpbrk(json_string_value(v), "\r\n\t /?#%") && strlen(json_string_value(v)) == json_string_length(v)) {
		*id = xstrdup(json_string_value(v));
		return 0;
	}
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*id = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	}
	if (json_is_string(v)) {
		struct treqs_buf b = TREQS_BUF_INIT;
		int ret;
		put_printable(&b, json_string_value(v), strlen(json_string_value(v)), 60);
		ret = treqs_error(TREQS_EENV, "'id' is '%s', expected a job id (1-256 characters, no spaces, '/', '?', "
					      "'#' or '%%')",
				  treqs_buf_cstr(&b));
		treqs_buf_free(&b);
		return ret;
	}
	return wrong_type("", "id", v, "a string or an integer");
}

/* A time field: unix seconds (ms when huge), ISO 8601, or null. */
static int time_field(const json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);
	double t;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_number(v) && isfinite(json_number_value(v)) && json_number_value(v) >= 0) {
		t = json_number_value(v);
		*out = t > 1e11 ? t / 1000 : t;
		return 0;
	}
	if (json_is_string(v) && treqs_drv_parse_time(json_string_value(v), &t) == 0) {
		*out = t;
		return 0;
	}
	if (json_is_string(v))
		return treqs_error(TREQS_EENV, "'%s' is '%.60s', expected a time (unix seconds or ISO 8601)", key,
				   json_string_value(v));
	return wrong_type("", key, v, "a time (unix seconds or ISO 8601)");
}

static const struct {
	const char *word;
	enum treqs_job_state state;
} httpjobs_states[] = {
	{"queued", TREQS_JOB_PENDING},	   {"pending", TREQS_JOB_PENDING},	{"submitted", TREQS_JOB_PENDING},
	{"scheduled", TREQS_JOB_PENDING},  {"running", TREQS_JOB_RUNNING},	{"starting", TREQS_JOB_RUNNING},
	{"succeeded", TREQS_JOB_SUCCEEDED}, {"success", TREQS_JOB_SUCCEEDED},	{"completed", TREQS_JOB_SUCCEEDED},
	{"done", TREQS_JOB_SUCCEEDED},	   {"failed", TREQS_JOB_FAILED},	{"error", TREQS_JOB_FAILED},
	{"cancelled", TREQS_JOB_CANCELLED}, {"canceled", TREQS_JOB_CANCELLED}, {"stopped", TREQS_JOB_CANCELLED},
	{"timeout", TREQS_JOB_TIMEOUT},	   {"timed_out", TREQS_JOB_TIMEOUT},	{"lost", TREQS_JOB_LOST},
};

int treqs_httpjobs_status(const json_t *job, struct treqs_job_status *st)
{
	const char *word = NULL, *msg = NULL;
	long long code = -1, restarts = 0;
	size_t i;
	int ret, found = 0;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if ((ret = treqs_dj_str(job, "", "status", 1, &word)) < 0)
		return ret;
	for (i = 0; i < TREQS_ARRAY_SIZE(httpjobs_states); i++)
		if (!strcasecmp(word, httpjobs_states[i].word)) {
			st->state = httpjobs_states[i].state;
			found = 1;
		}
	if (!found)
		return treqs_error(TREQS_EENV, "'status' is '%.40s', expected queued, running, succeeded, failed, "
					       "cancelled, timeout or lost",
				   word);
	if ((ret = treqs_dj_int(job, "", "exit_code", 0, &code)) < 0 ||
	    (ret = treqs_dj_int(job, "", "restarts", 0, &restarts)) < 0 ||
	    (ret = treqs_dj_str(job, "", "message", 0, &msg)) < 0 || (ret = time_field(job, "started_at", &st->start_time)) < 0 ||
	    (ret = time_field(job, "finished_at", &st->end_time)) < 0)
		return ret;
	if (code < -1 || code > 255 + 128)
		return treqs_error(TREQS_EENV, "'exit_code' is %lld, expected an exit status (0-383)", code);
	if (restarts < 0 || restarts > 1000000)
		return treqs_error(TREQS_EENV, "'restarts' is %lld, expected a count", restarts);
	st->restarts = (unsigned)restarts;
	if (treqs_job_state_final(st->state)) {
		st->exit_code = (int)code;
		if (st->state == TREQS_JOB_SUCCEEDED && code < 0)
			st->exit_code = 0;
	}
	if (msg)
		snprintf(st->detail, sizeof(st->detail), "%s", msg);
	else if (st->state == TREQS_JOB_TIMEOUT)
		snprintf(st->detail, sizeof(st->detail), "stopped at its time limit");
	treqs_drv_clean(st->detail);
	return 0;
}

int treqs_httpjobs_find(const json_t *list, const char *name, char **id)
{
	json_t *jobs = NULL;
	size_t i;
	int ret;

	*id = NULL;
	if (json_is_array(list))
		jobs = (json_t *)list;
	else if ((ret = treqs_dj_get(list, "", "jobs", JSON_ARRAY, 1, &jobs)) < 0)
		return ret;
	for (i = 0; i < json_array_size(jobs); i++) {
		json_t *j = json_array_get(jobs, i);
		const char *n = NULL;
		char where[32];

		snprintf(where, sizeof(where), "jobs[%zu]", i);
		if ((ret = treqs_dj_str(j, where, "name", 1, &n)) < 0)
			return ret;
		if (strcmp(n, name))
			continue;
		if ((ret = treqs_httpjobs_job_id(j, id)) < 0) {
			char *m = xstrdup(treqs_error_msg());
			treqs_error(ret, "%s: %s", where, m);
			free(m);
		}
		return ret;
	}
	return treqs_error(TREQS_ENOTFOUND, "no job named '%s'", name);
}

int treqs_httpjobs_resources(const json_t *answer, struct treqs_buf *out)
{
	json_t *list = NULL;
	size_t i;
	int ret;

	if ((ret = treqs_dj_get(answer, "", "resources", JSON_ARRAY, 1, &list)) < 0)
		return ret;
	for (i = 0; i < json_array_size(list); i++) {
		json_t *r = json_array_get(list, i);
		const char *name = NULL, *type = NULL;
		long long free_ = -1, total = -1;
		double mem = 0;
		char where[32];

		snprintf(where, sizeof(where), "resources[%zu]", i);
		if ((ret = treqs_dj_str(r, where, "name", 1, &name)) < 0 || (ret = treqs_dj_str(r, where, "gpu_type", 0, &type)) < 0 ||
		    (ret = treqs_dj_int(r, where, "gpus_free", 1, &free_)) < 0 ||
		    (ret = treqs_dj_int(r, where, "gpus_total", 0, &total)) < 0 ||
		    (ret = treqs_dj_num(r, where, "gpu_memory_gb", 0, &mem)) < 0)
			return ret;
		treqs_buf_puts(out, "  ");
		put_printable(out, name, strlen(name), 80);
		treqs_buf_printf(out, ": %lld", free_);
		if (total >= 0)
			treqs_buf_printf(out, "/%lld", total);
		if (type) {
			treqs_buf_putc(out, ' ');
			put_printable(out, type, strlen(type), 40);
		}
		treqs_buf_puts(out, " free");
		if (mem > 0)
			treqs_buf_printf(out, " (%.0f GB each)", mem);
		treqs_buf_putc(out, '\n');
	}
	return 0;
}

/* ---- the driver ---- */

struct httpjobs {
	struct treqs_driver base;
	struct treqs_http h;
	char *what;
	char *repo, *branch, *prefer;
	double gpu_mem;
};

static void httpjobs_close(struct treqs_driver *d)
{
	struct httpjobs *j = (struct httpjobs *)d;

	if (!j)
		return;
	treqs_http_clear(&j->h);
	free(j->what);
	free(j->repo);
	free(j->branch);
	free(j->prefer);
	free(j->base.name);
	free(j);
}

static int httpjobs_open(struct treqs_driver **out, const char *name, const struct treqs_ynode *conf)
{
	struct httpjobs *j = xcalloc(1, sizeof(*j));
	const char *repo = treqs_driver_conf_str(conf, "repo", NULL);
	int ret;

	j->base.ops = &treqs_driver_http;
	j->base.name = xstrdup(name);
	j->what = xasprintf("http driver '%s'", name);
	*out = NULL;
	if ((ret = treqs_drv_http_setup(&j->h, j->what, treqs_driver_conf_str(conf, "endpoint", NULL), conf)) < 0 ||
	    (ret = treqs_drv_http_token(&j->h, j->what, conf, NULL)) < 0)
		goto fail;
	if (!repo) {
		ret = treqs_error(TREQS_EINVALID, "%s: no 'repo' in config.yaml (the repository the service checks out)",
				  j->what);
		goto fail;
	}
	j->repo = xstrdup(repo);
	j->branch = xstrdup(treqs_driver_conf_str(conf, "branch", "treqs/{tr_id}"));
	if (treqs_driver_conf_str(conf, "prefer_resource", NULL))
		j->prefer = xstrdup(treqs_driver_conf_str(conf, "prefer_resource", NULL));
	j->gpu_mem = treqs_driver_conf_num(conf, "gpu_memory_min_gb", 0);
	*out = &j->base;
	return 0;
fail:
	httpjobs_close(&j->base);
	return ret;
}

/* The path /api/jobs/{id}[suffix], the id escaped. */
static char *job_path(const char *id, const char *suffix)
{
	char *e = treqs_http_escape(id), *p = xasprintf("/api/jobs/%s%s", e, suffix);

	free(e);
	return p;
}

static int httpjobs_find(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct httpjobs *j = (struct httpjobs *)d;
	struct treqs_http_response r;
	char *e = treqs_http_escape(spec->name), *path = xasprintf("/api/jobs?name=%s", e);
	int ret;

	*job_id = NULL;
	if ((ret = treqs_drv_request(j->what, &j->h, "GET", path, NULL, &r)) < 0)
		goto out;
	if (r.status != 200) {
		ret = treqs_drv_http_status_error(j->what, &j->h, "GET", path, &r);
		goto out;
	}
	if (!r.json) {
		json_t *obj;
		ret = treqs_drv_bad_answer(treqs_drv_json_object(&r, &obj), j->what, &j->h, "GET", path);
		goto out;
	}
	ret = treqs_httpjobs_find(r.json, spec->name, job_id);
	if (ret < 0 && ret != TREQS_ENOTFOUND)
		ret = treqs_drv_bad_answer(ret, j->what, &j->h, "GET", path);
out:
	treqs_http_response_clear(&r);
	free(path);
	free(e);
	return ret;
}

static int httpjobs_submit(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct httpjobs *j = (struct httpjobs *)d;
	struct treqs_httpjobs_opts o;
	struct treqs_http_response r;
	char *branch = treqs_drv_expand(j->branch, spec);
	json_t *body;
	int ret;

	*job_id = NULL;
	o.repo = j->repo;
	o.branch = branch;
	o.prefer_resource = j->prefer ? j->prefer : spec->gpu_type;
	o.gpu_memory_min_gb = j->gpu_mem;
	body = treqs_httpjobs_submit_body(spec, &o);
	{
		/*
		 * A POST is not retried blindly: when it got no answer (or a
		 * 5xx), the job may exist all the same, and a service that does
		 * not refuse duplicate names would run it twice.  Look it up
		 * by name before each new attempt.
		 */
		int retries = j->h.retries, attempt;
		long wait = j->h.backoff_ms;

		j->h.retries = 0;
		for (attempt = 0;; attempt++) {
			ret = treqs_drv_request(j->what, &j->h, "POST", "/api/jobs", body, &r);
			if (ret == 0 || attempt >= retries)
				break;
			treqs_http_response_clear(&r);
			{
				char *saved = xstrdup(treqs_error_msg());
				int found;
				struct timespec ts = {wait / 1000, (wait % 1000) * 1000000L};
				nanosleep(&ts, NULL);
				wait *= 2;
				j->h.retries = retries;
				found = httpjobs_find(d, spec, job_id);
				j->h.retries = 0;
				if (found == 0) {
					free(saved);
					json_decref(body);
					free(branch);
					j->h.retries = retries;
					return 0; /* it was submitted after all: re-attach */
				}
				if (found != TREQS_ENOTFOUND) {
					free(saved);
					ret = found;
					break;
				}
				treqs_error(TREQS_EENV, "%s", saved);
				free(saved);
			}
		}
		j->h.retries = retries;
	}
	json_decref(body);
	free(branch);
	if (ret < 0)
		goto out;
	if (r.status == 409) {
		/* submitted before (a runner died after the POST): re-attach */
		if (treqs_httpjobs_job_id(r.json, job_id) == 0)
			goto out;
		treqs_error_clear();
		treqs_http_response_clear(&r);
		ret = httpjobs_find(d, spec, job_id);
		if (ret == TREQS_ENOTFOUND)
			ret = treqs_error(TREQS_EENV, "%s: POST /api/jobs at %s: HTTP 409 (a job named '%s' exists) but "
						      "GET /api/jobs?name= does not list it",
					  j->what, j->h.endpoint, spec->name);
		return ret;
	}
	if (r.status < 200 || r.status > 299) {
		ret = treqs_drv_http_status_error(j->what, &j->h, "POST", "/api/jobs", &r);
		goto out;
	}
	if ((ret = treqs_httpjobs_job_id(r.json, job_id)) < 0)
		ret = treqs_drv_bad_answer(ret, j->what, &j->h, "POST", "/api/jobs");
out:
	treqs_http_response_clear(&r);
	return ret;
}

static int httpjobs_poll(struct treqs_driver *d, const char *job_id, struct treqs_job_status *st)
{
	struct httpjobs *j = (struct httpjobs *)d;
	struct treqs_http_response r;
	char *path = job_path(job_id, "");
	json_t *obj;
	int ret;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if ((ret = treqs_drv_request(j->what, &j->h, "GET", path, NULL, &r)) < 0)
		goto out;
	if (r.status == 404) {
		ret = treqs_error(TREQS_ENOTFOUND, "%s: the service at %s has no job '%s'", j->what, j->h.endpoint, job_id);
		goto out;
	}
	if (r.status != 200) {
		ret = treqs_drv_http_status_error(j->what, &j->h, "GET", path, &r);
		goto out;
	}
	if ((ret = treqs_drv_json_object(&r, &obj)) < 0 || (ret = treqs_httpjobs_status(obj, st)) < 0)
		ret = treqs_drv_bad_answer(ret, j->what, &j->h, "GET", path);
out:
	treqs_http_response_clear(&r);
	free(path);
	return ret;
}

static int httpjobs_logs(struct treqs_driver *d, const char *job_id, size_t max, struct treqs_buf *out)
{
	struct httpjobs *j = (struct httpjobs *)d;
	struct treqs_http_response r;
	char *path = job_path(job_id, "/logs");
	int ret;

	if ((ret = treqs_drv_request(j->what, &j->h, "GET", path, NULL, &r)) < 0)
		goto out;
	if (r.status == 404) {
		ret = treqs_error(TREQS_ENOTFOUND, "%s: the service at %s has no job '%s'", j->what, j->h.endpoint, job_id);
		goto out;
	}
	if (r.status != 200) {
		ret = treqs_drv_http_status_error(j->what, &j->h, "GET", path, &r);
		goto out;
	}
	if (json_is_object(r.json)) {
		const char *logs = NULL;
		if ((ret = treqs_dj_str(r.json, "", "logs", 1, &logs)) < 0) {
			ret = treqs_drv_bad_answer(ret, j->what, &j->h, "GET", path);
			goto out;
		}
		treqs_drv_tail(out, logs, strlen(logs), max);
	} else {
		treqs_drv_tail(out, treqs_buf_cstr(&r.body), r.body.len, max);
	}
out:
	treqs_http_response_clear(&r);
	free(path);
	return ret;
}

static int httpjobs_cancel(struct treqs_driver *d, const char *job_id)
{
	struct httpjobs *j = (struct httpjobs *)d;
	struct treqs_http_response r;
	char *path = job_path(job_id, "/cancel");
	int ret;

	if ((ret = treqs_drv_request(j->what, &j->h, "POST", path, NULL, &r)) < 0)
		goto out;
	if (r.status == 404)
		ret = treqs_error(TREQS_ENOTFOUND, "%s: the service at %s has no job '%s'", j->what, j->h.endpoint, job_id);
	else if (r.status != 409 && (r.status < 200 || r.status > 299))
		ret = treqs_drv_http_status_error(j->what, &j->h, "POST", path, &r);
out:
	treqs_http_response_clear(&r);
	free(path);
	return ret;
}

/* The service keeps the job's files; metrics come from its log's treqs-metric lines. */
static int httpjobs_collect(struct treqs_driver *d, const char *job_id, const char *dest)
{
	return 0;
}

static int httpjobs_resources(struct treqs_driver *d, struct treqs_buf *out)
{
	struct httpjobs *j = (struct httpjobs *)d;
	struct treqs_http_response r;
	json_t *obj;
	int ret;

	if ((ret = treqs_drv_request(j->what, &j->h, "GET", "/api/resources", NULL, &r)) < 0)
		goto out;
	if (r.status != 200) {
		ret = treqs_drv_http_status_error(j->what, &j->h, "GET", "/api/resources", &r);
		goto out;
	}
	if ((ret = treqs_drv_json_object(&r, &obj)) < 0 || (ret = treqs_httpjobs_resources(obj, out)) < 0)
		ret = treqs_drv_bad_answer(ret, j->what, &j->h, "GET", "/api/resources");
out:
	treqs_http_response_clear(&r);
	return ret;
}

const struct treqs_driver_ops treqs_driver_http = {
	TREQS_DRIVER_VERSION,
	"http",
	httpjobs_open,
	httpjobs_find,
	httpjobs_submit,
	httpjobs_poll,
	httpjobs_logs,
	httpjobs_cancel,
	httpjobs_collect,
	httpjobs_resources,
	httpjobs_close,
};
