/*
 * kubernetes.c - the "kubernetes" driver: one batch/v1 Job per run.
 *
 * Configuration (.treqs/config.yaml, drivers.NAME):
 *
 *   key                      default          meaning
 *   type                     -                "kubernetes"
 *   endpoint                 (required, unless in_cluster)  the API server: https://host:port,
 *                                             http://..., or unix:/path.sock
 *   namespace                default          the namespace of the Jobs (in_cluster: the service
 *                                             account's namespace)
 *   image                    (required)       the container image the command runs in
 *   image_pull_policy        (the cluster's)  Always, IfNotPresent or Never
 *   service_account          (the default)    the pods' serviceAccountName
 *   working_dir              (the image's)    the container's workingDir
 *   gpu_resource             nvidia.com/gpu   the extended resource GPUs are requested as
 *   gpu_node_label           (none)           a node label that tells the GPU model, e.g.
 *                                             nvidia.com/gpu.product: GPU jobs get a nodeSelector
 *                                             on it, so an A100 TR runs on an A100 node
 *   gpu_types                {}               mapping TR gpu_type -> the label's value
 *                                             (default: the gpu_type itself)
 *   token_env / token_file   (none)           a bearer token: the name of an environment variable,
 *                                             or a file whose first line it is (never in config);
 *                                             a file is read again every minute (tokens rotate)
 *   ca_file                  system CAs       PEM file of the cluster's CA
 *   in_cluster               false            running in a pod: the token, CA and namespace come
 *                                             from service_account_dir (unless configured), and the
 *                                             endpoint from $KUBERNETES_SERVICE_HOST/_PORT
 *   service_account_dir      /var/run/secrets/kubernetes.io/serviceaccount
 *   insecure                 false            skip TLS verification (tests only)
 *   timeout_seconds          30               per request attempt
 *   connect_timeout_seconds  5
 *   retries                  4                extra attempts after refused connections, timeouts,
 *                                             HTTP 5xx and 429
 *   retry_backoff_seconds    0.2              first wait between attempts, doubled each time
 *
 * The Job: named from the spec's name (TR id, digest: treqs_k8s_job_name),
 * restartPolicy Never, backoffLimit = the TR's max_restarts,
 * activeDeadlineSeconds = the time limit (Kubernetes counts it from the
 * Job's start, so time spent waiting for GPUs counts too), the GPUs as
 * limits of gpu_resource, the command as the container's command (argv,
 * no shell), the TR's environment, and annotations treqs/tr-id,
 * treqs/digest and treqs/name so that find() can tell a Job of ours from
 * a stranger's of the same name.  The job id is the Job's name (the
 * namespace comes from the config).
 *
 *   find     GET  /apis/batch/v1/namespaces/NS/jobs/NAME (404: none)
 *   submit   POST /apis/batch/v1/namespaces/NS/jobs (409: it exists already: re-attached)
 *   poll     GET  the Job: .status (active, ready, succeeded, failed, startTime,
 *            completionTime) and .status.conditions (Complete; Failed with reason
 *            DeadlineExceeded -> TIMEOUT, BackoffLimitExceeded and others -> FAILED);
 *            for a failed Job also its newest pod, for the exit code
 *   logs     GET  /api/v1/namespaces/NS/pods?labelSelector=job-name%3DNAME, then the newest
 *            pod's /log?tailLines=N (a pod still starting has no log yet: nothing)
 *   cancel   DELETE the Job with propagationPolicy=Background (its pods go too); a Job
 *            that is already over is left alone, so that its result survives
 *   collect  nothing: the pod's files die with it, so metrics can only come from the
 *            log (lines "treqs-metric NAME=VALUE", which exec reads from logs())
 *
 * A deleted Job is gone from the API: poll() reports the Jobs this process
 * cancelled as CANCELLED, and a Job still being deleted likewise; after
 * that, for another process, the Job is unknown (TREQS_ENOTFOUND).
 * ttlSecondsAfterFinished is not set: a finished Job must stay visible
 * until treqs has archived it.
 */
