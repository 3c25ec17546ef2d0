/*
 * slurm.c - the Slurm driver: jobs through slurmrestd's REST API (over a
 * unix socket or HTTP(S) with a JWT), or through sbatch/squeue/scontrol/
 * scancel when only the command line is available.
 *
 * Configuration, in .treqs/config.yaml under drivers.NAME (NAME is what TRs
 * name in `driver:` and what driver_rules map GPU types to):
 *
 *   type            string, required   slurm
 *   endpoint        string, required   unix:/path/slurmrestd.sock (rest_auth/local:
 *                                      treqs must run as slurmrestd's user or root),
 *                                      http://host:6820 or https://host:6820 (JWT),
 *                                      or cli (sbatch --parsable, squeue, scontrol,
 *                                      scancel on PATH; no REST)
 *   api_version     string  v0.0.38    the slurmrestd API in the URL (/slurm/v0.0.38/...);
 *                                      v0.0.39 and later send the environment as a list
 *   partition       string  (none)     the partition; none: the cluster's default
 *   account         string  (none)     Slurm account to charge
 *   qos             string  (none)     quality of service
 *   user            string  (none)     sent as X-SLURM-USER-NAME (JWT authentication)
 *   token_env       string  (none)     environment variable holding the JWT, sent as
 *                                      X-SLURM-USER-TOKEN
 *   token_file      string  (none)     file whose first line is the JWT (token_env wins);
 *                                      a literal `token:` is refused: config.yaml is in git
 *   ca_file         string  (system)   CA bundle for https endpoints
 *   gpus            boolean false      the cluster has GPU gres: a TR with gpu_count > 0
 *                                      asks for gres gpu:<type>:<count>.  Off, no GPU
 *                                      request is sent at all (slurmrestd refuses gres
 *                                      requests on clusters without GPU gres) and the
 *                                      job runs without GPUs
 *   gpu_types       mapping {}         TR gpu_type -> gres type on this cluster
 *                                      ({A100: a100}); "" or any: untyped gpu:<count>;
 *                                      a type not listed is used as the TR writes it
 *   export_env      list    [PATH]     variables of treqs' environment given to the job
 *                                      (REST only; the TR's env and TREQS_* always are;
 *                                      PATH defaults to /usr/local/bin:/usr/bin:/bin)
 *   jobs_dir        string  $TREQS_JOBS_DIR  where the driver remembers each job's log
 *                                      and output directory (<jobs_dir>/.slurm/)
 *   slurm_conf      string  (inherited) SLURM_CONF for the cli endpoint's commands
 *   timeout_seconds number  30         per HTTP request or command
 *   retries         number  4          extra attempts after connection failures,
 *                                      timeouts and transient HTTP 5xx, with backoff
 *   backoff_ms      number  200        first wait between attempts, doubled each time
 *
 * The job: a batch script that cd's into the job's working directory and
 * execs the TR's argv, every argument single-quoted (no field of a TR is
 * ever interpreted by a shell); the environment is the TR's env plus
 * TREQS_OUTPUT_DIR and friends (with cli, exported by the script: in
 * sbatch's own environment, SBATCH_* would be options to sbatch); stdout
 * and stderr go (appended, so that requeues keep the earlier output) to
 * <state_dir>/output.log; the name is
 * the spec's name (TR id and digest), so that a rerun of treqs exec finds
 * the job instead of submitting it again; the comment ("treqs;max_restarts=N")
 * marks it as treqs' and records run.max_restarts, which poll() enforces: a
 * job requeued more often is cancelled and reported failed.  A TR without
 * max_restarts is submitted with requeue off.  find() only re-attaches to
 * jobs of that name carrying treqs' comment (and, with `user`, owned by
 * that user; with cli, by this uid), never to a refused submission.  The
 * run time is not summed over requeues (slurmrestd v0.0.38 does not report
 * it): results use the last run's start and end.
 *
 * Jobs run as the Slurm user slurmrestd maps the request to (with
 * rest_auth/local: slurmrestd's own user).  That user must be able to
 * write <state_dir> and the output directory, and collect() copies the
 * output directory from the filesystem: a remote cluster needs the jobs
 * directory on a filesystem shared by the runner and the compute nodes.
 *
 * Failures: connection refused, timeouts and transient 5xx are retried
 * with backoff and then fail with TREQS_EENV (exec leaves the TR to the
 * next treqs exec).  A submission is never blindly
 * repeated: before another attempt the driver looks for a job of that
 * name, in case the failed attempt created it.  slurmrestd answers HTTP
 * 500 for errors that retrying cannot fix (unknown job id, permission
 * denied, resources the cluster lacks): those fail at once with Slurm's
 * own message.  401/403 name the refused credential; other 4xx fail with
 * Slurm's errors; a body without the expected fields is an error naming
 * the field.
 */
#include "slurm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "treqs/http.h"
#include "treqs/run.h"

#define LOG_NAME "output.log"
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define MAX_FILE (16 << 20)

/* ------------------------------------------------------------------ */
/* The job: script, submission body                                   */

void treqs_slurm_quote(struct treqs_buf *out, const char *s)
{
	treqs_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			treqs_buf_puts(out, "'\\''");
		else
			treqs_buf_putc(out, *s);
	}
	treqs_buf_putc(out, '\'');
}

int treqs_slurm_script(struct treqs_buf *out, const struct treqs_job_spec *spec)
{
	size_t i;

	if (!spec->argv || !spec->argv[0] || !spec->argv[0][0])
		return treqs_error(TREQS_EINVALID, "slurm driver: the job has no program to run");
	if (spec->argv[0][0] == '-')
		return treqs_error(TREQS_EINVALID, "slurm driver: the program name '%s' starts with '-'", spec->argv[0]);
	/* sbatch reads #SBATCH lines up to the first command: only the name (made plain) comes before it */
	treqs_buf_puts(out, "#!/bin/sh\n# treqs job ");
	for (i = 0; spec->name && spec->name[i] && i < 200; i++)
		treqs_buf_putc(out, isalnum((unsigned char)spec->name[i]) || strchr("-_.", spec->name[i]) ? spec->name[i] : '?');
	treqs_buf_putc(out, '\n');
	if (spec->workdir) {
		/* Slurm runs a job whose directory is missing in /tmp instead: fail */
		treqs_buf_puts(out, "cd ");
		treqs_slurm_quote(out, spec->workdir);
		treqs_buf_puts(out, " || exit 127\n");
	}
	treqs_buf_puts(out, "exec");
	for (i = 0; spec->argv[i]; i++) {
		treqs_buf_putc(out, ' ');
		treqs_slurm_quote(out, spec->argv[i]);
	}
	treqs_buf_putc(out, '\n');
	return 0;
}

long treqs_slurm_minutes(double seconds)
{
	double m;

	if (!(seconds > 0))
		return 0;
	if (seconds > 1e9)
		seconds = 1e9;
	m = ceil(seconds / 60.0);
	return m < 1 ? 1 : (long)m;
}

char *treqs_slurm_gres(const struct treqs_job_spec *spec, const struct treqs_slurm_opts *o)
{
	const char *type = o->gres_type;

	if (!o->gpus || spec->gpu_count <= 0)
		return NULL;
	if (!type || !*type || !strcmp(type, "any"))
		return xasprintf("gpu:%ld", spec->gpu_count);
	return xasprintf("gpu:%s:%ld", type, spec->gpu_count);
}

char *treqs_slurm_comment(const struct treqs_job_spec *spec)
{
	/* no spaces: scontrol -o prints it unquoted */
	return xasprintf("treqs;max_restarts=%ld", spec->max_restarts > 0 ? spec->max_restarts : 0);
}

long treqs_slurm_comment_restarts(const char *comment)
{
	const char *p;
	char *end;
	long v;

	if (!comment || strncmp(comment, "treqs;", 6) || !(p = strstr(comment, ";max_restarts=")))
		return -1;
	p += strlen(";max_restarts=");
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno || (*end && *end != ';'))
		return -1;
	return v;
}

/* Slurm expands %j and friends in output paths: keep a literal '%' literal. */
static char *slurm_path(const char *path)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	if (strchr(path, '\\'))
		return xstrdup(path); /* a backslash switches the patterns off */
	for (; *path; path++) {
		if (*path == '%')
			treqs_buf_putc(&b, '%');
		treqs_buf_putc(&b, *path);
	}
	return treqs_buf_detach(&b);
}

static int api_at_least(const char *api, int minor)
{
	unsigned a, b, c;

	return api && sscanf(api, "v%u.%u.%u", &a, &b, &c) == 3 && (a > 0 || b > 0 || c >= (unsigned)minor);
}

