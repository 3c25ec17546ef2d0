/*
 * test_exec_more.c - the robustness of what execution reads back from a
 * job: the log watchers on healthy lines that merely mention NaN or
 * "killed", metrics.json as Python writes it (NaN, Infinity, integers
 * beyond 64 bits), result.json when an engine's message was cut inside a
 * UTF-8 character, and running a program whose background child keeps
 * its output pipes open.
 */
#include "unit.h"

#include <jansson.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "treqs/exec.h"
#include "treqs/result.h"
#include "treqs/run.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *watch(const char *line)
{
	return treqs_log_watch(line, strlen(line));
}

static void test_watch_nan_loss_fires(void **state)
{
	static const char *const lines[] = {
		"epoch 2 loss=nan\n",
		"step 10 | train_loss: NaN | lr 0.1\n",
		"{'loss': nan, 'lr': 0.001}\n",
		"loss tensor(nan, device='cuda:0')\n",
		"Loss is NaN, stopping\n",
		"val_loss = -inf\n",
		"loss: Infinity\n",
		"losses=[nan, 0.2]\n",
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(lines); i++) {
		const char *w = watch(lines[i]);
		if (!w || strcmp(w, "nan-loss"))
			print_error("line %zu: %s", i, lines[i]);
		assert_non_null(w);
		assert_string_equal(w, "nan-loss");
	}
}

/* A healthy line that mentions nan or inf near a loss must not stop the run. */
static void test_watch_nan_loss_no_false_alarm(void **state)
{
	static const char *const lines[] = {
		"step 100 loss=0.42 grad_norm=1.3 nan_grads=0\n",
		"epoch 3 loss 0.31 (skipped nan batches: 0)\n",
		"loss=0.25 lr=inf_schedule\n",
		"loss=0.25 inference_time=3.1\n",
		"loss: 0.2 skipped_nan=0 inf_count=0\n",
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(lines); i++) {
		const char *w = watch(lines[i]);
		if (w)
			print_error("line %zu fired %s: %s", i, w, lines[i]);
		assert_null(w);
	}
}

static void test_watch_killed(void **state)
{
	assert_string_equal(watch("epoch 1\nKilled\n"), "killed");
	assert_string_equal(watch("  Killed  \n"), "killed");
	assert_string_equal(watch("sh: line 1:  4242 Killed                  python3 train.py\n"), "killed");
	/* the program's own words */
	assert_null(watch("Killed 2 stale dataloader workers\n"));
	assert_null(watch("killed_workers=0 loss=0.3\n"));
	assert_null(watch("Process 12 killed by the user\n"));
}

static double metric(json_t *m, const char *name)
{
	json_t *v = json_object_get(m, name);

	assert_non_null(v);
	return json_number_value(v);
}

/* Python's json.dump writes NaN and Infinity: the finite metrics must survive them. */
static void test_metrics_python_nan(void **state)
{
	const char *text = "{\"acc\": 0.91, \"ppl\": Infinity, \"loss\": NaN, \"min\": -Infinity,"
			   " \"note\": \"NaN and Infinity in a string\", \"steps\": 1200}";
	json_t *m = treqs_metrics_collect(text, strlen(text), NULL, 0);

	assert_int_equal(json_object_size(m), 2);
	assert_true(metric(m, "acc") == 0.91);
	assert_true(metric(m, "steps") == 1200);
	json_decref(m);
}

/* An integer beyond 64 bits (a token counter) must not void the whole file. */
static void test_metrics_big_integer(void **state)
{
	const char *text = "{\"acc\": 0.5, \"tokens\": 123456789012345678901234567890}";
	json_t *m = treqs_metrics_collect(text, strlen(text), NULL, 0);

	assert_true(metric(m, "acc") == 0.5);
	assert_true(metric(m, "tokens") > 1e29);
	json_decref(m);
}

/* Not JSON at all: nothing from the file, the log's lines still count. */
static void test_metrics_garbage_file(void **state)
{
	const char *text = "NaN\x01\xff{", *log = "treqs-metric acc=0.7\n";
	json_t *m = treqs_metrics_collect(text, strlen(text), log, strlen(log));

	assert_int_equal(json_object_size(m), 1);
	assert_true(metric(m, "acc") == 0.7);
	json_decref(m);
}