#include "kubernetes.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "treqs/http.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define TOKEN_REREAD_SECONDS 60

/* ---- pure parts ---- */

char *treqs_k8s_job_name(const char *name)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	uint32_t hash = 2166136261u; /* FNV-1a */
	const char *p;

	for (p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		hash = (hash ^ c) * 16777619u;
		if (c < 0x80 && isalnum(c))
			treqs_buf_putc(&b, (char)tolower(c));
		else if (b.len && b.ptr[b.len - 1] != '-')
			treqs_buf_putc(&b, '-'); /* '-', and whatever a label cannot hold */
	}
	while (b.len && b.ptr[b.len - 1] == '-')
		b.len--;
	if (b.len > 63 || !b.len) {
		/* shortened: a hash of the whole name keeps two long names apart */
		if (b.len > 54)
			b.len = 54;
		while (b.len && b.ptr[b.len - 1] == '-')
			b.len--;
		treqs_buf_printf(&b, "%s%08x", b.len ? "-" : "treqs-", (unsigned)hash);
	}
	treqs_buf_putc(&b, '\0');
	return treqs_buf_detach(&b);
}

json_t *treqs_k8s_job_body(const struct treqs_job_spec *spec, const char *job, const struct treqs_k8s_opts *o)
{
	json_t *command = json_array(), *env = json_array(), *container, *podspec, *jobspec, *annotations, *labels;
	size_t i;

	for (i = 0; spec->argv[i]; i++)
		json_array_append_new(command, json_string(spec->argv[i]));
	for (i = 0; spec->env && spec->env[i]; i++) {
		const char *eq = strchr(spec->env[i], '=');
		char *k;
		if (!eq)
			continue;
		k = xstrndup(spec->env[i], (size_t)(eq - spec->env[i]));
		json_array_append_new(env, json_pack("{s:s, s:s}", "name", k, "value", eq + 1));
		free(k);
	}
	container = json_pack("{s:s, s:s, s:o, s:o}", "name", "job", "image", o->image, "command", command, "env", env);
	if (spec->gpu_count > 0) {
		char n[32];
		snprintf(n, sizeof(n), "%ld", spec->gpu_count);
		json_object_set_new(container, "resources",
				    json_pack("{s:{s:s}}", "limits", o->gpu_resource ? o->gpu_resource : "nvidia.com/gpu", n));
	}
	if (o->image_pull_policy)
		json_object_set_new(container, "imagePullPolicy", json_string(o->image_pull_policy));
	if (o->working_dir)
		json_object_set_new(container, "workingDir", json_string(o->working_dir));
	podspec = json_pack("{s:s, s:[o]}", "restartPolicy", "Never", "containers", container);
	if (o->service_account)
		json_object_set_new(podspec, "serviceAccountName", json_string(o->service_account));
	if (spec->gpu_count > 0 && o->node_label && o->node_value)
		json_object_set_new(podspec, "nodeSelector", json_pack("{s:s}", o->node_label, o->node_value));
	annotations = json_pack("{s:s, s:s, s:s}", "treqs/tr-id", spec->tr_id ? spec->tr_id : "", "treqs/digest",
				spec->digest ? spec->digest : "", "treqs/name", spec->name);
	labels = json_pack("{s:s}", "app.kubernetes.io/managed-by", "treqs");
	jobspec = json_pack("{s:I, s:{s:{s:O, s:O}, s:o}}", "backoffLimit",
			    (json_int_t)(spec->max_restarts > 0 ? spec->max_restarts : 0), "template", "metadata", "labels",
			    labels, "annotations", annotations, "spec", podspec);
	if (spec->time_limit > 0)
		json_object_set_new(jobspec, "activeDeadlineSeconds", json_integer((json_int_t)ceil(spec->time_limit)));
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o}, s:o}", "apiVersion", "batch/v1", "kind", "Job", "metadata",
			 "name", job, "namespace", o->namespace, "labels", labels, "annotations", annotations, "spec",
			 jobspec);
}