static int env_put(json_t *env, int as_list, const char *entry)
{
	const char *eq = strchr(entry, '=');
	char *name;
	int ret;

	if (!eq || eq == entry)
		return treqs_error(TREQS_EINVALID, "slurm driver: '%s' is not NAME=value", entry);
	name = xstrndup(entry, (size_t)(eq - entry));
	if (as_list) {
		/* a later entry overrides an earlier one of the same name */
		size_t i;
		for (i = 0; i < json_array_size(env); i++) {
			const char *e = json_string_value(json_array_get(env, i));
			if (e && !strncmp(e, entry, (size_t)(eq - entry) + 1)) {
				json_array_remove(env, i);
				break;
			}
		}
		ret = json_array_append_new(env, json_string(entry));
	} else {
		ret = json_object_set_new(env, name, json_string(eq + 1));
	}
	free(name);
	if (ret < 0)
		return treqs_error(TREQS_EINVALID, "slurm driver: the environment entry '%.*s' is not valid UTF-8",
				   (int)(eq - entry), entry);
	return 0;
}

int treqs_slurm_submit_body(json_t **out, const struct treqs_job_spec *spec, const struct treqs_slurm_opts *o)
{
	struct treqs_buf script = TREQS_BUF_INIT;
	int as_list = api_at_least(o->api, 39);
	json_t *job, *env;
	char *gres, *comment, *log;
	long minutes;
	size_t i;
	int ret;

	*out = NULL;
	if (!spec->name || !*spec->name)
		return treqs_error(TREQS_EINVALID, "slurm driver: the job has no name");
	for (i = 0; spec->name[i]; i++)
		if (!isalnum((unsigned char)spec->name[i]) && !strchr("-_.", spec->name[i]))
			return treqs_error(TREQS_EINVALID, "slurm driver: invalid job name '%s'", spec->name);
	if (!o->log_path)
		return treqs_error(TREQS_EINVALID, "slurm driver: no log path");
	if ((ret = treqs_slurm_script(&script, spec)) < 0) {
		treqs_buf_free(&script);
		return ret;
	}

	env = as_list ? json_array() : json_object();
	for (i = 0; o->base_env && o->base_env[i] && ret == 0; i++)
		ret = env_put(env, as_list, o->base_env[i]);
	for (i = 0; spec->env && spec->env[i] && ret == 0; i++)
		ret = env_put(env, as_list, spec->env[i]);
	if (ret == 0 && (as_list ? !json_array_size(env) : !json_object_size(env)))
		ret = env_put(env, as_list, "PATH=" DEFAULT_PATH); /* slurmrestd refuses an empty environment */
	if (ret < 0) {
		json_decref(env);
		treqs_buf_free(&script);
		return ret;
	}

	job = json_object();
	json_object_set_new(job, "name", json_string(spec->name));
	json_object_set_new(job, "comment", json_string((comment = treqs_slurm_comment(spec))));
	if (spec->workdir && json_object_set_new(job, "current_working_directory", json_string(spec->workdir)) < 0)
		ret = treqs_error(TREQS_EINVALID, "slurm driver: the working directory is not valid UTF-8");
	json_object_set_new(job, "environment", env);
	log = slurm_path(o->log_path);
	if (json_object_set_new(job, "standard_output", json_string(log)) < 0)
		ret = treqs_error(TREQS_EINVALID, "slurm driver: the log path is not valid UTF-8");
	json_object_set_new(job, "standard_error", json_string(log));
	json_object_set_new(job, "open_mode", json_string("append"));
	if ((minutes = treqs_slurm_minutes(spec->time_limit)) > 0)
		json_object_set_new(job, "time_limit", json_integer(minutes));
	if (o->partition)
		json_object_set_new(job, "partition", json_string(o->partition));
	if (o->account)
		json_object_set_new(job, "account", json_string(o->account));
	if (o->qos)
		json_object_set_new(job, "qos", json_string(o->qos));
	if ((gres = treqs_slurm_gres(spec, o)))
		json_object_set_new(job, "gres", json_string(gres));
	json_object_set_new(job, "requeue", json_boolean(spec->max_restarts > 0));
	if (ret == 0 && o->partition && !json_is_string(json_object_get(job, "partition")))
		ret = treqs_error(TREQS_EINVALID, "slurm driver: the partition is not valid UTF-8");
	if (ret == 0 && !(*out = json_pack("{s:s%, s:O}", "script", script.ptr, script.len, "job", job)))
		ret = treqs_error(TREQS_EINVALID, "slurm driver: the job's script is not valid UTF-8");
	json_decref(job);
	free(gres);
	free(comment);
	free(log);
	treqs_buf_free(&script);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Reading job records                                                */

/* What a record says, in either mode and API version. */
struct jobinfo {
	const char *names[16]; /* job_state: the base state and its flags */
	size_t nnames;
	const char *reason;
	int exit_known;        /* exit_code below is meaningful */
	int exit_code;         /* the program's status, 128+signal */
	int signal;
	double start, end;
	long restarts;
};

/*
 * A number as v0.0.38 writes it (an integer, null for "not set") or as
 * later versions do ({"set": bool, "infinite": bool, "number": n}).
 * *set is 0 for null, unset or infinite.  -1 for anything else.
 */
static int json_num(const json_t *v, double *out, int *set)
{
	*out = 0;
	*set = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_number(v)) {
		*out = json_number_value(v);
		*set = 1;
		return 0;
	}
	if (json_is_object(v)) {
		const json_t *s = json_object_get(v, "set"), *inf = json_object_get(v, "infinite"),
			     *n = json_object_get(v, "number");
		if ((s && !json_is_boolean(s)) || (inf && !json_is_boolean(inf)) || (n && !json_is_number(n) && !json_is_null(n)))
			return -1;
		if (json_is_true(inf) || json_is_false(s) || !n || json_is_null(n))
			return 0;
		*out = json_number_value(n);
		*set = 1;
		return 0;
	}
	return -1;
}

static int field_error(const char *what, const char *field, const json_t *v, const char *expected)
{
	char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	int ret = treqs_error(TREQS_EENV, "%s: unexpected answer: '%s' should be %s, found %.80s", what, field, expected,
			      text ? text : "nothing");

	free(text);
	return ret;
}

static int num_field(const json_t *job, const char *key, double *out, int *set, const char *what)
{
	const json_t *v = json_object_get(job, key);

	if (json_num(v, out, set) < 0)
		return field_error(what, key, v, "a number");
	return 0;
}

/* exit_code: v0.0.38's raw wait status, or {status, return_code, signal}. */
static int parse_exit(struct jobinfo *ji, const json_t *v, const char *what)
{
	double n;
	int set;

	ji->exit_known = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		json_int_t w = json_integer_value(v);
		if (w < 0 || w > 0xffff)
			return 0; /* not a wait status: unknown */
		if (w & 0x7f) {
			ji->signal = (int)(w & 0x7f);
			ji->exit_code = 128 + ji->signal;
		} else {
			ji->exit_code = (int)((w >> 8) & 0xff);
		}
		ji->exit_known = 1;
		return 0;
	}
	if (json_is_object(v)) {
		const json_t *status = json_object_get(v, "status"), *sig = json_object_get(v, "signal");
		int signaled = 0, pending = 0;
		size_t i;

		if (json_is_string(status)) {
			const char *s = json_string_value(status);
			signaled = !strcmp(s, "SIGNALED") || !strcmp(s, "CORE_DUMPED");
			pending = !strcmp(s, "PENDING") || !strcmp(s, "INVALID") || !strcmp(s, "UNKNOWN");
		} else if (json_is_array(status)) {
			for (i = 0; i < json_array_size(status); i++) {
				const char *s = json_string_value(json_array_get(status, i));
				if (!s)
					return field_error(what, "exit_code.status", status, "a string or a list of strings");
				signaled |= !strcmp(s, "SIGNALED") || !strcmp(s, "CORE_DUMPED");
				pending |= !strcmp(s, "PENDING") || !strcmp(s, "INVALID") || !strcmp(s, "UNKNOWN");
			}
		} else if (status) {
			return field_error(what, "exit_code.status", status, "a string or a list of strings");
		}
		if (pending)
			return 0;
		if (signaled) {
			const json_t *id = json_is_object(sig) ? json_object_get(sig, "id") : NULL;
			if (json_is_object(sig) && !id)
				id = json_object_get(sig, "signal_id");
			if (sig && !json_is_object(sig))
				return field_error(what, "exit_code.signal", sig, "an object");
			if (json_num(id, &n, &set) < 0)
				return field_error(what, "exit_code.signal.id", id, "a number");
			if (set && n > 0 && n < 128) {
				ji->signal = (int)n;
				ji->exit_code = 128 + ji->signal;
				ji->exit_known = 1;
				return 0;
			}
		}
		if (json_num(json_object_get(v, "return_code"), &n, &set) < 0)
			return field_error(what, "exit_code.return_code", json_object_get(v, "return_code"), "a number");
		if (set && n >= 0 && n <= 255) {
			ji->exit_code = (int)n;
			ji->exit_known = 1;
		}
		return 0;
	}
	return field_error(what, "exit_code", v, "a number or an object");
}

static int has_name(const struct jobinfo *ji, const char *name)
{
	size_t i;

	for (i = 0; i < ji->nnames; i++)
		if (!strcmp(ji->names[i], name))
			return 1;
	return 0;
}

