/*
 * exec.c - launching approved TRs exactly once, following their jobs, and
 * writing the results back as archive commits (see exec.h).
 */
#define _GNU_SOURCE
#include "treqs/exec.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/driver.h"
#include "treqs/history.h"
#include "treqs/repo.h"
#include "treqs/result.h"
#include "treqs/run.h"
#include "treqs/sign.h"
#include "treqs/state.h"
#include "treqs/tr.h"

#define LOG_TAIL (64 * 1024)
/* as much of metrics.json as the drivers collect (a file with a long history next to the numbers) */
#define METRICS_MAX (16 << 20)

struct drv {
	char *name;
	struct treqs_driver *d;
};

struct runner {
	git_repository *repo;
	const struct treqs_exec_opts *o;
	FILE *out;
	int clone;               /* a clone with the remote: fetch and push */
	char *remote;
	char *jobs_root;
	struct treqs_ctx *ctx;
	struct drv drivers[16];
	size_t ndrivers;
	int sign;
	int busy;                /* a job is still running */
	int err;                 /* the first error */
	unsigned passes;         /* passes over the TRs so far */
};

/* What a lock says: the TR's approved commit and content, and the job. */
struct lock {
	git_oid tip;             /* refs/treqs/locks/ID */
	git_oid tr_head;         /* the approved TR head (L0's parent) */
	char *digest;
	char *job;               /* "driver:job-id" or NULL */
	char *test_job;          /* the test run that passed before it, or NULL */
	char *job_host;          /* where a local driver's job lives (the launch record says), or NULL */
	char *job_dir;
	char *request;           /* the TR file as approved */
	size_t request_len;
	struct treqs_tr *tr;
};

static void say(struct runner *r, const char *fmt, ...) TREQS_PRINTF(2, 3);

static void say(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
	fflush(r->out);
}

