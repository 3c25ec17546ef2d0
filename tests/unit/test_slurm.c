/*
 * test_slurm.c - the Slurm driver without a cluster: the batch script
 * (every argument literal, checked by running it through sh), the
 * submission body, the parsing of job records in slurmrestd v0.0.38's
 * shapes and in later versions', scontrol/squeue text, malformed answers,
 * and the failure policy against a scripted fake slurmrestd on a unix
 * socket (retries, no double submission, Slurm's verdicts not retried,
 * credential errors).
 */
#define _GNU_SOURCE
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../drivers/slurm.h"
#include "treqs/run.h"
#include "treqs/yaml.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The request log of the fake slurmrestd serving the current test, if any. */
static const char *fake_log;
static pid_t fake_pid;

static void show_fake_log(void)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	int st;

	if (fake_pid > 0 && waitpid(fake_pid, &st, WNOHANG) == fake_pid)
		print_error("the fake slurmrestd ended: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
			    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));

	if (fake_log && treqs_read_file(&b, fake_log, 0) == 0)
		print_error("the fake slurmrestd saw:\n%s\n", treqs_buf_cstr(&b));
	treqs_buf_free(&b);
}

/* Asserts that a call succeeded, showing treqs' message (and the fake's log) when it did not. */
#define assert_ok(e)                                                                   \
	do {                                                                           \
		int r_ = (e);                                                          \
		if (r_ != 0) {                                                         \
			show_fake_log();                                               \
			fail_msg("%s returned %d: %s", #e, r_, treqs_error_msg());     \
		}                                                                      \
	} while (0)

static json_t *J(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (!j)
		fail_msg("bad JSON in the test: %s: %s", err.text, text);
	return j;
}

static struct treqs_job_spec base_spec(void)
{
	static const char *const argv[] = {"python3", "train.py", "--epochs", "40", NULL};
	static const char *const env[] = {"SEED=1", "TREQS_OUTPUT_DIR=/jobs/TR-0001-abcdef0/output", NULL};
	struct treqs_job_spec s;

	memset(&s, 0, sizeof(s));
	s.tr_id = "TR-0001";
	s.digest = "abcdef0123";
	s.name = "TR-0001-abcdef0";
	s.argv = argv;
	s.workdir = "/jobs/TR-0001-abcdef0/src";
	s.env = env;
	s.gpu_type = "A100";
	s.gpu_count = 2;
	s.time_limit = 3600;
	s.output_dir = "/jobs/TR-0001-abcdef0/output";
	s.state_dir = "/jobs/TR-0001-abcdef0";
	return s;
}

/* ---- the script ---- */

static void test_quote(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain", "'plain'"},
		{"", "''"},
		{"it's", "'it'\\''s'"},
		{"'", "''\\'''"},
		{"$(rm -rf /) `id` ${HOME} $HOME", "'$(rm -rf /) `id` ${HOME} $HOME'"},
		{"a;b&&c||d|e>f<g", "'a;b&&c||d|e>f<g'"},
		{"two\nlines", "'two\nlines'"},
		{"\"dq\" \\ * ? [a] ~ #", "'\"dq\" \\ * ? [a] ~ #'"},
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(cases); i++) {
		struct treqs_buf b = TREQS_BUF_INIT;
		treqs_slurm_quote(&b, cases[i].in);
		assert_buf_equal(&b, cases[i].out);
		treqs_buf_free(&b);
	}
}

static void test_script_text(void **state)
{
	struct treqs_job_spec s = base_spec();
	struct treqs_buf b = TREQS_BUF_INIT;

	assert_int_equal(treqs_slurm_script(&b, &s), 0);
	assert_buf_equal(&b, "#!/bin/sh\n"
			     "# treqs job TR-0001-abcdef0\n"
			     "cd '/jobs/TR-0001-abcdef0/src' || exit 127\n"
			     "exec 'python3' 'train.py' '--epochs' '40'\n");
	treqs_buf_free(&b);

	s.name = "evil\ntouch x";
	assert_int_equal(treqs_slurm_script(&b, &s), 0);
	assert_non_null(strstr(b.ptr, "# treqs job evil?touch?x\ncd "));
	treqs_buf_free(&b);
	s.argv = ARGV("-x");
	assert_int_equal(treqs_slurm_script(&b, &s), TREQS_EINVALID);
	assert_non_null(strstr(treqs_error_msg(), "starts with '-'"));
	treqs_buf_free(&b);
	s.argv = ARGV(NULL);
	assert_int_equal(treqs_slurm_script(&b, &s), TREQS_EINVALID);
	treqs_buf_free(&b);
	s.argv = NULL;
	assert_int_equal(treqs_slurm_script(&b, &s), TREQS_EINVALID);
	treqs_buf_free(&b);
}

/* The script, run by sh, hands every argument to the program unchanged. */
static void test_script_arguments_are_literal(void **state)
{
	const char *const args[] = {"printf",
				    "[%s]\\n",
				    "$(touch pwned1)",
				    "`touch pwned2`",
				    "; touch pwned3",
				    "it's",
				    "'; touch pwned4; '",
				    "a\nb",
				    "\n#SBATCH --uid=0",
				    "*",
				    "${HOME:?x}",
				    "\\'",
				    "",
				    "!! ~ & | > out",
				    NULL};
	struct treqs_job_spec s = base_spec();
	struct treqs_buf b = TREQS_BUF_INIT, want = TREQS_BUF_INIT;
	struct treqs_cmd cmd = {0};
	char *dir = NULL, *file;
	size_t i;

	assert_int_equal(treqs_tmpdir(&dir), 0);
	s.workdir = dir;
	s.argv = args;
	assert_int_equal(treqs_slurm_script(&b, &s), 0);
	file = xasprintf("%s/job.sh", dir);
	assert_int_equal(treqs_write_file(file, b.ptr, b.len), 0);
	/* #SBATCH lines are only read before the first command */
	{
		const char *cmdline = strstr(b.ptr, "\ncd ");
		const char *sb = strstr(b.ptr, "#SBATCH");
		assert_non_null(cmdline);
		assert_non_null(sb);
		assert_true(sb > cmdline);
	}
	cmd.argv = ARGV("sh", file);
	cmd.capture_out = cmd.capture_err = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	for (i = 2; args[i]; i++)
		treqs_buf_printf(&want, "[%s]\n", args[i]);
	assert_buf_equal(&cmd.out, want.ptr);
	for (i = 1; i <= 4; i++) {
		char *p = xasprintf("%s/pwned%zu", dir, i);
		assert_int_equal(access(p, F_OK), -1);
		free(p);
	}
	{
		char *p = xasprintf("%s/out", dir);
		assert_int_equal(access(p, F_OK), -1);
		free(p);
	}
	treqs_cmd_clear(&cmd);

	/* a working directory that is gone fails the job instead of running elsewhere */
	treqs_buf_free(&b);
	s.workdir = "/nonexistent/treqs-test";
	s.argv = ARGV("true");
	assert_int_equal(treqs_slurm_script(&b, &s), 0);
	assert_int_equal(treqs_write_file(file, b.ptr, b.len), 0);
	cmd.argv = ARGV("sh", file);
	cmd.capture_out = cmd.capture_err = 1;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 127);
	treqs_cmd_clear(&cmd);

	treqs_buf_free(&b);
	treqs_buf_free(&want);
	free(file);
	treqs_rmtree(dir);
	free(dir);
}