static const struct {
	const char *name;
	enum treqs_job_state state;
	const char *what; /* for people */
} base_states[] = {
	{"PENDING", TREQS_JOB_PENDING, "waiting"},
	{"RUNNING", TREQS_JOB_RUNNING, NULL},
	{"SUSPENDED", TREQS_JOB_RUNNING, "suspended"},
	{"COMPLETED", TREQS_JOB_SUCCEEDED, NULL},
	{"COMPLETE", TREQS_JOB_SUCCEEDED, NULL},
	{"CANCELLED", TREQS_JOB_CANCELLED, "cancelled"},
	{"FAILED", TREQS_JOB_FAILED, "failed"},
	{"TIMEOUT", TREQS_JOB_TIMEOUT, "stopped at its time limit"},
	{"NODE_FAIL", TREQS_JOB_LOST, "its node failed"},
	{"PREEMPTED", TREQS_JOB_FAILED, "preempted by another job"},
	{"BOOT_FAIL", TREQS_JOB_LOST, "its node failed to boot"},
	{"DEADLINE", TREQS_JOB_FAILED, "missed its deadline"},
	{"OUT_OF_MEMORY", TREQS_JOB_FAILED, "ran out of memory"},
};

/* The treqs state, the status and a detail for people from what a record said. */
static int finish_info(struct treqs_job_status *st, const struct jobinfo *ji, const char *what)
{
	const char *base = NULL, *why = NULL, *flag = NULL;
	enum treqs_job_state state = TREQS_JOB_PENDING;
	struct treqs_buf d = TREQS_BUF_INIT;
	size_t i, k;

	for (i = 0; i < ji->nnames && !base; i++)
		for (k = 0; k < TREQS_ARRAY_SIZE(base_states); k++)
			if (!strcmp(ji->names[i], base_states[k].name)) {
				base = base_states[k].name;
				state = base_states[k].state;
				why = base_states[k].what;
				break;
			}
	/* v0.0.38 names a flag instead of the base state; later versions list both */
	if (has_name(ji, "COMPLETING") || has_name(ji, "SIGNALING") || has_name(ji, "STAGE_OUT")) {
		flag = "ending";
		state = TREQS_JOB_RUNNING;
	} else if (has_name(ji, "REQUEUED") || has_name(ji, "REQUEUE_HOLD") || has_name(ji, "REQUEUE_FED") ||
		   has_name(ji, "RESV_DEL_HOLD")) {
		flag = "requeued";
		state = TREQS_JOB_PENDING;
	} else if (has_name(ji, "CONFIGURING") || has_name(ji, "POWER_UP_NODE")) {
		flag = "starting";
		state = base && state == TREQS_JOB_RUNNING ? TREQS_JOB_RUNNING : TREQS_JOB_PENDING;
	} else if (has_name(ji, "STOPPED") || has_name(ji, "RESIZING")) {
		flag = "stopped";
		state = TREQS_JOB_RUNNING;
	} else if (has_name(ji, "REVOKED")) {
		flag = "revoked (it ran on another cluster of the federation)";
		state = TREQS_JOB_LOST;
	} else if (has_name(ji, "SPECIAL_EXIT")) {
		flag = "special exit";
		state = TREQS_JOB_FAILED;
	} else if (!base) {
		return treqs_error(TREQS_EENV, "%s: unexpected answer: job_state '%s' is not a Slurm job state", what,
				   ji->nnames ? ji->names[0] : "");
	}

	memset(st, 0, sizeof(*st));
	st->state = state;
	st->exit_code = -1;
	st->restarts = ji->restarts > 0 ? (unsigned)ji->restarts : 0;
	if (state != TREQS_JOB_PENDING && ji->start > 0)
		st->start_time = ji->start;
	if (treqs_job_state_final(state)) {
		int launch_failed = ji->reason && !strcmp(ji->reason, "JobLaunchFailure");
		int plain_failure = base && !strcmp(base, "FAILED") && !flag;
		if (ji->end > 0)
			st->end_time = ji->end;
		if (ji->start > 0 && !launch_failed && ji->exit_known)
			st->exit_code = ji->exit_code;
		if (state == TREQS_JOB_FAILED && launch_failed)
			treqs_buf_puts(&d, "Slurm could not launch it (most often: the job's user cannot write its output "
					   "file or directory)");
		else if (state == TREQS_JOB_FAILED && ji->start <= 0)
			treqs_buf_puts(&d, "Slurm refused it before it started");
		else if (plain_failure && st->exit_code > 128 && ji->signal)
			treqs_buf_printf(&d, "killed by signal %d", ji->signal);
		else if (plain_failure && st->exit_code > 0)
			treqs_buf_printf(&d, "exited with status %d", st->exit_code);
		else if (flag)
			treqs_buf_puts(&d, flag);
		else if (why)
			treqs_buf_puts(&d, why);
	} else if (flag) {
		treqs_buf_puts(&d, flag);
	} else if (why) {
		treqs_buf_puts(&d, why);
	}
	if ((state != TREQS_JOB_RUNNING && state != TREQS_JOB_SUCCEEDED) || flag || (ji->reason && strcmp(ji->reason, "None"))) {
		treqs_buf_printf(&d, "%sSlurm: ", d.len ? " (" : "(");
		for (i = 0; i < ji->nnames; i++)
			treqs_buf_printf(&d, "%s%s", i ? "," : "", ji->names[i]);
		if (ji->reason && *ji->reason && strcmp(ji->reason, "None"))
			treqs_buf_printf(&d, ", reason %s", ji->reason);
		treqs_buf_putc(&d, ')');
	}
	if (st->restarts)
		treqs_buf_printf(&d, "; requeued %u time%s", st->restarts, st->restarts == 1 ? "" : "s");
	snprintf(st->detail, sizeof(st->detail), "%s", treqs_buf_cstr(&d));
	treqs_buf_free(&d);
	return 0;
}

/* The job's comment as v0.0.38 (a string) or v0.0.40 ({job, administrator, system}) writes it. */
static const char *record_comment(const json_t *job)
{
	const json_t *v = json_object_get(job, "comment");

	if (json_is_object(v))
		v = json_object_get(v, "job");
	return json_string_value(v);
}

int treqs_slurm_parse_job(struct treqs_job_status *st, long *max_restarts, char **stdout_path, const json_t *job,
			  const char *what)
{
	struct jobinfo ji;
	const json_t *js, *v;
	double n;
	int set, ret;
	size_t i;

	memset(&ji, 0, sizeof(ji));
	*max_restarts = -1;
	if (stdout_path)
		*stdout_path = NULL;
	if (!json_is_object(job))
		return field_error(what, "jobs[]", job, "an object");
	js = json_object_get(job, "job_state");
	if (json_is_string(js)) {
		ji.names[ji.nnames++] = json_string_value(js);
	} else if (json_is_array(js) && json_array_size(js) > 0) {
		for (i = 0; i < json_array_size(js) && ji.nnames < TREQS_ARRAY_SIZE(ji.names); i++) {
			if (!(ji.names[ji.nnames++] = json_string_value(json_array_get(js, i))))
				return field_error(what, "job_state", js, "a string or a list of strings");
		}
	} else {
		return field_error(what, "job_state", js, "a string or a list of strings");
	}
	v = json_object_get(job, "state_reason");
	if (v && !json_is_string(v) && !json_is_null(v))
		return field_error(what, "state_reason", v, "a string");
	ji.reason = json_string_value(v);
	if ((ret = parse_exit(&ji, json_object_get(job, "exit_code"), what)) < 0)
		return ret;
	if ((ret = num_field(job, "start_time", &ji.start, &set, what)) < 0 ||
	    (ret = num_field(job, "end_time", &ji.end, &set, what)) < 0 ||
	    (ret = num_field(job, "restart_cnt", &n, &set, what)) < 0)
		return ret;
	ji.restarts = set && n > 0 ? (long)n : 0;
	if ((ret = finish_info(st, &ji, what)) < 0)
		return ret;
	*max_restarts = treqs_slurm_comment_restarts(record_comment(job));
	v = json_object_get(job, "standard_output");
	if (stdout_path && json_is_string(v) && json_string_length(v))
		*stdout_path = xstrdup(json_string_value(v));
	return 0;
}

/* A job id as a string: v0.0.38 writes integers; accept digit strings too. */
static char *id_string(const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 20) {
		const char *s = json_string_value(v);
		size_t i;
		for (i = 0; s[i]; i++)
			if (!isdigit((unsigned char)s[i]))
				return NULL;
		return xstrdup(s);
	}
	return NULL;
}

static const json_t *jobs_array(const json_t *resp, const char *what)
{
	const json_t *jobs = json_is_object(resp) ? json_object_get(resp, "jobs") : NULL;

	if (!json_is_array(jobs)) {
		if (!json_is_object(resp))
			field_error(what, "(the body)", resp, "a JSON object");
		else
			field_error(what, "jobs", jobs, "a list");
		return NULL;
	}
	return jobs;
}