static void fail(struct runner *r, const char *id, int code)
{
	fprintf(stderr, "treqs: %s: %s\n", id, treqs_error_msg());
	if (!r->err)
		r->err = code;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- git plumbing for the runner ---- */

static int fetch(struct runner *r)
{
	char *heads = xasprintf("+refs/heads/*:refs/remotes/%s/*", r->remote);
	char *locks = xasprintf("+%s*:refs/remotes/%s/treqs-locks/*", TREQS_LOCKS_PREFIX, r->remote);
	const char *args[] = {"fetch", "--quiet", "--prune", r->remote, heads, locks,
			      "+" TREQS_NOTES_REF "*:" TREQS_NOTES_REF "*", NULL};
	int ret = treqs_repo_git(r->repo, args, NULL, NULL);

	free(heads);
	free(locks);
	return ret;
}

/*
 * git push <remote> <spec>.  0 pushed; TREQS_ECONFLICT when the remote
 * moved (someone else was first); TREQS_EINVALID when the remote's hook
 * refused it (its message is printed); TREQS_EENV otherwise.
 */
static int push(struct runner *r, const char *spec)
{
	const char *args[] = {"push", "--porcelain", r->remote, spec, NULL};
	struct treqs_buf out = TREQS_BUF_INIT;
	int ret = treqs_repo_git(r->repo, args, &out, NULL);
	const char *o = treqs_buf_cstr(&out);

	if (ret < 0) {
		if (strstr(o, "hook declined")) {
			const char *p;
			/* show the server's reasons */
			for (p = o; *p;) {
				const char *eol = strchr(p, '\n');
				size_t n = eol ? (size_t)(eol - p) : strlen(p);
				if (n > 8 && !strncmp(p, "remote: ", 8))
					fprintf(stderr, "%.*s\n", (int)n, p);
				p = eol ? eol + 1 : p + n;
			}
			ret = treqs_error(TREQS_EINVALID, "the remote refused %s", spec);
		} else if (strstr(o, "[rejected]") || strstr(o, "[remote rejected]") || strstr(o, "fetch first") ||
			   strstr(o, "non-fast-forward") || strstr(o, "already exists") || strstr(o, "stale info")) {
			ret = treqs_error(TREQS_ECONFLICT, "%s: someone else updated it first", spec);
		}
	}
	treqs_buf_free(&out);
	return ret;
}

static int set_ref(struct runner *r, const char *name, const git_oid *id, const git_oid *expected, int force)
{
	git_reference *ref = NULL;
	int err;

	if (force)
		err = git_reference_create(&ref, r->repo, name, id, 1, "treqs exec");
	else if (expected)
		err = git_reference_create_matching(&ref, r->repo, name, id, 1, expected, "treqs exec");
	else
		err = git_reference_create(&ref, r->repo, name, id, 0, "treqs exec");
	git_reference_free(ref);
	if (err == GIT_EEXISTS || err == GIT_EMODIFIED || err == GIT_ELOCKED)
		return treqs_error(TREQS_ECONFLICT, "%s was changed by someone else", name);
	if (err < 0)
		return treqs_error_git(err, "unable to update %s", name);
	return 0;
}

static char *lock_ref_name(const char *id)
{
	return xasprintf("%s%s", TREQS_LOCKS_PREFIX, id);
}

static char *lock_tracking_name(struct runner *r, const char *id)
{
	return xasprintf("refs/remotes/%s/treqs-locks/%s", r->remote, id);
}

/*
 * Publishes a lock commit: creates (expected NULL) or moves the lock ref,
 * on the remote when there is one.
 */
static int publish_lock(struct runner *r, const char *id, const git_oid *commit, const git_oid *expected)
{
	char *name = lock_ref_name(id);
	int ret;

	if (r->clone) {
		char *spec = xasprintf("%s:%s", git_oid_tostr_s(commit), name);
		ret = push(r, spec);
		free(spec);
		if (ret == 0) {
			char *tracking = lock_tracking_name(r, id);
			ret = set_ref(r, tracking, commit, NULL, 1);
			free(tracking);
		}
	} else {
		ret = set_ref(r, name, commit, expected, 0);
	}
	free(name);
	return ret;
}

static const char *hostname(void)
{
	static char h[256];

	if (!h[0] && gethostname(h, sizeof(h) - 1) < 0)
		strcpy(h, "unknown-host");
	return h;
}

/*
 * The lock commit L0 (job NULL) or a launch record L1.  A job of the local
 * driver lives in this machine's jobs directory only, so both say where
 * (jobs_dir): other runners must leave such a job to the runner that can
 * see it rather than take it for lost (L1), or launch it a second time
 * in a directory of their own (L0).  See parse_runner().
 */
static int lock_commit(struct runner *r, git_oid *out, const char *id, const git_oid *parent, const git_oid *tr_head,
		       const char *digest, const char *job, const char *test_job, const char *jobs_dir)
{
	struct treqs_commit_opts co;
	git_commit *pc = NULL;
	struct treqs_buf msg = TREQS_BUF_INIT;
	int ret, err;

	/* a lock taken again after a release: the release, then the approved head */
	if ((err = git_commit_lookup(&pc, r->repo, tr_head ? tr_head : parent)) < 0)
		return treqs_error_git(err, "unable to read %s", git_oid_tostr_s(tr_head ? tr_head : parent));
	if (job && jobs_dir)
		treqs_buf_printf(&msg, "%s: launched as %s\n\nLaunched by %s (pid %ld); local jobs in %s\n\n", id, job,
				 hostname(), (long)getpid(), jobs_dir);
	else if (job)
		treqs_buf_printf(&msg, "%s: launched as %s\n\n", id, job);
	else if (jobs_dir)
		treqs_buf_printf(&msg, "%s: launch lock\n\nTaken by %s (pid %ld); local jobs in %s\n\n", id, hostname(),
				 (long)getpid(), jobs_dir);
	else
		treqs_buf_printf(&msg, "%s: launch lock\n\nTaken by %s (pid %ld).\n\n", id, hostname(), (long)getpid());
	treqs_buf_printf(&msg, "TReqs-Id: %s\nTReqs-Action: launch\nTReqs-Digest: %s\n", id, digest);
	if (job)
		treqs_buf_printf(&msg, "TReqs-Job: %s\n", job);
	if (test_job)
		treqs_buf_printf(&msg, "TReqs-Test-Job: %s\n", test_job);
	memset(&co, 0, sizeof(co));
	co.parents[0] = parent;
	co.parents[1] = tr_head;
	co.base_tree = git_commit_tree_id(pc);
	co.sign = r->sign;
	ret = treqs_repo_commit(out, r->repo, &co, NULL, 0, treqs_buf_cstr(&msg));
	git_commit_free(pc);
	treqs_buf_free(&msg);
	return ret;
}

/*
 * Gives the lock back after a launch failed before any job existed (the
 * engine was unreachable, the driver refused): a release record on top of
 * the lock, so that the TR is approved again and any runner may take it.
 */
static int release_lock(struct runner *r, const char *id, const git_oid *tip, const char *digest, const char *why)
{
	struct treqs_commit_opts co;
	git_commit *pc = NULL;
	struct treqs_buf msg = TREQS_BUF_INIT;
	git_oid commit;
	int ret, err;

	if ((err = git_commit_lookup(&pc, r->repo, tip)) < 0)
		return treqs_error_git(err, "unable to read %s", git_oid_tostr_s(tip));
	treqs_buf_printf(&msg, "%s: launch released\n\nReleased by %s (pid %ld): %s\n\n"
			       "TReqs-Id: %s\nTReqs-Action: release\nTReqs-Digest: %s\n",
			 id, hostname(), (long)getpid(), why, id, digest ? digest : "");
	memset(&co, 0, sizeof(co));
	co.parents[0] = tip;
	co.base_tree = git_commit_tree_id(pc);
	co.sign = r->sign;
	ret = treqs_repo_commit(&commit, r->repo, &co, NULL, 0, treqs_buf_cstr(&msg));
	git_commit_free(pc);
	treqs_buf_free(&msg);
	if (ret == 0)
		ret = publish_lock(r, id, &commit, tip);
	return ret;
}

/*
 * Reads the line "VERB HOST (pid PID)[; local jobs in DIR]" that
 * lock_commit() writes; *dir is NULL without the jobs part.  Returns 0
 * when msg has no such line.
 */
static int parse_runner(const char *msg, const char *verb, char **host, long *pid, char **dir)
{
	const char *p = msg, *h, *eol, *in;
	size_t vlen = strlen(verb);

	*host = *dir = NULL;
	*pid = 0;
	for (; (p = strstr(p, verb)); p += vlen)
		if (p == msg || p[-1] == '\n')
			break;
	if (!p)
		return 0;
	h = p + vlen;
	eol = h + strcspn(h, "\n");
	*host = xstrndup(h, strcspn(h, " \n"));
	if ((p = strstr(h, " (pid ")) && p < eol)
		*pid = atol(p + 6);
	if ((in = strstr(h, "; local jobs in ")) && in < eol) {
		in += strlen("; local jobs in ");
		*dir = xstrndup(in, (size_t)(eol - in));
	}
	return 1;
}

static void lock_clear(struct lock *l)
{
	free(l->digest);
	free(l->job);
	free(l->test_job);
	free(l->job_host);
	free(l->job_dir);
	free(l->request);
	treqs_tr_free(l->tr);
	memset(l, 0, sizeof(*l));
}

/* Reads what a lock records. */
static int lock_read(struct runner *r, struct lock *l, const char *id, const git_oid *tip)
{
	git_commit *c = NULL, *first = NULL;
	git_oid cur;
	struct treqs_buf b = TREQS_BUF_INIT;
	struct treqs_diags d = TREQS_DIAGS_INIT;
	char *path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	int err, ret = 0;

	memset(l, 0, sizeof(*l));
	git_oid_cpy(&l->tip, tip);
	if ((err = git_commit_lookup(&c, r->repo, tip)) < 0) {
		ret = treqs_error_git(err, "unable to read the lock of %s", id);
		goto out;
	}
	l->job = treqs_trailer_get(git_commit_message(c), "TReqs-Job");
	l->test_job = treqs_trailer_get(git_commit_message(c), "TReqs-Test-Job");
	l->digest = treqs_trailer_get(git_commit_message(c), "TReqs-Digest");
	if (l->job) {
		long pid;
		parse_runner(git_commit_message(c), "Launched by ", &l->job_host, &pid, &l->job_dir);
	}
	/*
	 * Walk back to the lock (a launch record without a job): its last
	 * parent is the approved TR head (the first, for a lock taken again
	 * after a release, is the release).
	 */
	git_oid_cpy(&cur, tip);
	first = c;
	c = NULL;
	for (;;) {
		char *act = treqs_trailer_get(git_commit_message(first), "TReqs-Action");
		char *job = treqs_trailer_get(git_commit_message(first), "TReqs-Job");
		int is_lock = act && !strcmp(act, "launch") && !job, walk_on = act && (!strcmp(act, "launch") ||
											 !strcmp(act, "release"));
		git_commit *p = NULL;

		free(act);
		free(job);
		if (is_lock) {
			unsigned n = git_commit_parentcount(first);
			if (n)
				git_oid_cpy(&l->tr_head, git_commit_parent_id(first, n - 1));
			break;
		}
		if (!walk_on || git_commit_parentcount(first) == 0 || git_commit_parent(&p, first, 0) < 0)
			break;
		git_commit_free(first);
		first = p;
	}
	if ((ret = treqs_repo_read(&b, NULL, r->repo, git_oid_tostr_s(tip), path)) < 0)
		goto out;
	l->request = xstrndup(treqs_buf_cstr(&b), b.len);
	l->request_len = b.len;
	treqs_tr_load(&l->tr, l->request, l->request_len, path, r->ctx->cfg, &d);
	if (!l->tr)
		ret = treqs_error(TREQS_EINVALID, "the approved %s cannot be read", id);
out:
	treqs_diags_free(&d);
	treqs_buf_free(&b);
	git_commit_free(first);
	git_commit_free(c);
	free(path);
	return ret;
}

/* ---- drivers ---- */

static int get_driver(struct runner *r, const char *name, struct treqs_driver **out)
{
	size_t i;
	int ret;

	for (i = 0; i < r->ndrivers; i++)
		if (!strcmp(r->drivers[i].name, name)) {
			*out = r->drivers[i].d;
			return 0;
		}
	if (r->ndrivers == TREQS_ARRAY_SIZE(r->drivers))
		return treqs_error(TREQS_EENV, "too many drivers");
	if ((ret = treqs_driver_open(out, r->ctx->cfg, name)) < 0)
		return ret;
	r->drivers[r->ndrivers].name = xstrdup(name);
	r->drivers[r->ndrivers].d = *out;
	r->ndrivers++;
	return 0;
}

static const char *driver_for(struct runner *r, const struct treqs_tr *tr)
{
	const char *d;

	if (tr->driver)
		return tr->driver;
	if ((d = treqs_config_driver_for(r->ctx->cfg, tr->gpu_type)))
		return d;
	return "local";
}

/*
 * The directory a local driver keeps its jobs in (as local_open() finds
 * it), or NULL for other drivers: only the local driver's jobs are bound
 * to one machine and one directory.
 */
static const char *machine_jobs_dir(struct runner *r, const char *dname, struct treqs_driver *d)
{
	if (strcmp(d->ops->type, "local"))
		return NULL;
	return treqs_driver_conf_str(treqs_config_driver_node(r->ctx->cfg, dname), "jobs_dir", r->jobs_root);
}

static int same_dir(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	int same = ra && rb ? !strcmp(ra, rb) : !strcmp(a, b);

	free(ra);
	free(rb);
	return same;
}

/*
 * Whether a job the driver cannot find was launched by a runner that
 * keeps its jobs elsewhere (another machine, another jobs directory):
 * then it is not lost, only out of sight, and its own runner writes its
 * results back.
 */
static int launched_elsewhere(struct runner *r, const struct lock *l, const char *dname, struct treqs_driver *d)
{
	const char *mine = machine_jobs_dir(r, dname, d);

	if (!l->job_host || !l->job_dir || !mine)
		return 0;
	return strcmp(l->job_host, hostname()) || !same_dir(l->job_dir, mine);
}

/* Splits "driver:job-id". */
static int split_job(const char *job, char **driver, const char **id)
{
	const char *colon = strchr(job, ':');

	if (!colon || colon == job || !colon[1])
		return treqs_error(TREQS_EINVALID, "malformed TReqs-Job '%s'", job);
	*driver = xstrndup(job, (size_t)(colon - job));
	*id = colon + 1;
	return 0;
}

struct spec_store {
	struct treqs_job_spec spec;
	struct treqs_strv argv, env;
	char *name, *state_dir, *output_dir, *workdir, *srcdir;
};

static void spec_clear(struct spec_store *s)
{
	treqs_strv_free(&s->argv);
	treqs_strv_free(&s->env);
	free(s->name);
	free(s->state_dir);
	free(s->output_dir);
	free(s->workdir);
	free(s->srcdir);
	memset(s, 0, sizeof(*s));
}

/* Writes the approved commit's tree into dir, once. */
static int checkout_to(struct runner *r, const git_oid *commit, const char *dir)
{
	git_commit *c = NULL;
	git_checkout_options co;
	char *marker = xasprintf("%s/.treqs-checkout", dir);
	int err, ret = 0;

	if (access(marker, F_OK) == 0)
		goto out;
	if ((err = git_commit_lookup(&c, r->repo, commit)) < 0) {
		ret = treqs_error_git(err, "unable to read %s", git_oid_tostr_s(commit));
		goto out;
	}
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	co.target_directory = dir;
	co.disable_filters = 0;
	if ((err = git_checkout_tree(r->repo, (const git_object *)c, &co)) < 0) {
		ret = treqs_error_git(err, "unable to write the approved files to '%s'", dir);
		goto out;
	}
	ret = treqs_write_file(marker, "", 0);
out:
	git_commit_free(c);
	free(marker);
	return ret;
}

static int build_spec(struct runner *r, struct spec_store *s, const char *id, const struct lock *l, int test)
{
	const struct treqs_tr *tr = l->tr;
	size_t i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->name = xasprintf("%s-%.7s%s", id, l->digest ? l->digest : "0000000", test ? "-test" : "");
	s->state_dir = xasprintf("%s/%s", r->jobs_root, s->name);
	s->output_dir = xasprintf("%s/output", s->state_dir);
	s->srcdir = xasprintf("%s/src", s->state_dir);
	s->workdir = tr->workdir ? xasprintf("%s/%s", s->srcdir, tr->workdir) : xstrdup(s->srcdir);
	if (!tr->command.n)
		return treqs_error(TREQS_EINVALID, "%s has no run.command", id);
	if (tr->shell) {
		treqs_strv_push(&s->argv, "/bin/sh");
		treqs_strv_push(&s->argv, "-c");
		if (test && tr->test_args.n) {
			struct treqs_buf cmd = TREQS_BUF_INIT;
			treqs_buf_puts(&cmd, tr->command.v[0]);
			treqs_buf_puts(&cmd, " \"$@\"");
			treqs_strv_push(&s->argv, treqs_buf_cstr(&cmd));
			treqs_strv_push(&s->argv, "treqs-test-run");
			treqs_buf_free(&cmd);
		} else {
			treqs_strv_push(&s->argv, tr->command.v[0]);
		}
	} else {
		for (i = 0; i < tr->command.n; i++)
			treqs_strv_push(&s->argv, tr->command.v[i]);
	}
	if (test)
		for (i = 0; i < tr->test_args.n; i++)
			treqs_strv_push(&s->argv, tr->test_args.v[i]);
	for (i = 0; i < tr->nenv; i++) {
		/*
		 * treqs' own variables are treqs' to set: a TR's TREQS_OUTPUT_DIR
		 * next to treqs' one gives the job both, and which one it sees
		 * depends on the language (getenv() takes the first, Python the
		 * last): metrics.json written where nobody collects it.
		 */
		if (!strcmp(tr->env[i].name, "TREQS_OUTPUT_DIR") || !strcmp(tr->env[i].name, "TREQS_TR_ID") ||
		    !strcmp(tr->env[i].name, "TREQS_JOB_ID") || !strcmp(tr->env[i].name, "TREQS_TEST_RUN")) {
			if (!test)
				fprintf(stderr, "treqs: %s: warning: run.env.%s is set by treqs; the job gets treqs' value\n", id,
					tr->env[i].name);
			continue;
		}
		treqs_strv_push_owned(&s->env, xasprintf("%s=%s", tr->env[i].name, tr->env[i].value));
	}
	treqs_strv_push_owned(&s->env, xasprintf("TREQS_OUTPUT_DIR=%s", s->output_dir));
	treqs_strv_push_owned(&s->env, xasprintf("TREQS_TR_ID=%s", id));
	treqs_strv_push_owned(&s->env, xasprintf("TREQS_JOB_ID=%s", s->name));
	if (test)
		treqs_strv_push(&s->env, "TREQS_TEST_RUN=1");
	if (!s->argv.v || !s->env.v)
		return treqs_error(TREQS_EINVALID, "%s: empty command", id);
	s->spec.tr_id = id;
	s->spec.digest = l->digest;
	s->spec.name = s->name;
	s->spec.argv = (const char *const *)s->argv.v;
	s->spec.workdir = s->workdir;
	s->spec.env = (const char *const *)s->env.v;
	s->spec.gpu_type = tr->gpu_type;
	s->spec.gpu_count = tr->gpu_count;
	s->spec.time_limit = test ? tr->test_minutes * 60 : tr->hours * 3600;
	s->spec.output_dir = s->output_dir;
	s->spec.state_dir = s->state_dir;
	s->spec.test_run = test;
	s->spec.max_restarts = tr->max_restarts;
	{
		char *p = xstrdup(s->srcdir), *q;
		for (q = p + 1; *q; q++)
			if (*q == '/') {
				*q = '\0';
				mkdir(p, 0777);
				*q = '/';
			}
		mkdir(p, 0777);
		free(p);
	}
	if ((ret = checkout_to(r, &l->tr_head, s->srcdir)) < 0)
		return ret;
	return 0;
}

/* find() then submit(): a job already submitted under the same name is re-attached. */
static int start_job(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id, int *attached)
{
	int ret = d->ops->find(d, spec, job_id);

	*attached = ret == 0;
	if (ret == TREQS_ENOTFOUND) {
		treqs_error_clear();
		ret = d->ops->submit(d, spec, job_id);
	}
	return ret;
}

/*
 * Whether the loss named at q ("loss", lowercased, inside a line) is
 * reported as NaN or infinite: "loss=nan", "val_loss: inf", "'loss': nan",
 * "loss tensor(nan", "loss is nan", "loss = -inf".  Only its value counts:
 * a healthy "loss=0.42 nan_grads=0" or "loss 0.3 (skipped nan batches: 0)"
 * must not stop the run.
 */
static int loss_is_nan(const char *q)
{
	q += 4;
	while (isalnum((unsigned char)*q) || *q == '_') /* the rest of the name: losses, loss_avg */
		q++;
	while (*q && strchr(" \t'\"=:[(", *q))
		q++;
	if (!strncmp(q, "tensor(", 7))
		q += 7;
	else if (!strncmp(q, "is ", 3))
		q += 3;
	if (*q == '-' || *q == '+')
		q++;
	if (!strncmp(q, "infinity", 8))
		q += 5;
	else if (strncmp(q, "nan", 3) && strncmp(q, "inf", 3))
		return 0;
	return !isalpha((unsigned char)q[3]);
}

/*
 * Whether a line is a shell's report of a job killed by SIGKILL (the OOM
 * killer): dash's "Killed" alone, bash's "...: line 3:  1234 Killed   python
 * train.py".  A line that only begins with the word ("Killed 2 stale
 * workers") is the program talking, not the kernel.
 */
static int shell_killed(const char *line)
{
	const char *t = line, *p;
	size_t n;

	while (*t == ' ' || *t == '\t')
		t++;
	n = strlen(t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r'))
		n--;
	if (n == 6 && !strncmp(t, "killed", 6))
		return 1;
	for (p = strstr(line, "line "); p; p = strstr(p + 1, "line ")) {
		unsigned a, b;
		int end = -1;
		if ((p == line || !isalnum((unsigned char)p[-1])) && sscanf(p, "line %u: %u killed%n", &a, &b, &end) == 2 &&
		    end > 0 && (!p[end] || isspace((unsigned char)p[end])))
			return 1;
	}
	return 0;
}

const char *treqs_log_watch(const char *log, size_t len)
{
	const char *p = log, *end = log + len;
	const char *found = NULL;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		char line[512];
		size_t i, k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;

		for (i = 0; i < k; i++)
			line[i] = (char)tolower((unsigned char)p[i]);
		line[k] = '\0';
		if (strstr(line, "cuda out of memory") || strstr(line, "cuda error: out of memory") ||
		    strstr(line, "outofmemoryerror"))
			found = "cuda-oom";
		else if (strstr(line, "loss") && (strstr(line, "nan") || strstr(line, "inf"))) {
			const char *q;
			for (q = strstr(line, "loss"); q && !found; q = strstr(q + 4, "loss"))
				if (loss_is_nan(q))
					found = "nan-loss";
		} else if (shell_killed(line)) {
			found = "killed";
		}
		if (found)
			return found;
		p = eol ? eol + 1 : end;
	}
	return NULL;
}

/* ---- archive ---- */

static int baseline_metrics(struct runner *r, const char *base_ref, const char *bid, json_t **out)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *path = xasprintf("%s/%s/result.json", TREQS_ARCHIVE_DIR, bid);
	json_t *j;

	*out = NULL;
	if (treqs_repo_read(&b, NULL, r->repo, base_ref, path) == 0 && (j = json_loadb(treqs_buf_cstr(&b), b.len, 0, NULL))) {
		json_t *m = json_object_get(j, "metrics");
		if (json_is_object(m))
			*out = json_incref(m);
		json_decref(j);
	}
	treqs_error_clear();
	treqs_buf_free(&b);
	free(path);
	return 0;
}