static int time_of(const json_t *obj, const char *where, const char *key, double *out)
{
	const char *s = NULL;
	int ret;

	if ((ret = treqs_dj_str(obj, where, key, 0, &s)) < 0 || !s)
		return ret;
	if (treqs_drv_parse_time(s, out) < 0) {
		char *p = treqs_dj_path(where, key);
		ret = treqs_error(TREQS_EENV, "'%s' is '%.40s', expected an RFC 3339 time", p, s);
		free(p);
	}
	return ret;
}

int treqs_k8s_job_status(const json_t *job, struct treqs_job_status *st)
{
	json_t *status = NULL, *meta = NULL, *conds = NULL;
	long long active = 0, failed = 0, ready = -1;
	const char *deleting = NULL;
	double cond_time = 0;
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	st->state = TREQS_JOB_PENDING;
	if (!json_is_object(job))
		return treqs_error(TREQS_EENV, "the answer is not a Job object");
	if ((ret = treqs_dj_get(job, "", "metadata", JSON_OBJECT, 1, &meta)) < 0 ||
	    (ret = treqs_dj_str(meta, "metadata", "deletionTimestamp", 0, &deleting)) < 0 ||
	    (ret = treqs_dj_get(job, "", "status", JSON_OBJECT, 0, &status)) < 0)
		return ret;
	if (!status)
		return 0; /* just created: the controller has not looked at it yet */
	if ((ret = treqs_dj_int(status, "status", "active", 0, &active)) < 0 ||
	    (ret = treqs_dj_int(status, "status", "failed", 0, &failed)) < 0 ||
	    (ret = treqs_dj_int(status, "status", "ready", 0, &ready)) < 0 ||
	    (ret = time_of(status, "status", "startTime", &st->start_time)) < 0 ||
	    (ret = time_of(status, "status", "completionTime", &st->end_time)) < 0 ||
	    (ret = treqs_dj_get(status, "status", "conditions", JSON_ARRAY, 0, &conds)) < 0)
		return ret;
	if (active < 0 || failed < 0)
		return treqs_error(TREQS_EENV, "'status.%s' is negative", active < 0 ? "active" : "failed");
	st->restarts = (unsigned)(failed > 1000000 ? 1000000 : failed);
	for (i = 0; i < json_array_size(conds); i++) {
		json_t *c = json_array_get(conds, i);
		const char *type = NULL, *cs = NULL, *reason = NULL, *msg = NULL;
		char where[40];

		snprintf(where, sizeof(where), "status.conditions[%zu]", i);
		if ((ret = treqs_dj_str(c, where, "type", 1, &type)) < 0 || (ret = treqs_dj_str(c, where, "status", 1, &cs)) < 0 ||
		    (ret = treqs_dj_str(c, where, "reason", 0, &reason)) < 0 ||
		    (ret = treqs_dj_str(c, where, "message", 0, &msg)) < 0 ||
		    (ret = time_of(c, where, "lastTransitionTime", &cond_time)) < 0)
			return ret;
		if (strcmp(cs, "True"))
			continue;
		if (!strcmp(type, "Complete")) {
			st->state = TREQS_JOB_SUCCEEDED;
			st->exit_code = 0;
		} else if (!strcmp(type, "Failed")) {
			if (reason && !strcmp(reason, "DeadlineExceeded")) {
				st->state = TREQS_JOB_TIMEOUT;
				snprintf(st->detail, sizeof(st->detail), "stopped at its time limit (DeadlineExceeded%s%.400s)",
					 msg ? ": " : "", msg ? msg : "");
			} else {
				st->state = TREQS_JOB_FAILED;
				snprintf(st->detail, sizeof(st->detail), "%s%s%.400s", reason ? reason : "Failed",
					 msg ? ": " : "", msg ? msg : "");
				/* the last failed pod was the last attempt, not a restart */
				if (st->restarts)
					st->restarts--;
			}
		} else {
			continue;
		}
		if (!st->end_time)
			st->end_time = cond_time;
		return 0;
	}
	if (deleting) {
		st->state = TREQS_JOB_CANCELLED;
		snprintf(st->detail, sizeof(st->detail), "the Job is being deleted (since %.40s)", deleting);
		return 0;
	}
	if (ready > 0 || (ready < 0 && active > 0))
		st->state = TREQS_JOB_RUNNING;
	return 0;
}

