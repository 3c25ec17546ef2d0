/*
 * test_drivers.c - the pure parts of the kubernetes, ray, http and exec
 * drivers: the names and bodies they build, and how they read (and
 * refuse) what an engine answers.  The conversations themselves are
 * tested end to end against tests/stub/httpstub.py (tests/e2e/t04x0).
 */
#include "unit.h"

#include "../../drivers/exec.h"
#include "../../drivers/http.h"
#include "../../drivers/kubernetes.h"
#include "../../drivers/ray.h"

/* ---- helpers ---- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);

	if (!j)
		fail_msg("bad JSON in the test: %s: %s", e.text, text);
	return j;
}

/* Asserts that value, dumped compactly with sorted keys, equals expected (also JSON). */
static void assert_json(json_t *value, const char *expected)
{
	json_t *want = parse(expected);
	char *a = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *b = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	if (strcmp(a, b))
		print_error("JSON differs\n--- expected\n%s\n--- actual\n%s\n", b, a);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(want);
}

/* Asserts that ret is code and the last error message is msg. */
#define assert_error(ret, code, msg)                          \
	do {                                                  \
		int r_ = (ret);                               \
		assert_int_equal(r_, (code));                 \
		assert_string_equal(treqs_error_msg(), (msg)); \
		treqs_error_clear();                          \
	} while (0)

static const char *const spec_argv[] = {"python3", "train.py", "--lr", "0.1", NULL};
static const char *const spec_env[] = {"SEED=7", "TREQS_OUTPUT_DIR=/jobs/TR-0042-abcdef1/output", NULL};

static struct treqs_job_spec spec(void)
{
	struct treqs_job_spec s;

	memset(&s, 0, sizeof(s));
	s.tr_id = "TR-0042";
	s.digest = "abcdef1234";
	s.name = "TR-0042-abcdef1";
	s.argv = spec_argv;
	s.workdir = "/jobs/TR-0042-abcdef1/src";
	s.env = spec_env;
	s.gpu_type = "A100";
	s.gpu_count = 4;
	s.time_limit = 5400.5;
	s.output_dir = "/jobs/TR-0042-abcdef1/output";
	s.state_dir = "/jobs/TR-0042-abcdef1";
	s.max_restarts = 1;
	return s;
}

/* ---- shared helpers ---- */

static void test_parse_time(void **state)
{
	double t = 0;

	assert_int_equal(treqs_drv_parse_time("2024-05-01T10:00:00Z", &t), 0);
	assert_true(t == 1714557600.0);
	assert_int_equal(treqs_drv_parse_time("2024-05-01T10:00:00.250Z", &t), 0);
	assert_true(t == 1714557600.25);
	assert_int_equal(treqs_drv_parse_time("2024-05-01T12:30:00+02:30", &t), 0);
	assert_true(t == 1714557600.0);
	assert_int_equal(treqs_drv_parse_time("2024-05-01T07:00:00-03:00", &t), 0);
	assert_true(t == 1714557600.0);
	assert_int_equal(treqs_drv_parse_time("2024-05-01 10:00:00z", &t), 0);
	assert_int_equal(treqs_drv_parse_time("2024-05-01T10:00:00", &t), -1); /* no zone */
	assert_int_equal(treqs_drv_parse_time("2024-13-01T10:00:00Z", &t), -1);
	assert_int_equal(treqs_drv_parse_time("2024-05-01T10:00:00Zjunk", &t), -1);
	assert_int_equal(treqs_drv_parse_time("1714557600", &t), -1);
	assert_int_equal(treqs_drv_parse_time("", &t), -1);
	assert_int_equal(treqs_drv_parse_time(NULL, &t), -1);
}

static void test_tail_and_expand(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	struct treqs_job_spec s = spec();
	char *e;

	treqs_drv_tail(&b, "one\ntwo\nthree\n", 14, 100);
	assert_buf_equal(&b, "one\ntwo\nthree\n");
	treqs_buf_clear(&b);
	/* the last 8 bytes start inside "two": the tail starts at the next line */
	treqs_drv_tail(&b, "one\ntwo\nthree\n", 14, 8);
	assert_buf_equal(&b, "three\n");
	treqs_buf_clear(&b);
	treqs_drv_tail(&b, "abcdefgh", 8, 3);
	assert_buf_equal(&b, "fgh");
	treqs_buf_free(&b);

	e = treqs_drv_expand("treqs/{tr_id}/{name}@{digest}{x}", &s);
	assert_string_equal(e, "treqs/TR-0042/TR-0042-abcdef1@abcdef1234{x}");
	free(e);
	e = treqs_drv_expand("", &s);
	assert_string_equal(e, "");
	free(e);
}