struct outcome {
	const char *outcome;     /* succeeded, failed, cancelled */
	const char *action;      /* archive, fail, cancel */
	const struct treqs_job_status *st;
	const char *job;
	const char *watcher;
	const char *message;
	json_t *test_run;
	const char *log;
	size_t loglen;
	const char *metrics;
	size_t metrics_len;
};

static int write_archive(struct runner *r, const char *id, const struct lock *l, const struct outcome *oc)
{
	char *base_ref = r->clone ? xasprintf("refs/remotes/%s/%s", r->remote, r->ctx->cfg->protected_branch)
				  : xasprintf("refs/heads/%s", r->ctx->cfg->protected_branch);
	char *dir = xasprintf("%s/%s", TREQS_ARCHIVE_DIR, id);
	char *p_req = xasprintf("%s/request.yaml", dir), *p_res = xasprintf("%s/result.json", dir);
	char *p_log = xasprintf("%s/log.txt", dir), *p_open = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
	int attempt, ret = 0;

	for (attempt = 0; attempt < 10; attempt++) {
		git_oid base, commit;
		struct treqs_buf probe = TREQS_BUF_INIT, msg = TREQS_BUF_INIT;
		struct treqs_tree_change ch[4];
		struct treqs_commit_opts co;
		struct treqs_result_in in;
		json_t *res, *bm = NULL;
		char *text, costbuf[32];
		double cost;
		size_t nch = 0, i;
		int has_open;

		if (attempt && r->clone && (ret = fetch(r)) < 0)
			break;
		if ((ret = treqs_repo_resolve(&base, r->repo, base_ref)) < 0)
			break;
		if (treqs_repo_read(&probe, NULL, r->repo, git_oid_tostr_s(&base), p_req) == 0) {
			/* someone (perhaps an earlier run of ours) archived it already */
			treqs_buf_free(&probe);
			say(r, "%s: already archived", id);
			ret = 0;
			break;
		}
		has_open = treqs_repo_read(&probe, NULL, r->repo, git_oid_tostr_s(&base), p_open) == 0;
		treqs_buf_free(&probe);
		treqs_error_clear();

		memset(&in, 0, sizeof(in));
		in.id = id;
		in.tr = l->tr;
		in.digest = l->digest;
		in.job = oc->job;
		in.outcome = oc->outcome;
		in.st = oc->st;
		in.log = oc->log;
		in.loglen = oc->loglen;
		in.metrics_json = oc->metrics;
		in.metrics_len = oc->metrics_len;
		in.price = treqs_config_price(r->ctx->cfg, l->tr->gpu_type);
		in.baseline_id = l->tr->baseline;
		if (l->tr->baseline)
			baseline_metrics(r, base_ref, l->tr->baseline, &bm);
		in.baseline_metrics = bm;
		in.watcher = oc->watcher;
		in.test_run = oc->test_run;
		in.message = oc->message;
		res = treqs_result_build(&in, &cost);
		json_decref(bm);
		text = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));

		ch[nch].path = p_req;
		ch[nch].data = l->request;
		ch[nch++].len = l->request_len;
		ch[nch].path = p_res;
		ch[nch].data = text;
		ch[nch++].len = strlen(text);
		ch[nch].path = p_log;
		ch[nch].data = oc->log ? oc->log : "";
		ch[nch++].len = oc->log ? oc->loglen : 0;
		if (has_open) {
			ch[nch].path = p_open;
			ch[nch].data = NULL;
			ch[nch++].len = 0;
		}
		if (cost >= 0)
			snprintf(costbuf, sizeof(costbuf), "%.2f", cost);
		else
			strcpy(costbuf, "unknown");
		treqs_buf_printf(&msg, "%s: %s (%s)\n\n%s\n", id, oc->outcome,
				 oc->job ? oc->job : "not launched", l->tr->title ? l->tr->title : "");
		{
			json_t *exp = json_object_get(res, "expected");
			for (i = 0; i < json_array_size(exp); i++) {
				json_t *e = json_array_get(exp, i);
				treqs_buf_printf(&msg, "%s%s %s: %s\n", i ? "" : "\n",
						 json_string_value(json_object_get(e, "metric")),
						 json_string_value(json_object_get(e, "condition")),
						 json_string_value(json_object_get(e, "verdict")));
			}
		}
		if (oc->watcher)
			treqs_buf_printf(&msg, "\nStopped early: %s.\n", oc->watcher);
		treqs_buf_printf(&msg, "\nTReqs-Id: %s\nTReqs-Action: %s\nTReqs-Job: %s\nTReqs-Digest: %s\nTReqs-Cost-Actual: %s\n",
				 id, oc->action, oc->job ? oc->job : "none", l->digest ? l->digest : "", costbuf);
		memset(&co, 0, sizeof(co));
		co.parents[0] = &base;
		co.parents[1] = &l->tip;
		co.sign = r->sign;
		ret = treqs_repo_commit(&commit, r->repo, &co, ch, nch, treqs_buf_cstr(&msg));
		free(text);
		json_decref(res);
		treqs_buf_free(&msg);
		if (ret < 0)
			break;
		if (r->clone) {
			char *spec = xasprintf("%s:refs/heads/%s", git_oid_tostr_s(&commit), r->ctx->cfg->protected_branch);
			ret = push(r, spec);
			free(spec);
			if (ret == 0)
				set_ref(r, base_ref, &commit, NULL, 1);
		} else {
			ret = set_ref(r, base_ref, &commit, &base, 0);
			if (ret == 0 && git_repository_head_unborn(r->repo) == 0 && !git_repository_is_bare(r->repo)) {
				/* keep a work tree on the protected branch in step (safely) */
				git_reference *head = NULL;
				if (git_repository_head(&head, r->repo) == 0 && !strcmp(git_reference_name(head), base_ref)) {
					git_checkout_options opts;
					git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
					opts.checkout_strategy = GIT_CHECKOUT_SAFE;
					git_checkout_head(r->repo, &opts);
				}
				git_reference_free(head);
				treqs_error_clear();
			}
		}
		if (ret == TREQS_ECONFLICT)
			continue; /* the branch moved: redo on the new tip */
		if (ret == 0)
			say(r, "%s: archived as %s in commit %.7s (%s, cost %s USD)", id, oc->outcome,
			    git_oid_tostr_s(&commit), oc->job ? oc->job : "not launched", costbuf);
		break;
	}
	if (ret == TREQS_ECONFLICT)
		ret = treqs_error(TREQS_ECONFLICT, "%s kept moving; the results stay with the job, run treqs reconcile",
				  r->ctx->cfg->protected_branch);
	free(base_ref);
	free(dir);
	free(p_req);
	free(p_res);
	free(p_log);
	free(p_open);
	return ret;
}

