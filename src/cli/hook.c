/*
 * hook.c - treqs hook install [--pre-receive] [--post-receive] REPO
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "treqs/hook.h"

static const struct cli_cmd_info info = {
	"hook", "install [--pre-receive] [--post-receive] REPO",
	"Installs treqs' server hooks into a (bare) repository: pre-receive validates every\n"
	"push (treqs exec --hook pre-receive), post-receive launches approved TRs (treqs exec\n"
	"--hook post-receive).  With neither option, installs pre-receive.  A hook already\n"
	"there is kept and run first; running install again only updates treqs' scripts.",
};

int cmd_hook(int argc, char **argv)
{
	int pre = 0, post = 0, ret;
	struct cli_opt opts[] = {
		{"pre-receive", 0, CLI_FLAG, &pre, NULL, "install the pre-receive hook (checks pushes)", 0},
		{"post-receive", 0, CLI_FLAG, &post, NULL, "install the post-receive hook (launches approved TRs)", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT, installed = TREQS_STRV_INIT;
	char self[PATH_MAX];
	size_t i;

	if ((ret = cli_parse(argc, argv, &info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n != 2 || strcmp(args.v[0], "install")) {
		treqs_strv_free(&args);
		return cli_die(2, "hook: usage: treqs hook install [--pre-receive] [--post-receive] REPO");
	}
	if (!pre && !post)
		pre = 1;
	if (!realpath("/proc/self/exe", self)) {
		treqs_strv_free(&args);
		return cli_die(3, "hook: cannot find the path of the treqs program");
	}
	ret = treqs_hook_install(args.v[1], self, pre, post, &installed);
	if (ret < 0)
		ret = cli_fail(ret);
	for (i = 0; i < installed.n; i++)
		printf("installed %s\n", installed.v[i]);
	treqs_strv_free(&args);
	treqs_strv_free(&installed);
	return ret;
}