int treqs_slurm_job_from_response(const json_t **job, const json_t *resp, const char *job_id, const char *what)
{
	const json_t *jobs = jobs_array(resp, what);
	size_t i;

	*job = NULL;
	if (!jobs)
		return TREQS_EENV;
	for (i = 0; i < json_array_size(jobs); i++) {
		const json_t *j = json_array_get(jobs, i);
		char *id;
		if (!json_is_object(j))
			return field_error(what, "jobs[]", j, "an object");
		if (!(id = id_string(json_object_get(j, "job_id"))))
			return field_error(what, "jobs[].job_id", json_object_get(j, "job_id"), "a job id");
		if (!strcmp(id, job_id)) {
			free(id);
			*job = j;
			return 0;
		}
		free(id);
	}
	return treqs_error(TREQS_ENOTFOUND, "%s: Slurm does not list job %s", what, job_id);
}

/* Which of two candidates for a name wins: -1 not a candidate, else a rank (higher wins). */
static int candidate_rank(enum treqs_job_state state, int refused)
{
	if (refused)
		return -1;
	return treqs_job_state_final(state) ? 0 : 1;
}

int treqs_slurm_find_in_jobs(char **job_id, const json_t *resp, const char *name, const char *user, const char *what)
{
	const json_t *jobs = jobs_array(resp, what);
	char *best = NULL;
	unsigned long long best_num = 0;
	int best_rank = -1;
	size_t i;

	*job_id = NULL;
	if (!jobs)
		return TREQS_EENV;
	for (i = 0; i < json_array_size(jobs); i++) {
		const json_t *j = json_array_get(jobs, i), *n;
		struct treqs_job_status st;
		long mr;
		char *id;
		int rank, ret;
		unsigned long long num;

		if (!json_is_object(j)) {
			free(best);
			return field_error(what, "jobs[]", j, "an object");
		}
		n = json_object_get(j, "name");
		if (!json_is_string(n) || strcmp(json_string_value(n), name))
			continue;
		/* a job of that name that treqs did not submit (or not as this user) is not ours */
		if (treqs_slurm_comment_restarts(record_comment(j)) < 0)
			continue;
		if (user && (!json_is_string(json_object_get(j, "user_name")) ||
			     strcmp(json_string_value(json_object_get(j, "user_name")), user)))
			continue;
		if (!(id = id_string(json_object_get(j, "job_id")))) {
			free(best);
			return field_error(what, "jobs[].job_id", json_object_get(j, "job_id"), "a job id");
		}
		if ((ret = treqs_slurm_parse_job(&st, &mr, NULL, j, what)) < 0) {
			free(id);
			free(best);
			return ret;
		}
		rank = candidate_rank(st.state, st.state == TREQS_JOB_FAILED && !st.start_time);
		num = strtoull(id, NULL, 10);
		if (rank > best_rank || (rank == best_rank && rank >= 0 && num > best_num)) {
			free(best);
			best = id;
			best_rank = rank;
			best_num = num;
		} else {
			free(id);
		}
	}
	if (!best || best_rank < 0) {
		free(best);
		return treqs_error(TREQS_ENOTFOUND, "%s: no job named '%s'", what, name);
	}
	*job_id = best;
	return 0;
}

int treqs_slurm_errors(struct treqs_buf *out, const json_t *resp, int *notfound)
{
	const json_t *errs = json_is_object(resp) ? json_object_get(resp, "errors") : NULL;
	int first = 0;
	size_t i;

	*notfound = 0;
	for (i = 0; i < json_array_size(errs); i++) {
		const json_t *e = json_array_get(errs, i);
		const json_t *num = json_object_get(e, "error_number"), *err = json_object_get(e, "error"),
			     *desc = json_object_get(e, "description");
		long n = 0;

		if (!json_is_object(e))
			continue;
		if (!json_is_integer(num))
			num = json_object_get(e, "error_code");
		if (json_is_integer(num))
			n = (long)json_integer_value(num);
		if (n && !first)
			first = (int)n;
		if (n == 2017) /* ESLURM_INVALID_JOB_ID */
			*notfound = 1;
		if (out->len)
			treqs_buf_puts(out, "; ");
		treqs_buf_printf(out, "%s", json_is_string(err) ? json_string_value(err) : "error");
		if (n)
			treqs_buf_printf(out, " (%ld)", n);
		if (json_is_string(desc) && json_string_length(desc))
			treqs_buf_printf(out, ": %s", json_string_value(desc));
	}
	return first;
}

/* ---- scontrol / squeue text ---- */

/* The value of "Key=" in scontrol -o output (up to the next space), or NULL; caller frees. */
static char *sc_value(const char *text, const char *key)
{
	size_t kl = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key))) {
		if ((p == text || isspace((unsigned char)p[-1])) && p[kl] == '=') {
			const char *v = p + kl + 1;
			return xstrndup(v, strcspn(v, " \t\n"));
		}
		p += kl;
	}
	return NULL;
}

