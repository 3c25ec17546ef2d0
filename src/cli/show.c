/*
 * show.c - treqs show ID [--json]
 */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "output.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/repo.h"
#include "treqs/state.h"
#include "treqs/tr.h"

static const struct cli_cmd_info info = {
	"show", "ID [--json]",
	"Shows one TR: its fields, its state (derived from git) and every place it lives.\n"
	"Exit status 1 when no TR has that id.",
};

/*
 * Prints a field of a TR, which anyone who can push wrote: control
 * characters (C0, DEL, C1: terminal escapes) are shown as \xNN, never sent
 * to the reviewer's terminal.
 */
static void put_safe(const char *s)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	cli_put_safe(&b, s);
	fputs(treqs_buf_cstr(&b), stdout);
	treqs_buf_free(&b);
}

static void field(const char *name, const char *value)
{
	if (value && *value) {
		printf("%-13s ", name);
		put_safe(value);
		putchar('\n');
	}
}

static void list_field(const char *name, const struct treqs_strv *v)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (i)
			treqs_buf_puts(&b, ", ");
		treqs_buf_puts(&b, v->v[i]);
	}
	field(name, treqs_buf_cstr(&b));
	treqs_buf_free(&b);
}

static void print_text(const struct treqs_tr *tr, const struct treqs_entry *e, const struct treqs_status *st)
{
	char when[64];
	struct tm tm;
	struct treqs_buf b = TREQS_BUF_INIT;
	char n1[32], n2[32];
	size_t i;

	printf("%s: ", e->id);
	put_safe(tr->title ? tr->title : "(no title)");
	putchar('\n');
	field("state:", treqs_state_name(st->state));
	field("objective:", tr->objective);
	field("hypothesis:", tr->hypothesis);
	field("baseline:", tr->baseline);
	treqs_buf_printf(&b, "%ld x %s for %s h", tr->gpu_count, tr->gpu_type ? tr->gpu_type : "?",
			 tr->hours > 0 ? cli_fmt_num(n1, sizeof(n1), tr->hours) : "?");
	field("resources:", treqs_buf_cstr(&b));
	treqs_buf_clear(&b);
	if (tr->cost >= 0) {
		treqs_buf_printf(&b, "$%s estimated", cli_fmt_num(n2, sizeof(n2), tr->cost));
		field("cost:", treqs_buf_cstr(&b));
	}
	list_field("datasets:", &tr->datasets);
	list_field("metrics:", &tr->eval_metrics);
	for (i = 0; i < tr->nexpected; i++) {
		treqs_buf_clear(&b);
		treqs_buf_printf(&b, "%s %s", tr->expected[i].metric, tr->expected[i].text);
		field(i ? "" : "expected:", treqs_buf_cstr(&b));
	}
	treqs_buf_clear(&b);
	for (i = 0; i < tr->command.n; i++) {
		if (i)
			treqs_buf_putc(&b, ' ');
		treqs_buf_puts(&b, tr->command.v[i]);
	}
	field(tr->shell ? "command (sh):" : "command:", treqs_buf_cstr(&b));
	field("team:", tr->team);
	field("driver:", tr->driver);
	field("submitted by:", st->submitter ? st->submitter : tr->submitted_by);
	list_field("reviewers:", &tr->reviewers);
	for (i = 0; i < e->nlocs; i++) {
		const struct treqs_loc *l = &e->locs[i];
		treqs_buf_clear(&b);
		treqs_buf_printf(&b, "%s:%s (%s, commit %.7s)", l->ref, l->path, treqs_where_name(l->where),
				 git_oid_tostr_s(&l->commit));
		field(i ? "" : "where:", treqs_buf_cstr(&b));
	}
	for (i = 0; i < st->policy.napprovals; i++) {
		const struct treqs_approval *a = &st->policy.approvals[i];
		time_t t = (time_t)a->time;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		treqs_buf_clear(&b);
		treqs_buf_printf(&b, "%s, key %s, %s (commit %.7s)", a->principal, a->fingerprint, when,
				 git_oid_tostr_s(&a->commit));
		field(i ? "" : "approved by:", treqs_buf_cstr(&b));
	}
	for (i = 0; i < st->policy.notes.n; i++)
		field(i ? "" : "policy:", st->policy.notes.v[i]);
	if (st->job)
		field("job:", st->job);
	if (st->outcome)
		field("outcome:", st->outcome);
	if (st->result) {
		json_t *c = json_object_get(st->result, "cost_actual_usd"), *exp = json_object_get(st->result, "expected");
		json_t *m = json_object_get(st->result, "metrics");
		const char *k;
		json_t *v;
		int first = 1;

		if (json_is_number(c)) {
			treqs_buf_clear(&b);
			treqs_buf_printf(&b, "$%.2f, %.4f GPU-hours", json_number_value(c),
					 json_number_value(json_object_get(st->result, "gpu_hours")));
			field("actual cost:", treqs_buf_cstr(&b));
		}
		json_object_foreach(m, k, v) {
			treqs_buf_clear(&b);
			treqs_buf_printf(&b, "%s = %.10g", k, json_number_value(v));
			field(first ? "results:" : "", treqs_buf_cstr(&b));
			first = 0;
		}
		for (i = 0; i < json_array_size(exp); i++) {
			json_t *x = json_array_get(exp, i);
			treqs_buf_clear(&b);
			treqs_buf_printf(&b, "%s %s: %s", json_string_value(json_object_get(x, "metric")),
					 json_string_value(json_object_get(x, "condition")),
					 json_string_value(json_object_get(x, "verdict")));
			field(i ? "" : "verdicts:", treqs_buf_cstr(&b));
		}
	}
	if (tr->notes && *tr->notes) {
		putchar('\n');
		put_safe(tr->notes);
		if (tr->notes[strlen(tr->notes) - 1] != '\n')
			putchar('\n');
	}
	treqs_buf_free(&b);
}

