/*
 * local.c - the embedded default driver: runs the job on this machine.
 *
 * The job outlives the treqs process that started it: treqs forks a
 * monitor in a new session, the monitor forks the job in its own process
 * group (argv exec'd directly, never through a shell), enforces the time
 * limit, and writes the outcome to files in the job's directory:
 *
 *   <state_dir>/job         "monitor PID\njob PID\nBOOT_ID MONITOR_START JOB_START\n"
 *                           (the third line says which processes the pids were: a pid
 *                           outlives its process after a reboot or when pids wrap)
 *   <state_dir>/start       start time (unix seconds)
 *   <state_dir>/output.log  the job's stdout and stderr
 *   <state_dir>/exit        "EXIT SIGNAL TIMED_OUT CANCELLED END_TIME" once it ended
 *                           (its space taken when the job starts, as exit.pending, so
 *                           that a job filling the disk still gets its outcome written)
 *   <state_dir>/cancel      present when a cancel was asked for
 *
 * Everything the job starts goes with it: the monitor is a child
 * subreaper, so that daemons that left the job's process group (setsid,
 * start_new_session) are still its descendants, killed when the job ends.
 *
 * The job id is the job's name; the directory is $TREQS_JOBS_DIR/<name>
 * (treqs exec sets TREQS_JOBS_DIR to the repository's .git/treqs/jobs
 * unless it is set), so that any later treqs process on this machine can
 * poll it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "treqs/driver.h"

extern char **environ;

struct local {
	struct treqs_driver base;
	char *root;
	double grace; /* seconds between SIGTERM and SIGKILL */
};

static int local_open(struct treqs_driver **out, const char *name, const struct treqs_ynode *conf)
{
	struct local *l = xcalloc(1, sizeof(*l));
	const char *root = getenv("TREQS_JOBS_DIR");

	l->base.ops = &treqs_driver_local;
	l->base.name = xstrdup(name);
	/*
	 * Only the runner's TREQS_JOBS_DIR: exec puts the job's files there,
	 * and a path in the repository's configuration would be one machine's.
	 */
	if (!root || !*root) {
		free(l->base.name);
		free(l);
		return treqs_error(TREQS_EENV, "local driver: no jobs directory (set TREQS_JOBS_DIR)");
	}
	l->root = xstrdup(root);
	l->grace = treqs_driver_conf_num(conf, "kill_grace_seconds", 5);
	*out = &l->base;
	return 0;
}

static void local_close(struct treqs_driver *d)
{
	struct local *l = (struct local *)d;

	free(l->root);
	free(l->base.name);
	free(l);
}

static int valid_job_id(const char *id)
{
	const char *p;

	if (!*id || *id == '.' || strlen(id) > 200)
		return 0;
	for (p = id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return 0;
	return 1;
}

static char *job_dir(struct local *l, const char *id)
{
	return xasprintf("%s/%s", l->root, id);
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		{
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				ret = treqs_error_errno(TREQS_EENV, "unable to create '%s'", p);
				*s = c;
				break;
			}
			*s = c;
		}
		if (!*s)
			break;
	}
	free(p);
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* For time limits: a clock that a change of the system time (NTP, an operator) does not move. */
static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This boot of this machine ("" when unknown): a pid from another boot names nobody. */
static void boot_id(char *buf, size_t n)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, n - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[r > 0 ? r : 0] = '\0';
	buf[strcspn(buf, " \n")] = '\0';
}

