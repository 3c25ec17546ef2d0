/*
 * run.c - fork/exec of helper programs with captured output.
 */
#define _GNU_SOURCE
#include "treqs/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char **build_env(const char *const *extra)
{
	size_t n = 0, m = 0, i, j;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = xcalloc(n + m + 1, sizeof(*env));
	for (i = 0, j = 0; i < n; i++) {
		size_t k, overridden = 0;
		const char *eq = strchr(environ[i], '=');
		size_t nlen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);

		for (k = 0; k < m; k++)
			if (!strncmp(extra[k], environ[i], nlen) && extra[k][nlen] == '=')
				overridden = 1;
		if (!overridden)
			env[j++] = environ[i];
	}
	for (i = 0; i < m; i++)
		env[j++] = (char *)extra[i];
	env[j] = NULL;
	return env;
}

int treqs_cmd_run(struct treqs_cmd *cmd)
{
	int inp[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
	char **env = NULL;
	pid_t pid;
	int st = 0, ret = 0, failure[2] = {0, 0}, reaped = 0, drained = 0;
	size_t inoff = 0;
	double deadline = cmd->timeout > 0 ? now_s() + cmd->timeout : 0;
	struct sigaction ign, old;

	cmd->status = 127;
	cmd->timed_out = 0;
	treqs_buf_clear(&cmd->out);
	treqs_buf_clear(&cmd->err);
	if ((cmd->in && pipe2(inp, O_CLOEXEC) < 0) || (cmd->capture_out && pipe2(outp, O_CLOEXEC) < 0) ||
	    (cmd->capture_err && pipe2(errp, O_CLOEXEC) < 0) || pipe2(execp, O_CLOEXEC) < 0) {
		ret = treqs_error_errno(TREQS_EENV, "unable to create a pipe");
		goto out;
	}
	if (cmd->env)
		env = build_env(cmd->env);

	/* a child that exits before reading its stdin must not kill us */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);

	pid = fork();
	if (pid < 0) {
		ret = treqs_error_errno(TREQS_EENV, "unable to fork '%s'", cmd->argv[0]);
		sigaction(SIGPIPE, &old, NULL);
		goto out;
	}
	if (pid == 0) {
		/* close-on-exec: the program gets it as fd 0 at most, not as a stray extra */
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		signal(SIGPIPE, SIG_DFL);
		/*
		 * Its own process group when asked, so that a timeout stops
		 * everything it started (a driver script's children too).  Not by
		 * default: ssh-keygen may ask for a passphrase on the terminal,
		 * which a background group cannot read.
		 */
		if (cmd->new_group)
			setpgid(0, 0);
		if (!cmd->tty) {
			dup2(cmd->in ? inp[0] : devnull, 0);
			if (cmd->capture_out)
				dup2(outp[1], 1);
			if (cmd->capture_err)
				dup2(errp[1], 2);
		} else {
			if (cmd->capture_out)
				dup2(outp[1], 1);
		}
		/* tell the parent which step failed and why: {1, errno} chdir, {2, errno} exec */
		if (cmd->dir && chdir(cmd->dir) < 0) {
			int f[2] = {1, errno};
			if (write(execp[1], f, sizeof(f)) < 0)
				_exit(127);
			_exit(127);
		}
		if (env)
			execvpe(cmd->argv[0], (char *const *)cmd->argv, env);
		else
			execvp(cmd->argv[0], (char *const *)cmd->argv);
		{
			int f[2] = {2, errno};
			if (write(execp[1], f, sizeof(f)) < 0)
				_exit(127);
		}
		_exit(127);
	}
	close(execp[1]);
	execp[1] = -1;
	if (inp[0] >= 0)
		close(inp[0]), inp[0] = -1;
	if (outp[1] >= 0)
		close(outp[1]), outp[1] = -1;
	if (errp[1] >= 0)
		close(errp[1]), errp[1] = -1;
	if (read(execp[0], failure, sizeof(failure)) != sizeof(failure))
		failure[0] = 0;
	if (inp[1] >= 0 && cmd->inlen == 0)
		close(inp[1]), inp[1] = -1;
	if (inp[1] >= 0)
		fcntl(inp[1], F_SETFL, O_NONBLOCK);

	while (inp[1] >= 0 || outp[0] >= 0 || errp[0] >= 0) {
		struct pollfd pfd[3];
		int npfd = 0, i, tmo = -1, ready;
		char chunk[16384];

		/*
		 * The program may be over while its pipes stay open: something it
		 * started in the background inherited them (a driver script's
		 * "job &" without redirections).  Its output is what it wrote
		 * before it exited; waiting for EOF would wait for the background
		 * process, then time out and kill it.  So look now and then, and
		 * once it is gone take what the pipes hold and stop.
		 */
		if (!reaped && waitpid(pid, &st, WNOHANG) == pid) {
			reaped = 1;
			if (inp[1] >= 0)
				close(inp[1]), inp[1] = -1;
			if (outp[0] < 0 && errp[0] < 0)
				break;
		}
		if (inp[1] >= 0)
			pfd[npfd++] = (struct pollfd){inp[1], POLLOUT, 0};
		if (outp[0] >= 0)
			pfd[npfd++] = (struct pollfd){outp[0], POLLIN, 0};
		if (errp[0] >= 0)
			pfd[npfd++] = (struct pollfd){errp[0], POLLIN, 0};
		if (deadline && !reaped) {
			double left = deadline - now_s();
			if (left <= 0) {
				cmd->timed_out = 1;
				if (cmd->new_group)
					kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				break;
			}
			tmo = (int)(left * 1000) + 1;
		}
		if (reaped)
			tmo = 0;
		else if (tmo < 0 || tmo > 100)
			tmo = 100;
		if ((ready = poll(pfd, (nfds_t)npfd, tmo)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (reaped && (ready == 0 || ++drained > 64))
			break; /* drained (or a background process writes on and on): it is over */
		for (i = 0; i < npfd; i++) {
			ssize_t n;

			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == inp[1]) {
				n = write(inp[1], cmd->in + inoff, cmd->inlen - inoff);
				if (n > 0)
					inoff += (size_t)n;
				if ((n < 0 && errno != EAGAIN && errno != EINTR) || inoff == cmd->inlen)
					close(inp[1]), inp[1] = -1;
				continue;
			}
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				treqs_buf_put(pfd[i].fd == outp[0] ? &cmd->out : &cmd->err, chunk, (size_t)n);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				if (pfd[i].fd == outp[0])
					close(outp[0]), outp[0] = -1;
				else
					close(errp[0]), errp[0] = -1;
			}
		}
	}
	/*
	 * The pipes are closed but the child may run on: it closed its output,
	 * or nothing was captured.  The time limit holds until it exits, so
	 * wait without blocking while there is a deadline to keep.
	 */
	while (!reaped) {
		int timed = deadline && !cmd->timed_out;
		pid_t r = waitpid(pid, &st, timed ? WNOHANG : 0);

		if (r == pid)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = treqs_error_errno(TREQS_EENV, "unable to wait for '%s'", cmd->argv[0]);
			st = 0;
			break;
		}
		if (now_s() >= deadline) {
			cmd->timed_out = 1;
			if (cmd->new_group)
				kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		} else {
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	sigaction(SIGPIPE, &old, NULL);
	if (WIFEXITED(st))
		cmd->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		cmd->status = 128 + WTERMSIG(st);
	if (failure[0]) {
		errno = failure[1];
		if (failure[0] == 1)
			ret = treqs_error_errno(TREQS_EENV, "unable to run '%s' in '%s'", cmd->argv[0], cmd->dir);
		else
			ret = treqs_error_errno(TREQS_EENV, "unable to run '%s'", cmd->argv[0]);
		cmd->status = 127;
	}
out:
	if (inp[0] >= 0)
		close(inp[0]);
	if (inp[1] >= 0)
		close(inp[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (execp[0] >= 0)
		close(execp[0]);
	if (execp[1] >= 0)
		close(execp[1]);
	free(env);
	return ret;
}

void treqs_cmd_clear(struct treqs_cmd *cmd)
{
	treqs_buf_free(&cmd->out);
	treqs_buf_free(&cmd->err);
}

int treqs_tmpdir(char **out)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (!base || !*base)
		base = "/tmp";
	path = xasprintf("%s/treqs.XXXXXX", base);
	if (!mkdtemp(path)) {
		int ret = treqs_error_errno(TREQS_EENV, "unable to create a temporary directory in '%s'", base);
		free(path);
		return ret;
	}
	*out = path;
	return 0;
}

int treqs_rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	while ((de = readdir(d))) {
		char *sub;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			ret |= treqs_rmtree(sub);
		else if (unlink(sub) < 0)
			ret = -1;
		free(sub);
	}
	closedir(d);
	if (rmdir(path) < 0)
		ret = -1;
	return ret;
}