/*
 * Has the driver copy a job's output files into a new, empty directory
 * (*dest, the caller removes it).  Not one named after the job id, which
 * the engine chose: the exec and http drivers' engines may pick ids with
 * '/' or "..", and two engines both number their jobs 1, 2, ...; another
 * job's metrics.json, or an earlier collect's, must never pass for this
 * job's.  In the jobs directory, or under $TMPDIR when that fails (a job
 * that filled the disk), so that the results still come back.
 */
static int collect_job(struct runner *r, struct treqs_driver *d, const char *job_id, char **dest)
{
	char *dir = xasprintf("%s/.collect-XXXXXX", r->jobs_root);
	int ret;

	*dest = NULL;
	mkdir(r->jobs_root, 0777);
	if (!mkdtemp(dir))
		ret = treqs_error_errno(TREQS_EENV, "unable to create a directory in '%s'", r->jobs_root);
	else if ((ret = d->ops->collect(d, job_id, dir)) < 0)
		treqs_rmtree(dir);
	if (ret < 0) {
		/* the jobs directory full or read-only: $TMPDIR */
		free(dir);
		if ((ret = treqs_tmpdir(&dir)) < 0)
			return ret;
		if ((ret = d->ops->collect(d, job_id, dir)) < 0) {
			treqs_rmtree(dir);
			free(dir);
			return ret;
		}
	}
	*dest = dir;
	return 0;
}

