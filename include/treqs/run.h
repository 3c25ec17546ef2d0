/*
 * run.h - running other programs (git, ssh-keygen, gpg, editors) without
 * a shell.
 *
 * The protocol: fill a struct treqs_cmd (argv is required; the rest is
 * optional), call treqs_cmd_run(), read the captured output and the exit
 * status, then treqs_cmd_clear().  argv[0] is looked up on PATH.  Nothing
 * is ever passed through /bin/sh, so no field of a TR can be interpreted
 * by a shell.
 */
#ifndef TREQS_RUN_H
#define TREQS_RUN_H

#include "treqs/common.h"

struct treqs_cmd {
	const char *const *argv;  /* NULL-terminated */
	const char *const *env;   /* extra "NAME=value" entries (NULL-terminated), may be NULL */
	const char *dir;          /* working directory, may be NULL */
	const char *in;           /* bytes for stdin, may be NULL (then /dev/null) */
	size_t inlen;
	int capture_out;          /* collect stdout into out (else inherit) */
	int capture_err;          /* collect stderr into err (else inherit) */
	int tty;                  /* inherit stdin/stdout/stderr (editors) */
	double timeout;           /* seconds, 0 = none; the child is killed after it */
	int new_group;            /* run in a process group of its own; a timeout kills the group */

	/* results */
	struct treqs_buf out, err;
	int status;               /* exit code; 128+signal when killed */
	int timed_out;
};

/*
 * Runs the command and waits for it.  Returns 0 when the program ran (its
 * exit status is in cmd->status, whatever it is), or TREQS_EENV when it
 * could not be started (then status is 127).
 */
int treqs_cmd_run(struct treqs_cmd *cmd);
/* Frees the captured output. */
void treqs_cmd_clear(struct treqs_cmd *cmd);

/* A private temporary directory (mode 0700) under $TMPDIR; caller frees the path. */
int treqs_tmpdir(char **out);
/* Removes a directory tree (no symlinks followed). */
int treqs_rmtree(const char *path);

#endif