int cmd_show(int argc, char **argv)
{
	int json = 0, ret;
	struct cli_opt opts[] = {
		{"json", 0, CLI_FLAG, &json, NULL, "print a JSON object", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT;
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	const struct treqs_config *cfg;
	struct treqs_catalog *cat = NULL;
	const struct treqs_entry *e;
	struct treqs_status st;
	size_t i;

	memset(&st, 0, sizeof(st));
	if ((ret = cli_parse(argc, argv, &info, opts, &args)) != 0)
		return ret > 0 ? 0 : 2;
	if (args.n != 1) {
		treqs_strv_free(&args);
		return cli_die(2, "show: expected one TR id; usage: treqs show ID [--json]");
	}
	if ((ret = cli_open_repo(&repo)) < 0) {
		ret = cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
		goto out;
	}
	if ((ret = treqs_ctx_open(&ctx, repo)) < 0) {
		ret = cli_fail(ret);
		goto out;
	}
	cfg = ctx->cfg;
	if (!treqs_tr_id_valid(args.v[0], cfg)) {
		ret = cli_die(1, "show: '%s' is not a TR id (expected %s followed by %u or more digits)", args.v[0],
			      cfg->id_prefix, cfg->id_width);
		goto out;
	}
	if ((ret = treqs_catalog_scan(&cat, repo, cfg)) < 0) {
		ret = cli_fail(ret);
		goto out;
	}
	if (!(e = treqs_catalog_find(cat, args.v[0]))) {
		ret = cli_die(1, "show: no TR '%s' on any branch or in the archive", args.v[0]);
		goto out;
	}
	if ((ret = treqs_state_derive(&st, ctx, e)) < 0 || !st.tr) {
		if (ret == 0)
			treqs_diags_print(stderr, &st.diags);
		ret = ret < 0 ? cli_fail(ret) : cli_die(1, "show: %s cannot be read as YAML", e->id);
		goto out;
	}
	if (json) {
		json_t *o = cli_status_json(e, &st), *locs = json_array();
		for (i = 0; i < e->nlocs; i++)
			json_array_append_new(locs, cli_loc_json(&e->locs[i]));
		json_object_set_new(o, "locations", locs);
		ret = cli_print_json(o);
	} else {
		print_text(st.tr, e, &st);
		ret = 0;
	}
out:
	treqs_status_clear(&st);
	treqs_catalog_free(cat);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	treqs_strv_free(&args);
	return ret;
}