static void test_minutes(void **state)
{
	assert_int_equal(treqs_slurm_minutes(0), 0);
	assert_int_equal(treqs_slurm_minutes(-5), 0);
	assert_int_equal(treqs_slurm_minutes(0.001), 1);
	assert_int_equal(treqs_slurm_minutes(1), 1);
	assert_int_equal(treqs_slurm_minutes(59.9), 1);
	assert_int_equal(treqs_slurm_minutes(60), 1);
	assert_int_equal(treqs_slurm_minutes(60.5), 2);
	assert_int_equal(treqs_slurm_minutes(180), 3);  /* hours: 0.05 */
	assert_int_equal(treqs_slurm_minutes(3600), 60);
	assert_int_equal(treqs_slurm_minutes(0.0 / 0.0), 0);
	assert_true(treqs_slurm_minutes(1e300) > 0);
}

static void test_gres(void **state)
{
	struct treqs_job_spec s = base_spec();
	struct treqs_slurm_opts o;
	char *g;

	memset(&o, 0, sizeof(o));
	assert_null(treqs_slurm_gres(&s, &o)); /* the cluster has no GPUs configured */
	o.gpus = 1;
	o.gres_type = "a100";
	assert_string_equal((g = treqs_slurm_gres(&s, &o)), "gpu:a100:2");
	free(g);
	o.gres_type = "";
	assert_string_equal((g = treqs_slurm_gres(&s, &o)), "gpu:2");
	free(g);
	o.gres_type = "any";
	assert_string_equal((g = treqs_slurm_gres(&s, &o)), "gpu:2");
	free(g);
	s.gpu_count = 0;
	assert_null(treqs_slurm_gres(&s, &o));
}

static void test_comment(void **state)
{
	struct treqs_job_spec s = base_spec();
	char *c;

	s.max_restarts = 3;
	c = treqs_slurm_comment(&s);
	assert_null(strchr(c, ' '));
	assert_int_equal(treqs_slurm_comment_restarts(c), 3);
	free(c);
	assert_int_equal(treqs_slurm_comment_restarts(NULL), -1);
	assert_int_equal(treqs_slurm_comment_restarts(""), -1);
	assert_int_equal(treqs_slurm_comment_restarts("someone else's"), -1);
	assert_int_equal(treqs_slurm_comment_restarts("treqs;max_restarts=x"), -1);
	assert_int_equal(treqs_slurm_comment_restarts("treqs;max_restarts=2;more"), 2);
}

static void test_submit_body_v38(void **state)
{
	struct treqs_job_spec s = base_spec();
	struct treqs_slurm_opts o;
	json_t *b, *job, *env;
	const char *script;

	memset(&o, 0, sizeof(o));
	o.api = "v0.0.38";
	o.partition = "debug";
	o.base_env = ARGV("PATH=/usr/bin:/bin", "SEED=0");
	o.log_path = "/jobs/TR-0001-abcdef0/output.log";
	assert_int_equal(treqs_slurm_submit_body(&b, &s, &o), 0);
	script = json_string_value(json_object_get(b, "script"));
	assert_non_null(script);
	assert_non_null(strstr(script, "exec 'python3' 'train.py' '--epochs' '40'\n"));
	job = json_object_get(b, "job");
	assert_string_equal(json_string_value(json_object_get(job, "name")), "TR-0001-abcdef0");
	assert_string_equal(json_string_value(json_object_get(job, "current_working_directory")),
			    "/jobs/TR-0001-abcdef0/src");
	assert_string_equal(json_string_value(json_object_get(job, "standard_output")), "/jobs/TR-0001-abcdef0/output.log");
	assert_string_equal(json_string_value(json_object_get(job, "standard_error")), "/jobs/TR-0001-abcdef0/output.log");
	assert_string_equal(json_string_value(json_object_get(job, "open_mode")), "append");
	assert_string_equal(json_string_value(json_object_get(job, "partition")), "debug");
	assert_int_equal(json_integer_value(json_object_get(job, "time_limit")), 60);
	assert_true(json_is_false(json_object_get(job, "requeue")));
	assert_null(json_object_get(job, "gres")); /* gpus: false */
	assert_null(json_object_get(job, "account"));
	assert_int_equal(treqs_slurm_comment_restarts(json_string_value(json_object_get(job, "comment"))), 0);
	env = json_object_get(job, "environment");
	assert_true(json_is_object(env)); /* v0.0.38 refuses the list form */
	assert_string_equal(json_string_value(json_object_get(env, "PATH")), "/usr/bin:/bin");
	assert_string_equal(json_string_value(json_object_get(env, "SEED")), "1"); /* the spec's wins */
	assert_string_equal(json_string_value(json_object_get(env, "TREQS_OUTPUT_DIR")), "/jobs/TR-0001-abcdef0/output");
	json_decref(b);

	/* GPUs when the cluster has them; requeue when restarts are allowed; no limit */
	o.gpus = 1;
	o.gres_type = "a100";
	o.account = "ml";
	o.qos = "high";
	s.max_restarts = 2;
	s.time_limit = 0;
	o.log_path = "/data/100%/output.log";
	o.base_env = NULL;
	s.env = NULL;
	assert_int_equal(treqs_slurm_submit_body(&b, &s, &o), 0);
	job = json_object_get(b, "job");
	assert_string_equal(json_string_value(json_object_get(job, "gres")), "gpu:a100:2");
	assert_string_equal(json_string_value(json_object_get(job, "account")), "ml");
	assert_string_equal(json_string_value(json_object_get(job, "qos")), "high");
	assert_true(json_is_true(json_object_get(job, "requeue")));
	assert_null(json_object_get(job, "time_limit"));
	assert_string_equal(json_string_value(json_object_get(job, "standard_output")), "/data/100%%/output.log");
	/* never empty: slurmrestd refuses that */
	assert_non_null(json_string_value(json_object_get(json_object_get(job, "environment"), "PATH")));
	json_decref(b);

	/* names must stay plain */
	s.name = "TR-0001 x";
	assert_int_equal(treqs_slurm_submit_body(&b, &s, &o), TREQS_EINVALID);
	assert_null(b);
	s.name = "TR-0001-abcdef0";
	s.env = ARGV("BAD");
	assert_int_equal(treqs_slurm_submit_body(&b, &s, &o), TREQS_EINVALID);
	assert_null(b);
}

static void test_submit_body_later_versions(void **state)
{
	struct treqs_job_spec s = base_spec();
	struct treqs_slurm_opts o;
	json_t *b, *env;

	memset(&o, 0, sizeof(o));
	o.api = "v0.0.40";
	o.base_env = ARGV("PATH=/bin", "SEED=0");
	o.log_path = "/x/output.log";
	assert_int_equal(treqs_slurm_submit_body(&b, &s, &o), 0);
	env = json_object_get(json_object_get(b, "job"), "environment");
	assert_true(json_is_array(env));
	assert_int_equal(json_array_size(env), 3);
	assert_string_equal(json_string_value(json_array_get(env, 0)), "PATH=/bin");
	assert_string_equal(json_string_value(json_array_get(env, 1)), "SEED=1");
	json_decref(b);
}

/* ---- job records ---- */

struct rec_case {
	const char *json;
	enum treqs_job_state state;
	int exit_code;
	double start, end;
	unsigned restarts;
	const char *detail; /* a substring, or NULL */
};

static void check_records(const struct rec_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct treqs_job_status st;
		json_t *j = J(c[i].json);
		long mr;
		int ret = treqs_slurm_parse_job(&st, &mr, NULL, j, "GET /job/7");

		if (ret != 0)
			fail_msg("case %zu: %s: %s", i, c[i].json, treqs_error_msg());
		if (st.state != c[i].state || st.exit_code != c[i].exit_code || st.start_time != c[i].start ||
		    st.end_time != c[i].end || st.restarts != c[i].restarts ||
		    (c[i].detail && !strstr(st.detail, c[i].detail)))
			fail_msg("case %zu: %s\n got state %s exit %d start %.0f end %.0f restarts %u detail '%s'", i,
				 c[i].json, treqs_job_state_name(st.state), st.exit_code, st.start_time, st.end_time,
				 st.restarts, st.detail);
		json_decref(j);
	}
}

