/*
 * exec.c - treqs exec (and its alias run), reconcile, cancel: launching
 * approved TRs and writing their results back; also the server hooks.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "treqs/context.h"
#include "treqs/exec.h"
#include "treqs/hook.h"
#include "treqs/repo.h"

static const struct cli_cmd_info exec_info = {
	"exec", "[--wait] [--dry-run] [--hook pre-receive|post-receive] [ID...]",
	"Launches every approved TR not yet launched (or those named) through its driver,\n"
	"exactly once: the lock refs/treqs/locks/ID is created atomically (on the remote in a\n"
	"clone), the job is recorded (TReqs-Job), and the command returns.  Every run also\n"
	"collects finished jobs and writes their archive commits on the protected branch\n"
	"(pushed in a clone, retried when the branch moved).  --wait follows the jobs until\n"
	"they are archived.  --hook runs as git's pre-receive hook (checks a push) or\n"
	"post-receive hook (launches what the push approved).",
};

static const struct cli_cmd_info run_info = {
	"run", "ID... [--wait] [--dry-run]",
	"Launches the named approved TRs: the same as 'treqs exec ID...'.",
};

static const struct cli_cmd_info reconcile_info = {
	"reconcile", "[--wait] [--dry-run] [ID...]",
	"Finds launched TRs whose results never came back and finishes their write-back:\n"
	"polls their jobs and archives the finished ones.  Launches nothing new.",
};

static const struct cli_cmd_info cancel_info = {
	"cancel", "ID",
	"Stops a running TR's job and archives it as cancelled.",
};

static int hook_pre_receive(void)
{
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	struct treqs_buf in = TREQS_BUF_INIT;
	struct treqs_hook_updates u;
	struct treqs_strv problems = TREQS_STRV_INIT;
	size_t i;
	int ret;

	memset(&u, 0, sizeof(u));
	if ((ret = treqs_read_file(&in, "/dev/stdin", 64 << 20)) < 0 ||
	    (ret = treqs_hook_parse(&u, treqs_buf_cstr(&in), in.len)) < 0 || (ret = treqs_repo_open(&repo, 1)) < 0 ||
	    (ret = treqs_ctx_open(&ctx, repo)) < 0) {
		ret = cli_fail(ret);
		goto out;
	}
	ret = treqs_hook_check(ctx, &u, &problems);
	for (i = 0; i < problems.n; i++)
		fprintf(stderr, "%s\n", problems.v[i]);
	if (ret == TREQS_EINVALID) {
		fprintf(stderr, "treqs: push refused (%zu problem%s)\n", problems.n, problems.n == 1 ? "" : "s");
		ret = 1;
	} else if (ret < 0) {
		ret = cli_fail(ret);
	}
out:
	treqs_strv_free(&problems);
	treqs_hook_updates_free(&u);
	treqs_buf_free(&in);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	return ret;
}

static int run_exec(struct treqs_exec_opts *o, const struct treqs_strv *ids, int from_env)
{
	git_repository *repo = NULL;
	int ret;

	if ((ret = treqs_repo_open(&repo, from_env)) < 0)
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	o->ids = ids && ids->n ? ids : NULL;
	o->progress = isatty(2);
	ret = treqs_exec(repo, o, stdout);
	git_repository_free(repo);
	if (ret < 0) {
		if (ret == TREQS_EPOLICY)
			return 1;
		return cli_fail(ret);
	}
	return 0;
}

static int exec_like(int argc, char **argv, const struct cli_cmd_info *info, int launch, int allow_hook)
{
	const char *hook = NULL;
	int wait = 0, dry_run = 0, ret;
	double interval = 1;
	struct cli_opt opts[] = {
		{"wait", 0, CLI_FLAG, &wait, NULL, "follow the jobs until their results are archived", 0},
		{"dry-run", 'n', CLI_FLAG, &dry_run, NULL, "say what would be done; change nothing", 0},
		{"interval", 0, CLI_NUMBER, &interval, "SECONDS", "time between polls with --wait (default 1)", 0},
		{"hook", 0, CLI_STRING, &hook, "NAME", "run as git's pre-receive or post-receive hook", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv ids = TREQS_STRV_INIT;
	struct treqs_exec_opts o;

	if (!allow_hook)
		opts[3].type = CLI_END;
	if ((ret = cli_parse(argc, argv, info, opts, &ids)) != 0)
		return treqs_strv_free(&ids), ret > 0 ? 0 : 2;
	memset(&o, 0, sizeof(o));
	o.launch = launch;
	o.wait = wait;
	o.dry_run = dry_run;
	o.poll_interval = interval > 0.05 ? interval : 0.05;
	if (hook) {
		if (ids.n) {
			treqs_strv_free(&ids);
			return cli_die(2, "exec: --hook takes no ids");
		}
		if (!strcmp(hook, "pre-receive"))
			ret = hook_pre_receive();
		else if (!strcmp(hook, "post-receive"))
			ret = run_exec(&o, NULL, 1);
		else
			ret = cli_die(2, "exec: --hook: expected pre-receive or post-receive, found '%s'", hook);
	} else {
		if (info == &run_info && !ids.n) {
			treqs_strv_free(&ids);
			return cli_die(2, "run: name the TRs to launch");
		}
		ret = run_exec(&o, &ids, 0);
	}
	treqs_strv_free(&ids);
	return ret;
}

int cmd_exec(int argc, char **argv)
{
	return exec_like(argc, argv, &exec_info, 1, 1);
}

int cmd_run(int argc, char **argv)
{
	return exec_like(argc, argv, &run_info, 1, 0);
}

int cmd_reconcile(int argc, char **argv)
{
	return exec_like(argc, argv, &reconcile_info, 0, 0);
}

int cmd_cancel(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT;
	git_repository *repo = NULL;
	int ret;

	if ((ret = cli_parse(argc, argv, &cancel_info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n != 1) {
		treqs_strv_free(&args);
		return cli_die(2, "cancel: give one TR id");
	}
	if ((ret = treqs_repo_open(&repo, 0)) < 0) {
		treqs_strv_free(&args);
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	}
	ret = treqs_exec_cancel(repo, args.v[0], stdout);
	git_repository_free(repo);
	treqs_strv_free(&args);
	return ret < 0 ? cli_fail(ret) : 0;
}