/* "2026-11-23T12:57:37" (local time) to unix seconds; 0 for Unknown, None, N/A. */
static double sc_time(const char *v)
{
	struct tm tm;
	int y, mo, d, h, mi, s;
	time_t t;

	if (!v || sscanf(v, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t == (time_t)-1 ? 0 : (double)t;
}

int treqs_slurm_parse_scontrol(struct treqs_job_status *st, long *max_restarts, char **stdout_path, const char *text)
{
	char *state = sc_value(text, "JobState"), *reason = sc_value(text, "Reason"), *exit = sc_value(text, "ExitCode");
	char *start = sc_value(text, "StartTime"), *end = sc_value(text, "EndTime"), *rs = sc_value(text, "Restarts");
	char *comment = sc_value(text, "Comment"), *out = sc_value(text, "StdOut");
	struct jobinfo ji;
	int code, sig, ret;

	memset(&ji, 0, sizeof(ji));
	*max_restarts = -1;
	if (stdout_path)
		*stdout_path = NULL;
	if (!state || !*state) {
		ret = treqs_error(TREQS_EENV, "scontrol show job: unexpected output: no JobState in '%.200s'", text);
		goto out;
	}
	ji.names[ji.nnames++] = state;
	ji.reason = reason;
	if (exit && sscanf(exit, "%d:%d", &code, &sig) == 2 && code >= 0 && sig >= 0) {
		ji.exit_known = 1;
		ji.signal = sig;
		ji.exit_code = sig ? 128 + sig : code;
	}
	ji.start = sc_time(start);
	ji.end = sc_time(end);
	ji.restarts = rs ? atol(rs) : 0;
	if ((ret = finish_info(st, &ji, "scontrol show job")) < 0)
		goto out;
	*max_restarts = treqs_slurm_comment_restarts(comment);
	if (stdout_path && out && *out && strcmp(out, "(null)"))
		*stdout_path = xstrdup(out);
out:
	free(state);
	free(reason);
	free(exit);
	free(start);
	free(end);
	free(rs);
	free(comment);
	free(out);
	return ret;
}

int treqs_slurm_find_in_squeue(char **job_id, const char *text, const char *name)
{
	const char *p = text;
	char *best = NULL;
	unsigned long long best_num = 0;
	int best_rank = -1;

	*job_id = NULL;
	while (*p) {
		size_t n = strcspn(p, "\n");
		char id[32], st[64], reason[128], comment[256];
		char *line = xstrndup(p, n);

		p += n + (p[n] == '\n');
		reason[0] = comment[0] = '\0';
		if (sscanf(line, "%31s %63s %127s %255s", id, st, reason, comment) == 4 && isdigit((unsigned char)id[0]) &&
		    strspn(id, "0123456789") == strlen(id) && treqs_slurm_comment_restarts(comment) >= 0) {
			struct jobinfo ji;
			struct treqs_job_status js;
			int rank;
			unsigned long long num = strtoull(id, NULL, 10);

			memset(&ji, 0, sizeof(ji));
			ji.names[ji.nnames++] = st;
			ji.reason = reason;
			ji.start = 1; /* squeue does not say; only the reason tells a refusal */
			if (finish_info(&js, &ji, "squeue") == 0) {
				rank = candidate_rank(js.state, js.state == TREQS_JOB_FAILED && !strcmp(reason, "BadConstraints"));
				if (rank > best_rank || (rank == best_rank && rank >= 0 && num > best_num)) {
					free(best);
					best = xstrdup(id);
					best_rank = rank;
					best_num = num;
				}
			}
			treqs_error_clear();
		}
		free(line);
	}
	if (!best || best_rank < 0) {
		free(best);
		return treqs_error(TREQS_ENOTFOUND, "squeue: no job named '%s'", name);
	}
	*job_id = best;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The driver                                                         */

struct slurm {
	struct treqs_driver base;
	int cli;
	struct treqs_http http;
	char *prefix;           /* "/slurm/v0.0.38" */
	char *api, *partition, *account, *qos, *jobs_dir, *slurm_conf, *user;
	int gpus;
	struct treqs_strv gpu_types; /* pairs: TR type, gres type */
	struct treqs_strv base_env;  /* "NAME=value" */
	int retries;
	long backoff_ms;
	double timeout;
};

static int conf_bool(const struct treqs_ynode *conf, const char *name, const char *key, int def, int *out)
{
	const struct treqs_ynode *n = treqs_ymap_get(conf, key, NULL);

	*out = def;
	if (!n)
		return 0;
	if (n->type == TREQS_YSCALAR && (!strcmp(n->value, "true") || !strcmp(n->value, "yes") || !strcmp(n->value, "on")))
		*out = 1;
	else if (n->type == TREQS_YSCALAR &&
		 (!strcmp(n->value, "false") || !strcmp(n->value, "no") || !strcmp(n->value, "off")))
		*out = 0;
	else
		return treqs_error(TREQS_EINVALID, "drivers.%s.%s: expected true or false", name, key);
	return 0;
}

static char *conf_dup(const struct treqs_ynode *conf, const char *key)
{
	const char *v = treqs_driver_conf_str(conf, key, NULL);

	return v ? xstrdup(v) : NULL;
}

static void slurm_close(struct treqs_driver *d)
{
	struct slurm *s = (struct slurm *)d;

	if (!s)
		return;
	treqs_http_clear(&s->http);
	free(s->prefix);
	free(s->api);
	free(s->partition);
	free(s->account);
	free(s->qos);
	free(s->jobs_dir);
	free(s->slurm_conf);
	free(s->user);
	treqs_strv_free(&s->gpu_types);
	treqs_strv_free(&s->base_env);
	free(s->base.name);
	free(s);
}

static int slurm_open(struct treqs_driver **out, const char *name, const struct treqs_ynode *conf)
{
	struct slurm *s = xcalloc(1, sizeof(*s));
	const char *endpoint = treqs_driver_conf_str(conf, "endpoint", NULL), *v;
	const struct treqs_ynode *n;
	char *token = NULL, *from = NULL;
	double retries, backoff;
	int ret;
	size_t i;

	*out = NULL;
	s->base.ops = &treqs_driver_slurm;
	s->base.name = xstrdup(name);
	s->api = xstrdup(treqs_driver_conf_str(conf, "api_version", "v0.0.38"));
	s->partition = conf_dup(conf, "partition");
	s->account = conf_dup(conf, "account");
	s->qos = conf_dup(conf, "qos");
	s->slurm_conf = conf_dup(conf, "slurm_conf");
	v = treqs_driver_conf_str(conf, "jobs_dir", getenv("TREQS_JOBS_DIR"));
	s->jobs_dir = v && *v ? xstrdup(v) : NULL;
	s->timeout = treqs_driver_conf_num(conf, "timeout_seconds", 30);
	retries = treqs_driver_conf_num(conf, "retries", 4);
	backoff = treqs_driver_conf_num(conf, "backoff_ms", 200);
	if (!(s->timeout > 0) || s->timeout > 86400 || !(retries >= 0 && retries <= 20) ||
	    !(backoff >= 0 && backoff <= 60000)) {
		ret = treqs_error(TREQS_EINVALID,
				  "drivers.%s: timeout_seconds (0 < t <= 86400), retries (0-20) or backoff_ms (0-60000) out of range",
				  name);
		goto fail;
	}
	s->retries = (int)retries;
	s->backoff_ms = (long)backoff;
	if ((ret = conf_bool(conf, name, "gpus", 0, &s->gpus)) < 0)
		goto fail;
	if (strncmp(s->api, "v0.0.", 5) || strspn(s->api + 5, "0123456789") != strlen(s->api + 5) || !s->api[5]) {
		ret = treqs_error(TREQS_EINVALID, "drivers.%s.api_version: expected v0.0.N (v0.0.38 ...), found '%s'", name,
				  s->api);
		goto fail;
	}
	if ((n = treqs_ymap_get(conf, "gpu_types", NULL))) {
		if (n->type != TREQS_YMAP) {
			ret = treqs_error(TREQS_EINVALID, "drivers.%s.gpu_types: expected a mapping {TR gpu_type: gres type}", name);
			goto fail;
		}
		for (i = 0; i + 1 < n->n; i += 2) {
			if (n->kids[i + 1]->type != TREQS_YSCALAR) {
				ret = treqs_error(TREQS_EINVALID, "drivers.%s.gpu_types.%s: expected a gres type name", name,
						  n->kids[i]->value);
				goto fail;
			}
			treqs_strv_push(&s->gpu_types, n->kids[i]->value);
			treqs_strv_push(&s->gpu_types, n->kids[i + 1]->value);
		}
	}
	n = treqs_ymap_get(conf, "export_env", NULL);
	if (n && n->type != TREQS_YSEQ) {
		ret = treqs_error(TREQS_EINVALID, "drivers.%s.export_env: expected a list of variable names", name);
		goto fail;
	}
	for (i = 0; n && i < n->n; i++) {
		const char *e;
		if (n->kids[i]->type != TREQS_YSCALAR || !n->kids[i]->len || strchr(n->kids[i]->value, '=')) {
			ret = treqs_error(TREQS_EINVALID, "drivers.%s.export_env: expected variable names", name);
			goto fail;
		}
		if ((e = getenv(n->kids[i]->value)))
			treqs_strv_push_owned(&s->base_env, xasprintf("%s=%s", n->kids[i]->value, e));
	}
	if (!n)
		treqs_strv_push_owned(&s->base_env, xasprintf("PATH=%s", getenv("PATH") && *getenv("PATH") ? getenv("PATH")
													      : DEFAULT_PATH));

	if (!endpoint) {
		ret = treqs_error(TREQS_EINVALID,
				  "drivers.%s: no endpoint (unix:/path/slurmrestd.sock, http(s)://host:6820 or cli)", name);
		goto fail;
	}
	if (!strcmp(endpoint, "cli")) {
		s->cli = 1;
		*out = &s->base;
		return 0;
	}
	if ((ret = treqs_http_init(&s->http, endpoint)) < 0) {
		char *m = xstrdup(treqs_error_msg());
		ret = treqs_error(ret, "drivers.%s: %s", name, m);
		free(m);
		goto fail;
	}
	s->http.retries = 0; /* the driver retries: see call() */
	s->http.timeout_ms = (long)(s->timeout * 1000);
	s->http.backoff_ms = s->backoff_ms;
	if ((v = treqs_driver_conf_str(conf, "ca_file", NULL)))
		s->http.ca_file = xstrdup(v);
	if ((ret = treqs_http_secret(&token, &from, conf, "token")) < 0) {
		char *m = xstrdup(treqs_error_msg());
		ret = treqs_error(ret, "drivers.%s: %s", name, m);
		free(m);
		goto fail;
	}
	v = treqs_driver_conf_str(conf, "user", NULL);
	if (v) {
		treqs_http_header(&s->http, "X-SLURM-USER-NAME", v);
		s->user = xstrdup(v);
	}
	if (token) {
		treqs_http_header(&s->http, "X-SLURM-USER-TOKEN", token);
		s->http.credential_name = v ? xasprintf("%s for user %s (X-SLURM-USER-TOKEN)", from, v)
					    : xasprintf("%s (X-SLURM-USER-TOKEN)", from);
	} else if (s->http.unix_socket) {
		s->http.credential_name =
			xasprintf("this process's uid %ld on the socket (rest_auth/local accepts only slurmrestd's own "
				  "user and root)",
				  (long)getuid());
	} else {
		s->http.credential_name = xstrdup("the request: no token configured (token_env or token_file)");
	}
	s->prefix = xasprintf("/slurm/%s", s->api);
	free(token);
	free(from);
	*out = &s->base;
	return 0;
fail:
	free(token);
	free(from);
	slurm_close(&s->base);
	return ret;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Job names go into squeue's --name (a comma-separated list) and file names. */
static int check_name(struct slurm *s, const char *name)
{
	size_t i;

	for (i = 0; name && name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
			break;
	if (!name || !*name || name[i] || i > 200)
		return treqs_error(TREQS_EINVALID, "slurm driver '%s': invalid job name '%s'", s->base.name,
				   name ? name : "");
	return 0;
}

static int valid_job_id(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < 20 && strspn(id, "0123456789") == n;
}

/* Replaces the last error's message with "slurm driver 'NAME': MESSAGE". */
static int driver_error(struct slurm *s, int code)
{
	char *m = xstrdup(treqs_error_msg());

	code = treqs_error(code, "slurm driver '%s': %s", s->base.name, m);
	free(m);
	return code;
}

/*
 * One request with the driver's failure policy.  0 with a 2xx answer in
 * resp (its JSON checked by the caller); TREQS_ENOTFOUND when Slurm says
 * the job id is unknown; TREQS_EENV otherwise, *transient set when
 * another attempt could succeed.  With retry, transient failures are
 * retried here with backoff.  The caller clears resp.
 */
static int call(struct slurm *s, const char *method, const char *path, json_t *body, struct treqs_http_response *resp,
		int retry, int *transient)
{
	char *url = xasprintf("%s%s", s->prefix, path), *what = xasprintf("%s %s", method, url);
	long wait = s->backoff_ms;
	int attempt, ret;

	for (attempt = 0;; attempt++) {
		struct treqs_buf why = TREQS_BUF_INIT;
		json_t *j = NULL;
		int notfound = 0, num = 0, again = 0;

		treqs_http_response_clear(resp);
		ret = treqs_http_request(&s->http, method, url, body, resp);
		if (resp->json)
			j = json_incref(resp->json);
		else if (resp->body.len)
			j = json_loadb(resp->body.ptr, resp->body.len, 0, NULL);
		if (j)
			num = treqs_slurm_errors(&why, j, &notfound);
		json_decref(j);
		if (ret == 0 && resp->status >= 200 && resp->status < 300) {
			treqs_buf_free(&why);
			break;
		}
		if (notfound) {
			ret = treqs_error(TREQS_ENOTFOUND, "%s: Slurm does not know the job (%s)", what, why.ptr);
		} else if (ret == 0) {
			/* 3xx/4xx: the request itself is wrong; retrying cannot help */
			int unknown_url = resp->status == 404 && !why.len;
			ret = treqs_error(TREQS_EENV, "%s at %s: HTTP %ld: %.300s%s", what, s->http.endpoint, resp->status,
					  why.len ? why.ptr : treqs_buf_cstr(&resp->body),
					  unknown_url ? " (does this slurmrestd serve api_version " : "");
			if (unknown_url) {
				char *m = xstrdup(treqs_error_msg());
				ret = treqs_error(TREQS_EENV, "%s%s? slurmrestd -s openapi/%s loads it)", m, s->api, s->api);
				free(m);
			}
		} else if (resp->status == 401 || resp->status == 403) {
			; /* the client's message names the credential */
		} else if (resp->status >= 500 && num >= 2000 && num < 3000) {
			/* slurmctld's own verdict on the request (ESLURM_*), not a passing failure */
			ret = treqs_error(TREQS_EENV, "%s at %s: HTTP %ld: %s", what, s->http.endpoint, resp->status, why.ptr);
		} else {
			again = 1; /* no answer, a timeout, 429 or a 5xx without a verdict */
			if (why.len)
				ret = treqs_error(TREQS_EENV, "%s at %s: HTTP %ld: %s", what, s->http.endpoint, resp->status, why.ptr);
		}
		treqs_buf_free(&why);
		*transient = again;
		if (!again || !retry || attempt >= s->retries)
			break;
		sleep_ms(wait);
		wait = wait < 15000 ? wait * 2 : 30000;
	}
	if (ret == TREQS_EENV && attempt > 0 && *transient) {
		char *m = xstrdup(treqs_error_msg());
		treqs_error(ret, "%s (%d attempts)", m, attempt + 1);
		free(m);
	}
	if (ret < 0)
		driver_error(s, ret);
	else
		*transient = 0;
	free(url);
	free(what);
	return ret;
}

/* The JSON of a successful answer, or an error naming the request. */
static const json_t *answer(struct slurm *s, const struct treqs_http_response *resp, const char *what)
{
	if (!resp->json || !json_is_object(resp->json)) {
		treqs_error(TREQS_EENV, "%s: unexpected answer: not a JSON object: %.200s", what, treqs_buf_cstr(&resp->body));
		driver_error(s, TREQS_EENV);
		return NULL;
	}
	return resp->json;
}

/* ---- what the driver remembers per job: <jobs_dir>/.slurm/<driver>.<id>.json ---- */

static char *memo_path(struct slurm *s, const char *job_id)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	const char *p;

	if (!s->jobs_dir)
		return NULL;
	treqs_buf_printf(&b, "%s/.slurm/", s->jobs_dir);
	for (p = s->base.name; *p; p++)
		treqs_buf_putc(&b, isalnum((unsigned char)*p) || *p == '-' || *p == '_' ? *p : '_');
	treqs_buf_printf(&b, ".%s.json", job_id);
	return treqs_buf_detach(&b);
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path), *q;
	int ret = 0;

	for (q = p + 1;; q++) {
		if (*q && *q != '/')
			continue;
		{
			char c = *q;
			*q = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST)
				ret = treqs_error_errno(TREQS_EENV, "unable to create '%s'", p);
			*q = c;
		}
		if (ret < 0 || !*q)
			break;
	}
	free(p);
	return ret;
}

static char *log_path(const struct treqs_job_spec *spec)
{
	return xasprintf("%s/%s", spec->state_dir, LOG_NAME);
}

/* Failing to remember is not fatal: logs and collect say so later. */
static void memo_write(struct slurm *s, const char *job_id, const struct treqs_job_spec *spec)
{
	char *path = memo_path(s, job_id), *dir, *text, *log;
	json_t *j;

	if (!path)
		return;
	dir = xasprintf("%s/.slurm", s->jobs_dir);
	log = log_path(spec);
	j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", spec->name, "state_dir", spec->state_dir, "output_dir",
		      spec->output_dir, "log", log, "max_restarts", (json_int_t)spec->max_restarts);
	text = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	if (!text || mkdir_p(dir) < 0 || treqs_write_file(path, text, strlen(text)) < 0)
		fprintf(stderr, "treqs: warning: slurm driver '%s': cannot remember job %s in %s: %s\n", s->base.name, job_id,
			path, treqs_error_msg());
	treqs_error_clear();
	free(text);
	json_decref(j);
	free(log);
	free(dir);
	free(path);
}

/* The remembered string key of job_id, or NULL; caller frees. */
static char *memo_get(struct slurm *s, const char *job_id, const char *key)
{
	char *path = memo_path(s, job_id), *v = NULL;
	json_t *j;

	if (!path)
		return NULL;
	if ((j = json_load_file(path, 0, NULL))) {
		const json_t *x = json_object_get(j, key);
		if (json_is_string(x))
			v = xstrdup(json_string_value(x));
		else if (json_is_integer(x))
			v = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(x));
		json_decref(j);
	}
	free(path);
	return v;
}

