/*
 * exec.c - the "exec" driver: an external program speaks for the engine,
 * so that teams add backends in any language.
 *
 * Configuration (.treqs/config.yaml, drivers.NAME):
 *
 *   key                default               meaning
 *   type               -                     "exec"
 *   program            treqs-driver-NAME     the program: an absolute path, or a name looked up on PATH
 *   args               []                    arguments put before the operation (a list of strings),
 *                                            e.g. program: python3, args: [/opt/lab/driver.py]
 *   timeout_seconds    60                    how long one call may take; then the program is killed
 *
 * Every other key of the mapping is passed to the program (as "config").
 * Secrets do not belong in config.yaml: the program reads them from its
 * environment (it inherits treqs') or from files.
 *
 * THE PROTOCOL (version 1)
 *
 * One process per call.  For each operation treqs runs
 *
 *     PROGRAM [ARGS...] OP
 *
 * where OP is one of find, submit, poll, logs, cancel, collect, resources,
 * with TREQS_DRIVER_NAME=NAME and TREQS_DRIVER_PROTOCOL=1 added to the
 * environment, writes ONE request line to its standard input and closes
 * it, and reads ONE reply line from its standard output.  A line is a JSON
 * object (UTF-8) followed by a newline.  Standard error is for people: it
 * is shown when the call fails.  The call must end within timeout_seconds;
 * it ends when the program exits, even if something it started in the
 * background (the job) still holds its standard output.
 *
 * Every request has:
 *     "protocol": 1, "op": OP, "driver": NAME, "config": {...}
 * where config is the driver's mapping from config.yaml, every scalar as a
 * string.  Then, by operation:
 *
 *   find       "spec": SPEC           is there a job for spec.name already?
 *   submit     "spec": SPEC           start it
 *   poll       "job_id": ID           how is it?
 *   logs       "job_id": ID, "max_bytes": N   the end of its output
 *   cancel     "job_id": ID           stop it (a finished job: nothing to do, still ok)
 *   collect    "job_id": ID, "dest": DIR   copy its output files (metrics.json...) into the
 *                                     local directory DIR (absolute, exists)
 *   resources                         free resources, for `treqs status` (optional)
 *
 * SPEC: {"tr_id": "TR-0001", "digest": "<hex>", "name": "TR-0001-abc1234",
 *        "argv": ["python3", "train.py"], "workdir": "/abs", "env": {"NAME": "value"},
 *        "gpu_type": "A100" or null, "gpu_count": 1, "time_limit_seconds": 3600,
 *        "output_dir": "/abs", "state_dir": "/abs", "test_run": false, "max_restarts": 0}
 * name is stable for a TR's approved content (and ends in -test for its test
 * run): a job found by it must be re-attached, not launched again.  argv is
 * to be executed as it is (no shell); the job is to be stopped after
 * time_limit_seconds.  workdir, output_dir and state_dir are paths on the
 * machine running treqs (the approved files are checked out in workdir;
 * TREQS_OUTPUT_DIR in env names output_dir).
 *
 * Replies.  Success: {"ok": true, ...} with, by operation:
 *   find, submit   "job_id": ID        (1-256 printable characters, no spaces)
 *   poll           "status": {"state": STATE, "exit_code": N or null,
 *                    "start_time": T or null, "end_time": T or null,
 *                    "restarts": N, "run_seconds": S, "detail": "..."}
 *                  STATE: pending, running, succeeded, failed, cancelled, timeout, lost
 *                  (lost: the engine lost the job).  exit_code: when final, the program's
 *                  exit status (128+signal when killed).  T: unix seconds.  Only state is
 *                  required.
 *   logs           "logs": "..."       (treqs keeps the last max_bytes)
 *   cancel, collect  nothing more
 *   resources      "resources": ["one line per resource", ...]
 * Failure: {"ok": false, "error": "what went wrong, for people", "code": CODE}
 *   CODE not_found     find: no such job (the normal answer before a first submit);
 *                      poll, logs, cancel, collect: the engine does not know the job
 *   CODE unsupported   logs, collect, resources: the engine cannot do that (no output,
 *                      not an error); any other operation: an error
 *   CODE failed        anything else (also assumed when code is missing): the engine
 *                      could not do it; the TR stays approved and is retried later
 * The exit status is not read when a valid reply came; without one, a
 * call fails naming the exit status and the last line of standard error.
 * A malformed reply (not one line, not JSON, "ok" missing, a field of the
 * wrong type) fails the call with a message naming the field.
 */