static void test_records_v38(void **state)
{
	/* shapes and values observed on the test cluster (tests/slurm/API-NOTES.md) */
	static const struct rec_case c[] = {
		{"{\"job_id\":2,\"job_state\":\"PENDING\",\"state_reason\":\"Priority\",\"exit_code\":0,"
		 "\"start_time\":1795437400,\"end_time\":1795437700,\"restart_cnt\":0}",
		 TREQS_JOB_PENDING, -1, 0, 0, 0, "Priority"},
		{"{\"job_id\":2,\"job_state\":\"RUNNING\",\"state_reason\":\"None\",\"exit_code\":0,"
		 "\"start_time\":1795437378,\"end_time\":1795437678}",
		 TREQS_JOB_RUNNING, -1, 1795437378, 0, 0, ""},
		{"{\"job_state\":\"COMPLETED\",\"state_reason\":\"None\",\"exit_code\":0,"
		 "\"start_time\":1795437378,\"end_time\":1795437380}",
		 TREQS_JOB_SUCCEEDED, 0, 1795437378, 1795437380, 0, NULL},
		{"{\"job_state\":\"FAILED\",\"state_reason\":\"NonZeroExitCode\",\"exit_code\":768,"
		 "\"start_time\":10,\"end_time\":20}",
		 TREQS_JOB_FAILED, 3, 10, 20, 0, "exited with status 3"},
		{"{\"job_state\":\"FAILED\",\"state_reason\":\"JobLaunchFailure\",\"exit_code\":10,"
		 "\"start_time\":10,\"end_time\":11}",
		 TREQS_JOB_FAILED, -1, 10, 11, 0, "could not launch"},
		{"{\"job_state\":\"FAILED\",\"state_reason\":\"JobLaunchFailure\",\"exit_code\":4021,"
		 "\"start_time\":10,\"end_time\":11}",
		 TREQS_JOB_FAILED, -1, 10, 11, 0, "could not launch"},
		{"{\"job_state\":\"FAILED\",\"state_reason\":\"None\",\"exit_code\":9,\"start_time\":10,\"end_time\":11}",
		 TREQS_JOB_FAILED, 137, 10, 11, 0, "killed by signal 9"},
		{"{\"job_state\":\"FAILED\",\"state_reason\":\"BadConstraints\",\"exit_code\":0,\"start_time\":0,"
		 "\"end_time\":1795437380}",
		 TREQS_JOB_FAILED, -1, 0, 1795437380, 0, "refused"},
		{"{\"job_state\":\"CANCELLED\",\"state_reason\":\"None\",\"exit_code\":15,\"start_time\":10,"
		 "\"end_time\":30}",
		 TREQS_JOB_CANCELLED, 143, 10, 30, 0, "cancelled"},
		{"{\"job_state\":\"COMPLETING\",\"state_reason\":\"None\",\"exit_code\":15,\"start_time\":10,"
		 "\"end_time\":30}",
		 TREQS_JOB_RUNNING, -1, 10, 0, 0, "ending"},
		{"{\"job_state\":\"TIMEOUT\",\"state_reason\":\"TimeLimit\",\"exit_code\":15,\"start_time\":10,"
		 "\"end_time\":78}",
		 TREQS_JOB_TIMEOUT, 143, 10, 78, 0, "time limit"},
		{"{\"job_state\":\"REQUEUED\",\"state_reason\":\"None\",\"exit_code\":0,\"start_time\":10,"
		 "\"end_time\":30,\"restart_cnt\":1}",
		 TREQS_JOB_PENDING, -1, 0, 0, 1, "requeued 1 time"},
		{"{\"job_state\":\"PENDING\",\"state_reason\":\"BeginTime\",\"exit_code\":0,\"start_time\":1795438933,"
		 "\"end_time\":6090406169,\"restart_cnt\":2}",
		 TREQS_JOB_PENDING, -1, 0, 0, 2, "requeued 2 times"},
		{"{\"job_state\":\"NODE_FAIL\",\"state_reason\":\"NodeDown\",\"exit_code\":0,\"start_time\":10,"
		 "\"end_time\":30}",
		 TREQS_JOB_LOST, 0, 10, 30, 0, "node failed"},
		{"{\"job_state\":\"OUT_OF_MEMORY\",\"state_reason\":\"OutOfMemory\",\"exit_code\":9,\"start_time\":10,"
		 "\"end_time\":30}",
		 TREQS_JOB_FAILED, 137, 10, 30, 0, "out of memory"},
		{"{\"job_state\":\"PREEMPTED\",\"exit_code\":15,\"start_time\":10,\"end_time\":30}", TREQS_JOB_FAILED, 143,
		 10, 30, 0, "preempted"},
		{"{\"job_state\":\"SUSPENDED\",\"exit_code\":0,\"start_time\":10,\"end_time\":30}", TREQS_JOB_RUNNING, -1,
		 10, 0, 0, "suspended"},
		/* fields Slurm did not set come back as null */
		{"{\"job_state\":\"PENDING\",\"state_reason\":null,\"exit_code\":null,\"start_time\":null,"
		 "\"end_time\":null,\"restart_cnt\":null}",
		 TREQS_JOB_PENDING, -1, 0, 0, 0, NULL},
	};

	check_records(c, TREQS_ARRAY_SIZE(c));
}

static void test_records_later_versions(void **state)
{
	static const struct rec_case c[] = {
		/* v0.0.40: job_state a list, numbers {set, infinite, number}, exit_code an object */
		{"{\"job_state\":[\"COMPLETED\"],\"exit_code\":{\"status\":[\"SUCCESS\"],\"return_code\":"
		 "{\"set\":true,\"infinite\":false,\"number\":0}},\"start_time\":{\"set\":true,\"infinite\":false,"
		 "\"number\":100},\"end_time\":{\"set\":true,\"infinite\":false,\"number\":160},"
		 "\"restart_cnt\":{\"set\":true,\"infinite\":false,\"number\":0}}",
		 TREQS_JOB_SUCCEEDED, 0, 100, 160, 0, NULL},
		{"{\"job_state\":[\"FAILED\"],\"state_reason\":\"NonZeroExitCode\",\"exit_code\":{\"status\":[\"EXITED\"],"
		 "\"return_code\":{\"set\":true,\"infinite\":false,\"number\":3},\"signal\":{\"id\":{\"set\":false,"
		 "\"infinite\":false,\"number\":0},\"name\":\"\"}},\"start_time\":{\"set\":true,\"number\":100},"
		 "\"end_time\":{\"set\":true,\"number\":110}}",
		 TREQS_JOB_FAILED, 3, 100, 110, 0, "exited with status 3"},
		{"{\"job_state\":[\"CANCELLED\"],\"exit_code\":{\"status\":[\"SIGNALED\"],\"return_code\":"
		 "{\"set\":true,\"number\":0},\"signal\":{\"id\":{\"set\":true,\"infinite\":false,\"number\":15},"
		 "\"name\":\"TERM\"}},\"start_time\":{\"set\":true,\"number\":100},\"end_time\":{\"set\":true,"
		 "\"number\":130}}",
		 TREQS_JOB_CANCELLED, 143, 100, 130, 0, "cancelled"},
		/* a flag next to the base state */
		{"{\"job_state\":[\"CANCELLED\",\"COMPLETING\"],\"exit_code\":{\"status\":\"SIGNALED\",\"signal\":"
		 "{\"signal_id\":15}},\"start_time\":100,\"end_time\":130}",
		 TREQS_JOB_RUNNING, -1, 100, 0, 0, "ending"},
		{"{\"job_state\":[\"PENDING\",\"REQUEUED\"],\"exit_code\":{\"status\":[\"PENDING\"]},"
		 "\"start_time\":{\"set\":true,\"number\":500},\"end_time\":{\"set\":false,\"infinite\":false,"
		 "\"number\":0},\"restart_cnt\":{\"set\":true,\"number\":1}}",
		 TREQS_JOB_PENDING, -1, 0, 0, 1, "requeued"},
		{"{\"job_state\":[\"RUNNING\",\"CONFIGURING\"],\"start_time\":{\"set\":true,\"number\":500},"
		 "\"end_time\":{\"set\":true,\"infinite\":true,\"number\":0}}",
		 TREQS_JOB_RUNNING, -1, 500, 0, 0, NULL},
		{"{\"job_state\":[\"TIMEOUT\"],\"exit_code\":{\"status\":\"SIGNALED\",\"return_code\":0,"
		 "\"signal\":{\"signal_id\":15,\"name\":\"SIGTERM\"}},\"start_time\":1,\"end_time\":61}",
		 TREQS_JOB_TIMEOUT, 143, 1, 61, 0, "time limit"},
		/* v0.0.39: exit_code {status, return_code} with plain numbers */
		{"{\"job_state\":\"COMPLETED\",\"exit_code\":{\"status\":\"EXITED\",\"return_code\":0},"
		 "\"start_time\":5,\"end_time\":6}",
		 TREQS_JOB_SUCCEEDED, 0, 5, 6, 0, NULL},
		{"{\"job_state\":[\"NODE_FAIL\"],\"exit_code\":{\"status\":[\"CORE_DUMPED\"],\"signal\":{\"id\":"
		 "{\"set\":true,\"number\":11}}},\"start_time\":5,\"end_time\":6}",
		 TREQS_JOB_LOST, 139, 5, 6, 0, "node failed"},
		/* flags Slurm may add that do not change the outcome */
		{"{\"job_state\":[\"COMPLETED\",\"UPDATE_DB\"],\"exit_code\":0,\"start_time\":5,\"end_time\":6}",
		 TREQS_JOB_SUCCEEDED, 0, 5, 6, 0, NULL},
	};

	check_records(c, TREQS_ARRAY_SIZE(c));
}