/* ---- the command line ---- */

static int run_cli(struct slurm *s, struct treqs_cmd *cmd, const char *const *argv, const char *const *env,
		   const char *in)
{
	struct treqs_strv e = TREQS_STRV_INIT;
	size_t i;
	int ret;

	memset(cmd, 0, sizeof(*cmd));
	for (i = 0; env && env[i]; i++)
		treqs_strv_push(&e, env[i]);
	if (s->slurm_conf)
		treqs_strv_push_owned(&e, xasprintf("SLURM_CONF=%s", s->slurm_conf));
	cmd->argv = argv;
	cmd->env = (const char *const *)e.v;
	cmd->in = in;
	cmd->inlen = in ? strlen(in) : 0;
	cmd->capture_out = cmd->capture_err = 1;
	cmd->timeout = s->timeout;
	ret = treqs_cmd_run(cmd);
	cmd->env = NULL;
	treqs_strv_free(&e);
	if (ret < 0)
		return driver_error(s, ret);
	if (cmd->timed_out)
		return treqs_error(TREQS_EENV, "slurm driver '%s': %s did not finish within %.0f s", s->base.name, argv[0],
				   s->timeout);
	return 0;
}

/* The first line of a command's stderr, for messages. */
static char *first_line(const struct treqs_buf *b)
{
	const char *t = treqs_buf_cstr(b);

	while (*t == '\n' || *t == ' ')
		t++;
	return xstrndup(t, strcspn(t, "\n") < 300 ? strcspn(t, "\n") : 300);
}

static int cli_find(struct slurm *s, const struct treqs_job_spec *spec, char **job_id)
{
	char *name = xasprintf("--name=%s", spec->name), *user = xasprintf("--user=%ld", (long)getuid());
	const char *argv[] = {"squeue", "-h", "--all", "--states=all", name, user, "-o", "%i %T %r %k", NULL};
	struct treqs_cmd cmd;
	int ret;

	if ((ret = run_cli(s, &cmd, argv, NULL, NULL)) == 0) {
		if (cmd.status != 0) {
			char *m = first_line(&cmd.err);
			ret = treqs_error(TREQS_EENV, "slurm driver '%s': squeue failed (exit %d): %s", s->base.name, cmd.status, m);
			free(m);
		} else {
			ret = treqs_slurm_find_in_squeue(job_id, treqs_buf_cstr(&cmd.out), spec->name);
		}
	}
	treqs_cmd_clear(&cmd);
	free(name);
	free(user);
	return ret;
}

/*
 * The batch script for sbatch on the command line: the spec's environment
 * is exported by the script, after the lines sbatch reads options from,
 * rather than given to sbatch itself.  sbatch takes SBATCH_GPUS,
 * SBATCH_ARRAY_INX, SBATCH_ACCOUNT, SBATCH_WAIT and the like from its own
 * environment as options, and SLURM_CONF as its cluster: a TR's env must
 * reach the job, never the scheduler (an array of a hundred launches, GPUs
 * the cost does not count, another team's account).
 */