int treqs_k8s_last_pod(const json_t *list, const char **pod, int *exit_code, char *reason, size_t n)
{
	json_t *items = NULL, *best = NULL;
	double best_t = -1;
	size_t i;
	int ret;

	*pod = NULL;
	*exit_code = -1;
	if (n)
		reason[0] = '\0';
	if ((ret = treqs_dj_get(list, "", "items", JSON_ARRAY, 0, &items)) < 0)
		return ret;
	for (i = 0; i < json_array_size(items); i++) {
		json_t *p = json_array_get(items, i), *meta = NULL;
		const char *name = NULL;
		double t = 0;
		char where[40];

		snprintf(where, sizeof(where), "items[%zu]", i);
		if ((ret = treqs_dj_get(p, where, "metadata", JSON_OBJECT, 1, &meta)) < 0)
			return ret;
		snprintf(where, sizeof(where), "items[%zu].metadata", i);
		if ((ret = treqs_dj_str(meta, where, "name", 1, &name)) < 0 ||
		    (ret = time_of(meta, where, "creationTimestamp", &t)) < 0)
			return ret;
		if (t >= best_t) {
			best = p;
			best_t = t;
			*pod = name;
		}
	}
	if (best) {
		/* the first container's outcome, when there is one (best effort: shapes vary) */
		json_t *cs = json_object_get(json_object_get(best, "status"), "containerStatuses");
		json_t *term = json_object_get(json_object_get(json_array_get(cs, 0), "state"), "terminated");
		json_t *code = json_object_get(term, "exitCode");
		const char *why = json_string_value(json_object_get(term, "reason"));
		if (json_is_integer(code))
			*exit_code = (int)json_integer_value(code);
		if (why && n)
			snprintf(reason, n, "%s", why);
	}
	return 0;
}

/* ---- the driver ---- */

struct k8s {
	struct treqs_driver base;
	struct treqs_http h;
	char *what;
	char *ns, *image, *gpu_resource, *pull_policy, *service_account, *working_dir, *node_label;
	struct treqs_strv gpu_types; /* pairs: TR gpu_type, label value */
	char *token_path;            /* re-read now and then, or NULL */
	char *token_name;
	double token_read;
	struct treqs_strv cancelled; /* Jobs this process deleted */
};

static void k8s_close(struct treqs_driver *d)
{
	struct k8s *k = (struct k8s *)d;

	if (!k)
		return;
	treqs_http_clear(&k->h);
	free(k->what);
	free(k->ns);
	free(k->image);
	free(k->gpu_resource);
	free(k->node_label);
	treqs_strv_free(&k->gpu_types);
	free(k->pull_policy);
	free(k->service_account);
	free(k->working_dir);
	free(k->token_path);
	free(k->token_name);
	treqs_strv_free(&k->cancelled);
	free(k->base.name);
	free(k);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the token file's first line into the Authorization header. */
static int load_token(struct k8s *k)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *tok;
	int ret;

	if ((ret = treqs_read_file(&b, k->token_path, 1 << 16)) < 0) {
		char *m = xstrdup(treqs_error_msg());
		treqs_error(TREQS_EENV, "%s: unable to read the token: %s", k->what, m);
		free(m);
		treqs_buf_free(&b);
		return TREQS_EENV;
	}
	tok = xstrndup(treqs_buf_cstr(&b), strcspn(treqs_buf_cstr(&b), "\r\n"));
	treqs_buf_free(&b);
	if (!*tok) {
		free(tok);
		return treqs_error(TREQS_EENV, "%s: %s is empty", k->what, k->token_name);
	}
	/* the Authorization header is the only one this driver sets */
	treqs_strv_free(&k->h.headers);
	treqs_http_bearer(&k->h, tok, k->token_name);
	free(tok);
	k->token_read = now();
	return 0;
}