/* When the TR's lock was first taken (the oldest launch record behind the tip), or 0. */
static double launched_at(struct runner *r, const struct lock *l)
{
	git_commit *c = NULL;
	double t = 0;
	int n;

	if (git_commit_lookup(&c, r->repo, &l->tip) < 0)
		return 0;
	for (n = 0; c && n < 1000; n++) {
		char *act = treqs_trailer_get(git_commit_message(c), "TReqs-Action");
		int ours = act && (!strcmp(act, "launch") || !strcmp(act, "release"));
		git_commit *p = NULL;

		free(act);
		if (!ours)
			break;
		t = (double)git_commit_time(c);
		if (git_commit_parentcount(c) == 0 || git_commit_parent(&p, c, 0) < 0)
			break;
		git_commit_free(c);
		c = p;
	}
	git_commit_free(c);
	return t;
}

/*
 * No job ran longer than it has existed, since its lock was taken (an
 * hour's grace for runners whose clocks disagree).  An engine's times
 * gone wrong (an end in milliseconds, a start from before a clock step)
 * would put an absurd actual cost into git, and team budgets count it:
 * such a run time is counted as that bound, an upper limit of the truth,
 * and said.  *seconds is the run time to check; returns 1 when it was cut.
 */
static int bound_run_time(struct runner *r, const char *id, const struct lock *l, const char *what, double *seconds)
{
	double since = launched_at(r, l), bound = now() - since + 3600;

	if (!(since > 0) || !(*seconds > bound))
		return 0;
	fprintf(stderr, "treqs: %s: warning: the %s reports %.0f s of run time, more than the %.0f s since it was "
			"launched; counting %.0f s\n", id, what, *seconds, bound - 3600, bound);
	*seconds = bound;
	return 1;
}

/* Collects a finished job's results and archives them. */
static int finish(struct runner *r, const char *id, const struct lock *l, struct treqs_driver *d, const char *job_id,
		  const struct treqs_job_status *st, json_t *test_run, const char *message)
{
	struct treqs_buf log = TREQS_BUF_INIT, metrics = TREQS_BUF_INIT;
	struct treqs_job_status bounded = *st;
	struct outcome oc;
	char *dest = NULL, *mpath = NULL;
	double secs;
	int ret;

	memset(&oc, 0, sizeof(oc));
	/* the run time result.json will count: the engine's sum, else end - start */
	secs = st->run_seconds > 0 ? st->run_seconds
				   : st->end_time > st->start_time && st->start_time > 0 ? st->end_time - st->start_time : 0;
	if (bound_run_time(r, id, l, "engine", &secs))
		bounded.run_seconds = secs;
	if (json_is_number(json_object_get(test_run, "duration_seconds"))) {
		secs = json_number_value(json_object_get(test_run, "duration_seconds"));
		if (bound_run_time(r, id, l, "test run's engine", &secs))
			json_object_set_new(test_run, "duration_seconds", json_real(secs));
	}
	st = &bounded;
	if (d && job_id) {
		/* the log carries the treqs-metric lines: say when it could not be had */
		if (d->ops->logs(d, job_id, LOG_TAIL, &log) < 0)
			fprintf(stderr, "treqs: %s: %s (results without the job's output)\n", id, treqs_error_msg());
		treqs_error_clear();
		if (collect_job(r, d, job_id, &dest) < 0)
			fprintf(stderr, "treqs: %s: %s (results without its output files)\n", id, treqs_error_msg());
		treqs_error_clear();
		if (dest) {
			struct stat sb;
			int rc;
			mpath = xasprintf("%s/metrics.json", dest);
			/*
			 * A plain file only: a FIFO (or a link to one, or to a
			 * device) that a driver copied from a job's output
			 * directory as it was would block the read forever.
			 */
			if (lstat(mpath, &sb) == 0 && !S_ISREG(sb.st_mode))
				rc = treqs_error(TREQS_EINVALID, "'%s' is not a regular file", mpath);
			else
				rc = treqs_read_file(&metrics, mpath, METRICS_MAX);
			if (rc < 0) {
				if (rc != TREQS_ENOTFOUND)
					fprintf(stderr, "treqs: %s: metrics.json: %s (its metrics are not used)\n", id,
						treqs_error_msg());
				treqs_buf_clear(&metrics);
			}
			treqs_error_clear();
		}
	}
	oc.st = st;
	oc.job = l->job;
	oc.test_run = test_run;
	oc.log = log.ptr;
	oc.loglen = log.len;
	oc.metrics = metrics.len ? metrics.ptr : NULL;
	oc.metrics_len = metrics.len;
	oc.watcher = log.len ? treqs_log_watch(log.ptr, log.len) : NULL;
	oc.message = message;
	if (st->state == TREQS_JOB_SUCCEEDED && !message) {
		oc.outcome = "succeeded";
		oc.action = "archive";
		oc.watcher = NULL;
	} else if ((st->state == TREQS_JOB_CANCELLED || (message && !strcmp(message, "cancelled by treqs cancel"))) &&
		   !oc.watcher) {
		oc.outcome = "cancelled";
		oc.action = "cancel";
	} else {
		oc.outcome = "failed";
		oc.action = "fail";
	}
	ret = write_archive(r, id, l, &oc);
	if (dest)
		treqs_rmtree(dest);
	treqs_buf_free(&log);
	treqs_buf_free(&metrics);
	free(dest);
	free(mpath);
	return ret;
}