static int cli_script(struct treqs_buf *out, const struct treqs_job_spec *spec)
{
	struct treqs_buf plain = TREQS_BUF_INIT;
	const char *body;
	size_t i;
	int ret;

	if ((ret = treqs_slurm_script(&plain, spec)) < 0) {
		treqs_buf_free(&plain);
		return ret;
	}
	/* after "#!/bin/sh" and "# treqs job NAME" */
	body = strchr(treqs_buf_cstr(&plain), '\n');
	body = body ? strchr(body + 1, '\n') : NULL;
	body = body ? body + 1 : treqs_buf_cstr(&plain) + plain.len;
	treqs_buf_put(out, plain.ptr, (size_t)(body - plain.ptr));
	for (i = 0; spec->env && spec->env[i]; i++) {
		const char *e = spec->env[i];
		size_t n = strcspn(e, "=");
		if (!e[n] || !n || !(isalpha((unsigned char)e[0]) || e[0] == '_') ||
		    strspn(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n) {
			treqs_buf_free(&plain);
			return treqs_error(TREQS_EINVALID, "slurm driver: '%.*s' is not an environment variable name", (int)n, e);
		}
		treqs_buf_printf(out, "export %.*s=", (int)n, e);
		treqs_slurm_quote(out, e + n + 1);
		treqs_buf_putc(out, '\n');
	}
	treqs_buf_puts(out, body);
	treqs_buf_free(&plain);
	return 0;
}

static int cli_submit(struct slurm *s, const struct treqs_job_spec *spec, const char *log, char **job_id)
{
	struct treqs_strv argv = TREQS_STRV_INIT;
	struct treqs_buf script = TREQS_BUF_INIT;
	struct treqs_slurm_opts o;
	struct treqs_cmd cmd;
	char *gres, *comment, *plog = slurm_path(log);
	long minutes = treqs_slurm_minutes(spec->time_limit);
	size_t i;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	memset(&o, 0, sizeof(o));
	o.gpus = s->gpus;
	for (i = 0; spec->gpu_type && i + 1 < s->gpu_types.n; i += 2)
		if (!strcasecmp(s->gpu_types.v[i], spec->gpu_type))
			o.gres_type = s->gpu_types.v[i + 1];
	if (!o.gres_type)
		o.gres_type = spec->gpu_type;
	if ((ret = cli_script(&script, spec)) < 0)
		goto out;
	treqs_strv_push(&argv, "sbatch");
	treqs_strv_push(&argv, "--parsable");
	treqs_strv_push_owned(&argv, xasprintf("--job-name=%s", spec->name));
	treqs_strv_push_owned(&argv, xasprintf("--comment=%s", (comment = treqs_slurm_comment(spec))));
	free(comment);
	if (spec->workdir)
		treqs_strv_push_owned(&argv, xasprintf("--chdir=%s", spec->workdir));
	treqs_strv_push_owned(&argv, xasprintf("--output=%s", plog));
	treqs_strv_push_owned(&argv, xasprintf("--error=%s", plog));
	treqs_strv_push(&argv, "--open-mode=append");
	if (minutes > 0)
		treqs_strv_push_owned(&argv, xasprintf("--time=%ld", minutes));
	if (s->partition)
		treqs_strv_push_owned(&argv, xasprintf("--partition=%s", s->partition));
	if (s->account)
		treqs_strv_push_owned(&argv, xasprintf("--account=%s", s->account));
	if (s->qos)
		treqs_strv_push_owned(&argv, xasprintf("--qos=%s", s->qos));
	if ((gres = treqs_slurm_gres(spec, &o)))
		treqs_strv_push_owned(&argv, xasprintf("--gres=%s", gres));
	free(gres);
	treqs_strv_push(&argv, spec->max_restarts > 0 ? "--requeue" : "--no-requeue");
	/* the script comes on stdin; the environment is treqs' (sbatch --export=ALL), the spec's is in the script */
	if ((ret = run_cli(s, &cmd, (const char *const *)argv.v, NULL, script.ptr)) < 0)
		goto out;
	if (cmd.status != 0) {
		char *m = first_line(&cmd.err);
		ret = treqs_error(TREQS_EENV, "slurm driver '%s': sbatch failed (exit %d): %s", s->base.name, cmd.status, m);
		free(m);
		goto out;
	}
	{
		const char *o_ = treqs_buf_cstr(&cmd.out);
		size_t n = strspn(o_, "0123456789");
		if (!n || n >= 20 || (o_[n] && o_[n] != ';' && o_[n] != '\n')) {
			ret = treqs_error(TREQS_EENV, "slurm driver '%s': sbatch --parsable printed '%.100s', not a job id",
					  s->base.name, o_);
			goto out;
		}
		*job_id = xstrndup(o_, n);
	}
	ret = 0;
out:
	treqs_cmd_clear(&cmd);
	treqs_strv_free(&argv);
	treqs_buf_free(&script);
	free(plog);
	return ret;
}

/* scontrol -o show job ID. */
static int cli_show(struct slurm *s, const char *job_id, struct treqs_job_status *st, long *max_restarts,
		    char **stdout_path)
{
	const char *argv[] = {"scontrol", "-o", "show", "job", job_id, NULL};
	struct treqs_cmd cmd;
	int ret;

	if ((ret = run_cli(s, &cmd, argv, NULL, NULL)) == 0) {
		if (cmd.status != 0 && strstr(treqs_buf_cstr(&cmd.err), "Invalid job id")) {
			ret = treqs_error(TREQS_ENOTFOUND, "slurm driver '%s': Slurm does not know job %s", s->base.name, job_id);
		} else if (cmd.status != 0) {
			char *m = first_line(&cmd.err);
			ret = treqs_error(TREQS_EENV, "slurm driver '%s': scontrol show job %s failed (exit %d): %s",
					  s->base.name, job_id, cmd.status, m);
			free(m);
		} else if ((ret = treqs_slurm_parse_scontrol(st, max_restarts, stdout_path, treqs_buf_cstr(&cmd.out))) < 0) {
			driver_error(s, ret);
		}
	}
	treqs_cmd_clear(&cmd);
	return ret;
}

static int cli_cancel(struct slurm *s, const char *job_id)
{
	const char *argv[] = {"scancel", job_id, NULL};
	struct treqs_cmd cmd;
	int ret;

	if ((ret = run_cli(s, &cmd, argv, NULL, NULL)) == 0 && cmd.status != 0) {
		const char *e = treqs_buf_cstr(&cmd.err);
		if (!strstr(e, "Invalid job id") && !strstr(e, "already completing or completed")) {
			char *m = first_line(&cmd.err);
			ret = treqs_error(TREQS_EENV, "slurm driver '%s': scancel %s failed (exit %d): %s", s->base.name, job_id,
					  cmd.status, m);
			free(m);
		}
	}
	treqs_cmd_clear(&cmd);
	return ret;
}

/* ---- REST ---- */

static int rest_find(struct slurm *s, const struct treqs_job_spec *spec, char **job_id, int retry)
{
	struct treqs_http_response resp;
	const json_t *j;
	int ret, transient = 0;

	memset(&resp, 0, sizeof(resp));
	if ((ret = call(s, "GET", "/jobs", NULL, &resp, retry, &transient)) == 0) {
		if (!(j = answer(s, &resp, "GET /jobs")))
			ret = TREQS_EENV;
		else if ((ret = treqs_slurm_find_in_jobs(job_id, j, spec->name, s->user, "GET /jobs")) == TREQS_EENV)
			driver_error(s, ret);
	}
	treqs_http_response_clear(&resp);
	return ret;
}

static int rest_submit(struct slurm *s, const struct treqs_job_spec *spec, const char *log, char **job_id)
{
	struct treqs_http_response resp;
	struct treqs_slurm_opts o;
	json_t *body = NULL;
	const char *path = "/job/submit";
	long wait = s->backoff_ms;
	size_t i;
	int ret, attempt, transient = 0;

	memset(&resp, 0, sizeof(resp));
	memset(&o, 0, sizeof(o));
	o.api = s->api;
	o.partition = s->partition;
	o.account = s->account;
	o.qos = s->qos;
	o.gpus = s->gpus;
	for (i = 0; spec->gpu_type && i + 1 < s->gpu_types.n; i += 2)
		if (!strcasecmp(s->gpu_types.v[i], spec->gpu_type))
			o.gres_type = s->gpu_types.v[i + 1];
	if (!o.gres_type)
		o.gres_type = spec->gpu_type;
	o.base_env = (const char *const *)s->base_env.v;
	o.log_path = log;
	if ((ret = treqs_slurm_submit_body(&body, spec, &o)) < 0)
		return ret;
	for (attempt = 0;; attempt++) {
		ret = call(s, "POST", path, body, &resp, 0, &transient);
		if (ret == 0) {
			const json_t *j = answer(s, &resp, "POST /job/submit");
			if (!j) {
				ret = TREQS_EENV;
			} else if (!(*job_id = id_string(json_object_get(j, "job_id")))) {
				struct treqs_buf why = TREQS_BUF_INIT;
				int nf;
				treqs_slurm_errors(&why, j, &nf);
				field_error("POST /job/submit", "job_id", json_object_get(j, "job_id"), "a job id");
				if (why.len) {
					char *m = xstrdup(treqs_error_msg());
					treqs_error(TREQS_EENV, "%s (Slurm: %s)", m, why.ptr);
					free(m);
				}
				treqs_buf_free(&why);
				ret = driver_error(s, TREQS_EENV);
			}
			break;
		}
		if (!transient || attempt >= s->retries)
			break;
		sleep_ms(wait);
		wait = wait < 15000 ? wait * 2 : 30000;
		/* the failed attempt may have created the job after all: never submit twice */
		{
			char *msg = xstrdup(treqs_error_msg());
			int f = rest_find(s, spec, job_id, 0);
			if (f == 0) {
				free(msg);
				ret = 0;
				break;
			}
			treqs_error(TREQS_EENV, "%s", msg);
			free(msg);
		}
	}
	if (ret < 0 && transient) {
		char *m = xstrdup(treqs_error_msg());
		treqs_error(TREQS_EENV, "%s (%d attempts)", m, attempt + 1);
		free(m);
	} else if (ret < 0 && json_object_get(json_object_get(body, "job"), "gres") &&
		   (strstr(treqs_error_msg(), "(9001)") || strstr(treqs_error_msg(), "(2014)"))) {
		char *m = xstrdup(treqs_error_msg());
		treqs_error(TREQS_EENV, "%s; the job asked for gres %s: does the cluster have such GPUs? (drivers.%s.gpus, gpu_types)",
			    m, json_string_value(json_object_get(json_object_get(body, "job"), "gres")), s->base.name);
		free(m);
	}
	json_decref(body);
	treqs_http_response_clear(&resp);
	return ret < 0 ? TREQS_EENV : 0;
}

static int rest_show(struct slurm *s, const char *job_id, struct treqs_job_status *st, long *max_restarts,
		     char **stdout_path)
{
	struct treqs_http_response resp;
	char *path = xasprintf("/job/%s", job_id), *what = xasprintf("GET /job/%s", job_id);
	const json_t *j, *job;
	int ret, transient;

	memset(&resp, 0, sizeof(resp));
	if ((ret = call(s, "GET", path, NULL, &resp, 1, &transient)) == 0) {
		if (!(j = answer(s, &resp, what)))
			ret = TREQS_EENV;
		else if ((ret = treqs_slurm_job_from_response(&job, j, job_id, what)) < 0 ||
			 (ret = treqs_slurm_parse_job(st, max_restarts, stdout_path, job, what)) < 0)
			driver_error(s, ret);
	}
	treqs_http_response_clear(&resp);
	free(path);
	free(what);
	return ret;
}

static int rest_cancel(struct slurm *s, const char *job_id)
{
	struct treqs_http_response resp;
	char *path = xasprintf("/job/%s", job_id);
	int ret, transient;

	memset(&resp, 0, sizeof(resp));
	ret = call(s, "DELETE", path, NULL, &resp, 1, &transient);
	if (ret == TREQS_ENOTFOUND) {
		treqs_error_clear();
		ret = 0; /* forgotten by Slurm: long over */
	}
	treqs_http_response_clear(&resp);
	free(path);
	return ret;
}

/* ---- the operations ---- */

static int slurm_find(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct slurm *s = (struct slurm *)d;
	int ret;

	*job_id = NULL;
	if ((ret = check_name(s, spec->name)) < 0)
		return ret;
	ret = s->cli ? cli_find(s, spec, job_id) : rest_find(s, spec, job_id, 1);
	if (ret == 0)
		memo_write(s, *job_id, spec);
	return ret;
}

static int slurm_submit(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct slurm *s = (struct slurm *)d;
	char *log;
	int ret;

	*job_id = NULL;
	if ((ret = check_name(s, spec->name)) < 0)
		return ret;
	if (!spec->state_dir || !spec->output_dir)
		return treqs_error(TREQS_EINVALID, "slurm driver '%s': the job has no state or output directory", s->base.name);
	if ((ret = mkdir_p(spec->state_dir)) < 0 || (ret = mkdir_p(spec->output_dir)) < 0)
		return driver_error(s, ret);
	log = log_path(spec);
	ret = s->cli ? cli_submit(s, spec, log, job_id) : rest_submit(s, spec, log, job_id);
	if (ret == 0)
		memo_write(s, *job_id, spec);
	free(log);
	return ret;
}

static int show(struct slurm *s, const char *job_id, struct treqs_job_status *st, long *max_restarts, char **stdout_path)
{
	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "slurm driver '%s': invalid job id '%s'", s->base.name, job_id);
	return s->cli ? cli_show(s, job_id, st, max_restarts, stdout_path) : rest_show(s, job_id, st, max_restarts, stdout_path);
}