static int k8s_request(struct k8s *k, const char *method, const char *path, json_t *body,
		       struct treqs_http_response *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (k->token_path && now() - k->token_read >= TOKEN_REREAD_SECONDS && (ret = load_token(k)) < 0)
		return ret;
	return treqs_drv_request(k->what, &k->h, method, path, body, r);
}

static char *first_line(const char *path)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *s = NULL;

	if (treqs_read_file(&b, path, 1 << 16) == 0)
		s = xstrndup(treqs_buf_cstr(&b), strcspn(treqs_buf_cstr(&b), "\r\n"));
	treqs_error_clear();
	treqs_buf_free(&b);
	return s;
}

static int k8s_open(struct treqs_driver **out, const char *name, const struct treqs_ynode *conf)
{
	struct k8s *k = xcalloc(1, sizeof(*k));
	const char *endpoint = treqs_driver_conf_str(conf, "endpoint", NULL);
	const char *sa = treqs_driver_conf_str(conf, "service_account_dir", SA_DIR);
	const char *tf = treqs_driver_conf_str(conf, "token_file", NULL);
	char *in_endpoint = NULL, *in_ns = NULL, *in_ca = NULL;
	int in_cluster = treqs_drv_conf_bool(conf, "in_cluster", 0), ret, have_token = 0;

	k->base.ops = &treqs_driver_kubernetes;
	k->base.name = xstrdup(name);
	k->what = xasprintf("kubernetes driver '%s'", name);
	*out = NULL;
	if (in_cluster < 0) {
		ret = treqs_error(TREQS_EINVALID, "%s: in_cluster must be true or false", k->what);
		goto fail;
	}
	if (in_cluster) {
		const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
		char *p;
		if (!endpoint && host && *host)
			in_endpoint = xasprintf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
						port && *port ? port : "443");
		p = xasprintf("%s/namespace", sa);
		in_ns = first_line(p);
		free(p);
		in_ca = xasprintf("%s/ca.crt", sa);
		if (!endpoint && !in_endpoint) {
			ret = treqs_error(TREQS_EENV, "%s: in_cluster, but $KUBERNETES_SERVICE_HOST is not set (not in a "
						      "pod?) and no endpoint is configured",
					  k->what);
			goto fail;
		}
	}
	if ((ret = treqs_drv_http_setup(&k->h, k->what, endpoint ? endpoint : in_endpoint, conf)) < 0)
		goto fail;
	if (in_cluster && !k->h.ca_file)
		k->h.ca_file = xstrdup(in_ca);
	if (tf && !treqs_driver_conf_str(conf, "token_env", NULL)) {
		/* a token file is read again now and then: bound tokens rotate */
		if (treqs_ymap_get(conf, "token", NULL)) {
			ret = treqs_drv_http_token(&k->h, k->what, conf, NULL); /* says why 'token' is refused */
			goto fail;
		}
		k->token_path = xstrdup(tf);
		k->token_name = xasprintf("the token in %s", tf);
	} else if ((ret = treqs_drv_http_token(&k->h, k->what, conf, &have_token)) < 0) {
		goto fail;
	}
	if (!k->token_path && !have_token && in_cluster) {
		k->token_path = xasprintf("%s/token", sa);
		k->token_name = xasprintf("the service account token in %s", k->token_path);
	}
	if (k->token_path && (ret = load_token(k)) < 0)
		goto fail;
	k->ns = xstrdup(treqs_driver_conf_str(conf, "namespace", in_ns ? in_ns : "default"));
	if (!treqs_driver_conf_str(conf, "image", NULL)) {
		ret = treqs_error(TREQS_EINVALID, "%s: no 'image' in config.yaml (the container image jobs run in)",
				  k->what);
		goto fail;
	}
	k->image = xstrdup(treqs_driver_conf_str(conf, "image", NULL));
	k->gpu_resource = xstrdup(treqs_driver_conf_str(conf, "gpu_resource", "nvidia.com/gpu"));
