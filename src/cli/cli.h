/*
 * cli.h - the command line: one table of commands (main.c), one file per
 * command, one options table per command that drives both parsing and
 * --help.
 *
 * Adding a command:
 *   1. write src/cli/<name>.c with "int cmd_<name>(int argc, char **argv)"
 *      and a static options table; parse with cli_parse();
 *   2. declare it below and add a row to the table in main.c;
 *   3. add src/cli/<name>.c to CMakeLists.txt;
 *   4. write man/treqs-<name>.1 whose options match the table (the test
 *      tests/e2e/t0010-help.sh compares them);
 *   5. add an end-to-end test under tests/e2e/.
 *
 * Exit status (DESIGN section 8): 0 success, 1 the input was rejected,
 * 2 usage error, 3 environment failure.
 */
#ifndef TREQS_CLI_H
#define TREQS_CLI_H

#include <git2.h>
#include <jansson.h>
#include <stdio.h>

#include "treqs/common.h"

enum cli_opt_type {
	CLI_END = 0,
	CLI_FLAG,    /* int, set to 1 */
	CLI_STRING,  /* const char *, last one wins */
	CLI_LIST,    /* struct treqs_strv, repeatable */
	CLI_INT,     /* long */
	CLI_NUMBER,  /* double, also "set" by its presence: see cli_opt.seen */
};

struct cli_opt {
	const char *name;  /* long name without "--" */
	char short_name;   /* 0 if none */
	enum cli_opt_type type;
	void *value;
	const char *arg;   /* argument name in --help, e.g. "ID" */
	const char *help;
	int seen;          /* set by cli_parse when given */
};

struct cli_cmd_info {
	const char *name;
	const char *synopsis; /* after "treqs <name> " */
	const char *summary;  /* one line */
};

/*
 * Parses argv (argv[0] is the command name) against opts.  Positional
 * arguments are collected in *args (may be NULL when none are allowed).
 * On --help or -h prints help to stdout and returns 1 (the caller exits
 * 0); on a usage error prints it and returns -1 (exit 2); else 0.
 */
int cli_parse(int argc, char **argv, const struct cli_cmd_info *info, struct cli_opt *opts,
	      struct treqs_strv *args);
void cli_help(FILE *f, const struct cli_cmd_info *info, const struct cli_opt *opts);

/* Prints "treqs: <message>" from the last error and returns its exit status. */
int cli_fail(int code);
/* Prints "treqs: <formatted>" and returns status. */
int cli_die(int status, const char *fmt, ...) TREQS_PRINTF(2, 3);
/* Prints "treqs: warning: <formatted>". */
void cli_warn(const char *fmt, ...) TREQS_PRINTF(1, 2);

/* Writes j (compact, one line) to stdout and frees it. */
int cli_print_json(json_t *j);

/* Opens the repository of the current directory, with a friendly error. */
int cli_open_repo(git_repository **repo);

/* Whether stdout/stderr are terminals (for progress and the editor). */
int cli_isatty_out(void);
int cli_isatty_err(void);

/* Adds fetch and push refspecs for refs/notes/treqs to every remote. */
int cli_configure_notes(git_repository *repo);

/*
 * Runs git with args (args[0] is the git command) in the repository; git's
 * output goes to stderr unless quiet.  err_out (may be NULL) receives its
 * output.  TREQS_EENV when git fails.
 */
int cli_git(git_repository *repo, const char *const *args, int quiet, struct treqs_buf *err_out);
int cli_has_remote(git_repository *repo, const char *name);
struct treqs_config;
/*
 * The local branch treqs/<id>: created from the remote-tracking branch
 * when missing (create set), fast-forwarded when the remote is ahead.
 * *head receives its tip (or the remote's when !create and no local one).
 */
int cli_tr_branch(git_oid *head, git_repository *repo, const struct treqs_config *cfg, const char *id, int create);
/* git push <remote> <refspecs...> */
int cli_push(git_repository *repo, const struct treqs_config *cfg, const char *const *refspecs, size_t n);

/* commands */
int cmd_init(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_renumber(int argc, char **argv);

#endif
