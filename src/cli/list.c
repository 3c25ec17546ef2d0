/*
 * list.c - treqs list [--state S] [--json]
 */
#include <string.h>

#include "cli.h"
#include "output.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/repo.h"
#include "treqs/state.h"
#include "treqs/tr.h"

static const struct cli_cmd_info info = {
	"list", "[--state S] [--json]",
	"Lists every TR on every local branch, remote-tracking branch and in the archive,\n"
	"one line each: id, state, title, GPUs, hours, estimated cost, submitter.",
};

int cmd_list(int argc, char **argv)
{
	const char *state = NULL;
	int json = 0, ret;
	struct cli_opt opts[] = {
		{"state", 0, CLI_STRING, &state, "S", "only TRs in this state", 0},
		{"json", 0, CLI_FLAG, &json, NULL, "print a JSON array", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	enum treqs_state want = TREQS_STATE_UNKNOWN;
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	struct treqs_catalog *cat = NULL;
	struct treqs_buf line = TREQS_BUF_INIT;
	size_t i, nprinted = 0;

	if ((ret = cli_parse(argc, argv, &info, opts, NULL)) != 0)
		return ret > 0 ? 0 : 2;
	if (state) {
		const char *variant;
		want = treqs_state_parse(state, &variant);
		if (want == TREQS_STATE_UNKNOWN)
			return cli_die(2, "list: --state: '%s' is not a state (draft, review, changes-requested, "
					  "approved, rejected, withdrawn, running, executed, failed, cancelled, archived)",
				       state);
	}
	if ((ret = cli_open_repo(&repo)) < 0)
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	if ((ret = treqs_ctx_open(&ctx, repo)) < 0 || (ret = treqs_catalog_scan(&cat, repo, ctx->cfg)) < 0) {
		ret = cli_fail(ret);
		goto out;
	}
	/* JSON is streamed one TR at a time: 10,000 TRs must not sit in memory */
	if (json)
		fputs("[", stdout);
	for (i = 0; i < cat->n; i++) {
		const struct treqs_entry *e = &cat->v[i];
		struct treqs_tr *tr;
		struct treqs_status st;
		char n1[32], n2[32];

		if ((ret = treqs_state_derive(&st, ctx, e)) < 0) {
			ret = cli_fail(ret);
			goto out;
		}
		tr = st.tr;
		if (want != TREQS_STATE_UNKNOWN && st.state != want) {
			treqs_status_clear(&st);
			continue;
		}
		if (json) {
			json_t *o = cli_summary_json(e, &st);
			char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
			if (nprinted++)
				fputc(',', stdout);
			fputs(text, stdout);
			free(text);
			json_decref(o);
		} else {
			treqs_buf_clear(&line);
			treqs_buf_printf(&line, "%-8s  %-17s  ", e->id, treqs_state_name(st.state));
			cli_put_cut(&line, tr && tr->title ? tr->title : "(invalid)", 40);
			treqs_buf_printf(&line, "  %3ldx%-8s %6sh  $%-9s  %s", tr ? tr->gpu_count : 0,
					 tr && tr->gpu_type ? tr->gpu_type : "?",
					 tr && tr->hours > 0 ? cli_fmt_num(n1, sizeof(n1), tr->hours) : "?",
					 tr && tr->cost >= 0 ? cli_fmt_num(n2, sizeof(n2), tr->cost) : "?",
					 "");
			cli_put_safe(&line, tr && tr->submitted_by ? tr->submitted_by : "?");
			puts(treqs_buf_cstr(&line));
		}
		treqs_status_clear(&st);
	}
	if (json)
		fputs("]\n", stdout);
	ret = 0;
out:
	treqs_buf_free(&line);
	treqs_catalog_free(cat);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	return ret;
}