static void test_dj_messages(void **state)
{
	json_t *j = parse("{\"a\": \"x\", \"n\": 1.5, \"i\": 2, \"b\": true, \"z\": null, \"o\": {}}");
	const char *s = NULL;
	double d = 0;
	long long i = 0;
	int b = 0;
	json_t *o = NULL;

	assert_int_equal(treqs_dj_str(j, "", "a", 1, &s), 0);
	assert_string_equal(s, "x");
	assert_int_equal(treqs_dj_num(j, "", "i", 1, &d), 0); /* integers are numbers */
	assert_true(d == 2);
	assert_int_equal(treqs_dj_int(j, "st", "i", 1, &i), 0);
	assert_int_equal(i, 2);
	assert_int_equal(treqs_dj_bool(j, "", "b", 1, &b), 0);
	assert_int_equal(b, 1);
	s = "untouched";
	assert_int_equal(treqs_dj_str(j, "", "z", 0, &s), 0); /* null is absent */
	assert_string_equal(s, "untouched");
	assert_error(treqs_dj_str(j, "", "z", 1, &s), TREQS_EENV, "'z' is missing");
	assert_error(treqs_dj_str(j, "status", "n", 1, &s), TREQS_EENV, "'status.n' is a number, expected a string");
	assert_error(treqs_dj_int(j, "", "n", 1, &i), TREQS_EENV, "'n' is a number, expected an integer");
	assert_error(treqs_dj_num(j, "", "a", 1, &d), TREQS_EENV, "'a' is a string, expected a number");
	assert_error(treqs_dj_bool(j, "", "o", 1, &b), TREQS_EENV, "'o' is an object, expected a boolean");
	assert_error(treqs_dj_get(j, "", "a", JSON_ARRAY, 1, &o), TREQS_EENV, "'a' is a string, expected an array");
	assert_error(treqs_dj_str(json_object_get(j, "a"), "meta", "k", 1, &s), TREQS_EENV,
		     "'meta' is a string, expected an object");
	assert_error(treqs_dj_str(NULL, "", "k", 1, &s), TREQS_EENV, "'the answer' is missing, expected an object");
	json_decref(j);
}

/* ---- kubernetes ---- */