/* Records the launch (L1) with job "driver:id" on top of the lock. */
static int record_launch(struct runner *r, const char *id, struct lock *l, const char *job, const char *test_job,
			 const char *jobs_dir)
{
	git_oid commit;
	int ret;

	if ((ret = lock_commit(r, &commit, id, &l->tip, NULL, l->digest, job, test_job, jobs_dir)) < 0)
		return ret;
	if ((ret = publish_lock(r, id, &commit, &l->tip)) < 0)
		return ret;
	git_oid_cpy(&l->tip, &commit);
	free(l->job);
	l->job = xstrdup(job);
	return 0;
}

/* The test run's part of result.json; job is "driver:job-id", as in TReqs-Test-Job. */
static json_t *test_summary(const char *job, const struct treqs_job_status *st)
{
	return json_pack("{s:s, s:s, s:o, s:f}", "job", job, "state", treqs_job_state_name(st->state), "exit_status",
			 st->exit_code >= 0 ? json_integer(st->exit_code) : json_null(), "duration_seconds",
			 st->end_time > st->start_time ? st->end_time - st->start_time : 0.0);
}

static char *test_failed_msg(const struct treqs_job_status *st)
{
	return xasprintf("the test run %s (%s); the full run was not launched", treqs_job_state_name(st->state),
			 st->detail[0] ? st->detail : "no detail");
}

/* Whether a job id is a test run's (build_spec() names them "<name>-test"). */
static int is_test_job(const char *job_id)
{
	size_t n = strlen(job_id);

	return n > 5 && !strcmp(job_id + n - 5, "-test");
}

/* Runs the log watchers over a running job: stops it when one fires, and returns which. */
static const char *watch(struct runner *r, const char *id, struct treqs_driver *d, const char *job_id)
{
	struct treqs_buf log = TREQS_BUF_INIT;
	const char *w;

	d->ops->logs(d, job_id, 16 * 1024, &log);
	if ((w = treqs_log_watch(treqs_buf_cstr(&log), log.len))) {
		say(r, "%s: the %s watcher fired; stopping %s:%s", id, w, d->name, job_id);
		d->ops->cancel(d, job_id);
	}
	treqs_buf_free(&log);
	treqs_error_clear();
	return w;
}

/*
 * Waits for a job to end (the test run), with progress on a terminal.
 * The watchers look at it too: a test run that hits NaN must not sit out
 * its time limit.
 */
static int wait_job(struct runner *r, const char *id, struct treqs_driver *d, const char *job_id,
		    struct treqs_job_status *st)
{
	double started = now(), last = 0;
	const char *fired = NULL;
	int ret;

	for (;;) {
		if ((ret = d->ops->poll(d, job_id, st)) < 0)
			return ret;
		if (treqs_job_state_final(st->state)) {
			if (fired) {
				char was[sizeof(st->detail)];
				memcpy(was, st->detail, sizeof(was));
				snprintf(st->detail, sizeof(st->detail), "stopped by the %s watcher%s%.400s%s", fired,
					 was[0] ? " (" : "", was, was[0] ? ")" : "");
			}
			return 0;
		}
		if (!fired)
			fired = watch(r, id, d, job_id);
		if (r->o->progress && now() - last >= 5) {
			fprintf(stderr, "treqs: %s: test run %s %s, %.0f s\n", id, job_id, treqs_job_state_name(st->state),
				now() - started);
			last = now();
		}
		sleep_s(r->o->poll_interval > 0 ? r->o->poll_interval : 1);
	}
}

/* The lock is ours (or was abandoned) and records no job: start it. */
static int launch(struct runner *r, const char *id, struct lock *l)
{
	struct spec_store full, test;
	struct treqs_driver *d = NULL;
	const char *dname = driver_for(r, l->tr);
	char *job_id = NULL, *job = NULL, *test_job = NULL;
	int ret, attached, starting = 0;

	memset(&full, 0, sizeof(full));
	memset(&test, 0, sizeof(test));
	if ((ret = get_driver(r, dname, &d)) < 0)
		goto out;
	if (l->tr->test_minutes > 0) {
		struct treqs_job_status st;
		starting = 1;
		if ((ret = build_spec(r, &test, id, l, 1)) < 0 || (ret = start_job(d, &test.spec, &job_id, &attached)) < 0)
			goto out;
		starting = 0;
		say(r, "%s: test run %s %s:%s", id, attached ? "re-attached" : "started", dname, job_id);
		if ((ret = wait_job(r, id, d, job_id, &st)) < 0)
			goto out;
		if (st.state != TREQS_JOB_SUCCEEDED) {
			json_t *ts;
			char *msg = test_failed_msg(&st);
			job = xasprintf("%s:%s", dname, job_id);
			ts = test_summary(job, &st);
			if ((ret = record_launch(r, id, l, job, NULL, machine_jobs_dir(r, dname, d))) == 0)
				ret = finish(r, id, l, d, job_id, &st, ts, msg);
			json_decref(ts);
			free(msg);
			goto out;
		}
		say(r, "%s: test run passed", id);
		test_job = xasprintf("%s:%s", dname, job_id);
		free(job_id);
		job_id = NULL;
	}
	starting = 1;
	if ((ret = build_spec(r, &full, id, l, 0)) < 0 || (ret = start_job(d, &full.spec, &job_id, &attached)) < 0)
		goto out;
	starting = 0;
	job = xasprintf("%s:%s", dname, job_id);
	if ((ret = record_launch(r, id, l, job, test_job, machine_jobs_dir(r, dname, d))) < 0)
		goto out;
	say(r, "%s: %s %s", id, attached ? "re-attached to" : "launched", job);
	r->busy = 1;
out:
	if (ret < 0 && starting) {
		/*
		 * No job exists (the engine refused or could not be reached):
		 * give the lock back so that the TR is approved again and any
		 * runner retries it; a job that did start after all is found by
		 * its name then.
		 */
		char *why = xstrdup(treqs_error_msg());
		int code = treqs_error_code();
		if (release_lock(r, id, &l->tip, l->digest, why) == 0)
			say(r, "%s: not launched, the lock is released: %s", id, why);
		treqs_error(code ? code : ret, "%s", why);
		free(why);
	}
	spec_clear(&full);
	spec_clear(&test);
	free(job_id);
	free(job);
	free(test_job);
	return ret;
}

/* A lock with a job: poll it, stop it if a watcher fires, archive it when over. */
static int follow(struct runner *r, const char *id, struct lock *l)
{
	struct treqs_driver *d = NULL;
	struct treqs_job_status st;
	char *dname = NULL;
	const char *job_id = NULL;
	int ret;

	if ((ret = split_job(l->job, &dname, &job_id)) < 0)
		return ret;
	if ((ret = get_driver(r, dname, &d)) < 0)
		goto out;
	ret = d->ops->poll(d, job_id, &st);
	if (ret == TREQS_ENOTFOUND && launched_elsewhere(r, l, dname, d)) {
		/* not lost: out of sight; archiving it here would throw its result away */
		treqs_error_clear();
		if (r->passes == 1)
			say(r, "%s: %s runs on %s in %s, out of this runner's sight; the runner there writes its results "
			       "back (treqs reconcile)", id, l->job, l->job_host, l->job_dir);
		ret = 0;
		goto out;
	}
	if (ret == TREQS_ENOTFOUND) {
		memset(&st, 0, sizeof(st));
		st.state = TREQS_JOB_LOST;
		st.exit_code = -1;
		snprintf(st.detail, sizeof(st.detail), "the %s driver does not know job %s (%s)", dname, job_id,
			 treqs_error_msg());
		treqs_error_clear();
		ret = 0;
	}
	if (ret < 0)
		goto out;
	if (!treqs_job_state_final(st.state)) {
		watch(r, id, d, job_id);
		r->busy = 1;
		if (r->o->progress)
			fprintf(stderr, "treqs: %s: %s %s%s\n", id, l->job, treqs_job_state_name(st.state),
				st.start_time > 0 ? "" : " (waiting to start)");
		goto out;
	}
	{
		json_t *ts = NULL;
		char *tdname = NULL, *msg = NULL;
		const char *tjob = NULL;
		struct treqs_driver *td = NULL;
		struct treqs_job_status tst;

		if (l->test_job && split_job(l->test_job, &tdname, &tjob) == 0 && get_driver(r, tdname, &td) == 0 &&
		    td->ops->poll(td, tjob, &tst) == 0)
			ts = test_summary(l->test_job, &tst);
		treqs_error_clear();
		if (!l->test_job && is_test_job(job_id) && st.state != TREQS_JOB_LOST) {
			/*
			 * The launch records a test run only when it failed (launch()),
			 * and its runner did not live to archive it: say so as it would.
			 */
			ts = test_summary(l->job, &st);
			msg = test_failed_msg(&st);
		}
		ret = finish(r, id, l, d, job_id, &st, ts, msg ? msg : st.state == TREQS_JOB_LOST ? st.detail : NULL);
		json_decref(ts);
		free(tdname);
		free(msg);
	}
out:
	free(dname);
	return ret;
}