static void test_record_comment_and_output(void **state)
{
	json_t *j = J("{\"job_state\":\"RUNNING\",\"comment\":\"treqs;max_restarts=2\",\"standard_output\":"
		      "\"/jobs/x/output.log\",\"start_time\":5}");
	struct treqs_job_status st;
	char *out = NULL;
	long mr;

	assert_int_equal(treqs_slurm_parse_job(&st, &mr, &out, j, "GET /job/1"), 0);
	assert_int_equal(mr, 2);
	assert_string_equal(out, "/jobs/x/output.log");
	free(out);
	json_decref(j);
	j = J("{\"job_state\":[\"RUNNING\"],\"comment\":{\"job\":\"treqs;max_restarts=1\",\"system\":\"\"}}");
	assert_int_equal(treqs_slurm_parse_job(&st, &mr, &out, j, "GET /job/1"), 0);
	assert_int_equal(mr, 1);
	assert_null(out);
	json_decref(j);
	j = J("{\"job_state\":\"RUNNING\",\"comment\":\"\"}");
	assert_int_equal(treqs_slurm_parse_job(&st, &mr, NULL, j, "GET /job/1"), 0);
	assert_int_equal(mr, -1);
	json_decref(j);
}

/* A malformed record is an error naming the field, never a crash or a guess. */
static void test_malformed_records(void **state)
{
	static const struct {
		const char *json, *field;
	} c[] = {
		{"{}", "'job_state'"},
		{"{\"job_state\":null}", "'job_state'"},
		{"{\"job_state\":42}", "'job_state'"},
		{"{\"job_state\":[]}", "'job_state'"},
		{"{\"job_state\":[\"RUNNING\",7]}", "'job_state'"},
		{"{\"job_state\":\"EXPLODED\"}", "job_state 'EXPLODED'"},
		{"{\"job_state\":[\"WEIRD_FLAG\"]}", "job_state 'WEIRD_FLAG'"},
		{"{\"job_state\":\"RUNNING\",\"state_reason\":5}", "'state_reason'"},
		{"{\"job_state\":\"RUNNING\",\"exit_code\":\"0\"}", "'exit_code'"},
		{"{\"job_state\":\"RUNNING\",\"exit_code\":{\"status\":5}}", "'exit_code.status'"},
		{"{\"job_state\":\"RUNNING\",\"exit_code\":{\"status\":\"SIGNALED\",\"signal\":7}}", "'exit_code.signal'"},
		{"{\"job_state\":\"RUNNING\",\"exit_code\":{\"status\":\"EXITED\",\"return_code\":\"x\"}}",
		 "'exit_code.return_code'"},
		{"{\"job_state\":\"RUNNING\",\"start_time\":\"yesterday\"}", "'start_time'"},
		{"{\"job_state\":\"RUNNING\",\"end_time\":{\"set\":\"yes\",\"number\":1}}", "'end_time'"},
		{"{\"job_state\":\"RUNNING\",\"end_time\":{\"set\":true,\"number\":\"1\"}}", "'end_time'"},
		{"{\"job_state\":\"RUNNING\",\"restart_cnt\":[1]}", "'restart_cnt'"},
		{"[1,2]", "'jobs[]'"},
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(c); i++) {
		struct treqs_job_status st;
		json_t *j = J(c[i].json);
		long mr;
		int ret = treqs_slurm_parse_job(&st, &mr, NULL, j, "GET /job/7");

		if (ret != TREQS_EENV || !strstr(treqs_error_msg(), c[i].field) || !strstr(treqs_error_msg(), "GET /job/7"))
			fail_msg("case %zu: %s: got %d '%s', want an error naming %s", i, c[i].json, ret, treqs_error_msg(),
				 c[i].field);
		json_decref(j);
		treqs_error_clear();
	}
}

