/*
 * exec.c - treqs exec: the server hooks and (later) launching TRs.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "treqs/context.h"
#include "treqs/hook.h"
#include "treqs/repo.h"

static const struct cli_cmd_info info = {
	"exec", "[--hook pre-receive|post-receive]",
	"With --hook pre-receive, checks a push as git's pre-receive hook: reads 'old new ref'\n"
	"lines on standard input and refuses the push (exit 1) with one line per problem.",
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
	if ((ret = treqs_read_file(&in, "/dev/stdin", 64 << 20)) < 0 || (ret = treqs_hook_parse(&u, treqs_buf_cstr(&in), in.len)) < 0 ||
	    (ret = treqs_repo_open(&repo, 1)) < 0 || (ret = treqs_ctx_open(&ctx, repo)) < 0) {
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

int cmd_exec(int argc, char **argv)
{
	const char *hook = NULL;
	int ret;
	struct cli_opt opts[] = {
		{"hook", 0, CLI_STRING, &hook, "NAME", "run as git's pre-receive or post-receive hook", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};

	if ((ret = cli_parse(argc, argv, &info, opts, NULL)) != 0)
		return ret > 0 ? 0 : 2;
	if (hook && !strcmp(hook, "pre-receive"))
		return hook_pre_receive();
	if (hook && !strcmp(hook, "post-receive"))
		return 0;
	return cli_die(2, "exec: not implemented yet without --hook");
}