static int take_lock(struct runner *r, const char *id, const struct treqs_status *st, struct lock *l)
{
	struct treqs_driver *d = NULL;
	const char *dname;
	const git_oid *approved;
	git_oid commit;
	int ret;

	if (!st->tr)
		return treqs_error(TREQS_EINVALID, "the approved %s cannot be read", id);
	/* a driver that cannot be opened fails now, before the lock holds the TR back */
	dname = driver_for(r, st->tr);
	if ((ret = get_driver(r, dname, &d)) < 0)
		return ret;
	/*
	 * What runs is what was approved: the commit whose approval satisfied
	 * the policy, not the branch tip, which may have taken in newer code
	 * from the protected branch since (the digest covers only the TR).
	 */
	approved = st->policy.napprovals ? &st->policy.approvals[st->policy.napprovals - 1].commit : &st->head;
	if (st->released) {
		/* taken again: on top of the release, naming the approved commit */
		if ((ret = lock_commit(r, &commit, id, &st->lock, approved, st->digest, NULL, NULL,
				       machine_jobs_dir(r, dname, d))) < 0)
			return ret;
		if ((ret = publish_lock(r, id, &commit, &st->lock)) < 0)
			return ret;
		return lock_read(r, l, id, &commit);
	}
	if ((ret = lock_commit(r, &commit, id, approved, NULL, st->digest, NULL, NULL, machine_jobs_dir(r, dname, d))) < 0)
		return ret;
	if ((ret = publish_lock(r, id, &commit, NULL)) < 0)
		return ret;
	return lock_read(r, l, id, &commit);
}

/*
 * Whether a lock without a launch record was abandoned: its runner is a
 * process of this machine that is gone, or it is older than the lock
 * timeout (exec.lock_timeout_seconds, default 600).  Otherwise its runner
 * is presumably still starting the job, and taking over would launch it
 * twice.  A gone runner whose local jobs were in another directory may
 * have submitted the job there, where this runner's driver cannot find
 * it to re-attach: that lock waits for the timeout too.  why receives
 * who holds it.
 */
static int lock_abandoned(struct runner *r, const struct lock *l, char *why, size_t n)
{
	git_commit *c = NULL;
	char *host = NULL, *dir = NULL;
	long pid = 0;
	double age = 0, timeout;
	int abandoned = 0, here;

	timeout = (double)r->ctx->cfg->lock_timeout_seconds;
	if (git_commit_lookup(&c, r->repo, &l->tip) < 0)
		return 0;
	age = now() - (double)git_commit_time(c);
	parse_runner(git_commit_message(c), "Taken by ", &host, &pid, &dir);
	here = host && !strcmp(host, hostname());
	if (here && dir) {
		struct treqs_driver *d = NULL;
		const char *dname = driver_for(r, l->tr), *mine = NULL;
		if (get_driver(r, dname, &d) == 0)
			mine = machine_jobs_dir(r, dname, d);
		treqs_error_clear();
		here = mine && same_dir(dir, mine);
	}
	snprintf(why, n, "%s (pid %ld), %.0f s ago%s%s", host ? host : "another runner", pid, age,
		 dir ? ", local jobs in " : "", dir ? dir : "");
	if (age > timeout)
		abandoned = 1;
	else if (here && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		abandoned = 1;
	git_commit_free(c);
	free(host);
	free(dir);
	return abandoned;
}

/*
 * Creates the jobs directory (every launch keeps the approved files and
 * the job's state there).  Checked before the lock is taken: a lock whose
 * runner cannot launch holds the TR back from every other runner until it
 * counts as abandoned.
 */
static int jobs_root_ready(struct runner *r)
{
	char *p = xstrdup(r->jobs_root), *s;
	int ret = 0;

	for (s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		{
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				ret = treqs_error_errno(TREQS_EENV, "cannot create the jobs directory '%s' (TREQS_JOBS_DIR)",
							r->jobs_root);
				break;
			}
			*s = c;
		}
		if (!*s)
			break;
	}
	if (ret == 0 && access(r->jobs_root, W_OK | X_OK) < 0)
		ret = treqs_error_errno(TREQS_EENV, "cannot write in the jobs directory '%s' (TREQS_JOBS_DIR)", r->jobs_root);
	free(p);
	return ret;
}

static int wanted(struct runner *r, const char *id)
{
	return !r->o->ids || treqs_strv_contains(r->o->ids, id);
}

static void one_pass(struct runner *r)
{
	struct treqs_catalog *cat = NULL;
	size_t i;
	int ret;

	r->busy = 0;
	r->passes++;
	if (r->clone && (ret = fetch(r)) < 0) {
		fail(r, "fetch", ret);
		return;
	}
	treqs_ctx_free(r->ctx);
	r->ctx = NULL;
	if ((ret = treqs_ctx_open(&r->ctx, r->repo)) < 0 || (ret = treqs_catalog_scan(&cat, r->repo, r->ctx->cfg)) < 0) {
		fail(r, "exec", ret);
		return;
	}
	/* judged on the configuration just fetched, not the one this clone had */
	if (r->ctx->cfg->require_signed_exec && !r->sign) {
		treqs_error(TREQS_EENV, "config.yaml requires signed launch and archive commits "
					"(exec.require_signed) but this runner has no signing key (user.signingkey)");
		fail(r, "exec", TREQS_EENV);
		treqs_catalog_free(cat);
		return;
	}
	for (i = 0; i < cat->n; i++) {
		const struct treqs_entry *e = &cat->v[i];
		struct treqs_status st;
		struct lock l;

		if (!wanted(r, e->id))
			continue;
		memset(&l, 0, sizeof(l));
		if ((ret = treqs_state_derive(&st, r->ctx, e)) < 0) {
			fail(r, e->id, ret);
			continue;
		}
		if (st.state == TREQS_STATE_APPROVED && r->o->launch) {
			if (r->o->dry_run) {
				say(r, "%s: would launch (approved, content %.7s)", e->id, st.digest);
			} else if ((ret = jobs_root_ready(r)) < 0) {
				fail(r, e->id, ret);
			} else if ((ret = take_lock(r, e->id, &st, &l)) == TREQS_ECONFLICT) {
				say(r, "%s: another runner took it", e->id);
				treqs_error_clear();
			} else if (ret < 0) {
				fail(r, e->id, ret);
			} else if ((ret = launch(r, e->id, &l)) < 0) {
				fail(r, e->id, ret);
			}
		} else if (st.state == TREQS_STATE_RUNNING) {
			if ((ret = lock_read(r, &l, e->id, &st.lock)) < 0)
				fail(r, e->id, ret);
			else if (r->o->dry_run)
				say(r, "%s: would %s", e->id, l.job ? "follow its job" : "launch it (locked, no job recorded)");
			else if (!l.job) {
				/* a runner took the lock and has not recorded its job (yet?) */
				char why[256];
				if (!lock_abandoned(r, &l, why, sizeof(why)))
					say(r, "%s: being launched by %s", e->id, why);
				else if (!r->o->launch)
					say(r, "%s: locked by %s, which left no job; treqs exec takes it over", e->id, why);
				else if ((ret = launch(r, e->id, &l)) < 0)
					fail(r, e->id, ret);
			} else if ((ret = follow(r, e->id, &l)) < 0) {
				fail(r, e->id, ret);
			}
		} else if (r->o->ids && st.state != TREQS_STATE_ARCHIVED && st.state != TREQS_STATE_FAILED &&
			   st.state != TREQS_STATE_CANCELLED) {
			/* the policy's notes say why (an approval voided by an edit, ...) */
			struct treqs_buf why = TREQS_BUF_INIT;
			size_t k;
			for (k = 0; k < st.policy.notes.n; k++)
				treqs_buf_printf(&why, "%s%s", k ? "; " : ": ", st.policy.notes.v[k]);
			say(r, "%s: not launched: it is %s%s", e->id, treqs_state_name(st.state), treqs_buf_cstr(&why));
			treqs_buf_free(&why);
			if (!r->err)
				r->err = TREQS_EPOLICY;
		}
		lock_clear(&l);
		treqs_status_clear(&st);
	}
	if (r->o->ids) {
		for (i = 0; i < r->o->ids->n; i++)
			if (!treqs_catalog_find(cat, r->o->ids->v[i])) {
				fprintf(stderr, "treqs: %s: no such TR\n", r->o->ids->v[i]);
				if (!r->err)
					r->err = TREQS_ENOTFOUND;
			}
	}
	treqs_catalog_free(cat);
}