static void test_job_from_response(void **state)
{
	const json_t *job;
	json_t *r = J("{\"meta\":{},\"errors\":[],\"jobs\":[{\"job_id\":6,\"job_state\":\"RUNNING\"},"
		      "{\"job_id\":7,\"job_state\":\"COMPLETED\"}]}");

	assert_int_equal(treqs_slurm_job_from_response(&job, r, "7", "GET /job/7"), 0);
	assert_string_equal(json_string_value(json_object_get(job, "job_state")), "COMPLETED");
	assert_int_equal(treqs_slurm_job_from_response(&job, r, "8", "GET /job/8"), TREQS_ENOTFOUND);
	json_decref(r);

	r = J("{\"jobs\":{}}");
	assert_int_equal(treqs_slurm_job_from_response(&job, r, "7", "GET /job/7"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'jobs'"));
	json_decref(r);
	r = J("{\"errors\":[]}");
	assert_int_equal(treqs_slurm_job_from_response(&job, r, "7", "GET /job/7"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'jobs'"));
	json_decref(r);
	r = J("[]");
	assert_int_equal(treqs_slurm_job_from_response(&job, r, "7", "GET /job/7"), TREQS_EENV);
	json_decref(r);
	r = J("{\"jobs\":[{\"job_state\":\"RUNNING\"}]}");
	assert_int_equal(treqs_slurm_job_from_response(&job, r, "7", "GET /job/7"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'jobs[].job_id'"));
	json_decref(r);
	r = J("{\"jobs\":[\"7\"]}");
	assert_int_equal(treqs_slurm_job_from_response(&job, r, "7", "GET /job/7"), TREQS_EENV);
	json_decref(r);
	/* a job id written as a string (some versions) */
	r = J("{\"jobs\":[{\"job_id\":\"7\",\"job_state\":\"RUNNING\"}]}");
	assert_int_equal(treqs_slurm_job_from_response(&job, r, "7", "GET /job/7"), 0);
	json_decref(r);
	treqs_error_clear();
}

static void test_find_in_jobs(void **state)
{
	char *id = NULL;
	json_t *r;

	/* duplicates: the live one wins over newer finished or refused ones */
	r = J("{\"jobs\":["
	      "{\"job_id\":3,\"name\":\"TR-0001-abcdef0\",\"job_state\":\"COMPLETED\",\"start_time\":1,\"exit_code\":0,"
	      "\"comment\":\"treqs;max_restarts=0\"},"
	      "{\"job_id\":4,\"name\":\"TR-0001-abcdef0\",\"job_state\":\"RUNNING\",\"start_time\":2,"
	      "\"comment\":\"treqs;max_restarts=0\"},"
	      "{\"job_id\":5,\"name\":\"TR-0001-abcdef0\",\"job_state\":\"FAILED\",\"state_reason\":\"BadConstraints\","
	      "\"start_time\":0,\"comment\":\"treqs;max_restarts=0\"},"
	      "{\"job_id\":9,\"name\":\"other\",\"job_state\":\"RUNNING\",\"comment\":\"treqs;max_restarts=0\"},"
	      "{\"job_id\":10,\"name\":null,\"job_state\":\"RUNNING\"}]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "TR-0001-abcdef0", NULL, "GET /jobs"), 0);
	assert_string_equal(id, "4");
	free(id);
	json_decref(r);

	/* finished ones: the newest; a refused submission is not a job */
	r = J("{\"jobs\":["
	      "{\"job_id\":3,\"name\":\"N\",\"job_state\":\"FAILED\",\"start_time\":1,\"exit_code\":768,"
	      "\"comment\":\"treqs;max_restarts=0\"},"
	      "{\"job_id\":12,\"name\":\"N\",\"job_state\":\"CANCELLED\",\"start_time\":5,\"exit_code\":15,"
	      "\"comment\":{\"job\":\"treqs;max_restarts=0\"}},"
	      "{\"job_id\":20,\"name\":\"N\",\"job_state\":\"FAILED\",\"start_time\":0,\"exit_code\":0,"
	      "\"comment\":\"treqs;max_restarts=0\"}]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), 0);
	assert_string_equal(id, "12");
	free(id);
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "M", NULL, "GET /jobs"), TREQS_ENOTFOUND);
	assert_null(id);
	json_decref(r);

	/* someone else's job of that name (no treqs comment, or another user) is not ours */
	r = J("{\"jobs\":["
	      "{\"job_id\":30,\"name\":\"N\",\"job_state\":\"RUNNING\",\"comment\":\"\",\"user_name\":\"alice\"},"
	      "{\"job_id\":31,\"name\":\"N\",\"job_state\":\"RUNNING\",\"user_name\":\"alice\"},"
	      "{\"job_id\":32,\"name\":\"N\",\"job_state\":\"RUNNING\",\"comment\":\"treqs;max_restarts=0\","
	      "\"user_name\":\"mallory\"},"
	      "{\"job_id\":29,\"name\":\"N\",\"job_state\":\"COMPLETED\",\"start_time\":3,\"comment\":"
	      "\"treqs;max_restarts=0\",\"user_name\":\"alice\"}]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", "alice", "GET /jobs"), 0);
	assert_string_equal(id, "29");
	free(id);
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), 0);
	assert_string_equal(id, "32");
	free(id);
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", "bob", "GET /jobs"), TREQS_ENOTFOUND);
	json_decref(r);

	r = J("{\"jobs\":[{\"job_id\":20,\"name\":\"N\",\"job_state\":\"FAILED\",\"state_reason\":\"BadConstraints\","
	      "\"start_time\":0,\"comment\":\"treqs;max_restarts=0\"}]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), TREQS_ENOTFOUND);
	json_decref(r);

	r = J("{\"jobs\":[]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), TREQS_ENOTFOUND);
	json_decref(r);

	r = J("{\"jobs\":[{\"name\":\"N\",\"job_state\":\"RUNNING\",\"comment\":\"treqs;max_restarts=0\"}]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'jobs[].job_id'"));
	json_decref(r);
	r = J("{\"jobs\":[{\"job_id\":1,\"name\":\"N\",\"job_state\":5,\"comment\":\"treqs;max_restarts=0\"}]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'job_state'"));
	json_decref(r);
	r = J("{\"jobs\":[7]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'jobs[]'"));
	json_decref(r);
	r = J("{\"jobz\":[]}");
	assert_int_equal(treqs_slurm_find_in_jobs(&id, r, "N", NULL, "GET /jobs"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'jobs'"));
	json_decref(r);
	treqs_error_clear();
}

static void test_errors(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	int nf;
	json_t *r;

	r = J("{\"meta\":{},\"jobs\":[],\"errors\":[{\"description\":\"Unable to find JobId=9999\","
	      "\"error_number\":2017,\"error\":\"Invalid job id specified\",\"source\":\"slurm_load_job\"}]}");
	assert_int_equal(treqs_slurm_errors(&b, r, &nf), 2017);
	assert_int_equal(nf, 1);
	assert_buf_equal(&b, "Invalid job id specified (2017): Unable to find JobId=9999");
	treqs_buf_free(&b);
	json_decref(r);

	r = J("{\"errors\":[{\"error\":\"environment must be set\",\"error_code\":2127},"
	      "{\"error_code\":9001,\"error\":\"Failure during parsing\"}]}");
	assert_int_equal(treqs_slurm_errors(&b, r, &nf), 2127);
	assert_int_equal(nf, 0);
	assert_buf_equal(&b, "environment must be set (2127); Failure during parsing (9001)");
	treqs_buf_free(&b);
	json_decref(r);

	r = J("{\"errors\":[5, \"x\", {}]}");
	assert_int_equal(treqs_slurm_errors(&b, r, &nf), 0);
	treqs_buf_free(&b);
	json_decref(r);
	r = J("{\"errors\":7}");
	assert_int_equal(treqs_slurm_errors(&b, r, &nf), 0);
	assert_int_equal(b.len, 0);
	json_decref(r);
}

/* ---- the command line's text ---- */

static void test_scontrol(void **state)
{
	/* as printed on the test cluster */
	static const char running[] =
		"JobId=2 JobName=clitest UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901758 Nice=0 "
		"Account=(null) QOS=(null) JobState=RUNNING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 "
		"Reboot=0 ExitCode=0:0 RunTime=00:00:00 TimeLimit=00:01:00 TimeMin=N/A SubmitTime=2026-11-23T12:57:36 "
		"EligibleTime=2026-11-23T12:57:36 AccrueTime=2026-11-23T12:57:36 StartTime=2026-11-23T12:57:37 "
		"EndTime=2026-11-23T12:58:37 Deadline=N/A SuspendTime=None SecsPreSuspend=0 "
		"WorkDir=/tmp/slc/jobs StdErr=/tmp/slc/jobs/cli-2.out StdIn=/dev/null StdOut=/tmp/slc/jobs/cli-2.out Power= \n";
	static const char failed[] =
		"JobId=2 JobName=clitest UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 "
		"Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:02 TimeLimit=00:01:00 "
		"StartTime=2026-11-23T12:57:37 EndTime=2026-11-23T12:57:39 Comment=treqs;max_restarts=1 "
		"StdOut=/tmp/slc/jobs/cli-2.out Power= \n";
	static const char cancelled[] = "JobId=5 JobName=x JobState=CANCELLED Reason=None Restarts=2 ExitCode=0:15 "
					"StartTime=2026-11-23T12:57:37 EndTime=2026-11-23T12:57:39 StdOut=(null)\n";
	struct treqs_job_status st;
	char *out;
	long mr;

	assert_int_equal(treqs_slurm_parse_scontrol(&st, &mr, &out, running), 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	assert_int_equal(st.exit_code, -1);
	assert_true(st.start_time > 0);
	assert_true(st.end_time == 0);
	assert_int_equal(mr, -1);
	assert_string_equal(out, "/tmp/slc/jobs/cli-2.out");
	free(out);

	assert_int_equal(treqs_slurm_parse_scontrol(&st, &mr, &out, failed), 0);
	assert_int_equal(st.state, TREQS_JOB_FAILED);
	assert_int_equal(st.exit_code, 3);
	assert_true(st.end_time - st.start_time == 2);
	assert_int_equal(mr, 1);
	assert_non_null(strstr(st.detail, "exited with status 3"));
	free(out);

	assert_int_equal(treqs_slurm_parse_scontrol(&st, &mr, &out, cancelled), 0);
	assert_int_equal(st.state, TREQS_JOB_CANCELLED);
	assert_int_equal(st.exit_code, 143);
	assert_int_equal(st.restarts, 2);
	assert_null(out);

	assert_int_equal(treqs_slurm_parse_scontrol(&st, &mr, &out, "slurm_load_jobs error: nonsense"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "JobState"));
	assert_int_equal(treqs_slurm_parse_scontrol(&st, &mr, &out, ""), TREQS_EENV);
	assert_int_equal(treqs_slurm_parse_scontrol(&st, &mr, &out, "JobId=1 JobState=MELTED"), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "MELTED"));
	/* a key inside another value does not count */
	assert_int_equal(treqs_slurm_parse_scontrol(&st, &mr, &out, "JobId=1 XJobState=FAILED JobState=RUNNING"), 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	free(out);
	treqs_error_clear();
}

static void test_squeue(void **state)
{
	char *id = NULL;

	assert_int_equal(treqs_slurm_find_in_squeue(&id,
						    "3 COMPLETED None treqs;max_restarts=0\n"
						    "4 RUNNING None treqs;max_restarts=0\n"
						    "5 FAILED BadConstraints treqs;max_restarts=0\n"
						    "6 RUNNING None (null)\n",
						    "N"),
			 0);
	assert_string_equal(id, "4");
	free(id);
	assert_int_equal(treqs_slurm_find_in_squeue(&id, "3 COMPLETED None treqs;max_restarts=1\n8 FAILED NonZeroExitCode "
							 "treqs;max_restarts=1\n",
						    "N"),
			 0);
	assert_string_equal(id, "8");
	free(id);
	/* not submitted by treqs */
	assert_int_equal(treqs_slurm_find_in_squeue(&id, "9 RUNNING None (null)\n10 RUNNING None\n", "N"), TREQS_ENOTFOUND);
	assert_int_equal(treqs_slurm_find_in_squeue(&id, "5 FAILED BadConstraints treqs;max_restarts=0\n", "N"),
			 TREQS_ENOTFOUND);
	assert_int_equal(treqs_slurm_find_in_squeue(&id, "", "N"), TREQS_ENOTFOUND);
	assert_int_equal(treqs_slurm_find_in_squeue(&id, "garbage\n\nx y z w\n", "N"), TREQS_ENOTFOUND);
	assert_null(id);
	treqs_error_clear();
}

/* ---- the driver against a scripted fake slurmrestd ---- */

struct fake {
	char *dir, *sock, *log;
	pid_t pid;
};

/* Reads one HTTP request from fd; appends "METHOD PATH\nBODY\n" to log. */
static void fake_read_request(int fd, FILE *log)
{
	char buf[65536];
	size_t n = 0;
	char *hdr_end = NULL, *cl;
	long len = 0;

	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (!hdr_end && (hdr_end = strstr(buf, "\r\n\r\n"))) {
			if ((cl = strcasestr(buf, "\r\nContent-Length:")))
				len = atol(cl + 17);
		}
		if (hdr_end && (long)(n - (size_t)(hdr_end + 4 - buf)) >= len)
			break;
	}
	buf[n] = '\0';
	{
		char method[16] = "", path[512] = "";
		sscanf(buf, "%15s %511s", method, path);
		fprintf(log, "%s %s\n%s\n", method, path, hdr_end ? hdr_end + 4 : "");
		fflush(log);
	}
}

/* Serves each connection with the next of responses ("STATUS BODY"), then exits. */
static void fake_start(struct fake *f, const char *const *responses)
{
	struct sockaddr_un sa;
	int lfd;

	memset(f, 0, sizeof(*f));
	assert_int_equal(treqs_tmpdir(&f->dir), 0);
	f->sock = xasprintf("%s/rest.sock", f->dir);
	f->log = xasprintf("%s/requests.log", f->dir);
	fake_log = f->log;
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	fflush(NULL);
	f->pid = fork();
	assert_true(f->pid >= 0);
	fake_pid = f->pid;
	if (f->pid == 0) {
		FILE *log = fopen(f->log, "a");
		size_t i;
		for (i = 0; responses[i]; i++) {
			int fd = accept(lfd, NULL, NULL);
			long status = atol(responses[i]);
			const char *body = strchr(responses[i], ' ');
			char *head;
			if (fd < 0) {
				fprintf(log, "FAKE: accept: %s\n", strerror(errno));
				fflush(log);
				_exit(1);
			}
			body = body ? body + 1 : "";
			fake_read_request(fd, log);
			head = xasprintf("HTTP/1.1 %ld X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
					 "Connection: close\r\n\r\n",
					 status, strlen(body));
			/* the client may close as soon as it has the whole answer: not an error */
			if (write(fd, head, strlen(head)) < 0 || (*body && write(fd, body, strlen(body)) < 0)) {
				fprintf(log, "FAKE: write: %s\n", strerror(errno));
				fflush(log);
			}
			free(head);
			close(fd);
			fprintf(log, "FAKE: served %zu\n", i + 1);
			fflush(log);
		}
		_exit(0);
	}
	close(lfd);
}

/* The requests the fake saw, after it served them all (or was stopped). */
static char *fake_stop(struct fake *f)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	int st, i;

	for (i = 0; i < 100 && waitpid(f->pid, &st, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 100) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &st, 0);
	}
	treqs_read_file(&b, f->log, 0);
	treqs_error_clear();
	fake_log = NULL;
	treqs_rmtree(f->dir);
	free(f->dir);
	free(f->sock);
	free(f->log);
	return b.ptr ? treqs_buf_detach(&b) : xstrdup("");
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

struct drv {
	struct treqs_ydoc *doc;
	struct treqs_driver *d;
};

/* Opens the driver with config text (yaml); "SOCK" stands for the socket path. */
static int drv_open(struct drv *x, const char *yaml, const char *sock)
{
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_buf b = TREQS_BUF_INIT;
	const char *p;
	int ret;

	for (p = yaml; *p; p++) {
		if (!strncmp(p, "SOCK", 4)) {
			treqs_buf_puts(&b, sock);
			p += 3;
		} else {
			treqs_buf_putc(&b, *p);
		}
	}
	memset(x, 0, sizeof(*x));
	assert_int_equal(treqs_yaml_parse(&x->doc, b.ptr, b.len, "config.yaml", NULL, &diags), 0);
	treqs_diags_free(&diags);
	treqs_buf_free(&b);
	ret = treqs_driver_slurm.open(&x->d, "slurm", x->doc->root);
	return ret;
}

static void drv_close(struct drv *x)
{
	if (x->d)
		x->d->ops->close(x->d);
	treqs_ydoc_free(x->doc);
}

#define CONF "type: slurm\nendpoint: unix:SOCK\nretries: 3\nbackoff_ms: 1\npartition: debug\n"

static void test_open_config(void **state)
{
	struct drv x;

	assert_int_equal(drv_open(&x, "type: slurm\n", ""), TREQS_EINVALID);
	assert_non_null(strstr(treqs_error_msg(), "no endpoint"));
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: ftp://x\n", ""), TREQS_EINVALID);
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: unix:relative.sock\n", ""), TREQS_EINVALID);
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: http://h:6820\ntoken: abc\n", ""), TREQS_EINVALID);
	assert_non_null(strstr(treqs_error_msg(), "must not be written in config.yaml"));
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: http://h:6820\ntoken_env: TREQS_TEST_NO_SUCH_VAR\n", ""),
			 TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "TREQS_TEST_NO_SUCH_VAR"));
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: cli\ngpus: maybe\n", ""), TREQS_EINVALID);
	assert_non_null(strstr(treqs_error_msg(), "drivers.slurm.gpus"));
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: cli\napi_version: 38\n", ""), TREQS_EINVALID);
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: cli\nretries: 1e30\n", ""), TREQS_EINVALID);
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: cli\ngpu_types: [a]\n", ""), TREQS_EINVALID);
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: cli\nexport_env: PATH\n", ""), TREQS_EINVALID);
	drv_close(&x);
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: cli\ngpus: true\ngpu_types: {A100: ''}\n", ""), 0);
	assert_string_equal(x.d->name, "slurm");
	assert_ptr_equal(x.d->ops, &treqs_driver_slurm);
	drv_close(&x);
	treqs_error_clear();
}

static void test_invalid_job_ids(void **state)
{
	struct treqs_job_status st;
	struct treqs_buf b = TREQS_BUF_INIT;
	struct drv x;

	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: unix:/nonexistent/s.sock\n", ""), 0);
	assert_int_equal(x.d->ops->poll(x.d, "../../etc", &st), TREQS_EINVALID);
	assert_int_equal(x.d->ops->poll(x.d, "", &st), TREQS_EINVALID);
	assert_int_equal(x.d->ops->cancel(x.d, "1; rm"), TREQS_EINVALID);
	assert_int_equal(x.d->ops->logs(x.d, "x", 100, &b), TREQS_EINVALID);
	assert_int_equal(x.d->ops->collect(x.d, "1/2", "/tmp"), TREQS_EINVALID);
	drv_close(&x);
	treqs_error_clear();
}

static void test_unreachable_is_retried_then_eenv(void **state)
{
	struct treqs_job_status st;
	struct drv x;
	char *dir = NULL, *sock;

	assert_int_equal(treqs_tmpdir(&dir), 0);
	sock = xasprintf("%s/nobody-listens.sock", dir);
	assert_int_equal(drv_open(&x, CONF, sock), 0);
	assert_int_equal(x.d->ops->poll(x.d, "5", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "slurm driver 'slurm'"));
	assert_non_null(strstr(treqs_error_msg(), "4 attempts"));
	drv_close(&x);
	treqs_rmtree(dir);
	free(sock);
	free(dir);
	treqs_error_clear();
}

static const char running_job[] =
	"200 {\"errors\":[],\"jobs\":[{\"job_id\":42,\"name\":\"TR-0001-abcdef0\",\"job_state\":\"RUNNING\","
	"\"state_reason\":\"None\",\"exit_code\":0,\"start_time\":100,\"end_time\":400,\"restart_cnt\":0,"
	"\"comment\":\"treqs;max_restarts=0\"}]}";

static void test_transient_5xx_retried(void **state)
{
	struct treqs_job_status st;
	struct fake f;
	struct drv x;
	char *log;

	fake_start(&f, ARGV("503 ", "500 {\"errors\":[{\"error_number\":1007,\"error\":\"Protocol authentication error\"}]}",
			    running_job));
	assert_int_equal(drv_open(&x, CONF, f.sock), 0);
	assert_ok(x.d->ops->poll(x.d, "42", &st));
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	assert_true(st.start_time == 100);
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "GET /slurm/v0.0.38/job/42\n"), 3);
	free(log);
}

