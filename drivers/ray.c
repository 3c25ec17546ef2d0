/*
 * ray.c - the "ray" driver: the Ray Jobs API of a Ray cluster's dashboard.
 *
 * Configuration (.treqs/config.yaml, drivers.NAME):
 *
 *   key                      default          meaning
 *   type                     -                "ray"
 *   endpoint                 (required)       the dashboard: http://head:8265, https://..., or
 *                                             unix:/path.sock
 *   working_dir              (none)           runtime_env.working_dir: a URI the cluster can fetch
 *                                             (s3://..., https://.../archive.zip); the job's files
 *                                             must come from somewhere, as the runner's checkout
 *                                             is not on the cluster
 *   num_cpus                 (none)           entrypoint_num_cpus
 *   token_env / token_file   (none)           an optional bearer token: the name of an environment
 *                                             variable, or a file whose first line it is
 *   ca_file                  system CAs       PEM file to trust for https
 *   insecure                 false            skip TLS verification (tests only)
 *   timeout_seconds          30               per request attempt
 *   connect_timeout_seconds  5
 *   retries                  4                extra attempts after refused connections, timeouts,
 *                                             HTTP 5xx and 429
 *   retry_backoff_seconds    0.2              first wait between attempts, doubled each time
 *
 * The API, as this driver speaks it:
 *
 *   submit  POST /api/jobs/ {"entrypoint", "submission_id", "entrypoint_num_gpus",
 *           "runtime_env": {"env_vars": {...}}, "metadata": {...}}
 *           -> {"submission_id": "..."}.  The entrypoint is the TR's argv quoted for a
 *           shell (Ray runs it with one: treqs_ray_quote), the submission id the job
 *           spec's name (TR id and digest).  An answer saying the id "already exists"
 *           (Ray: HTTP 400; 409 too) means an earlier runner submitted it: re-attached.
 *   find    GET /api/jobs/{submission_id} (404: none)
 *   poll    GET /api/jobs/{id} -> {"status": PENDING|RUNNING|SUCCEEDED|FAILED|STOPPED,
 *           "start_time", "end_time" (ms), "message", "driver_exit_code", "metadata"}
 *   logs    GET /api/jobs/{id}/logs -> {"logs": "..."}
 *   cancel  POST /api/jobs/{id}/stop -> {"stopped": true|false} (false: it was over)
 *   collect nothing: the job's files stay on the cluster; metrics come from its log
 *           (lines "treqs-metric NAME=VALUE")
 *
 * The time limit: Ray enforces none, so submit writes it into the job's
 * metadata (treqs_time_limit, seconds) and poll stops a job that runs past
 * start_time + limit; the job then ends STOPPED, which poll reports as
 * TIMEOUT.  The limit is only kept while some treqs process polls.
 */
#include "ray.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "treqs/http.h"

/* ---- pure parts ---- */

static int safe_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_@%+:,./-", c) ||
	       (c == '=' && !first);
}

char *treqs_ray_quote(const char *const *argv)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	size_t i;

	for (i = 0; argv[i]; i++) {
		const char *a = argv[i], *p;
		int plain = *a != '\0';

		for (p = a; *p && plain; p++)
			plain = safe_char(*p, i == 0);
		if (i)
			treqs_buf_putc(&b, ' ');
		if (plain) {
			treqs_buf_puts(&b, a);
			continue;
		}
		treqs_buf_putc(&b, '\'');
		for (p = a; *p; p++) {
			if (*p == '\'')
				treqs_buf_puts(&b, "'\\''");
			else
				treqs_buf_putc(&b, *p);
		}
		treqs_buf_putc(&b, '\'');
	}
	treqs_buf_putc(&b, '\0');
	return treqs_buf_detach(&b);
}

char *treqs_ray_submission_id(const char *name)
{
	char *s = xstrdup(name), *p;

	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '.' || *p == '-'))
			*p = '-';
	return s;
}