void treqs_exec_default_env(git_repository *repo)
{
	const char *env = getenv("TREQS_JOBS_DIR");

	if (!env || !*env) {
		char *dir = xasprintf("%streqs/jobs", git_repository_path(repo));
		setenv("TREQS_JOBS_DIR", dir, 1);
		free(dir);
	} else if (env[0] != '/') {
		/*
		 * Made absolute: the job's paths are used where this directory
		 * is not the current one (the checkout into it, the job's
		 * working directory, TREQS_OUTPUT_DIR, a Slurm node), and a
		 * relative TREQS_JOBS_DIR=jobs failed every launch.
		 */
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			char *dir = xasprintf("%s/%s", cwd, env);
			setenv("TREQS_JOBS_DIR", dir, 1);
			free(dir);
			free(cwd);
		}
	}
}

static int runner_init(struct runner *r, git_repository *repo, const struct treqs_exec_opts *o, FILE *out)
{
	git_remote *rem = NULL;

	memset(r, 0, sizeof(*r));
	r->repo = repo;
	r->o = o;
	r->out = out;
	if (treqs_ctx_open(&r->ctx, repo) < 0)
		return treqs_error_code();
	r->remote = xstrdup(r->ctx->cfg->remote);
	r->clone = !git_repository_is_bare(repo) && git_remote_lookup(&rem, repo, r->remote) == 0;
	git_remote_free(rem);
	treqs_error_clear();
	treqs_exec_default_env(repo);
	r->jobs_root = xstrdup(getenv("TREQS_JOBS_DIR"));
	{
		/* a server's hook often runs without a git identity: name the runner */
		git_signature *sig = NULL;
		if (treqs_signature(&sig, repo, 1) < 0) {
			char *email = xasprintf("treqs@%s", hostname());
			setenv("GIT_AUTHOR_NAME", "treqs runner", 0);
			setenv("GIT_COMMITTER_NAME", "treqs runner", 0);
			setenv("GIT_AUTHOR_EMAIL", email, 0);
			setenv("GIT_COMMITTER_EMAIL", email, 0);
			free(email);
			treqs_error_clear();
		}
		git_signature_free(sig);
	}
	r->sign = treqs_sign_configured(repo);

	return 0;
}

static void runner_clear(struct runner *r)
{
	size_t i;

	for (i = 0; i < r->ndrivers; i++) {
		treqs_driver_close(r->drivers[i].d);
		free(r->drivers[i].name);
	}
	treqs_ctx_free(r->ctx);
	free(r->jobs_root);
	free(r->remote);
}

int treqs_exec(git_repository *repo, const struct treqs_exec_opts *o, FILE *out)
{
	struct runner r;
	int ret;

	if ((ret = runner_init(&r, repo, o, out)) < 0) {
		runner_clear(&r);
		return ret;
	}
	for (;;) {
		one_pass(&r);
		if (!o->wait || !r.busy || o->dry_run)
			break;
		sleep_s(o->poll_interval > 0 ? o->poll_interval : 1);
	}
	ret = r.err;
	runner_clear(&r);
	/* each failure was reported with its TR as it happened (fail()) */
	if (ret < 0)
		treqs_error(ret, "some TRs could not be handled (see above)");
	return ret;
}

int treqs_exec_cancel(git_repository *repo, const char *id, FILE *out)
{
	struct treqs_exec_opts o;
	struct runner r;
	struct treqs_catalog *cat = NULL;
	const struct treqs_entry *e;
	struct treqs_status st;
	struct lock l;
	struct treqs_driver *d = NULL;
	char *dname = NULL;
	const char *job_id = NULL;
	int ret, i;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	memset(&l, 0, sizeof(l));
	if ((ret = runner_init(&r, repo, &o, out)) < 0)
		goto out;
	if (r.clone && (ret = fetch(&r)) < 0)
		goto out;
	treqs_ctx_free(r.ctx);
	r.ctx = NULL;
	if ((ret = treqs_ctx_open(&r.ctx, repo)) < 0 || (ret = treqs_catalog_scan(&cat, repo, r.ctx->cfg)) < 0)
		goto out;
	if (!(e = treqs_catalog_find(cat, id))) {
		ret = treqs_error(TREQS_ENOTFOUND, "no TR '%s'", id);
		goto out;
	}
	if ((ret = treqs_state_derive(&st, r.ctx, e)) < 0)
		goto out;
	if (st.state != TREQS_STATE_RUNNING) {
		ret = treqs_error(TREQS_EINVALID, "%s is %s, not running; nothing to cancel", id, treqs_state_name(st.state));
		goto out;
	}
	if ((ret = lock_read(&r, &l, id, &st.lock)) < 0)
		goto out;
	if (!l.job) {
		ret = treqs_error(TREQS_ECONFLICT, "%s is being launched right now; try again in a moment", id);
		goto out;
	}
	if ((ret = split_job(l.job, &dname, &job_id)) < 0 || (ret = get_driver(&r, dname, &d)) < 0)
		goto out;
	{
		struct treqs_job_status js;
		if (d->ops->poll(d, job_id, &js) == TREQS_ENOTFOUND && launched_elsewhere(&r, &l, dname, d)) {
			ret = treqs_error(TREQS_EENV, "%s: %s runs on %s in %s; cancel it there", id, l.job, l.job_host,
					  l.job_dir);
			goto out;
		}
		treqs_error_clear();
	}
	if ((ret = d->ops->cancel(d, job_id)) < 0)
		goto out;
	say(&r, "%s: cancelling %s", id, l.job);
	for (i = 0; i < 300; i++) {
		struct treqs_job_status js;
		if ((ret = d->ops->poll(d, job_id, &js)) < 0)
			goto out;
		if (treqs_job_state_final(js.state)) {
			/* a job that finished before the cancel reached it keeps its result */
			ret = finish(&r, id, &l, d, job_id, &js, NULL,
				     js.state == TREQS_JOB_SUCCEEDED ? NULL : "cancelled by treqs cancel");
			goto out;
		}
		sleep_s(0.2);
	}
	ret = treqs_error(TREQS_EENV, "%s did not stop within a minute; run treqs cancel again", l.job);
out:
	lock_clear(&l);
	treqs_status_clear(&st);
	treqs_catalog_free(cat);
	free(dname);
	runner_clear(&r);
	return ret;
}