static void test_unknown_job_not_retried(void **state)
{
	struct treqs_job_status st;
	struct fake f;
	struct drv x;
	char *log;
	static const char unknown[] =
		"500 {\"jobs\":[],\"errors\":[{\"description\":\"Unable to find JobId=9999\",\"error_number\":2017,"
		"\"error\":\"Invalid job id specified\",\"source\":\"slurm_load_job\"}]}";

	fake_start(&f, ARGV(unknown, unknown));
	assert_int_equal(drv_open(&x, CONF, f.sock), 0);
	assert_int_equal(x.d->ops->poll(x.d, "9999", &st), TREQS_ENOTFOUND);
	assert_non_null(strstr(treqs_error_msg(), "MinJobAge"));
	/* cancelling a job Slurm forgot is fine */
	assert_int_equal(x.d->ops->cancel(x.d, "9999"), 0);
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "GET /slurm/v0.0.38/job/9999\n"), 1);
	assert_int_equal(count(log, "DELETE /slurm/v0.0.38/job/9999\n"), 1);
	free(log);
	treqs_error_clear();
}

static void test_credentials_refused(void **state)
{
	struct treqs_job_status st;
	struct fake f;
	struct drv x;
	char *log;

	fake_start(&f, ARGV("401 Authentication failure"));
	assert_int_equal(drv_open(&x, CONF, f.sock), 0);
	assert_int_equal(x.d->ops->poll(x.d, "1", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "HTTP 401"));
	assert_non_null(strstr(treqs_error_msg(), "uid"));
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "GET "), 1); /* no retry */
	free(log);

	/* a JWT: the message names where the token came from */
	setenv("TREQS_TEST_SLURM_JWT", "eyJ.test.token", 1);
	fake_start(&f, ARGV("403 {\"errors\":[{\"error\":\"Authentication failure\"}]}"));
	assert_int_equal(drv_open(&x, "type: slurm\nendpoint: unix:SOCK\nuser: alice\ntoken_env: TREQS_TEST_SLURM_JWT\n"
				  "retries: 3\nbackoff_ms: 1\n",
				  f.sock),
			 0);
	assert_int_equal(x.d->ops->poll(x.d, "1", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "$TREQS_TEST_SLURM_JWT"));
	assert_non_null(strstr(treqs_error_msg(), "alice"));
	assert_null(strstr(treqs_error_msg(), "eyJ.test.token"));
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "GET "), 1);
	free(log);
	unsetenv("TREQS_TEST_SLURM_JWT");
	treqs_error_clear();
}