#include "exec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "treqs/run.h"
#include "treqs/yaml.h"

/* ---- pure parts ---- */

json_t *treqs_execdrv_spec(const struct treqs_job_spec *spec)
{
	json_t *argv = json_array(), *env = treqs_driver_env_object(spec->env);
	size_t i;

	for (i = 0; spec->argv && spec->argv[i]; i++)
		json_array_append_new(argv, json_string(spec->argv[i]));
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:I, s:f, s:s, s:s, s:b, s:I}", "tr_id",
			 spec->tr_id ? spec->tr_id : "", "digest", spec->digest ? spec->digest : "", "name", spec->name,
			 "argv", argv, "workdir", spec->workdir ? spec->workdir : "", "env", env, "gpu_type",
			 spec->gpu_type ? json_string(spec->gpu_type) : json_null(), "gpu_count",
			 (json_int_t)spec->gpu_count, "time_limit_seconds", spec->time_limit, "output_dir",
			 spec->output_dir ? spec->output_dir : "", "state_dir", spec->state_dir ? spec->state_dir : "",
			 "test_run", spec->test_run, "max_restarts", (json_int_t)spec->max_restarts);
}

static int printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int treqs_execdrv_parse_reply(const char *out, size_t len, json_t **reply)
{
	const char *p = out, *end = out + len, *line = NULL;
	size_t line_len = 0, lines = 0;
	json_error_t jerr;
	json_t *j;
	int ok, ret;

	*reply = NULL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *e = eol ? eol : end, *q;
		for (q = p; q < e && (*q == ' ' || *q == '\t' || *q == '\r'); q++)
			;
		if (q < e) {
			if (!lines++) {
				line = p;
				line_len = (size_t)(e - p);
			}
		}
		p = eol ? eol + 1 : end;
	}
	if (!lines)
		return treqs_error(TREQS_EENV, "no reply on standard output (expected one line of JSON)");
	if (lines > 1)
		return treqs_error(TREQS_EENV, "%zu lines on standard output, expected one line of JSON "
					       "(messages for people go to standard error)",
				   lines);
	if (!(j = json_loadb(line, line_len, 0, &jerr))) {
		struct treqs_buf b = TREQS_BUF_INIT;
		size_t i;
		for (i = 0; i < line_len && i < 60; i++)
			treqs_buf_putc(&b, (unsigned char)line[i] < 0x20 ? '?' : line[i]);
		ret = treqs_error(TREQS_EENV, "the reply is not JSON (%s; it starts '%s')", jerr.text, treqs_buf_cstr(&b));
		treqs_buf_free(&b);
		return ret;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return treqs_error(TREQS_EENV, "the reply is not a JSON object");
	}
	if ((ret = treqs_dj_bool(j, "", "ok", 1, &ok)) < 0) {
		json_decref(j);
		return ret;
	}
	*reply = j;
	return 0;
}

int treqs_execdrv_failure(const json_t *reply)
{
	const char *err = NULL, *code = NULL;
	int ret;

	if ((ret = treqs_dj_str(reply, "", "error", 0, &err)) < 0 || (ret = treqs_dj_str(reply, "", "code", 0, &code)) < 0)
		return ret;
	if (!err)
		err = "(no message)";
	if (code && !strcmp(code, "not_found"))
		return treqs_error(TREQS_ENOTFOUND, "%.1000s", err);
	if (code && !strcmp(code, "unsupported"))
		return treqs_error(TREQS_EINVALID, "unsupported: %.1000s", err);
	if (code && strcmp(code, "failed"))
		return treqs_error(TREQS_EENV, "%.1000s (code '%.40s')", err, code);
	return treqs_error(TREQS_EENV, "%.1000s", err);
}