static int slurm_cancel(struct treqs_driver *d, const char *job_id)
{
	struct slurm *s = (struct slurm *)d;

	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "slurm driver '%s': invalid job id '%s'", s->base.name, job_id);
	return s->cli ? cli_cancel(s, job_id) : rest_cancel(s, job_id);
}

static int slurm_poll(struct treqs_driver *d, const char *job_id, struct treqs_job_status *st)
{
	struct slurm *s = (struct slurm *)d;
	long max = -1;
	int ret;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if ((ret = show(s, job_id, st, &max, NULL)) < 0) {
		if (ret == TREQS_ENOTFOUND) {
			char *m = xstrdup(treqs_error_msg());
			treqs_error(ret, "%s; Slurm forgets a finished job MinJobAge seconds after it ends", m);
			free(m);
		}
		return ret;
	}
	if (max < 0) {
		char *v = memo_get(s, job_id, "max_restarts");
		max = v ? atol(v) : -1;
		free(v);
	}
	if (max >= 0 && st->restarts > (unsigned long)max && st->state != TREQS_JOB_SUCCEEDED) {
		char detail[sizeof(st->detail)];
		if (!treqs_job_state_final(st->state) && (ret = slurm_cancel(d, job_id)) < 0)
			return ret;
		snprintf(detail, sizeof(detail),
			 "requeued %u times (node failure, preemption or an operator), more than run.max_restarts (%ld) "
			 "allows; treqs cancelled it",
			 st->restarts, max);
		memcpy(st->detail, detail, sizeof(detail));
		st->state = TREQS_JOB_FAILED;
		if (!st->end_time)
			st->end_time = (double)time(NULL);
	}
	return 0;
}

static int slurm_logs(struct treqs_driver *d, const char *job_id, size_t max, struct treqs_buf *out)
{
	struct slurm *s = (struct slurm *)d;
	char *path;
	int fd;
	off_t size;

	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "slurm driver '%s': invalid job id '%s'", s->base.name, job_id);
	if (!(path = memo_get(s, job_id, "log"))) {
		struct treqs_job_status st;
		long mr;
		if (show(s, job_id, &st, &mr, &path) < 0 || !path) {
			free(path);
			treqs_error_clear();
			return 0; /* nothing known: no output */
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0; /* no output yet */
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)max ? size - (off_t)max : 0, SEEK_SET);
	for (;;) {
		char chunk[8192];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		treqs_buf_put(out, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

/* Copies the regular files of the job's output directory (a shared filesystem) into dest. */
static int slurm_collect(struct treqs_driver *d, const char *job_id, const char *dest)
{
	struct slurm *s = (struct slurm *)d;
	char *src;
	int ret;

	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "slurm driver '%s': invalid job id '%s'", s->base.name, job_id);
	if (!(src = memo_get(s, job_id, "output_dir")))
		return treqs_error(TREQS_EENV,
				   "slurm driver '%s': job %s's output directory is not recorded under %s/.slurm "
				   "(collect needs the jobs directory of the runner that submitted it)",
				   s->base.name, job_id, s->jobs_dir ? s->jobs_dir : "$TREQS_JOBS_DIR");
	ret = treqs_driver_copy_outputs(src, dest);
	free(src);
	return ret;
}

/* One line per node: state, CPUs, GPUs (REST only). */
static int slurm_resources(struct treqs_driver *d, struct treqs_buf *out)
{
	struct slurm *s = (struct slurm *)d;
	struct treqs_http_response resp;
	const json_t *j, *nodes;
	int ret, transient;
	size_t i;

	if (s->cli)
		return 0;
	memset(&resp, 0, sizeof(resp));
	if ((ret = call(s, "GET", "/nodes", NULL, &resp, 1, &transient)) == 0) {
		if (!(j = answer(s, &resp, "GET /nodes"))) {
			ret = TREQS_EENV;
		} else if (!json_is_array(nodes = json_object_get(j, "nodes"))) {
			field_error("GET /nodes", "nodes", nodes, "a list");
			ret = driver_error(s, TREQS_EENV);
		} else {
			for (i = 0; i < json_array_size(nodes); i++) {
				const json_t *n = json_array_get(nodes, i), *st = json_object_get(n, "state");
				const char *gres = json_string_value(json_object_get(n, "gres"));
				char *state = json_is_array(st) ? json_dumps(st, JSON_COMPACT) : NULL;
				treqs_buf_printf(out, "%s: node %s %s, %" JSON_INTEGER_FORMAT " CPUs%s%s\n", s->base.name,
						 json_string_value(json_object_get(n, "name")) ? json_string_value(json_object_get(n, "name")) : "?",
						 state ? state : json_string_value(st) ? json_string_value(st) : "?",
						 json_integer_value(json_object_get(n, "cpus")), gres && *gres ? ", gres " : "",
						 gres && *gres ? gres : "");
				free(state);
			}
		}
	}
	treqs_http_response_clear(&resp);
	return ret;
}

const struct treqs_driver_ops treqs_driver_slurm = {
	TREQS_DRIVER_VERSION,
	"slurm",
	slurm_open,
	slurm_find,
	slurm_submit,
	slurm_poll,
	slurm_logs,
	slurm_cancel,
	slurm_collect,
	slurm_resources,
	slurm_close,
};