static void test_malformed_answers(void **state)
{
	struct treqs_job_status st;
	struct fake f;
	struct drv x;

	fake_start(&f, ARGV("200 <html>oops</html>", "200 {\"jobs\":5}", "200 {\"jobs\":[{\"job_id\":3,\"job_state\":7}]}",
			    "200 {\"jobs\":[{\"job_id\":3,\"job_state\":\"RUNNING\",\"start_time\":\"soon\"}]}"));
	assert_int_equal(drv_open(&x, CONF, f.sock), 0);
	assert_int_equal(x.d->ops->poll(x.d, "3", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "not a JSON object"));
	assert_int_equal(x.d->ops->poll(x.d, "3", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'jobs'"));
	assert_int_equal(x.d->ops->poll(x.d, "3", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'job_state'"));
	assert_int_equal(x.d->ops->poll(x.d, "3", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'start_time'"));
	drv_close(&x);
	free(fake_stop(&f));
	treqs_error_clear();
}

/* A spec whose directories live in dir. */
static struct treqs_job_spec dir_spec(const char *dir, char **state_dir, char **output_dir)
{
	struct treqs_job_spec s = base_spec();

	*state_dir = xasprintf("%s/jobs/TR-0001-abcdef0", dir);
	*output_dir = xasprintf("%s/output", *state_dir);
	s.state_dir = *state_dir;
	s.output_dir = *output_dir;
	s.workdir = dir;
	return s;
}

/* A submission that failed half way is not repeated when the job exists. */
static void test_submit_never_twice(void **state)
{
	struct treqs_job_spec s;
	struct fake f;
	struct drv x;
	char *log, *id = NULL, *sd, *od, *conf;

	fake_start(&f, ARGV("502 ", running_job, running_job));
	s = dir_spec(f.dir, &sd, &od);
	conf = xasprintf(CONF "jobs_dir: %s/jobs\n", f.dir);
	assert_int_equal(drv_open(&x, conf, f.sock), 0);
	assert_ok(x.d->ops->submit(x.d, &s, &id));
	assert_string_equal(id, "42");
	/* remembered: the log is found without asking Slurm */
	{
		struct treqs_buf b = TREQS_BUF_INIT;
		char *lp = xasprintf("%s/output.log", sd);
		assert_int_equal(treqs_write_file(lp, "line 1\nline 2\n", 14), 0);
		assert_int_equal(x.d->ops->logs(x.d, "42", 7, &b), 0);
		assert_buf_equal(&b, "line 2\n");
		treqs_buf_free(&b);
		free(lp);
	}
	/* and the output directory for collect */
	{
		char *m = xasprintf("%s/metrics.json", od), *dest = xasprintf("%s/dest", f.dir), *got = xasprintf("%s/metrics.json", dest);
		struct treqs_buf b = TREQS_BUF_INIT;
		assert_int_equal(treqs_write_file(m, "{\"loss\": 1}", 11), 0);
		assert_int_equal(mkdir(dest, 0700), 0);
		assert_int_equal(x.d->ops->collect(x.d, "42", dest), 0);
		assert_int_equal(treqs_read_file(&b, got, 0), 0);
		assert_buf_equal(&b, "{\"loss\": 1}");
		treqs_buf_free(&b);
		free(m);
		free(dest);
		free(got);
	}
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "POST /slurm/v0.0.38/job/submit\n"), 1);
	assert_int_equal(count(log, "GET /slurm/v0.0.38/jobs\n"), 1);
	free(log);
	free(id);
	free(sd);
	free(od);
	free(conf);
}

static void test_submit_body_sent_and_verdict_not_retried(void **state)
{
	struct treqs_job_spec s;
	struct fake f;
	struct drv x;
	char *log, *id = NULL, *sd, *od, *conf, *body;
	json_t *j;

	fake_start(&f, ARGV("200 {\"errors\":[],\"job_id\":77,\"step_id\":\"BATCH\"}",
			    "500 {\"errors\":[{\"error_code\":2014,\"error\":\"Requested node configuration is not available\"}]}",
			    "400 {\"errors\":[{\"error_code\":9001,\"error\":\"Failure during parsing\"}]}",
			    "200 {\"errors\":[]}"));
	s = dir_spec(f.dir, &sd, &od);
	conf = xasprintf(CONF "gpus: true\ngpu_types: {a100: ''}\n");
	assert_int_equal(drv_open(&x, conf, f.sock), 0);
	assert_ok(x.d->ops->submit(x.d, &s, &id));
	assert_string_equal(id, "77");
	free(id);
	id = NULL;
	/* slurmctld's verdict: reported at once, with a hint about GPUs */
	assert_int_equal(x.d->ops->submit(x.d, &s, &id), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "Requested node configuration is not available"));
	assert_non_null(strstr(treqs_error_msg(), "gpu:2"));
	assert_int_equal(x.d->ops->submit(x.d, &s, &id), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "Failure during parsing"));
	assert_non_null(strstr(treqs_error_msg(), "HTTP 400"));
	/* an answer without a job id */
	assert_int_equal(x.d->ops->submit(x.d, &s, &id), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "'job_id'"));
	assert_null(id);
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "POST /slurm/v0.0.38/job/submit\n"), 4);
	assert_int_equal(count(log, "GET "), 0);
	/* the body of the first submission */
	body = strchr(log, '\n') + 1;
	*strchr(body, '\n') = '\0';
	j = J(body);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "job"), "name")), "TR-0001-abcdef0");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "job"), "partition")), "debug");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "job"), "gres")), "gpu:2");
	json_decref(j);
	free(log);
	free(sd);
	free(od);
	free(conf);
	treqs_error_clear();
}