int treqs_execdrv_job_id(const json_t *reply, char **id)
{
	const char *s = NULL;
	size_t n;
	int ret;

	*id = NULL;
	if ((ret = treqs_dj_str(reply, "", "job_id", 1, &s)) < 0)
		return ret;
	n = json_string_length(json_object_get(reply, "job_id"));
	if (!n || n > 256 || strlen(s) != n || !printable(s, n) || strchr(s, ' '))
		return treqs_error(TREQS_EENV, "'job_id' is '%.60s', expected 1-256 printable characters without spaces",
				   printable(s, strlen(s)) ? s : "(control characters)");
	*id = xstrdup(s);
	return 0;
}

static const char *const state_words[] = {
	[TREQS_JOB_PENDING] = "pending",     [TREQS_JOB_RUNNING] = "running", [TREQS_JOB_SUCCEEDED] = "succeeded",
	[TREQS_JOB_FAILED] = "failed",	     [TREQS_JOB_CANCELLED] = "cancelled", [TREQS_JOB_TIMEOUT] = "timeout",
	[TREQS_JOB_LOST] = "lost",
};

int treqs_execdrv_status(const json_t *status, struct treqs_job_status *st)
{
	const char *state = NULL, *detail = NULL;
	long long code = -1, restarts = 0;
	double start = 0, end = 0, run = 0;
	size_t i;
	int ret, found = 0;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if (!json_is_object(status))
		return treqs_error(TREQS_EENV, "'status' is %s, expected an object", status ? "not an object" : "missing");
	if ((ret = treqs_dj_str(status, "status", "state", 1, &state)) < 0 ||
	    (ret = treqs_dj_int(status, "status", "exit_code", 0, &code)) < 0 ||
	    (ret = treqs_dj_num(status, "status", "start_time", 0, &start)) < 0 ||
	    (ret = treqs_dj_num(status, "status", "end_time", 0, &end)) < 0 ||
	    (ret = treqs_dj_int(status, "status", "restarts", 0, &restarts)) < 0 ||
	    (ret = treqs_dj_num(status, "status", "run_seconds", 0, &run)) < 0 ||
	    (ret = treqs_dj_str(status, "status", "detail", 0, &detail)) < 0)
		return ret;
	for (i = 0; i < TREQS_ARRAY_SIZE(state_words); i++)
		if (!strcmp(state, state_words[i])) {
			st->state = (enum treqs_job_state)i;
			found = 1;
		}
	if (!found)
		return treqs_error(TREQS_EENV, "'status.state' is '%.40s', expected pending, running, succeeded, failed, "
					       "cancelled, timeout or lost",
				   state);
	if (code < -1 || code > 255 + 128)
		return treqs_error(TREQS_EENV, "'status.exit_code' is %lld, expected an exit status (0-383)", code);
	if (restarts < 0 || restarts > 1000000)
		return treqs_error(TREQS_EENV, "'status.restarts' is %lld, expected a count", restarts);
	if (start < 0 || end < 0 || run < 0)
		return treqs_error(TREQS_EENV, "'status.%s' is negative", start < 0 ? "start_time" : end < 0 ? "end_time" : "run_seconds");
	st->exit_code = treqs_job_state_final(st->state) ? (int)code : -1;
	st->start_time = start;
	st->end_time = end;
	st->restarts = (unsigned)restarts;
	st->run_seconds = run;
	if (detail)
		snprintf(st->detail, sizeof(st->detail), "%s", detail);
	treqs_drv_clean(st->detail);
	return 0;
}

/* ---- the driver ---- */

struct execdrv {
	struct treqs_driver base;
	char *what;
	char *program;
	struct treqs_strv args;
	char *shown;         /* program and args, for messages */
	double timeout;
	json_t *config;
};

