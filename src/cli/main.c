/*
 * main.c - the command table and dispatcher.  See cli.h for how to add a
 * command.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "treqs/repo.h"

#ifndef TREQS_VERSION
#define TREQS_VERSION "0.0.0"
#endif

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *alias_of; /* seed vocabulary: shown as an alias */
};

/* Sorted by name.  Aliases map to the command they stand for. */
static const struct cmd commands[] = {
	{"approve", cmd_approve, "approve a TR (review --approve)", "review"},
	{"cancel", cmd_cancel, "stop a running TR's job and archive it as cancelled", NULL},
	{"exec", cmd_exec, "check pushes (hook); launch approved TRs and archive results", NULL},
	{"hook", cmd_hook, "install the server hooks into a repository", NULL},
	{"init", cmd_init, "set up treqs in this repository", NULL},
	{"list", cmd_list, "list every TR on every branch and in the archive", NULL},
	{"log", cmd_log, "a TR's story: creation, edits, reviews, launch, results", NULL},
	{"new", cmd_new, "write a new TR on its own branch", NULL},
	{"reconcile", cmd_reconcile, "finish the write-back of launched TRs whose results never came back", NULL},
	{"renumber", cmd_renumber, "give a local TR whose id was taken the next free id", NULL},
	{"review", cmd_review, "approve, request changes, reject or comment (a signed commit)", NULL},
	{"run", cmd_run, "launch named approved TRs (exec ID...)", "exec"},
	{"show", cmd_show, "show one TR, its state and where it lives", NULL},
	{"status", cmd_status, "a TR's live state: job, elapsed time, last log lines", NULL},
	{"submit", cmd_submit, "push a TR's branch, opening its review", NULL},
	{"validate", cmd_validate, "check TR files", NULL},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: treqs <command> [options]\n\n"
		   "Training Requests: reviewed, approved and launched from git.\n\ncommands:\n");
	for (i = 0; i < TREQS_ARRAY_SIZE(commands); i++)
		fprintf(f, "    %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'treqs <command> --help' for a command's options; 'man treqs' for more.\n"
		   "Exit status: 0 success, 1 input rejected, 2 usage error, 3 environment failure.\n");
}

int main(int argc, char **argv)
{
	char *help_argv[3];
	size_t i;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			help_argv[0] = argv[2];
			help_argv[1] = "--help";
			help_argv[2] = NULL;
			argv = help_argv;
			argc = 2;
			goto dispatch;
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("treqs %s\n", TREQS_VERSION);
		return 0;
	}
	argv++;
	argc--;
dispatch:
	for (i = 0; i < TREQS_ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, argv[0]))
			break;
	if (i == TREQS_ARRAY_SIZE(commands)) {
		fprintf(stderr, "treqs: '%s' is not a treqs command; see 'treqs --help'\n", argv[0]);
		return 2;
	}
	treqs_git_init();
	ret = commands[i].fn(argc, argv);
	/* as git does: a result that could not be written is a failure */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "treqs: unable to write the output\n");
		ret = 3;
	}
	git_libgit2_shutdown();
	return ret;
}