#define OPT(field, key)                                                     \
	if (treqs_driver_conf_str(conf, key, NULL))                         \
		k->field = xstrdup(treqs_driver_conf_str(conf, key, NULL));
	OPT(pull_policy, "image_pull_policy")
	OPT(service_account, "service_account")
	OPT(working_dir, "working_dir")
	OPT(node_label, "gpu_node_label")
#undef OPT
	{
		/* copied: the configuration does not outlive a pass of exec, the driver does */
		const struct treqs_ynode *m = treqs_ymap_get(conf, "gpu_types", NULL);
		size_t i;
		for (i = 0; m && m->type == TREQS_YMAP && i + 1 < m->n; i += 2)
			if (m->kids[i + 1]->type == TREQS_YSCALAR) {
				treqs_strv_push(&k->gpu_types, m->kids[i]->value);
				treqs_strv_push(&k->gpu_types, m->kids[i + 1]->value);
			}
	}
	free(in_endpoint);
	free(in_ns);
	free(in_ca);
	*out = &k->base;
	return 0;
fail:
	free(in_endpoint);
	free(in_ns);
	free(in_ca);
	k8s_close(&k->base);
	return ret;
}

static char *jobs_path(struct k8s *k, const char *job, const char *query)
{
	char *ns = treqs_http_escape(k->ns), *j = job ? treqs_http_escape(job) : NULL;
	char *p = xasprintf("/apis/batch/v1/namespaces/%s/jobs%s%s%s", ns, j ? "/" : "", j ? j : "", query ? query : "");

	free(ns);
	free(j);
	return p;
}

/* GET the Job: 0 and *job (caller decrefs), TREQS_ENOTFOUND, or an error. */
static int get_job(struct k8s *k, const char *name, json_t **job)
{
	struct treqs_http_response r;
	char *path = jobs_path(k, name, NULL);
	json_t *obj;
	int ret;

	*job = NULL;
	if ((ret = k8s_request(k, "GET", path, NULL, &r)) < 0)
		goto out;
	if (r.status == 404) {
		ret = treqs_error(TREQS_ENOTFOUND, "%s: no Job '%s' in namespace '%s'", k->what, name, k->ns);
		goto out;
	}
	if (r.status != 200) {
		ret = treqs_drv_http_status_error(k->what, &k->h, "GET", path, &r);
		goto out;
	}
	if ((ret = treqs_drv_json_object(&r, &obj)) < 0) {
		ret = treqs_drv_bad_answer(ret, k->what, &k->h, "GET", path);
		goto out;
	}
	*job = json_incref(obj);
out:
	treqs_http_response_clear(&r);
	free(path);
	return ret;
}

static int k8s_find(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct k8s *k = (struct k8s *)d;
	char *name = treqs_k8s_job_name(spec->name);
	json_t *job = NULL;
	const char *owner;
	int ret;

	*job_id = NULL;
	if ((ret = get_job(k, name, &job)) < 0)
		goto out;
	/* a Job of that name made by someone else (or for another TR) is not ours to follow */
	owner = json_string_value(
		json_object_get(json_object_get(json_object_get(job, "metadata"), "annotations"), "treqs/name"));
	if (!owner || strcmp(owner, spec->name)) {
		ret = treqs_error(TREQS_EENV, "%s: a Job '%s' exists in namespace '%s' but was not made by treqs for %s "
					      "(its treqs/name annotation is %s%s%s)",
				  k->what, name, k->ns, spec->name, owner ? "'" : "", owner ? owner : "missing",
				  owner ? "'" : "");
		goto out;
	}
	*job_id = name;
	name = NULL;
out:
	json_decref(job);
	free(name);
	return ret;
}