json_t *treqs_ray_submit_body(const struct treqs_job_spec *spec, const char *submission_id,
			      const struct treqs_ray_opts *o)
{
	json_t *env = treqs_driver_env_object(spec->env), *runtime_env, *meta, *body;
	char *entry = treqs_ray_quote(spec->argv), limit[32];

	runtime_env = json_pack("{s:o}", "env_vars", env);
	if (o && o->working_dir)
		json_object_set_new(runtime_env, "working_dir", json_string(o->working_dir));
	meta = json_pack("{s:s, s:s, s:s}", "treqs_tr_id", spec->tr_id ? spec->tr_id : "", "treqs_digest",
			 spec->digest ? spec->digest : "", "treqs_name", spec->name);
	if (spec->time_limit > 0) {
		snprintf(limit, sizeof(limit), "%.0f", ceil(spec->time_limit));
		json_object_set_new(meta, "treqs_time_limit", json_string(limit));
	}
	body = json_pack("{s:s, s:s, s:I, s:o, s:o}", "entrypoint", entry, "submission_id", submission_id,
			 "entrypoint_num_gpus", (json_int_t)(spec->gpu_count > 0 ? spec->gpu_count : 0), "runtime_env",
			 runtime_env, "metadata", meta);
	if (o && o->num_cpus > 0)
		json_object_set_new(body, "entrypoint_num_cpus", json_real(o->num_cpus));
	free(entry);
	return body;
}

static int ms_field(const json_t *job, const char *key, double *out)
{
	double ms = 0;
	int ret;

	if ((ret = treqs_dj_num(job, "", key, 0, &ms)) < 0)
		return ret;
	if (ms < 0)
		return treqs_error(TREQS_EENV, "'%s' is negative, expected milliseconds since 1970", key);
	*out = ms / 1000;
	return 0;
}

int treqs_ray_job_status(const json_t *job, struct treqs_job_status *st, double *deadline)
{
	const char *status = NULL, *msg = NULL, *limit = NULL;
	long long code = -1000;
	json_t *meta = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	*deadline = 0;
	if ((ret = treqs_dj_str(job, "", "status", 1, &status)) < 0 || (ret = treqs_dj_str(job, "", "message", 0, &msg)) < 0 ||
	    (ret = ms_field(job, "start_time", &st->start_time)) < 0 || (ret = ms_field(job, "end_time", &st->end_time)) < 0 ||
	    (ret = treqs_dj_int(job, "", "driver_exit_code", 0, &code)) < 0 ||
	    (ret = treqs_dj_get(job, "", "metadata", JSON_OBJECT, 0, &meta)) < 0 ||
	    (meta && (ret = treqs_dj_str(meta, "metadata", "treqs_time_limit", 0, &limit)) < 0))
		return ret;
	if (limit) {
		double l;
		char *e;
		l = strtod(limit, &e);
		if (e == limit || *e || !(l > 0) || !isfinite(l))
			return treqs_error(TREQS_EENV, "'metadata.treqs_time_limit' is '%.40s', expected seconds", limit);
		if (st->start_time > 0)
			*deadline = st->start_time + l;
	}
	if (!strcmp(status, "PENDING"))
		st->state = TREQS_JOB_PENDING;
	else if (!strcmp(status, "RUNNING"))
		st->state = TREQS_JOB_RUNNING;
	else if (!strcmp(status, "SUCCEEDED"))
		st->state = TREQS_JOB_SUCCEEDED;
	else if (!strcmp(status, "FAILED"))
		st->state = TREQS_JOB_FAILED;
	else if (!strcmp(status, "STOPPED"))
		st->state = *deadline > 0 && st->end_time >= *deadline ? TREQS_JOB_TIMEOUT : TREQS_JOB_CANCELLED;
	else
		return treqs_error(TREQS_EENV, "'status' is '%.40s', expected PENDING, RUNNING, SUCCEEDED, FAILED or STOPPED",
				   status);
	if (treqs_job_state_final(st->state)) {
		if (code != -1000)
			st->exit_code = (int)code;
		else if (st->state == TREQS_JOB_SUCCEEDED)
			st->exit_code = 0;
	}
	if (st->state == TREQS_JOB_TIMEOUT)
		snprintf(st->detail, sizeof(st->detail), "stopped at its time limit");
	else if (msg && st->state != TREQS_JOB_SUCCEEDED)
		snprintf(st->detail, sizeof(st->detail), "%.500s", msg);
	treqs_drv_clean(st->detail);
	return 0;
}

/* ---- the driver ---- */

struct ray {
	struct treqs_driver base;
	struct treqs_http h;
	char *what;
	char *working_dir;
	double num_cpus;
};

static void ray_close(struct treqs_driver *d)
{
	struct ray *r = (struct ray *)d;

	if (!r)
		return;
	treqs_http_clear(&r->h);
	free(r->what);
	free(r->working_dir);
	free(r->base.name);
	free(r);
}