/* Field n (4: the parent, 22: the start time in clock ticks after boot) of /proc/PID/stat, or 0 when unknown. */
static unsigned long long proc_field(long pid, int n)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t r;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	/* after the command name (field 2, which may hold spaces and parentheses), field n follows the (n-2)th space */
	if (!(p = strrchr(buf, ')')))
		return 0;
	for (i = 2; i < n && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

static unsigned long long proc_start(long pid)
{
	return proc_field(pid, 22);
}

/* What the job file says. */
struct jobfile {
	long monitor, job;
	char boot[64];                /* "" in files written before it was recorded */
	unsigned long long monitor_start, job_start;
};

/*
 * Whether pid is still the process that was recorded: alive, in this
 * boot, started when it did.  Without that, a monitor that died in a
 * reboot is taken for running as long as some other process got its pid
 * (exec --wait waits forever), and a cancel signals a stranger's group.
 */
static int same_process(const struct jobfile *jf, long pid, unsigned long long start)
{
	char boot[64];

	if (pid <= 1 || (kill((pid_t)pid, 0) < 0 && errno != EPERM))
		return 0;
	boot_id(boot, sizeof(boot));
	if (jf->boot[0] && boot[0] && strcmp(jf->boot, boot))
		return 0;
	if (start) {
		unsigned long long now_start = proc_start(pid);
		if (now_start && now_start != start)
			return 0;
	}
	return 1;
}

/* Writes text to dir/name atomically; used by the monitor too (no allocation failures matter there). */
static int put_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	int ret = treqs_write_file(path, text, strlen(text));

	free(path);
	return ret;
}

static int local_find(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct local *l = (struct local *)d;
	char *dir, *path;
	int found;

	if (!valid_job_id(spec->name))
		return treqs_error(TREQS_EINVALID, "local driver: invalid job name '%s'", spec->name);
	dir = job_dir(l, spec->name);
	path = xasprintf("%s/job", dir);
	found = access(path, F_OK) == 0;
	free(path);
	free(dir);
	if (!found)
		return TREQS_ENOTFOUND;
	*job_id = xstrdup(spec->name);
	return 0;
}