static void test_k8s_job_name(void **state)
{
	char *n, *m;

	n = treqs_k8s_job_name("TR-0042-abcdef1");
	assert_string_equal(n, "tr-0042-abcdef1");
	free(n);
	n = treqs_k8s_job_name("TR-0042-abcdef1-test");
	assert_string_equal(n, "tr-0042-abcdef1-test");
	free(n);
	n = treqs_k8s_job_name("-ML_Exp.42--x/y-");
	assert_string_equal(n, "ml-exp-42-x-y");
	free(n);
	n = treqs_k8s_job_name("__");
	assert_int_equal(strlen(n), 14);
	assert_memory_equal(n, "treqs-", 6);
	free(n);

	/* too long: shortened, with a hash that keeps two long names apart */
	n = treqs_k8s_job_name("EXPERIMENT-WITH-A-VERY-LONG-PREFIX-0000000000000000000000042-abcdef1");
	m = treqs_k8s_job_name("EXPERIMENT-WITH-A-VERY-LONG-PREFIX-0000000000000000000000042-abcdef2");
	assert_true(strlen(n) <= 63);
	assert_true(strlen(m) <= 63);
	assert_string_not_equal(n, m);
	assert_memory_equal(n, "experiment-with-a-very-long-prefix-0000000000000000000-", 55);
	assert_int_equal(strlen(n), 63);
	{
		const char *p;
		for (p = n; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
	}
	free(n);
	free(m);
}

static void test_k8s_job_body(void **state)
{
	struct treqs_job_spec s = spec();
	struct treqs_k8s_opts o;
	json_t *body;

	memset(&o, 0, sizeof(o));
	o.namespace = "ml";
	o.image = "train:1";
	o.gpu_resource = "nvidia.com/gpu";
	body = treqs_k8s_job_body(&s, "tr-0042-abcdef1", &o);
	assert_json(body,
		    "{\"apiVersion\": \"batch/v1\", \"kind\": \"Job\","
		    " \"metadata\": {\"name\": \"tr-0042-abcdef1\", \"namespace\": \"ml\","
		    "  \"labels\": {\"app.kubernetes.io/managed-by\": \"treqs\"},"
		    "  \"annotations\": {\"treqs/tr-id\": \"TR-0042\", \"treqs/digest\": \"abcdef1234\","
		    "                    \"treqs/name\": \"TR-0042-abcdef1\"}},"
		    " \"spec\": {\"backoffLimit\": 1, \"activeDeadlineSeconds\": 5401,"
		    "  \"template\": {\"metadata\": {\"labels\": {\"app.kubernetes.io/managed-by\": \"treqs\"},"
		    "    \"annotations\": {\"treqs/tr-id\": \"TR-0042\", \"treqs/digest\": \"abcdef1234\","
		    "                      \"treqs/name\": \"TR-0042-abcdef1\"}},"
		    "   \"spec\": {\"restartPolicy\": \"Never\", \"containers\": [{\"name\": \"job\", \"image\": \"train:1\","
		    "     \"command\": [\"python3\", \"train.py\", \"--lr\", \"0.1\"],"
		    "     \"env\": [{\"name\": \"SEED\", \"value\": \"7\"},"
		    "              {\"name\": \"TREQS_OUTPUT_DIR\", \"value\": \"/jobs/TR-0042-abcdef1/output\"}],"
		    "     \"resources\": {\"limits\": {\"nvidia.com/gpu\": \"4\"}}}]}}}}");
	json_decref(body);

	/* no GPUs: no limits; no time limit: no deadline; options when set */
	s.gpu_count = 0;
	s.time_limit = 0;
	s.max_restarts = 0;
	o.image_pull_policy = "Always";
	o.service_account = "trainer";
	o.working_dir = "/work";
	body = treqs_k8s_job_body(&s, "j", &o);
	assert_json(json_object_get(body, "spec"),
		    "{\"backoffLimit\": 0, \"template\": {\"metadata\": {\"labels\": {\"app.kubernetes.io/managed-by\": \"treqs\"},"
		    "  \"annotations\": {\"treqs/tr-id\": \"TR-0042\", \"treqs/digest\": \"abcdef1234\","
		    "                    \"treqs/name\": \"TR-0042-abcdef1\"}},"
		    " \"spec\": {\"restartPolicy\": \"Never\", \"serviceAccountName\": \"trainer\","
		    "  \"containers\": [{\"name\": \"job\", \"image\": \"train:1\", \"imagePullPolicy\": \"Always\","
		    "   \"workingDir\": \"/work\", \"command\": [\"python3\", \"train.py\", \"--lr\", \"0.1\"],"
		    "   \"env\": [{\"name\": \"SEED\", \"value\": \"7\"},"
		    "            {\"name\": \"TREQS_OUTPUT_DIR\", \"value\": \"/jobs/TR-0042-abcdef1/output\"}]}]}}}");
	json_decref(body);

	/* a GPU job on a cluster whose nodes carry the GPU model as a label: a nodeSelector */
	s.gpu_count = 2;
	o.node_label = "nvidia.com/gpu.product";
	o.node_value = "NVIDIA-A100-SXM4-80GB";
	body = treqs_k8s_job_body(&s, "j", &o);
	assert_json(json_object_get(json_object_get(json_object_get(json_object_get(body, "spec"), "template"), "spec"),
				    "nodeSelector"),
		    "{\"nvidia.com/gpu.product\": \"NVIDIA-A100-SXM4-80GB\"}");
	json_decref(body);
	/* no GPUs: no nodeSelector */
	s.gpu_count = 0;
	body = treqs_k8s_job_body(&s, "j", &o);
	assert_null(json_object_get(json_object_get(json_object_get(json_object_get(body, "spec"), "template"), "spec"),
				    "nodeSelector"));
	json_decref(body);
}

static int k8s_status(const char *job, struct treqs_job_status *st)
{
	json_t *j = parse(job);
	int ret = treqs_k8s_job_status(j, st);

	json_decref(j);
	return ret;
}

static void test_k8s_job_status(void **state)
{
	struct treqs_job_status st;

	assert_int_equal(k8s_status("{\"metadata\": {\"name\": \"j\"}}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_PENDING);

	assert_int_equal(k8s_status("{\"metadata\": {}, \"status\": {\"active\": 1, \"ready\": 0}}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_PENDING); /* its pod waits for a GPU */

	assert_int_equal(k8s_status("{\"metadata\": {}, \"status\": {\"active\": 1, \"ready\": 1, \"failed\": 1,"
				    " \"startTime\": \"2024-05-01T10:00:00Z\"}}",
				    &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	assert_int_equal(st.restarts, 1);
	assert_true(st.start_time == 1714557600.0);
	assert_int_equal(st.exit_code, -1);

	/* clusters before "ready" was counted */
	assert_int_equal(k8s_status("{\"metadata\": {}, \"status\": {\"active\": 1}}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);

	assert_int_equal(k8s_status("{\"metadata\": {}, \"status\": {\"succeeded\": 1,"
				    " \"startTime\": \"2024-05-01T10:00:00Z\", \"completionTime\": \"2024-05-01T10:30:00Z\","
				    " \"conditions\": [{\"type\": \"SuccessCriteriaMet\", \"status\": \"True\"},"
				    "                  {\"type\": \"Complete\", \"status\": \"True\"}]}}",
				    &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_SUCCEEDED);
	assert_int_equal(st.exit_code, 0);
	assert_true(st.end_time == 1714559400.0);

	assert_int_equal(k8s_status("{\"metadata\": {}, \"status\": {\"failed\": 3, \"conditions\": ["
				    " {\"type\": \"Failed\", \"status\": \"True\", \"reason\": \"BackoffLimitExceeded\","
				    "  \"message\": \"Job has reached the specified backoff limit\","
				    "  \"lastTransitionTime\": \"2024-05-01T10:10:00Z\"}]}}",
				    &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_FAILED);
	assert_int_equal(st.restarts, 2);
	assert_true(st.end_time == 1714558200.0);
	assert_string_equal(st.detail, "BackoffLimitExceeded: Job has reached the specified backoff limit");

	assert_int_equal(k8s_status("{\"metadata\": {}, \"status\": {\"conditions\": ["
				    " {\"type\": \"Failed\", \"status\": \"True\", \"reason\": \"DeadlineExceeded\"}]}}",
				    &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_TIMEOUT);
	assert_string_equal(st.detail, "stopped at its time limit (DeadlineExceeded)");

	/* a condition that is not true does not count */
	assert_int_equal(k8s_status("{\"metadata\": {}, \"status\": {\"active\": 1, \"conditions\": ["
				    " {\"type\": \"Failed\", \"status\": \"False\"}]}}",
				    &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);

	assert_int_equal(k8s_status("{\"metadata\": {\"deletionTimestamp\": \"2024-05-01T10:00:00Z\"},"
				    " \"status\": {\"active\": 1}}",
				    &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_CANCELLED);
}

static void test_k8s_job_status_refuses_garbage(void **state)
{
	struct treqs_job_status st;

	assert_error(k8s_status("{\"metadata\": {}, \"status\": {\"active\": \"two\"}}", &st), TREQS_EENV,
		     "'status.active' is a string, expected an integer");
	assert_error(k8s_status("{\"metadata\": {}, \"status\": []}", &st), TREQS_EENV,
		     "'status' is an array, expected an object");
	assert_error(k8s_status("{\"status\": {}}", &st), TREQS_EENV, "'metadata' is missing");
	assert_error(k8s_status("{\"metadata\": {}, \"status\": {\"startTime\": \"yesterday\"}}", &st), TREQS_EENV,
		     "'status.startTime' is 'yesterday', expected an RFC 3339 time");
	assert_error(k8s_status("{\"metadata\": {}, \"status\": {\"conditions\": [{\"status\": \"True\"}]}}", &st),
		     TREQS_EENV, "'status.conditions[0].type' is missing");
	assert_error(k8s_status("{\"metadata\": {}, \"status\": {\"conditions\": [7]}}", &st), TREQS_EENV,
		     "'status.conditions[0]' is an integer, expected an object");
	assert_error(k8s_status("{\"metadata\": {}, \"status\": {\"failed\": -1}}", &st), TREQS_EENV,
		     "'status.failed' is negative");
	assert_error(k8s_status("[]", &st), TREQS_EENV, "the answer is not a Job object");
}

static void test_k8s_last_pod(void **state)
{
	json_t *list = parse("{\"items\": ["
			     " {\"metadata\": {\"name\": \"j-b\", \"creationTimestamp\": \"2024-05-01T10:05:00Z\"},"
			     "  \"status\": {\"containerStatuses\": [{\"state\": {\"terminated\": {\"exitCode\": 137,"
			     "   \"reason\": \"OOMKilled\"}}}]}},"
			     " {\"metadata\": {\"name\": \"j-a\", \"creationTimestamp\": \"2024-05-01T10:00:00Z\"}}]}");
	const char *pod = NULL;
	char reason[32];
	int code = 0;

	assert_int_equal(treqs_k8s_last_pod(list, &pod, &code, reason, sizeof(reason)), 0);
	assert_string_equal(pod, "j-b");
	assert_int_equal(code, 137);
	assert_string_equal(reason, "OOMKilled");
	json_decref(list);

	list = parse("{\"items\": []}");
	assert_int_equal(treqs_k8s_last_pod(list, &pod, &code, reason, sizeof(reason)), 0);
	assert_null(pod);
	assert_int_equal(code, -1);
	json_decref(list);

	list = parse("{\"items\": [{\"metadata\": {\"name\": \"a\"}}, {\"metadata\": {}}]}");
	assert_error(treqs_k8s_last_pod(list, &pod, &code, reason, sizeof(reason)), TREQS_EENV,
		     "'items[1].metadata.name' is missing");
	json_decref(list);
}

/* ---- ray ---- */

static void assert_quoted(const char *const *argv, const char *expected)
{
	char *q = treqs_ray_quote(argv);

	assert_string_equal(q, expected);
	free(q);
}

static void test_ray_quote(void **state)
{
	const char *const plain[] = {"python3", "train.py", "--lr=0.1", "a/b.c:d,e@f%g+h", NULL};
	const char *const nasty[] = {"python3", "it's", "a b", "", "$HOME", "`id`", "x;y", "~", "#c", "\n", NULL};
	const char *const assign[] = {"A=b", "c=d", NULL};
	const char *const utf8[] = {"echo", "caf\xc3\xa9", NULL};
	const char *const none[] = {NULL};

	assert_quoted(plain, "python3 train.py --lr=0.1 a/b.c:d,e@f%g+h");
	assert_quoted(nasty, "python3 'it'\\''s' 'a b' '' '$HOME' '`id`' 'x;y' '~' '#c' '\n'");
	assert_quoted(assign, "'A=b' c=d"); /* a first word with '=' would be an assignment */
	assert_quoted(utf8, "echo 'caf\xc3\xa9'");
	assert_quoted(none, "");
}

static void test_ray_submit_body(void **state)
{
	struct treqs_job_spec s = spec();
	struct treqs_ray_opts o = {"s3://b/code.zip", 8};
	char *sid = treqs_ray_submission_id("TR-0042-abcdef1/x y");
	json_t *body;

	assert_string_equal(sid, "TR-0042-abcdef1-x-y");
	body = treqs_ray_submit_body(&s, "TR-0042-abcdef1", &o);
	assert_json(body, "{\"entrypoint\": \"python3 train.py --lr 0.1\", \"submission_id\": \"TR-0042-abcdef1\","
			  " \"entrypoint_num_gpus\": 4, \"entrypoint_num_cpus\": 8.0,"
			  " \"runtime_env\": {\"working_dir\": \"s3://b/code.zip\","
			  "   \"env_vars\": {\"SEED\": \"7\", \"TREQS_OUTPUT_DIR\": \"/jobs/TR-0042-abcdef1/output\"}},"
			  " \"metadata\": {\"treqs_tr_id\": \"TR-0042\", \"treqs_digest\": \"abcdef1234\","
			  "   \"treqs_name\": \"TR-0042-abcdef1\", \"treqs_time_limit\": \"5401\"}}");
	json_decref(body);
	free(sid);
}

static int ray_status(const char *job, struct treqs_job_status *st, double *deadline)
{
	json_t *j = parse(job);
	int ret = treqs_ray_job_status(j, st, deadline);

	json_decref(j);
	return ret;
}

static void test_ray_job_status(void **state)
{
	struct treqs_job_status st;
	double deadline = -1;

	assert_int_equal(ray_status("{\"status\": \"PENDING\", \"start_time\": 1714557600000}", &st, &deadline), 0);
	assert_int_equal(st.state, TREQS_JOB_PENDING);
	assert_true(st.start_time == 1714557600.0);
	assert_true(deadline == 0);

	assert_int_equal(ray_status("{\"status\": \"RUNNING\", \"start_time\": 1714557600000,"
				    " \"metadata\": {\"treqs_time_limit\": \"60\"}}",
				    &st, &deadline),
			 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	assert_true(deadline == 1714557660.0);

	assert_int_equal(ray_status("{\"status\": \"SUCCEEDED\", \"end_time\": 1714557601500, \"message\": \"ok\"}", &st,
				    &deadline),
			 0);
	assert_int_equal(st.state, TREQS_JOB_SUCCEEDED);
	assert_int_equal(st.exit_code, 0);
	assert_true(st.end_time == 1714557601.5);
	assert_string_equal(st.detail, "");

	assert_int_equal(ray_status("{\"status\": \"FAILED\", \"driver_exit_code\": 3, \"message\": \"boom\"}", &st,
				    &deadline),
			 0);
	assert_int_equal(st.state, TREQS_JOB_FAILED);
	assert_int_equal(st.exit_code, 3);
	assert_string_equal(st.detail, "boom");

	/* STOPPED: cancelled, or over the time limit when it ended past it */
	assert_int_equal(ray_status("{\"status\": \"STOPPED\", \"start_time\": 1714557600000, \"end_time\": 1714557630000,"
				    " \"metadata\": {\"treqs_time_limit\": \"60\"}}",
				    &st, &deadline),
			 0);
	assert_int_equal(st.state, TREQS_JOB_CANCELLED);
	assert_int_equal(ray_status("{\"status\": \"STOPPED\", \"start_time\": 1714557600000, \"end_time\": 1714557661000,"
				    " \"metadata\": {\"treqs_time_limit\": \"60\"}}",
				    &st, &deadline),
			 0);
	assert_int_equal(st.state, TREQS_JOB_TIMEOUT);
	assert_string_equal(st.detail, "stopped at its time limit");
}

static void test_ray_job_status_refuses_garbage(void **state)
{
	struct treqs_job_status st;
	double deadline;

	assert_error(ray_status("{}", &st, &deadline), TREQS_EENV, "'status' is missing");
	assert_error(ray_status("{\"status\": 1}", &st, &deadline), TREQS_EENV, "'status' is an integer, expected a string");
	assert_error(ray_status("{\"status\": \"DONE\"}", &st, &deadline), TREQS_EENV,
		     "'status' is 'DONE', expected PENDING, RUNNING, SUCCEEDED, FAILED or STOPPED");
	assert_error(ray_status("{\"status\": \"RUNNING\", \"start_time\": \"soon\"}", &st, &deadline), TREQS_EENV,
		     "'start_time' is a string, expected a number");
	assert_error(ray_status("{\"status\": \"RUNNING\", \"end_time\": -5}", &st, &deadline), TREQS_EENV,
		     "'end_time' is negative, expected milliseconds since 1970");
	assert_error(ray_status("{\"status\": \"RUNNING\", \"metadata\": {\"treqs_time_limit\": \"1h\"}}", &st, &deadline),
		     TREQS_EENV, "'metadata.treqs_time_limit' is '1h', expected seconds");
	assert_error(ray_status("{\"status\": \"FAILED\", \"driver_exit_code\": \"1\"}", &st, &deadline), TREQS_EENV,
		     "'driver_exit_code' is a string, expected an integer");
}

/* ---- http (the generic job service) ---- */

static void test_httpjobs_submit_body(void **state)
{
	struct treqs_job_spec s = spec();
	struct treqs_httpjobs_opts o = {"git@example.org:ml.git", "treqs/TR-0042", "A100", 40};
	json_t *body;

	s.time_limit = 5400;
	body = treqs_httpjobs_submit_body(&s, &o);

	assert_json(body, "{\"name\": \"TR-0042-abcdef1\", \"repo\": \"git@example.org:ml.git\", \"branch\": \"treqs/TR-0042\","
			  " \"script\": \"python3\", \"args\": [\"train.py\", \"--lr\", \"0.1\"],"
			  " \"env\": {\"SEED\": \"7\", \"TREQS_OUTPUT_DIR\": \"/jobs/TR-0042-abcdef1/output\"},"
			  " \"gpu_count\": 4, \"gpu_memory_min_gb\": 40.0, \"time_limit_hours\": 1.5,"
			  " \"prefer_resource\": \"A100\"}");
	json_decref(body);
	o.prefer_resource = NULL;
	o.gpu_memory_min_gb = 0;
	body = treqs_httpjobs_submit_body(&s, &o);
	assert_true(json_is_null(json_object_get(body, "prefer_resource")));
	assert_true(json_is_null(json_object_get(body, "gpu_memory_min_gb")));
	json_decref(body);
}

static int job_id_of(const char *answer, char **id)
{
	json_t *j = parse(answer);
	int ret = treqs_httpjobs_job_id(j, id);

	json_decref(j);
	return ret;
}

static void test_httpjobs_job_id(void **state)
{
	char *id = NULL;

	assert_int_equal(job_id_of("{\"id\": \"j-42\"}", &id), 0);
	assert_string_equal(id, "j-42");
	free(id);
	assert_int_equal(job_id_of("{\"id\": 42}", &id), 0);
	assert_string_equal(id, "42");
	free(id);
	assert_error(job_id_of("{\"job\": 1}", &id), TREQS_EENV, "'id' is missing");
	assert_error(job_id_of("{\"id\": 1.5}", &id), TREQS_EENV, "'id' is a number, expected a string or an integer");
	assert_error(job_id_of("{\"id\": \"a/b\"}", &id), TREQS_EENV,
		     "'id' is 'a/b', expected a job id (1-256 characters, no spaces, '/', '?', '#' or '%')");
	assert_error(job_id_of("{\"id\": \"a\\nTReqs-Action: archive\"}", &id), TREQS_EENV,
		     "'id' is 'a?TReqs-Action: archive', expected a job id (1-256 characters, no spaces, '/', '?', '#' or '%')");
	assert_error(job_id_of("[1]", &id), TREQS_EENV, "the answer is an array, expected an object with 'id'");
	assert_null(id);
}

static int http_status(const char *job, struct treqs_job_status *st)
{
	json_t *j = parse(job);
	int ret = treqs_httpjobs_status(j, st);

	json_decref(j);
	return ret;
}

static void test_httpjobs_status(void **state)
{
	struct treqs_job_status st;

	assert_int_equal(http_status("{\"status\": \"queued\"}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_PENDING);
	assert_int_equal(http_status("{\"status\": \"RUNNING\", \"started_at\": 1714557600, \"restarts\": 2}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	assert_true(st.start_time == 1714557600.0);
	assert_int_equal(st.restarts, 2);
	assert_int_equal(st.exit_code, -1);
	assert_int_equal(http_status("{\"status\": \"completed\", \"started_at\": 1714557600000,"
				     " \"finished_at\": \"2024-05-01T11:00:00Z\"}",
				     &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_SUCCEEDED);
	assert_int_equal(st.exit_code, 0);
	assert_true(st.start_time == 1714557600.0); /* milliseconds */
	assert_true(st.end_time == 1714561200.0);
	assert_int_equal(http_status("{\"status\": \"failed\", \"exit_code\": 137, \"message\": \"OOM\\u001b[2J\"}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_FAILED);
	assert_int_equal(st.exit_code, 137);
	assert_string_equal(st.detail, "OOM?[2J"); /* no terminal escapes from an engine */
	assert_int_equal(http_status("{\"status\": \"canceled\"}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_CANCELLED);
	assert_int_equal(http_status("{\"status\": \"timed_out\"}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_TIMEOUT);
	assert_string_equal(st.detail, "stopped at its time limit");

	assert_error(http_status("{\"state\": \"running\"}", &st), TREQS_EENV, "'status' is missing");
	assert_error(http_status("{\"status\": \"weird\"}", &st), TREQS_EENV,
		     "'status' is 'weird', expected queued, running, succeeded, failed, cancelled, timeout or lost");
	assert_error(http_status("{\"status\": \"failed\", \"exit_code\": \"1\"}", &st), TREQS_EENV,
		     "'exit_code' is a string, expected an integer");
	assert_error(http_status("{\"status\": \"failed\", \"exit_code\": 999}", &st), TREQS_EENV,
		     "'exit_code' is 999, expected an exit status (0-383)");
	assert_error(http_status("{\"status\": \"running\", \"started_at\": \"noon\"}", &st), TREQS_EENV,
		     "'started_at' is 'noon', expected a time (unix seconds or ISO 8601)");
	assert_error(http_status("{\"status\": \"running\", \"started_at\": true}", &st), TREQS_EENV,
		     "'started_at' is a boolean, expected a time (unix seconds or ISO 8601)");
}

static void test_httpjobs_find(void **state)
{
	json_t *list = parse("{\"jobs\": [{\"id\": 1, \"name\": \"TR-0042-abcdef1-test\"},"
			     " {\"id\": \"b\", \"name\": \"TR-0042-abcdef1\"}]}");
	char *id = NULL;

	assert_int_equal(treqs_httpjobs_find(list, "TR-0042-abcdef1", &id), 0);
	assert_string_equal(id, "b");
	free(id);
	assert_error(treqs_httpjobs_find(list, "TR-0042", &id), TREQS_ENOTFOUND, "no job named 'TR-0042'");
	json_decref(list);

	list = parse("[{\"id\": 7, \"name\": \"x\"}]");
	assert_int_equal(treqs_httpjobs_find(list, "x", &id), 0);
	assert_string_equal(id, "7");
	free(id);
	json_decref(list);

	list = parse("{\"jobs\": [{\"id\": 7, \"name\": \"x\"}, {\"id\": 8}]}");
	assert_error(treqs_httpjobs_find(list, "y", &id), TREQS_EENV, "'jobs[1].name' is missing");
	json_decref(list);
	list = parse("{\"jobs\": [{\"name\": \"y\"}]}");
	assert_error(treqs_httpjobs_find(list, "y", &id), TREQS_EENV, "jobs[0]: 'id' is missing");
	json_decref(list);
	list = parse("{\"items\": []}");
	assert_error(treqs_httpjobs_find(list, "y", &id), TREQS_EENV, "'jobs' is missing");
	json_decref(list);
}

static void test_httpjobs_resources(void **state)
{
	json_t *r = parse("{\"resources\": [{\"name\": \"n1\", \"gpu_type\": \"A100\", \"gpus_free\": 3, \"gpus_total\": 8,"
			  " \"gpu_memory_gb\": 80}, {\"name\": \"n\\u001b2\", \"gpus_free\": 0}]}");
	struct treqs_buf b = TREQS_BUF_INIT;

	assert_int_equal(treqs_httpjobs_resources(r, &b), 0);
	assert_buf_equal(&b, "  n1: 3/8 A100 free (80 GB each)\n  n?2: 0 free\n");
	json_decref(r);
	treqs_buf_free(&b);

	r = parse("{\"resources\": [{\"name\": \"n1\", \"gpus_free\": \"3\"}]}");
	assert_error(treqs_httpjobs_resources(r, &b), TREQS_EENV,
		     "'resources[0].gpus_free' is a string, expected an integer");
	json_decref(r);
	treqs_buf_free(&b);
}

/* ---- exec ---- */

static void test_execdrv_spec(void **state)
{
	struct treqs_job_spec s = spec();
	json_t *j = treqs_execdrv_spec(&s);

	assert_json(j, "{\"tr_id\": \"TR-0042\", \"digest\": \"abcdef1234\", \"name\": \"TR-0042-abcdef1\","
		       " \"argv\": [\"python3\", \"train.py\", \"--lr\", \"0.1\"], \"workdir\": \"/jobs/TR-0042-abcdef1/src\","
		       " \"env\": {\"SEED\": \"7\", \"TREQS_OUTPUT_DIR\": \"/jobs/TR-0042-abcdef1/output\"},"
		       " \"gpu_type\": \"A100\", \"gpu_count\": 4, \"time_limit_seconds\": 5400.5,"
		       " \"output_dir\": \"/jobs/TR-0042-abcdef1/output\", \"state_dir\": \"/jobs/TR-0042-abcdef1\","
		       " \"test_run\": false, \"max_restarts\": 1}");
	json_decref(j);
	s.gpu_type = NULL;
	s.test_run = 1;
	j = treqs_execdrv_spec(&s);
	assert_true(json_is_null(json_object_get(j, "gpu_type")));
	assert_true(json_is_true(json_object_get(j, "test_run")));
	json_decref(j);
}

static int reply_of(const char *out, json_t **r)
{
	return treqs_execdrv_parse_reply(out, strlen(out), r);
}

static void test_execdrv_parse_reply(void **state)
{
	json_t *r = NULL;

	assert_int_equal(reply_of("\n  {\"ok\": true, \"job_id\": \"j\"}  \r\n\n", &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "job_id")), "j");
	json_decref(r);
	assert_int_equal(reply_of("{\"ok\": false}", &r), 0); /* no newline: fine */
	json_decref(r);

	assert_error(reply_of("", &r), TREQS_EENV, "no reply on standard output (expected one line of JSON)");
	assert_error(reply_of(" \n\t\n", &r), TREQS_EENV, "no reply on standard output (expected one line of JSON)");
	assert_error(reply_of("starting\n{\"ok\": true}\n", &r), TREQS_EENV,
		     "2 lines on standard output, expected one line of JSON (messages for people go to standard error)");
	assert_int_equal(reply_of("{\"ok\": tru\n", &r), TREQS_EENV);
	assert_non_null(strstr(treqs_error_msg(), "the reply is not JSON ("));
	assert_non_null(strstr(treqs_error_msg(), "; it starts '{\"ok\": tru')"));
	treqs_error_clear();
	assert_error(reply_of("[true]", &r), TREQS_EENV, "the reply is not a JSON object");
	assert_error(reply_of("{\"job_id\": \"j\"}", &r), TREQS_EENV, "'ok' is missing");
	assert_error(reply_of("{\"ok\": \"yes\"}", &r), TREQS_EENV, "'ok' is a string, expected a boolean");
	assert_null(r);
}

static int failure_of(const char *reply)
{
	json_t *j = parse(reply);
	int ret = treqs_execdrv_failure(j);

	json_decref(j);
	return ret;
}

static void test_execdrv_failure(void **state)
{
	assert_error(failure_of("{\"ok\": false, \"error\": \"no such job\", \"code\": \"not_found\"}"), TREQS_ENOTFOUND,
		     "no such job");
	assert_error(failure_of("{\"ok\": false, \"error\": \"quota\", \"code\": \"failed\"}"), TREQS_EENV, "quota");
	assert_error(failure_of("{\"ok\": false, \"error\": \"quota\"}"), TREQS_EENV, "quota");
	assert_error(failure_of("{\"ok\": false, \"code\": \"unsupported\"}"), TREQS_EINVALID, "unsupported: (no message)");
	assert_error(failure_of("{\"ok\": false, \"error\": \"x\", \"code\": \"busy\"}"), TREQS_EENV, "x (code 'busy')");
	assert_error(failure_of("{\"ok\": false, \"error\": 5}"), TREQS_EENV, "'error' is an integer, expected a string");
}

static int exec_job_id(const char *reply, char **id)
{
	json_t *j = parse(reply);
	int ret = treqs_execdrv_job_id(j, id);

	json_decref(j);
	return ret;
}

static void test_execdrv_job_id(void **state)
{
	char *id = NULL;
	char long_id[300], reply[400];

	assert_int_equal(exec_job_id("{\"ok\": true, \"job_id\": \"slurm:123/4\"}", &id), 0);
	assert_string_equal(id, "slurm:123/4");
	free(id);
	assert_error(exec_job_id("{\"ok\": true}", &id), TREQS_EENV, "'job_id' is missing");
	assert_error(exec_job_id("{\"ok\": true, \"job_id\": \"\"}", &id), TREQS_EENV,
		     "'job_id' is '', expected 1-256 printable characters without spaces");
	assert_error(exec_job_id("{\"ok\": true, \"job_id\": \"a b\"}", &id), TREQS_EENV,
		     "'job_id' is 'a b', expected 1-256 printable characters without spaces");
	assert_error(exec_job_id("{\"ok\": true, \"job_id\": \"a\\nTReqs-Action: archive\"}", &id), TREQS_EENV,
		     "'job_id' is '(control characters)', expected 1-256 printable characters without spaces");
	memset(long_id, 'x', 257);
	long_id[257] = '\0';
	snprintf(reply, sizeof(reply), "{\"ok\": true, \"job_id\": \"%s\"}", long_id);
	assert_int_equal(exec_job_id(reply, &id), TREQS_EENV);
	treqs_error_clear();
	assert_null(id);
}

static int exec_status(const char *status, struct treqs_job_status *st)
{
	json_t *j = parse(status);
	int ret = treqs_execdrv_status(j, st);

	json_decref(j);
	return ret;
}

static void test_execdrv_status(void **state)
{
	struct treqs_job_status st;

	assert_int_equal(exec_status("{\"state\": \"running\", \"exit_code\": null, \"start_time\": 1714557600.5,"
				     " \"end_time\": null, \"restarts\": 1, \"detail\": \"on node 3\"}",
				     &st),
			 0);
	assert_int_equal(st.state, TREQS_JOB_RUNNING);
	assert_int_equal(st.exit_code, -1);
	assert_true(st.start_time == 1714557600.5);
	assert_int_equal(st.restarts, 1);
	assert_string_equal(st.detail, "on node 3");
	assert_int_equal(exec_status("{\"state\": \"failed\", \"exit_code\": 2, \"run_seconds\": 30}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_FAILED);
	assert_int_equal(st.exit_code, 2);
	assert_true(st.run_seconds == 30);
	assert_int_equal(exec_status("{\"state\": \"lost\"}", &st), 0);
	assert_int_equal(st.state, TREQS_JOB_LOST);

	assert_error(exec_status("{\"exit_code\": 0}", &st), TREQS_EENV, "'status.state' is missing");
	assert_error(exec_status("{\"state\": \"done\"}", &st), TREQS_EENV,
		     "'status.state' is 'done', expected pending, running, succeeded, failed, cancelled, timeout or lost");
	assert_error(exec_status("{\"state\": \"failed\", \"exit_code\": 1.5}", &st), TREQS_EENV,
		     "'status.exit_code' is a number, expected an integer");
	assert_error(exec_status("{\"state\": \"failed\", \"exit_code\": -7}", &st), TREQS_EENV,
		     "'status.exit_code' is -7, expected an exit status (0-383)");
	assert_error(exec_status("{\"state\": \"running\", \"restarts\": -1}", &st), TREQS_EENV,
		     "'status.restarts' is -1, expected a count");
	assert_error(exec_status("{\"state\": \"running\", \"end_time\": -1}", &st), TREQS_EENV,
		     "'status.end_time' is negative");
	assert_error(treqs_execdrv_status(NULL, &st), TREQS_EENV, "'status' is missing, expected an object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_tail_and_expand),
		cmocka_unit_test(test_dj_messages),
		cmocka_unit_test(test_k8s_job_name),
		cmocka_unit_test(test_k8s_job_body),
		cmocka_unit_test(test_k8s_job_status),
		cmocka_unit_test(test_k8s_job_status_refuses_garbage),
		cmocka_unit_test(test_k8s_last_pod),
		cmocka_unit_test(test_ray_quote),
		cmocka_unit_test(test_ray_submit_body),
		cmocka_unit_test(test_ray_job_status),
		cmocka_unit_test(test_ray_job_status_refuses_garbage),
		cmocka_unit_test(test_httpjobs_submit_body),
		cmocka_unit_test(test_httpjobs_job_id),
		cmocka_unit_test(test_httpjobs_status),
		cmocka_unit_test(test_httpjobs_find),
		cmocka_unit_test(test_httpjobs_resources),
		cmocka_unit_test(test_execdrv_spec),
		cmocka_unit_test(test_execdrv_parse_reply),
		cmocka_unit_test(test_execdrv_failure),
		cmocka_unit_test(test_execdrv_job_id),
		cmocka_unit_test(test_execdrv_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
