/*
 * status.c - treqs status ID [--json] [--lines N]: a TR's live state.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "output.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/driver.h"
#include "treqs/exec.h"
#include "treqs/repo.h"
#include "treqs/state.h"

static const struct cli_cmd_info info = {
	"status", "ID [--json] [--lines N]",
	"Shows a TR's live state: its state, and when it was launched, the job, the job's\n"
	"state as its driver reports it, the elapsed time and the last lines of its output;\n"
	"when archived, the outcome and actual cost.",
};

static void tail_lines(const char *s, size_t len, long n, struct treqs_buf *out)
{
	size_t i = len;
	long seen = 0;

	if (n <= 0)
		return; /* --lines 0: none (the loop below would never stop early) */
	while (i > 0 && (s[i - 1] == '\n'))
		i--;
	while (i > 0) {
		if (s[i - 1] == '\n' && ++seen == n)
			break;
		i--;
	}
	treqs_buf_put(out, s + i, len - i);
}

int cmd_status(int argc, char **argv)
{
	int json = 0, ret;
	long lines = 10;
	struct cli_opt opts[] = {
		{"json", 0, CLI_FLAG, &json, NULL, "print a JSON object", 0},
		{"lines", 0, CLI_INT, &lines, "N", "how many lines of output to show (default 10)", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT;
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	struct treqs_catalog *cat = NULL;
	const struct treqs_entry *e;
	struct treqs_status st;
	struct treqs_driver *d = NULL;
	struct treqs_job_status js;
	struct treqs_buf log = TREQS_BUF_INIT, tail = TREQS_BUF_INIT, res = TREQS_BUF_INIT;
	json_t *o = NULL;
	char *dname = NULL;
	int have_job = 0;

	memset(&st, 0, sizeof(st));
	memset(&js, 0, sizeof(js));
	if ((ret = cli_parse(argc, argv, &info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n != 1 || lines < 0) {
		treqs_strv_free(&args);
		return cli_die(2, "status: usage: treqs status ID [--json] [--lines N]");
	}
	if ((ret = cli_open_repo(&repo)) < 0) {
		treqs_strv_free(&args);
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	}
	treqs_exec_default_env(repo);
	if ((ret = treqs_ctx_open(&ctx, repo)) < 0 || (ret = treqs_catalog_scan(&cat, repo, ctx->cfg)) < 0)
		goto fail;
	if (!(e = treqs_catalog_find(cat, args.v[0]))) {
		ret = treqs_error(TREQS_ENOTFOUND, "status: no TR '%s' on any branch or in the archive", args.v[0]);
		goto fail;
	}
	if ((ret = treqs_state_derive(&st, ctx, e)) < 0)
		goto fail;
	o = json_pack("{s:s, s:s}", "id", e->id, "state", treqs_state_name(st.state));
	if (st.job) {
		const char *colon = strchr(st.job, ':');
		json_object_set_new(o, "job", json_string(st.job));
		if (colon && (dname = xstrndup(st.job, (size_t)(colon - st.job))) &&
		    treqs_driver_open(&d, ctx->cfg, dname) == 0 && d->ops->poll(d, colon + 1, &js) == 0) {
			have_job = 1;
			d->ops->logs(d, colon + 1, 64 * 1024, &log);
			tail_lines(treqs_buf_cstr(&log), log.len, lines, &tail);
		} else {
			json_object_set_new(o, "job_error", json_string(treqs_error_msg()));
		}
	}
	if (have_job) {
		struct timespec ts;
		double end;

		/* drivers report start times to the millisecond: time(NULL) would make a fresh job's age negative */
		clock_gettime(CLOCK_REALTIME, &ts);
		end = js.end_time > 0 ? js.end_time : (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		json_object_set_new(o, "job_state", json_string(treqs_job_state_name(js.state)));
		json_object_set_new(o, "elapsed_seconds",
				    json_real(js.start_time > 0 && end > js.start_time ? end - js.start_time : 0));
		json_object_set_new(o, "restarts", json_integer(js.restarts));
		json_object_set_new(o, "exit_status", treqs_job_state_final(js.state) ? json_integer(js.exit_code) : json_null());
		json_object_set_new(o, "log_tail", json_string(treqs_buf_cstr(&tail)));
		if (js.detail[0])
			json_object_set_new(o, "detail", json_string(js.detail));
	}
	if (st.state == TREQS_STATE_ARCHIVED || st.state == TREQS_STATE_FAILED || st.state == TREQS_STATE_CANCELLED) {
		char *path = xasprintf("%s/%s/result.json", TREQS_ARCHIVE_DIR, e->id);
		json_t *r;
		if (treqs_repo_read(&res, NULL, repo, git_oid_tostr_s(&st.archive_commit), path) == 0 &&
		    (r = json_loadb(treqs_buf_cstr(&res), res.len, 0, NULL)))
			json_object_set_new(o, "result", r);
		treqs_error_clear();
		free(path);
	}
	if (d && d->ops->resources) {
		struct treqs_buf rb = TREQS_BUF_INIT;
		if (d->ops->resources(d, &rb) == 0 && rb.len)
			json_object_set_new(o, "resources", json_string(treqs_buf_cstr(&rb)));
		treqs_error_clear();
		treqs_buf_free(&rb);
	}
	if (json) {
		ret = cli_print_json(o);
		o = NULL;
	} else {
		json_t *r = json_object_get(o, "result");
		printf("%s: %s\n", e->id, treqs_state_name(st.state));
		if (st.job)
			printf("job:      %s\n", st.job);
		if (have_job) {
			double el = json_real_value(json_object_get(o, "elapsed_seconds"));
			printf("state:    %s%s%s\n", treqs_job_state_name(js.state), js.detail[0] ? " - " : "", js.detail);
			printf("elapsed:  %02d:%02d:%02d\n", (int)(el / 3600), (int)((long)el % 3600 / 60), (int)((long)el % 60));
			if (tail.len)
				printf("output:\n%s%s", treqs_buf_cstr(&tail),
				       tail.ptr[tail.len - 1] == '\n' ? "" : "\n");
		} else if (json_object_get(o, "job_error")) {
			printf("driver:   %s\n", json_string_value(json_object_get(o, "job_error")));
		}
		if (r) {
			json_t *c = json_object_get(r, "cost_actual_usd");
			printf("outcome:  %s\n", json_string_value(json_object_get(r, "outcome")));
			if (json_is_number(c))
				printf("cost:     %.2f USD\n", json_number_value(c));
		}
		if (json_object_get(o, "resources"))
			printf("resources:\n%s", json_string_value(json_object_get(o, "resources")));
		ret = 0;
	}
	goto out;
fail:
	ret = cli_fail(ret);
out:
	json_decref(o);
	treqs_driver_close(d);
	free(dname);
	treqs_buf_free(&log);
	treqs_buf_free(&tail);
	treqs_buf_free(&res);
	treqs_status_clear(&st);
	treqs_catalog_free(cat);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	treqs_strv_free(&args);
	return ret;
}