static json_t *ynode_json(const struct treqs_ynode *n, int depth)
{
	json_t *j;
	size_t i;

	if (!n || depth > 16)
		return json_null();
	switch (n->type) {
	case TREQS_YSCALAR:
		return json_stringn(n->value ? n->value : "", n->len);
	case TREQS_YSEQ:
		j = json_array();
		for (i = 0; i < n->n; i++)
			json_array_append_new(j, ynode_json(n->kids[i], depth + 1));
		return j;
	case TREQS_YMAP:
		j = json_object();
		for (i = 0; i + 1 < n->n; i += 2)
			if (n->kids[i]->type == TREQS_YSCALAR && n->kids[i]->value)
				json_object_set_new(j, n->kids[i]->value, ynode_json(n->kids[i + 1], depth + 1));
		return j;
	}
	return json_null();
}

static void execdrv_close(struct treqs_driver *d)
{
	struct execdrv *x = (struct execdrv *)d;

	if (!x)
		return;
	free(x->what);
	free(x->program);
	free(x->shown);
	treqs_strv_free(&x->args);
	json_decref(x->config);
	free(x->base.name);
	free(x);
}

static int execdrv_open(struct treqs_driver **out, const char *name, const struct treqs_ynode *conf)
{
	struct execdrv *x = xcalloc(1, sizeof(*x));
	const struct treqs_ynode *args = treqs_ymap_get(conf, "args", NULL);
	const char *prog = treqs_driver_conf_str(conf, "program", NULL);
	int ret = 0;
	size_t i;

	x->base.ops = &treqs_driver_exec;
	x->base.name = xstrdup(name);
	x->what = xasprintf("exec driver '%s'", name);
	x->program = prog ? xstrdup(prog) : xasprintf("treqs-driver-%s", name);
	x->timeout = treqs_driver_conf_num(conf, "timeout_seconds", 60);
	x->config = conf ? ynode_json(conf, 0) : json_object();
	*out = NULL;
	if (!(x->timeout > 0 && x->timeout <= 86400)) {
		ret = treqs_error(TREQS_EINVALID, "%s: timeout_seconds must be more than 0 and at most 86400", x->what);
		goto fail;
	}
	if (prog && strchr(prog, '/') && prog[0] != '/') {
		ret = treqs_error(TREQS_EINVALID, "%s: program '%s' must be an absolute path or a name on PATH", x->what,
				  prog);
		goto fail;
	}
	if (args && args->type != TREQS_YSEQ) {
		ret = treqs_error(TREQS_EINVALID, "%s: args must be a list of strings", x->what);
		goto fail;
	}
	for (i = 0; args && i < args->n; i++) {
		if (args->kids[i]->type != TREQS_YSCALAR) {
			ret = treqs_error(TREQS_EINVALID, "%s: args must be a list of strings", x->what);
			goto fail;
		}
		treqs_strv_push(&x->args, args->kids[i]->value);
	}
	{
		struct treqs_buf b = TREQS_BUF_INIT;
		treqs_buf_puts(&b, x->program);
		for (i = 0; i < x->args.n; i++)
			treqs_buf_printf(&b, " %s", x->args.v[i]);
		x->shown = treqs_buf_detach(&b);
	}
	*out = &x->base;
	return 0;
fail:
	execdrv_close(&x->base);
	return ret;
}