/* An engine's message cut inside a character (detail holds 511 bytes): the message stays, as text. */
static void test_result_message_cut_utf8(void **state)
{
	struct treqs_job_status st;
	struct treqs_result_in in;
	json_t *r;
	const char *msg;
	double cost;
	size_t i;
	char *text;

	memset(&st, 0, sizeof(st));
	st.state = TREQS_JOB_FAILED;
	st.exit_code = 1;
	for (i = 0; i + 2 < sizeof(st.detail); i += 2)
		memcpy(st.detail + i, "\xc3\xa9", 2); /* é */
	st.detail[sizeof(st.detail) - 2] = '\xc3';  /* half of one: snprintf cut it there */
	st.detail[sizeof(st.detail) - 1] = '\0';
	memset(&in, 0, sizeof(in));
	in.id = "TR-0001";
	in.outcome = "failed";
	in.st = &st;
	in.price = -1;
	r = treqs_result_build(&in, &cost);
	msg = json_string_value(json_object_get(r, "message"));
	assert_non_null(msg);
	assert_int_equal(strncmp(msg, "\xc3\xa9\xc3\xa9", 4), 0);
	assert_int_equal(msg[strlen(msg) - 1], '?');
	text = json_dumps(r, 0);
	assert_non_null(text);
	free(text);
	json_decref(r);

	/* a message from exec (a test run's detail in it) likewise */
	in.message = "the test run failed (\xff\xfe); the full run was not launched";
	r = treqs_result_build(&in, &cost);
	assert_string_equal(json_string_value(json_object_get(r, "message")),
			    "the test run failed (?" "?); the full run was not launched");
	json_decref(r);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A program that answers and exits, leaving a background process with its
 * stdout and stderr (an exec driver's "job &" without redirections): its
 * answer counts at once, not after the time limit, and the background
 * process is not killed.
 */
static void test_run_background_child_holds_pipes(void **state)
{
	struct treqs_cmd cmd = {0};
	double t0 = now();
	long bg = 0;

	cmd.argv = ARGV("sh", "-c", "sleep 20 & echo $! ; echo reply; echo note >&2; exit 3");
	cmd.capture_out = 1;
	cmd.capture_err = 1;
	cmd.timeout = 15;
	cmd.new_group = 1;
	cmd.in = "request\n";
	cmd.inlen = 8;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_true(now() - t0 < 5);
	assert_false(cmd.timed_out);
	assert_int_equal(cmd.status, 3);
	assert_int_equal(sscanf(treqs_buf_cstr(&cmd.out), "%ld\nreply\n", &bg), 1);
	assert_non_null(strstr(treqs_buf_cstr(&cmd.out), "\nreply\n"));
	assert_string_equal(treqs_buf_cstr(&cmd.err), "note\n");
	assert_int_equal(kill((pid_t)bg, 0), 0);
	kill((pid_t)bg, SIGKILL);
	treqs_cmd_clear(&cmd);
}

/* A background process that writes on and on after the program exited: the call still ends. */
static void test_run_background_child_writes_on(void **state)
{
	struct treqs_cmd cmd = {0};
	double t0 = now();
	long bg = 0;

	cmd.argv = ARGV("sh", "-c", "yes & echo $! >&2; sleep 0.2; exit 0");
	cmd.capture_out = 1;
	cmd.capture_err = 1;
	cmd.timeout = 15;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_true(now() - t0 < 5);
	assert_false(cmd.timed_out);
	assert_int_equal(cmd.status, 0);
	assert_int_equal(sscanf(treqs_buf_cstr(&cmd.err), "%ld", &bg), 1);
	kill((pid_t)bg, SIGKILL);
	treqs_cmd_clear(&cmd);
}

/* A program that writes much and exits: all of it is read, none lost to the early stop. */
static void test_run_all_output_before_exit(void **state)
{
	struct treqs_cmd cmd = {0};

	cmd.argv = ARGV("sh", "-c", "head -c 300000 /dev/zero; sleep 5 >/dev/null 2>&1 &");
	cmd.capture_out = 1;
	cmd.timeout = 10;
	assert_int_equal(treqs_cmd_run(&cmd), 0);
	assert_int_equal(cmd.status, 0);
	assert_int_equal(cmd.out.len, 300000);
	treqs_cmd_clear(&cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch_nan_loss_fires),
		cmocka_unit_test(test_watch_nan_loss_no_false_alarm),
		cmocka_unit_test(test_watch_killed),
		cmocka_unit_test(test_metrics_python_nan),
		cmocka_unit_test(test_metrics_big_integer),
		cmocka_unit_test(test_metrics_garbage_file),
		cmocka_unit_test(test_result_message_cut_utf8),
		cmocka_unit_test(test_run_background_child_holds_pipes),
		cmocka_unit_test(test_run_background_child_writes_on),
		cmocka_unit_test(test_run_all_output_before_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
