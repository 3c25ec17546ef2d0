/*
 * test_run.c - running programs without a shell: captured output, stdin
 * of any size, exit status, missing programs, time limits, literal
 * arguments, environment, working directory, temporary directories.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "treqs/run.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_capture_out_and_err(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("sh", "-c", "printf 'to out\\n'; printf 'to err' >&2; printf 'more out'");
	cmd.capture_out = cmd.capture_err = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	assert_int_equal(cmd.timed_out, 0);
	assert_buf_equal(&cmd.out, "to out\nmore out");
	assert_buf_equal(&cmd.err, "to err");

	/* run again with the same struct: results start afresh */
	cmd.argv = ARGV("printf", "%s", "second");
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_buf_equal(&cmd.out, "second");
	assert_int_equal(cmd.err.len, 0);
	treqs_cmd_clear(&cmd);
	assert_null(cmd.out.ptr);
	assert_null(cmd.err.ptr);
}

static void test_binary_output(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("printf", "a\\000b\\377");
	cmd.capture_out = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.out.len, 4);
	assert_memory_equal(cmd.out.ptr, "a\0b\377", 4);
	treqs_cmd_clear(&cmd);
}

static void test_stdin_default_is_dev_null(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("cat");
	cmd.capture_out = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	assert_int_equal(cmd.out.len, 0);
	/* an empty input is an empty stdin, not a wait */
	cmd.in = "";
	cmd.inlen = 0;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.out.len, 0);
	treqs_cmd_clear(&cmd);
}

static char *pattern(size_t n)
{
	char *p = xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	return p;
}

static void test_large_stdin_no_deadlock(void **state)
{
	size_t n = 1 << 20; /* 16 times a pipe buffer */
	char *in = pattern(n);
	struct treqs_cmd cmd = {0};
	double t0 = now();

	/* the child writes back as it reads: both pipes full at once */
	cmd.argv = ARGV("cat");
	cmd.in = in;
	cmd.inlen = n;
	cmd.capture_out = 1;
	cmd.timeout = 60;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	assert_int_equal(cmd.timed_out, 0);
	assert_int_equal(cmd.out.len, n);
	assert_memory_equal(cmd.out.ptr, in, n);

	/* a child that fills stderr before it reads stdin */
	cmd.argv = ARGV("sh", "-c", "head -c 1048576 /dev/zero >&2; wc -c");
	cmd.capture_err = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	assert_int_equal(cmd.err.len, n);
	assert_int_equal(atoi(cmd.out.ptr), (int)n);
	assert_true(now() - t0 < 30);
	treqs_cmd_clear(&cmd);
	free(in);
}

static void test_large_stdin_unread(void **state)
{
	size_t n = 1 << 20;
	char *in = pattern(n);
	struct treqs_cmd cmd = {0};

	/* the child exits without reading: no SIGPIPE for us, no hang */
	cmd.argv = ARGV("sh", "-c", "exit 4");
	cmd.in = in;
	cmd.inlen = n;
	cmd.timeout = 60;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 4);
	assert_int_equal(cmd.timed_out, 0);
	treqs_cmd_clear(&cmd);
	free(in);
}

static void test_exit_status(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("sh", "-c", "exit 3");
	assert_int_equal(treqs_cmd_run(&cmd), 0); /* it ran: not an error of the call */
	assert_int_equal(cmd.status, 3);
	cmd.argv = ARGV("false");
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 1);
	cmd.argv = ARGV("sh", "-c", "kill -TERM $$");
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 128 + 15);
	treqs_cmd_clear(&cmd);
}

static void test_missing_program(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("treqs-no-such-program-xyzzy", "arg");
	cmd.capture_out = cmd.capture_err = 1;
	assert_int_equal(treqs_cmd_run(&cmd), TREQS_EENV);
	assert_int_equal(cmd.status, 127);
	assert_int_equal(treqs_error_code(), TREQS_EENV);
	assert_string_equal(treqs_error_msg(), "unable to run 'treqs-no-such-program-xyzzy': No such file or directory");
	assert_int_equal(cmd.out.len, 0);

	cmd.argv = ARGV("/etc/passwd");
	assert_int_equal(treqs_cmd_run(&cmd), TREQS_EENV);
	assert_int_equal(cmd.status, 127);
	assert_string_equal(treqs_error_msg(), "unable to run '/etc/passwd': Permission denied");
	treqs_cmd_clear(&cmd);
}