/* The last non-blank line of err, at most 300 bytes, into b. */
static void last_line(struct treqs_buf *b, const struct treqs_buf *err)
{
	const char *s = treqs_buf_cstr(err);
	size_t end = err->len, start, i;

	while (end && (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
		end--;
	start = end;
	while (start && s[start - 1] != '\n')
		start--;
	if (end - start > 300)
		start = end - 300;
	for (i = start; i < end; i++)
		treqs_buf_putc(b, (unsigned char)s[i] < 0x20 ? '?' : s[i]);
}

/*
 * Runs one call: request is completed with protocol, op, driver and
 * config (and stolen).  0 and *reply (an ok: true reply, caller decrefs),
 * or the failure (TREQS_ENOTFOUND for not_found, TREQS_EINVALID for
 * unsupported, TREQS_EENV otherwise) with the message set.
 */
static int call(struct execdrv *x, const char *op, json_t *request, json_t **reply)
{
	struct treqs_cmd cmd;
	struct treqs_strv argv = TREQS_STRV_INIT;
	char *line, *env_name = xasprintf("TREQS_DRIVER_NAME=%s", x->base.name);
	const char *env[] = {env_name, "TREQS_DRIVER_PROTOCOL=1", NULL};
	struct treqs_buf why = TREQS_BUF_INIT;
	json_t *r = NULL;
	size_t i;
	int ok = 0, ret;

	*reply = NULL;
	json_object_set_new(request, "protocol", json_integer(TREQS_EXECDRV_PROTOCOL));
	json_object_set_new(request, "op", json_string(op));
	json_object_set_new(request, "driver", json_string(x->base.name));
	json_object_set_new(request, "config", json_incref(x->config));
	line = json_dumps(request, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(request);
	{
		char *nl = xasprintf("%s\n", line);
		free(line);
		line = nl;
	}
	treqs_strv_push(&argv, x->program);
	for (i = 0; i < x->args.n; i++)
		treqs_strv_push(&argv, x->args.v[i]);
	treqs_strv_push(&argv, op);
	memset(&cmd, 0, sizeof(cmd));
	cmd.argv = (const char *const *)argv.v;
	cmd.env = env;
	cmd.in = line;
	cmd.inlen = strlen(line);
	cmd.capture_out = 1;
	cmd.capture_err = 1;
	cmd.timeout = x->timeout;
	cmd.new_group = 1; /* a hung driver script and its children go together */
	if ((ret = treqs_cmd_run(&cmd)) < 0) {
		char *m = xstrdup(treqs_error_msg());
		ret = treqs_error(TREQS_EENV, "%s: %s (put %s on PATH, or set program: in config.yaml)", x->what, m,
				  x->program);
		free(m);
		goto out;
	}
	last_line(&why, &cmd.err);
	if (cmd.timed_out) {
		ret = treqs_error(TREQS_EENV, "%s: %s %s: no reply within %.0f s (stopped)%s%s", x->what, x->shown, op,
				  x->timeout, why.len ? ": " : "", treqs_buf_cstr(&why));
		goto out;
	}
	if ((ret = treqs_execdrv_parse_reply(treqs_buf_cstr(&cmd.out), cmd.out.len, &r)) < 0) {
		char *m = xstrdup(treqs_error_msg());
		if (cmd.status != 0)
			ret = treqs_error(TREQS_EENV, "%s: %s %s exited with status %d without a reply%s%s", x->what,
					  x->shown, op, cmd.status, why.len ? ": " : "", treqs_buf_cstr(&why));
		else
			ret = treqs_error(TREQS_EENV, "%s: %s %s: malformed reply: %s", x->what, x->shown, op, m);
		free(m);
		goto out;
	}
	treqs_dj_bool(r, "", "ok", 1, &ok);
	if (!ok) {
		ret = treqs_execdrv_failure(r);
		{
			char *m = xstrdup(treqs_error_msg());
			if (ret == TREQS_ENOTFOUND || ret == TREQS_EINVALID || ret == TREQS_EENV)
				treqs_error(ret, "%s: %s %s: %s", x->what, x->shown, op, m);
			free(m);
		}
		json_decref(r);
		goto out;
	}
	*reply = r;
out:
	treqs_buf_free(&why);
	treqs_cmd_clear(&cmd);
	treqs_strv_free(&argv);
	free(line);
	free(env_name);
	return ret;
}

/* Prefixes a complaint about a reply's field. */
static int malformed(struct execdrv *x, const char *op, int ret)
{
	char *m = xstrdup(treqs_error_msg());

	treqs_error(TREQS_EENV, "%s: %s %s: malformed reply: %s", x->what, x->shown, op, m);
	free(m);
	return ret < 0 ? TREQS_EENV : ret;
}

static int start(struct treqs_driver *d, const char *op, const struct treqs_job_spec *spec, char **job_id)
{
	struct execdrv *x = (struct execdrv *)d;
	json_t *reply = NULL;
	int ret;

	*job_id = NULL;
	if ((ret = call(x, op, json_pack("{s:o}", "spec", treqs_execdrv_spec(spec)), &reply)) < 0)
		return ret;
	if ((ret = treqs_execdrv_job_id(reply, job_id)) < 0)
		ret = malformed(x, op, ret);
	json_decref(reply);
	return ret;
}

static int execdrv_find(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	return start(d, "find", spec, job_id);
}

static int execdrv_submit(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	int ret = start(d, "submit", spec, job_id);

	/*
	 * submit has no "not found": whatever went wrong is an engine failure;
	 * the TR keeps its lock without a job and this runner retries it
	 */
	return ret == TREQS_ENOTFOUND || ret == TREQS_EINVALID ? TREQS_EENV : ret;
}

static int execdrv_poll(struct treqs_driver *d, const char *job_id, struct treqs_job_status *st)
{
	struct execdrv *x = (struct execdrv *)d;
	json_t *reply = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if ((ret = call(x, "poll", json_pack("{s:s}", "job_id", job_id), &reply)) < 0)
		return ret == TREQS_EINVALID ? TREQS_EENV : ret;
	if ((ret = treqs_execdrv_status(json_object_get(reply, "status"), st)) < 0)
		ret = malformed(x, "poll", ret);
	json_decref(reply);
	return ret;
}

static int execdrv_logs(struct treqs_driver *d, const char *job_id, size_t max, struct treqs_buf *out)
{
	struct execdrv *x = (struct execdrv *)d;
	json_t *reply = NULL;
	const char *logs = NULL;
	int ret;

	ret = call(x, "logs", json_pack("{s:s, s:I}", "job_id", job_id, "max_bytes", (json_int_t)max), &reply);
	if (ret == TREQS_EINVALID) {
		treqs_error_clear();
		return 0; /* unsupported: no output to show */
	}
	if (ret < 0)
		return ret;
	if ((ret = treqs_dj_str(reply, "", "logs", 1, &logs)) < 0)
		ret = malformed(x, "logs", ret);
	else
		treqs_drv_tail(out, logs, json_string_length(json_object_get(reply, "logs")), max);
	json_decref(reply);
	return ret;
}

static int execdrv_cancel(struct treqs_driver *d, const char *job_id)
{
	struct execdrv *x = (struct execdrv *)d;
	json_t *reply = NULL;
	int ret = call(x, "cancel", json_pack("{s:s}", "job_id", job_id), &reply);

	json_decref(reply);
	return ret == TREQS_EINVALID ? TREQS_EENV : ret;
}

static int execdrv_collect(struct treqs_driver *d, const char *job_id, const char *dest)
{
	struct execdrv *x = (struct execdrv *)d;
	json_t *reply = NULL;
	int ret = call(x, "collect", json_pack("{s:s, s:s}", "job_id", job_id, "dest", dest), &reply);

	json_decref(reply);
	if (ret == TREQS_EINVALID) {
		treqs_error_clear();
		return 0; /* unsupported: the job's metrics come from its log */
	}
	return ret;
}

static int execdrv_resources(struct treqs_driver *d, struct treqs_buf *out)
{
	struct execdrv *x = (struct execdrv *)d;
	json_t *reply = NULL, *list = NULL;
	size_t i;
	int ret = call(x, "resources", json_object(), &reply);

	if (ret == TREQS_EINVALID) {
		treqs_error_clear();
		return 0;
	}
	if (ret < 0)
		return ret;
	if ((ret = treqs_dj_get(reply, "", "resources", JSON_ARRAY, 1, &list)) < 0) {
		ret = malformed(x, "resources", ret);
		goto out;
	}
	for (i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));
		if (!s) {
			ret = treqs_error(TREQS_EENV, "%s: %s resources: malformed reply: 'resources[%zu]' is not a string",
					  x->what, x->shown, i);
			goto out;
		}
		{
			char *c = xstrndup(s, strnlen(s, 200));
			treqs_drv_clean(c);
			treqs_buf_printf(out, "  %s\n", c);
			free(c);
		}
	}
out:
	json_decref(reply);
	return ret;
}

const struct treqs_driver_ops treqs_driver_exec = {
	TREQS_DRIVER_VERSION,
	"exec",
	execdrv_open,
	execdrv_find,
	execdrv_submit,
	execdrv_poll,
	execdrv_logs,
	execdrv_cancel,
	execdrv_collect,
	execdrv_resources,
	execdrv_close,
};