static int k8s_submit(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct k8s *k = (struct k8s *)d;
	struct treqs_k8s_opts o;
	struct treqs_http_response r;
	char *name = treqs_k8s_job_name(spec->name), *path = jobs_path(k, NULL, NULL);
	json_t *body;
	int ret;

	*job_id = NULL;
	memset(&o, 0, sizeof(o));
	o.namespace = k->ns;
	o.image = k->image;
	o.gpu_resource = k->gpu_resource;
	o.image_pull_policy = k->pull_policy;
	o.service_account = k->service_account;
	o.working_dir = k->working_dir;
	o.node_label = k->node_label;
	o.node_value = spec->gpu_type;
	{
		size_t i;
		for (i = 0; spec->gpu_type && i + 1 < k->gpu_types.n; i += 2)
			if (!strcasecmp(k->gpu_types.v[i], spec->gpu_type))
				o.node_value = k->gpu_types.v[i + 1];
	}
	body = treqs_k8s_job_body(spec, name, &o);
	ret = k8s_request(k, "POST", path, body, &r);
	json_decref(body);
	if (ret < 0)
		goto out;
	if (r.status == 409) {
		/* it exists already (submitted by a runner that died before recording it): re-attach */
	} else if (r.status < 200 || r.status > 299) {
		ret = treqs_drv_http_status_error(k->what, &k->h, "POST", path, &r);
		goto out;
	}
	*job_id = name;
	name = NULL;
out:
	treqs_http_response_clear(&r);
	free(path);
	free(name);
	return ret;
}

/* The newest pod of the Job: 0 with *pod (caller frees, NULL when none). */
static int last_pod(struct k8s *k, const char *job, char **pod, int *exit_code, char *reason, size_t n)
{
	struct treqs_http_response r;
	char *ns = treqs_http_escape(k->ns), *sel = xasprintf("job-name=%s", job), *esel = treqs_http_escape(sel);
	char *path = xasprintf("/api/v1/namespaces/%s/pods?labelSelector=%s", ns, esel);
	const char *p = NULL;
	json_t *obj;
	int ret;

	*pod = NULL;
	if ((ret = k8s_request(k, "GET", path, NULL, &r)) < 0)
		goto out;
	if (r.status != 200) {
		ret = treqs_drv_http_status_error(k->what, &k->h, "GET", path, &r);
		goto out;
	}
	if ((ret = treqs_drv_json_object(&r, &obj)) < 0 || (ret = treqs_k8s_last_pod(obj, &p, exit_code, reason, n)) < 0) {
		ret = treqs_drv_bad_answer(ret, k->what, &k->h, "GET", path);
		goto out;
	}
	if (p)
		*pod = xstrdup(p);
out:
	treqs_http_response_clear(&r);
	free(path);
	free(esel);
	free(sel);
	free(ns);
	return ret;
}

static int k8s_poll(struct treqs_driver *d, const char *job_id, struct treqs_job_status *st)
{
	struct k8s *k = (struct k8s *)d;
	json_t *job = NULL;
	char *jpath;
	int ret;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	ret = get_job(k, job_id, &job);
	if (ret == TREQS_ENOTFOUND && treqs_strv_contains(&k->cancelled, job_id)) {
		treqs_error_clear();
		st->state = TREQS_JOB_CANCELLED;
		snprintf(st->detail, sizeof(st->detail), "the Job was deleted by treqs cancel");
		return 0;
	}
	if (ret < 0)
		return ret;
	if ((ret = treqs_k8s_job_status(job, st)) < 0) {
		jpath = jobs_path(k, job_id, NULL);
		ret = treqs_drv_bad_answer(ret, k->what, &k->h, "GET", jpath);
		free(jpath);
	} else if (st->state == TREQS_JOB_FAILED) {
		/* the Job does not say how its program ended; its newest pod does (best effort) */
		char *pod = NULL, reason[64];
		int code = -1;
		if (last_pod(k, job_id, &pod, &code, reason, sizeof(reason)) == 0 && pod) {
			size_t n = strlen(st->detail);
			st->exit_code = code;
			if (code >= 0 && n < sizeof(st->detail))
				snprintf(st->detail + n, sizeof(st->detail) - n, "; pod %s exited with %d%s%s", pod, code,
					 reason[0] ? " " : "", reason);
		}
		treqs_error_clear();
		free(pod);
	}
	treqs_drv_clean(st->detail);
	json_decref(job);
	return ret;
}