static void close_other_fds(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fds[1024], n = 0, i;

	if (!d) {
		for (i = 3; i < 1024; i++)
			if (i != keep)
				close(i);
		return;
	}
	while ((de = readdir(d)) && n < 1024) {
		int fd = atoi(de->d_name);
		if (fd > 2 && fd != keep && fd != dirfd(d))
			fds[n++] = fd;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

#define EXIT_LEN 128 /* the exit file's size: its line, padded with spaces */

/* Takes the exit file's space while there is some (exit.pending); an fd, or -1. */
static int reserve_exit(const char *dir)
{
	char *path = xasprintf("%s/exit.pending", dir), pad[EXIT_LEN];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	memset(pad, ' ', sizeof(pad));
	pad[sizeof(pad) - 1] = '\n';
	if (fd >= 0 && write(fd, pad, sizeof(pad)) != (ssize_t)sizeof(pad)) {
		close(fd);
		unlink(path);
		fd = -1;
	}
	free(path);
	return fd;
}

/*
 * Writes the outcome into the reserved file and renames it to exit:
 * overwriting bytes that are already the file's needs no free space, so
 * a job that filled the disk keeps its outcome (else it would read as
 * lost).  Without a reservation, an ordinary write.
 */
static void write_exit(const char *dir, int fd, const char *line)
{
	char pad[EXIT_LEN], *from = xasprintf("%s/exit.pending", dir), *to = xasprintf("%s/exit", dir);
	size_t n = strlen(line);

	memset(pad, ' ', sizeof(pad));
	memcpy(pad, line, n < sizeof(pad) - 1 ? n : sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\n';
	if (fd < 0 || pwrite(fd, pad, sizeof(pad), 0) != (ssize_t)sizeof(pad) || rename(from, to) < 0)
		put_file(dir, "exit", line);
	if (fd >= 0)
		close(fd);
	free(from);
	free(to);
}

/*
 * Kills what the job left outside its process group: daemons that called
 * setsid() are no longer in it, but as a child subreaper the monitor
 * inherited them when their parents died.  Their own children come to it
 * in turn as they die: hence the rounds.
 */
static void kill_orphans(void)
{
	long me = (long)getpid();
	int round;

	for (round = 0; round < 100; round++) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		int found = 0;

		if (!d)
			return;
		while ((de = readdir(d))) {
			long pid = atol(de->d_name);
			if (pid > 1 && pid != me && proc_field(pid, 4) == (unsigned long long)me) {
				kill((pid_t)pid, SIGKILL);
				found = 1;
			}
		}
		closedir(d);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!found)
			return;
		{
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
}

/* The monitor: runs in the grandchild, never returns. */
static void monitor(struct local *l, const struct treqs_job_spec *spec, const char *dir, char **envp)
{
	char *logpath = xasprintf("%s/output.log", dir), *cancelpath = xasprintf("%s/cancel", dir);
	char buf[256], boot[64];
	int devnull = open("/dev/null", O_RDWR), logfd, status = 0, timed_out = 0, term_sent = 0, reserved;
	/* the start time is the wall clock's; the limit is kept on one that time changes do not move */
	double start = now(), t0 = mono(), deadline = spec->time_limit > 0 ? t0 + spec->time_limit : 0, kill_at = 0;
	pid_t job;

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(logfd >= 0 ? logfd : devnull, 1);
		dup2(logfd >= 0 ? logfd : devnull, 2);
	}
	close_other_fds(-1);
	snprintf(buf, sizeof(buf), "%.3f\n", start);
	put_file(dir, "start", buf);
	reserved = reserve_exit(dir);
	job = fork();
	if (job == 0) {
		setpgid(0, 0);
		if (chdir(spec->workdir) < 0) {
			fprintf(stderr, "treqs: cannot enter the working directory '%s': %s\n", spec->workdir,
				strerror(errno));
			_exit(127);
		}
		execvpe(spec->argv[0], (char *const *)spec->argv, envp);
		fprintf(stderr, "treqs: cannot run '%s': %s\n", spec->argv[0], strerror(errno));
		_exit(127);
	}
	if (job < 0) {
		fprintf(stderr, "treqs: cannot start the job: %s\n", strerror(errno));
		snprintf(buf, sizeof(buf), "127 0 0 0 %.3f\n", now());
		write_exit(dir, reserved, buf);
		_exit(0);
	}
	setpgid(job, job);
	boot_id(boot, sizeof(boot));
	snprintf(buf, sizeof(buf), "%ld\n%ld\n%s %llu %llu\n", (long)getpid(), (long)job, boot[0] ? boot : "-",
		 proc_start((long)getpid()), proc_start((long)job));
	put_file(dir, "job", buf);
	for (;;) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		int ws = 0;
		pid_t r = waitpid(-1, &ws, WNOHANG);
		double t;

		if (r == job) {
			status = ws;
			break;
		}
		if (r > 0)
			continue; /* an orphan of the job's, inherited as the subreaper */
		if (r < 0 && errno != EINTR)
			break;
		t = mono();
		if (!term_sent && ((deadline && t >= deadline) || access(cancelpath, F_OK) == 0)) {
			timed_out = deadline && t >= deadline && access(cancelpath, F_OK) != 0;
			if (timed_out)
				fprintf(stderr, "treqs: time limit of %.0f s reached; stopping the job\n", spec->time_limit);
			kill(-job, SIGTERM);
			term_sent = 1;
			kill_at = t + l->grace;
		} else if (term_sent && t >= kill_at) {
			kill(-job, SIGKILL);
			kill_at = t + 3600;
		}
		nanosleep(&ts, NULL);
	}
	/* whatever the job left behind in its group goes too, and what left the group */
	kill(-job, SIGKILL);
	kill_orphans();
	snprintf(buf, sizeof(buf), "%d %d %d %d %.3f\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		 WIFSIGNALED(status) ? WTERMSIG(status) : 0, timed_out, access(cancelpath, F_OK) == 0, now());
	write_exit(dir, reserved, buf);
	_exit(0);
}

static int local_submit(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id)
{
	struct local *l = (struct local *)d;
	char *dir = NULL, **envp = NULL, *jobfile = NULL;
	size_t n = 0, m = 0, i;
	pid_t pid;
	int st, ret;

	if ((ret = local_find(d, spec, job_id)) != TREQS_ENOTFOUND)
		return ret; /* it exists already: re-attach */
	treqs_error_clear();
	dir = job_dir(l, spec->name);
	if ((ret = mkdir_p(dir)) < 0 || (ret = mkdir_p(spec->output_dir)) < 0)
		goto out;
	if (access(spec->output_dir, W_OK) < 0) {
		ret = treqs_error_errno(TREQS_EENV, "local driver: the output directory '%s' is not writable",
					spec->output_dir);
		goto out;
	}
	if (access(spec->workdir, X_OK) < 0) {
		ret = treqs_error_errno(TREQS_EENV, "local driver: cannot enter '%s'", spec->workdir);
		goto out;
	}
	/* the job's environment: the runner's, then the TR's and treqs' (which win) */
	while (environ[n])
		n++;
	while (spec->env && spec->env[m])
		m++;
	envp = xcalloc(n + m + 1, sizeof(*envp));
	{
		size_t w = 0, k;
		for (i = 0; i < n; i++) {
			int overridden = 0;
			for (k = 0; k < m; k++) {
				size_t nl = strcspn(spec->env[k], "=");
				if (!strncmp(environ[i], spec->env[k], nl) && environ[i][nl] == '=')
					overridden = 1;
			}
			if (!overridden)
				envp[w++] = environ[i];
		}
		for (k = 0; k < m; k++)
			envp[w++] = (char *)spec->env[k];
		envp[w] = NULL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = treqs_error_errno(TREQS_EENV, "local driver: unable to fork");
		goto out;
	}
	if (pid == 0) {
		/* a new session, then fork again so the monitor is nobody's child */
		setsid();
		if (fork() == 0)
			monitor(l, spec, dir, envp);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* wait until the monitor has recorded the job, so poll() sees it */
	jobfile = xasprintf("%s/job", dir);
	for (i = 0; i < 200 && access(jobfile, F_OK) < 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	*job_id = xstrdup(spec->name);
	ret = 0;
out:
	free(jobfile);
	free(envp);
	free(dir);
	return ret;
}

static int read_small(const char *dir, const char *name, char *buf, size_t n)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = -1;

	free(path);
	if (fd < 0)
		return -1;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	return 0;
}

static int read_jobfile(const char *dir, struct jobfile *jf)
{
	char buf[256], *l2, *l3;

	memset(jf, 0, sizeof(*jf));
	if (read_small(dir, "job", buf, sizeof(buf)) < 0)
		return -1;
	jf->monitor = atol(buf);
	if ((l2 = strchr(buf, '\n'))) {
		jf->job = atol(l2 + 1);
		l3 = strchr(l2 + 1, '\n');
		if (!l3 || sscanf(l3 + 1, "%63s %llu %llu", jf->boot, &jf->monitor_start, &jf->job_start) != 3) {
			/* written before the identities were: pids alone */
			jf->boot[0] = '\0';
			jf->monitor_start = jf->job_start = 0;
		} else if (!strcmp(jf->boot, "-")) {
			jf->boot[0] = '\0'; /* a machine without a boot id */
		}
	}
	return 0;
}

/* The outcome from the exit file: 1 when the job is over. */
static int read_exit(const char *dir, struct treqs_job_status *st)
{
	char buf[256];
	int code, sig, timed_out, cancelled;
	double end;

	if (read_small(dir, "exit", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%d %d %d %d %lf", &code, &sig, &timed_out, &cancelled, &end) != 5)
		return 0;
	st->end_time = end;
	st->exit_code = sig ? 128 + sig : code;
	if (cancelled)
		st->state = TREQS_JOB_CANCELLED;
	else if (timed_out)
		st->state = TREQS_JOB_TIMEOUT;
	else
		st->state = code == 0 && !sig ? TREQS_JOB_SUCCEEDED : TREQS_JOB_FAILED;
	if (timed_out)
		snprintf(st->detail, sizeof(st->detail), "stopped at its time limit");
	else if (sig)
		snprintf(st->detail, sizeof(st->detail), "killed by signal %d", sig);
	else if (code)
		snprintf(st->detail, sizeof(st->detail), "exited with status %d", code);
	return 1;
}

static int local_poll(struct treqs_driver *d, const char *job_id, struct treqs_job_status *st)
{
	struct local *l = (struct local *)d;
	struct jobfile jf;
	char *dir, buf[256];
	int ret = 0;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "local driver: invalid job id '%s'", job_id);
	dir = job_dir(l, job_id);
	if (read_small(dir, "start", buf, sizeof(buf)) == 0)
		st->start_time = atof(buf);
	if (read_exit(dir, st))
		goto out;
	if (read_jobfile(dir, &jf) < 0) {
		ret = TREQS_ENOTFOUND;
		treqs_error(TREQS_ENOTFOUND, "local driver: no job '%s' in %s", job_id, l->root);
		goto out;
	}
	if (same_process(&jf, jf.monitor, jf.monitor_start)) {
		st->state = st->start_time ? TREQS_JOB_RUNNING : TREQS_JOB_PENDING;
	} else if (read_exit(dir, st)) {
		; /* it wrote the outcome and went since the first look */
	} else {
		/* the monitor is gone without writing the outcome (a reboot? killed?) */
		st->state = TREQS_JOB_LOST;
		snprintf(st->detail, sizeof(st->detail), "the job's monitor process %ld is gone without an outcome",
			 jf.monitor);
		/*
		 * A job still running without its monitor has no time limit and
		 * nobody to record its end: it would hold its GPUs unaccounted
		 * after the TR is archived.  Only the recorded process, though
		 * (its start time known), never a group whose leader merely has
		 * the same pid.
		 */
		if (jf.job_start && same_process(&jf, jf.job, jf.job_start) && kill(-(pid_t)jf.job, SIGKILL) == 0)
			snprintf(st->detail, sizeof(st->detail),
				 "the job's monitor process %ld is gone without an outcome; the job (process group %ld), "
				 "still running unwatched, was stopped",
				 jf.monitor, jf.job);
	}
out:
	free(dir);
	return ret;
}

static int local_logs(struct treqs_driver *d, const char *job_id, size_t max, struct treqs_buf *out)
{
	struct local *l = (struct local *)d;
	char *path;
	int fd, ret = 0;
	off_t size;

	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "local driver: invalid job id '%s'", job_id);
	path = xasprintf("%s/%s/output.log", l->root, job_id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(path);
		return 0; /* no output yet */
	}
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)max)
		lseek(fd, size - (off_t)max, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	for (;;) {
		char chunk[8192];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		treqs_buf_put(out, chunk, (size_t)n);
	}
	close(fd);
	free(path);
	return ret;
}

static int local_cancel(struct treqs_driver *d, const char *job_id)
{
	struct local *l = (struct local *)d;
	char *dir, buf[128];
	int ret = 0;

	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "local driver: invalid job id '%s'", job_id);
	dir = job_dir(l, job_id);
	if (read_small(dir, "exit", buf, sizeof(buf)) == 0)
		goto out; /* already over */
	if ((ret = put_file(dir, "cancel", "cancel\n")) < 0)
		goto out;
	{
		/* the monitor acts on the file; this only hurries it, and only for the job's own group */
		struct jobfile jf;
		if (read_jobfile(dir, &jf) == 0 && same_process(&jf, jf.job, jf.job_start))
			kill(-(pid_t)jf.job, SIGTERM);
	}
out:
	free(dir);
	return ret;
}

/* Copies the regular files of <root>/<id>/output (the job's TREQS_OUTPUT_DIR) into dest. */
static int local_collect(struct treqs_driver *d, const char *job_id, const char *dest)
{
	struct local *l = (struct local *)d;
	char *src;
	int ret;

	if (!valid_job_id(job_id))
		return treqs_error(TREQS_EINVALID, "local driver: invalid job id '%s'", job_id);
	src = xasprintf("%s/%s/output", l->root, job_id);
	ret = treqs_driver_copy_outputs(src, dest);
	free(src);
	return ret;
}

const struct treqs_driver_ops treqs_driver_local = {
	TREQS_DRIVER_VERSION,
	"local",
	local_open,
	local_find,
	local_submit,
	local_poll,
	local_logs,
	local_cancel,
	local_collect,
	NULL,
	local_close,
};