static void test_timeout_kills(void **state)
{
	struct treqs_cmd cmd = {0};
	double t0 = now();

	cmd.argv = ARGV("sleep", "30");
	cmd.capture_out = 1;
	cmd.timeout = 0.3;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.timed_out, 1);
	assert_int_equal(cmd.status, 128 + 9);
	assert_true(now() - t0 < 10);
	assert_true(now() - t0 >= 0.3);
	treqs_cmd_clear(&cmd);
}

static void test_timeout_without_pipes(void **state)
{
	struct treqs_cmd cmd = {0};
	double t0 = now();

	/* nothing captured, nothing to feed: the limit still holds */
	cmd.argv = ARGV("sleep", "30");
	cmd.timeout = 0.3;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.timed_out, 1);
	assert_int_equal(cmd.status, 128 + 9);
	assert_true(now() - t0 < 10);

	/* a child that closes its output and goes on */
	t0 = now();
	cmd.argv = ARGV("sh", "-c", "exec >&- 2>&-; sleep 30");
	cmd.capture_out = cmd.capture_err = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.timed_out, 1);
	assert_int_equal(cmd.status, 128 + 9);
	assert_true(now() - t0 < 10);
	treqs_cmd_clear(&cmd);
}

static void test_fast_child_not_timed_out(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("true");
	cmd.timeout = 30;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.timed_out, 0);
	assert_int_equal(cmd.status, 0);
	treqs_cmd_clear(&cmd);
}

static void test_arguments_are_literal(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("printf", "[%s]\\n", "$(echo pwned)", "; rm -rf /", "`id`", "*", "a b  c", "'\"", "$HOME", "|",
			"&& false", "", "\\n");
	cmd.capture_out = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	assert_buf_equal(&cmd.out, "[$(echo pwned)]\n[; rm -rf /]\n[`id`]\n[*]\n[a b  c]\n['\"]\n[$HOME]\n[|]\n"
				   "[&& false]\n[]\n[\\n]\n");
	treqs_cmd_clear(&cmd);
}

static void test_extra_env(void **state)
{
	struct treqs_cmd cmd = {0};

	setenv("TREQS_UNIT_KEEP", "kept", 1);
	setenv("TREQS_UNIT_OVER", "old", 1);
	cmd.argv = ARGV("sh", "-c", "printf '%s|%s|%s|%s' \"$TREQS_UNIT_NEW\" \"$TREQS_UNIT_OVER\" \"$TREQS_UNIT_KEEP\" "
				    "\"$(env | grep -c '^TREQS_UNIT_OVER=')\"");
	cmd.env = ARGV("TREQS_UNIT_NEW=a b; $(x)", "TREQS_UNIT_OVER=new");
	cmd.capture_out = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	/* added, overridden (once, not twice), inherited */
	assert_buf_equal(&cmd.out, "a b; $(x)|new|kept|1");
	/* our own environment is untouched */
	assert_string_equal(getenv("TREQS_UNIT_OVER"), "old");
	assert_null(getenv("TREQS_UNIT_NEW"));
	/* a name that is a prefix of another is not confused with it */
	cmd.env = ARGV("TREQS_UNIT=x");
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_buf_equal(&cmd.out, "|old|kept|1");
	unsetenv("TREQS_UNIT_KEEP");
	unsetenv("TREQS_UNIT_OVER");
	treqs_cmd_clear(&cmd);
}

static void test_working_directory(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("pwd");
	cmd.dir = "/";
	cmd.capture_out = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_buf_equal(&cmd.out, "/\n");
	cmd.dir = "/treqs-no-such-dir";
	assert_int_equal(treqs_cmd_run(&cmd), TREQS_EENV);
	assert_int_equal(cmd.status, 127);
	assert_string_equal(treqs_error_msg(), "unable to run 'pwd' in '/treqs-no-such-dir': No such file or directory");
	treqs_cmd_clear(&cmd);
}