static void test_restarts_bounded(void **state)
{
	struct treqs_job_status st;
	struct fake f;
	struct drv x;
	char *log;

	fake_start(&f, ARGV("200 {\"jobs\":[{\"job_id\":8,\"job_state\":\"PENDING\",\"state_reason\":\"BeginTime\","
			    "\"restart_cnt\":1,\"comment\":\"treqs;max_restarts=1\"}]}",
			    "200 {\"jobs\":[{\"job_id\":8,\"job_state\":\"PENDING\",\"state_reason\":\"BeginTime\","
			    "\"restart_cnt\":2,\"comment\":\"treqs;max_restarts=1\"}]}",
			    "200 {\"errors\":[]}"));
	assert_int_equal(drv_open(&x, CONF, f.sock), 0);
	assert_int_equal(x.d->ops->poll(x.d, "8", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_PENDING);
	assert_int_equal(st.restarts, 1);
	assert_int_equal(x.d->ops->poll(x.d, "8", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_FAILED);
	assert_int_equal(st.restarts, 2);
	assert_non_null(strstr(st.detail, "max_restarts (1)"));
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "DELETE /slurm/v0.0.38/job/8\n"), 1);
	free(log);
}

static void test_api_version_in_path(void **state)
{
	struct treqs_job_status st;
	struct fake f;
	struct drv x;
	char *log;

	fake_start(&f, ARGV("404 Unable find requested URL. Please view /openapi/v3 for API reference.",
			    "200 {\"jobs\":[{\"job_id\":8,\"job_state\":[\"RUNNING\"],\"start_time\":{\"set\":true,"
			    "\"number\":5}}]}"));
	assert_int_equal(drv_open(&x, CONF "api_version: v0.0.40\n", f.sock), 0);
	assert_int_equal(x.d->ops->poll(x.d, "8", &st), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "api_version v0.0.40"));
	assert_int_equal(x.d->ops->poll(x.d, "8", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	drv_close(&x);
	log = fake_stop(&f);
	assert_int_equal(count(log, "GET /slurm/v0.0.40/job/8\n"), 2);
	free(log);
	treqs_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_script_text),
		cmocka_unit_test(test_script_arguments_are_literal),
		cmocka_unit_test(test_minutes),
		cmocka_unit_test(test_gres),
		cmocka_unit_test(test_comment),
		cmocka_unit_test(test_submit_body_v38),
		cmocka_unit_test(test_submit_body_later_versions),
		cmocka_unit_test(test_records_v38),
		cmocka_unit_test(test_records_later_versions),
		cmocka_unit_test(test_record_comment_and_output),
		cmocka_unit_test(test_malformed_records),
		cmocka_unit_test(test_job_from_response),
		cmocka_unit_test(test_find_in_jobs),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_scontrol),
		cmocka_unit_test(test_squeue),
		cmocka_unit_test(test_open_config),
		cmocka_unit_test(test_invalid_job_ids),
		cmocka_unit_test(test_unreachable_is_retried_then_eenv),
		cmocka_unit_test(test_transient_5xx_retried),
		cmocka_unit_test(test_unknown_job_not_retried),
		cmocka_unit_test(test_credentials_refused),
		cmocka_unit_test(test_malformed_answers),
		cmocka_unit_test(test_submit_never_twice),
		cmocka_unit_test(test_submit_body_sent_and_verdict_not_retried),
		cmocka_unit_test(test_restarts_bounded),
		cmocka_unit_test(test_api_version_in_path),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