static int ray_open(struct treqs_driver **out, const char *name, const struct treqs_ynode *conf)
{
	struct ray *r = xcalloc(1, sizeof(*r));
	int ret;

	r->base.ops = &treqs_driver_ray;
	r->base.name = xstrdup(name);
	r->what = xasprintf("ray driver '%s'", name);
	*out = NULL;
	if ((ret = treqs_drv_http_setup(&r->h, r->what, treqs_driver_conf_str(conf, "endpoint", NULL), conf)) < 0 ||
	    (ret = treqs_drv_http_token(&r->h, r->what, conf, NULL)) < 0) {
		ray_close(&r->base);
		return ret;
	}
	if (treqs_driver_conf_str(conf, "working_dir", NULL))
		r->working_dir = xstrdup(treqs_driver_conf_str(conf, "working_dir", NULL));
	r->num_cpus = treqs_driver_conf_num(conf, "num_cpus", 0);
	*out = &r->base;
	return 0;
}

static char *job_path(const char *id, const char *suffix)
{
	char *e = treqs_http_escape(id), *p = xasprintf("/api/jobs/%s%s", e, suffix);

	free(e);
	return p;
}

/* GET /api/jobs/{id}: 0 and *job (caller decrefs), TREQS_ENOTFOUND, or an error. */
static int get_job(struct ray *r, const char *id, json_t **job, char **path_out)
{
	struct treqs_http_response resp;
	char *path = job_path(id, "");
	json_t *obj;
	int ret;

	*job = NULL;
	if ((ret = treqs_drv_request(r->what, &r->h, "GET", path, NULL, &resp)) < 0)
		goto out;
	if (resp.status == 404) {
		ret = treqs_error(TREQS_ENOTFOUND, "%s: the cluster at %s has no job '%s'", r->what, r->h.endpoint, id);
		goto out;
	}
	if (resp.status != 200) {
		ret = treqs_drv_http_status_error(r->what, &r->h, "GET", path, &resp);
		goto out;
	}
	if ((ret = treqs_drv_json_object(&resp, &obj)) < 0) {
		ret = treqs_drv_bad_answer(ret, r->what, &r->h, "GET", path);
		goto out;
	}
	*job = json_incref(obj);
out:
	treqs_http_response_clear(&resp);
	if (path_out)
		*path_out = path;
	else
		free(path);
	return ret;
}

static int ray_find(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct ray *r = (struct ray *)d;
	char *sid = treqs_ray_submission_id(spec->name), *path = NULL;
	json_t *job = NULL;
	const char *status;
	int ret;

	*job_id = NULL;
	if ((ret = get_job(r, sid, &job, &path)) < 0)
		goto out;
	if ((ret = treqs_dj_str(job, "", "status", 1, &status)) < 0) {
		ret = treqs_drv_bad_answer(ret, r->what, &r->h, "GET", path);
		goto out;
	}
	*job_id = sid;
	sid = NULL;
out:
	json_decref(job);
	free(path);
	free(sid);
	return ret;
}