/* The file descriptors above 2 a child would inherit from us. */
static char *inheritable_fds(void)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fds[256], n = 0, i, j;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) > 2 && atoi(de->d_name) != dirfd(d) && n < 256) {
			int fd = atoi(de->d_name), fl = fcntl(fd, F_GETFD);
			if (fl >= 0 && !(fl & FD_CLOEXEC))
				fds[n++] = fd;
		}
	closedir(d);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];
				fds[i] = fds[j], fds[j] = t;
			}
	treqs_buf_puts(&b, "0 1 2");
	for (i = 0; i < n; i++)
		treqs_buf_printf(&b, " %d", fds[i]);
	return treqs_buf_detach(&b);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void test_no_descriptor_leaks(void **state)
{
	struct treqs_cmd cmd = {0};
	char *want = inheritable_fds(), *line, *save = NULL;
	struct treqs_buf got = TREQS_BUF_INIT;
	int fds[256], n = 0, i;

	/*
	 * The child sees its three streams and what we had without
	 * close-on-exec, nothing of treqs_cmd_run's own (pipes, /dev/null).
	 * ls lists its own descriptors; the one it reads them through is
	 * the directory /proc/PID/fd.
	 */
	cmd.argv = ARGV("ls", "-l", "/proc/self/fd/");
	cmd.capture_out = cmd.capture_err = 1;
	cmd.in = "x";
	cmd.inlen = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	for (line = strtok_r(cmd.out.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " -> "), *name;

		if (!arrow)
			continue;
		*arrow = '\0';
		name = strrchr(line, ' ');
		assert_non_null(name);
		if (!strncmp(arrow + 4, "/proc/", 6) && strstr(arrow + 4, "/fd"))
			continue;
		assert_true(n < 256);
		fds[n++] = atoi(name + 1);
	}
	qsort(fds, (size_t)n, sizeof(fds[0]), cmp_int);
	for (i = 0; i < n; i++)
		treqs_buf_printf(&got, "%s%d", i ? " " : "", fds[i]);
	assert_string_equal(treqs_buf_cstr(&got), want);
	treqs_buf_free(&got);
	free(want);
	treqs_cmd_clear(&cmd);
}

static void test_tmpdir_and_rmtree(void **state)
{
	char *base = NULL, *dir = NULL, *outside, *p, *old = getenv("TMPDIR") ? xstrdup(getenv("TMPDIR")) : NULL;
	struct stat st;

	assert_int_equal(treqs_tmpdir(&base), 0);
	setenv("TMPDIR", base, 1);
	assert_int_equal(treqs_tmpdir(&dir), 0);
	if (old)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);

	/* under $TMPDIR, private */
	assert_int_equal(strncmp(dir, base, strlen(base)), 0);
	assert_int_equal(strncmp(dir + strlen(base), "/treqs.", 7), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);

	/* a tree with a symlink to a directory outside it */
	outside = xasprintf("%s/outside", base);
	assert_int_equal(mkdir(outside, 0755), 0);
	p = xasprintf("%s/keep", outside);
	assert_int_equal(treqs_write_file(p, "x", 1), 0);
	free(p);
	p = xasprintf("%s/a", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/a/b", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/a/b/f", dir);
	assert_int_equal(treqs_write_file(p, "y", 1), 0);
	free(p);
	p = xasprintf("%s/a/link", dir);
	assert_int_equal(symlink(outside, p), 0);
	free(p);

	assert_int_equal(treqs_rmtree(dir), 0);
	assert_int_equal(stat(dir, &st), -1);
	/* the link went, not what it pointed at */
	p = xasprintf("%s/keep", outside);
	assert_int_equal(stat(p, &st), 0);
	free(p);
	/* removing what is not there is fine */
	assert_int_equal(treqs_rmtree(dir), 0);

	assert_int_equal(treqs_rmtree(base), 0);
	assert_int_equal(stat(base, &st), -1);
	free(outside);
	free(dir);
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_out_and_err),
		cmocka_unit_test(test_binary_output),
		cmocka_unit_test(test_stdin_default_is_dev_null),
		cmocka_unit_test(test_large_stdin_no_deadlock),
		cmocka_unit_test(test_large_stdin_unread),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_timeout_kills),
		cmocka_unit_test(test_timeout_without_pipes),
		cmocka_unit_test(test_fast_child_not_timed_out),
		cmocka_unit_test(test_arguments_are_literal),
		cmocka_unit_test(test_extra_env),
		cmocka_unit_test(test_working_directory),
		cmocka_unit_test(test_no_descriptor_leaks),
		cmocka_unit_test(test_tmpdir_and_rmtree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