static int k8s_logs(struct treqs_driver *d, const char *job_id, size_t max, struct treqs_buf *out)
{
	struct k8s *k = (struct k8s *)d;
	struct treqs_http_response r;
	char *pod = NULL, *path = NULL, *ns, *ep, reason[8];
	size_t lines = max / 64;
	int code, ret;

	memset(&r, 0, sizeof(r));
	if ((ret = last_pod(k, job_id, &pod, &code, reason, sizeof(reason))) < 0 || !pod)
		return ret; /* no pod yet: no output yet */
	if (lines < 100)
		lines = 100;
	if (lines > 10000)
		lines = 10000;
	ns = treqs_http_escape(k->ns);
	ep = treqs_http_escape(pod);
	path = xasprintf("/api/v1/namespaces/%s/pods/%s/log?tailLines=%zu", ns, ep, lines);
	free(ns);
	free(ep);
	if ((ret = k8s_request(k, "GET", path, NULL, &r)) < 0)
		goto out;
	if (r.status == 400 || r.status == 404) {
		/* the container is still starting (or the pod just went): nothing to show yet */
		ret = 0;
	} else if (r.status != 200) {
		ret = treqs_drv_http_status_error(k->what, &k->h, "GET", path, &r);
	} else {
		treqs_drv_tail(out, treqs_buf_cstr(&r.body), r.body.len, max);
	}
out:
	treqs_http_response_clear(&r);
	free(path);
	free(pod);
	return ret;
}

static int k8s_cancel(struct treqs_driver *d, const char *job_id)
{
	struct k8s *k = (struct k8s *)d;
	struct treqs_http_response r;
	struct treqs_job_status st;
	char *path = NULL;
	json_t *job = NULL;
	int ret;

	memset(&r, 0, sizeof(r));
	ret = get_job(k, job_id, &job);
	if (ret == TREQS_ENOTFOUND && treqs_strv_contains(&k->cancelled, job_id)) {
		treqs_error_clear();
		return 0;
	}
	if (ret < 0)
		return ret;
	/* a Job that is over keeps its result: deleting it would lose its status and log */
	if (treqs_k8s_job_status(job, &st) == 0 && treqs_job_state_final(st.state))
		goto out;
	treqs_error_clear();
	path = jobs_path(k, job_id, "?propagationPolicy=Background");
	if ((ret = k8s_request(k, "DELETE", path, NULL, &r)) < 0)
		goto out;
	if (r.status == 404 || (r.status >= 200 && r.status <= 299))
		treqs_strv_push(&k->cancelled, job_id);
	else
		ret = treqs_drv_http_status_error(k->what, &k->h, "DELETE", path, &r);
out:
	treqs_http_response_clear(&r);
	json_decref(job);
	free(path);
	return ret;
}

/*
 * Nothing to collect: a pod's files die with it, so a job's metrics can
 * only come from its log ("treqs-metric NAME=VALUE" lines), which exec
 * reads through logs().  The destination is left empty.
 */
static int k8s_collect(struct treqs_driver *d, const char *job_id, const char *dest)
{
	return 0;
}

const struct treqs_driver_ops treqs_driver_kubernetes = {
	TREQS_DRIVER_VERSION,
	"kubernetes",
	k8s_open,
	k8s_find,
	k8s_submit,
	k8s_poll,
	k8s_logs,
	k8s_cancel,
	k8s_collect,
	NULL,
	k8s_close,
};