static int ray_submit(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct ray *r = (struct ray *)d;
	struct treqs_ray_opts o;
	struct treqs_http_response resp;
	char *sid = treqs_ray_submission_id(spec->name);
	const char *got = NULL;
	json_t *body, *obj;
	int ret;

	*job_id = NULL;
	o.working_dir = r->working_dir;
	o.num_cpus = r->num_cpus;
	body = treqs_ray_submit_body(spec, sid, &o);
	ret = treqs_drv_request(r->what, &r->h, "POST", "/api/jobs/", body, &resp);
	json_decref(body);
	if (ret < 0)
		goto out;
	if ((resp.status == 400 || resp.status == 409) && strstr(treqs_buf_cstr(&resp.body), "already exists")) {
		/* an earlier runner submitted it and died before recording it: re-attach */
		*job_id = sid;
		sid = NULL;
		goto out;
	}
	if (resp.status != 200 && resp.status != 201) {
		ret = treqs_drv_http_status_error(r->what, &r->h, "POST", "/api/jobs/", &resp);
		goto out;
	}
	if ((ret = treqs_drv_json_object(&resp, &obj)) < 0 ||
	    (ret = treqs_dj_str(obj, "", "submission_id", 1, &got)) < 0) {
		ret = treqs_drv_bad_answer(ret, r->what, &r->h, "POST", "/api/jobs/");
		goto out;
	}
	if (strcmp(got, sid)) {
		ret = treqs_error(TREQS_EENV, "%s: POST /api/jobs/ at %s: unexpected answer: 'submission_id' is '%.80s', "
					      "expected '%s'",
				  r->what, r->h.endpoint, got, sid);
		goto out;
	}
	*job_id = sid;
	sid = NULL;
out:
	treqs_http_response_clear(&resp);
	free(sid);
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ray_cancel(struct treqs_driver *d, const char *job_id);

static int ray_poll(struct treqs_driver *d, const char *job_id, struct treqs_job_status *st)
{
	struct ray *r = (struct ray *)d;
	char *path = NULL;
	json_t *job = NULL;
	double deadline = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if ((ret = get_job(r, job_id, &job, &path)) < 0)
		goto out;
	if ((ret = treqs_ray_job_status(job, st, &deadline)) < 0) {
		ret = treqs_drv_bad_answer(ret, r->what, &r->h, "GET", path);
		goto out;
	}
	if (!treqs_job_state_final(st->state) && deadline > 0 && now() >= deadline) {
		/* Ray keeps no time limit: this is where it is kept */
		if ((ret = ray_cancel(d, job_id)) < 0)
			goto out;
		snprintf(st->detail, sizeof(st->detail), "over its time limit: stopping it");
	}
out:
	json_decref(job);
	free(path);
	return ret;
}

static int ray_logs(struct treqs_driver *d, const char *job_id, size_t max, struct treqs_buf *out)
{
	struct ray *r = (struct ray *)d;
	struct treqs_http_response resp;
	char *path = job_path(job_id, "/logs");
	const char *logs = NULL;
	json_t *obj;
	int ret;

	if ((ret = treqs_drv_request(r->what, &r->h, "GET", path, NULL, &resp)) < 0)
		goto out;
	if (resp.status == 404) {
		ret = treqs_error(TREQS_ENOTFOUND, "%s: the cluster at %s has no job '%s'", r->what, r->h.endpoint, job_id);
		goto out;
	}
	if (resp.status != 200) {
		ret = treqs_drv_http_status_error(r->what, &r->h, "GET", path, &resp);
		goto out;
	}
	if ((ret = treqs_drv_json_object(&resp, &obj)) < 0 || (ret = treqs_dj_str(obj, "", "logs", 1, &logs)) < 0) {
		ret = treqs_drv_bad_answer(ret, r->what, &r->h, "GET", path);
		goto out;
	}
	treqs_drv_tail(out, logs, strlen(logs), max);
out:
	treqs_http_response_clear(&resp);
	free(path);
	return ret;
}

static int ray_cancel(struct treqs_driver *d, const char *job_id)
{
	struct ray *r = (struct ray *)d;
	struct treqs_http_response resp;
	char *path = job_path(job_id, "/stop");
	json_t *obj;
	int ret, stopped = 0;

	if ((ret = treqs_drv_request(r->what, &r->h, "POST", path, NULL, &resp)) < 0)
		goto out;
	if (resp.status == 404) {
		ret = treqs_error(TREQS_ENOTFOUND, "%s: the cluster at %s has no job '%s'", r->what, r->h.endpoint, job_id);
		goto out;
	}
	if (resp.status != 200) {
		ret = treqs_drv_http_status_error(r->what, &r->h, "POST", path, &resp);
		goto out;
	}
	/* {"stopped": false} means it was over already: fine */
	if ((ret = treqs_drv_json_object(&resp, &obj)) < 0 || (ret = treqs_dj_bool(obj, "", "stopped", 1, &stopped)) < 0)
		ret = treqs_drv_bad_answer(ret, r->what, &r->h, "POST", path);
out:
	treqs_http_response_clear(&resp);
	free(path);
	return ret;
}

/* The job's files stay on the cluster: metrics come from its log's treqs-metric lines. */
static int ray_collect(struct treqs_driver *d, const char *job_id, const char *dest)
{
	return 0;
}

const struct treqs_driver_ops treqs_driver_ray = {
	TREQS_DRIVER_VERSION,
	"ray",
	ray_open,
	ray_find,
	ray_submit,
	ray_poll,
	ray_logs,
	ray_cancel,
	ray_collect,
	NULL,
	ray_close,
};
