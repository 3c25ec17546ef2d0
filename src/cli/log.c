/*
 * log.c - treqs log ID [--json]: a TR's whole story from its commits.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "output.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/context.h"
#include "treqs/history.h"
#include "treqs/state.h"

static const struct cli_cmd_info info = {
	"log", "ID [--json]",
	"Shows a TR's story from its commits: created, edited, each review with its signer\n"
	"and whether the signature verifies against allowed_signers on the protected branch,\n"
	"launch and archive; then the comments grouped by field.",
};

static void fmt_time(char *buf, size_t n, git_time_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
}

/* A message (anyone's words) indented under its event, escaped. */
static void print_indented(const char *msg)
{
	char *safe = cli_safe(msg), *line, *save = NULL;

	for (line = strtok_r(safe, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("    %s\n", line);
	free(safe);
}

static json_t *event_json(const struct treqs_event *e)
{
	char hex[GIT_OID_HEXSZ + 1];
	json_t *o;

	git_oid_tostr(hex, sizeof(hex), &e->commit);
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "action", treqs_action_name(e->action), "name",
		      e->author_name, "email", e->author_email, "commit", hex, "time", (json_int_t)e->time, "summary",
		      e->summary, "message", e->message);
	json_object_set_new(o, "digest", e->digest ? json_string(e->digest) : json_null());
	json_object_set_new(o, "content_digest", e->content_digest ? json_string(e->content_digest) : json_null());
	json_object_set_new(o, "content_changed", json_boolean(e->content_changed));
	if (e->field)
		json_object_set_new(o, "field", json_string(e->field));
	if (e->line)
		json_object_set_new(o, "line", json_integer(e->line));
	if (e->job)
		json_object_set_new(o, "job", json_string(e->job));
	if (e->cost_actual)
		json_object_set_new(o, "cost_actual", json_string(e->cost_actual));
	if (e->verified_done) {
		json_object_set_new(o, "signed", json_boolean(e->verify.signed_));
		json_object_set_new(o, "verified", json_boolean(e->verify.valid));
		json_object_set_new(o, "signer", e->verify.valid ? json_string(e->verify.principal) : json_null());
		json_object_set_new(o, "fingerprint", e->verify.fingerprint ? json_string(e->verify.fingerprint) : json_null());
		if (e->verify.detail)
			json_object_set_new(o, "verify_detail", json_string(e->verify.detail));
	}
	return o;
}

int cmd_log(int argc, char **argv)
{
	int json = 0, ret;
	struct cli_opt opts[] = {
		{"json", 0, CLI_FLAG, &json, NULL, "print a JSON object", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv args = TREQS_STRV_INIT, fields = TREQS_STRV_INIT;
	git_repository *repo = NULL;
	struct treqs_ctx *ctx = NULL;
	struct treqs_catalog *cat = NULL;
	const struct treqs_entry *e;
	struct treqs_status st;
	size_t i, j;

	memset(&st, 0, sizeof(st));
	if ((ret = cli_parse(argc, argv, &info, opts, &args)) != 0)
		return treqs_strv_free(&args), ret > 0 ? 0 : 2;
	if (args.n != 1) {
		treqs_strv_free(&args);
		return cli_die(2, "log: expected one TR id");
	}
	if ((ret = cli_open_repo(&repo)) < 0) {
		treqs_strv_free(&args);
		return cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
	}
	if ((ret = treqs_ctx_open(&ctx, repo)) < 0 || (ret = treqs_catalog_scan(&cat, repo, ctx->cfg)) < 0)
		goto fail;
	if (!(e = treqs_catalog_find(cat, args.v[0]))) {
		ret = treqs_error(TREQS_ENOTFOUND, "log: no TR '%s' on any branch or in the archive", args.v[0]);
		goto fail;
	}
	if ((ret = treqs_state_derive(&st, ctx, e)) < 0)
		goto fail;
	for (i = 0; i < st.history.n; i++)
		if (st.history.v[i].action == TREQS_ACT_COMMENT || st.history.v[i].field)
			if (!treqs_strv_contains(&fields, st.history.v[i].field ? st.history.v[i].field : ""))
				treqs_strv_push(&fields, st.history.v[i].field ? st.history.v[i].field : "");
	if (json) {
		json_t *o = json_object(), *ev = json_array(), *com = json_object();
		json_object_set_new(o, "id", json_string(e->id));
		json_object_set_new(o, "state", json_string(treqs_state_name(st.state)));
		json_object_set_new(o, "title", st.tr && st.tr->title ? json_string(st.tr->title) : json_null());
		for (i = 0; i < st.history.n; i++)
			if (st.history.v[i].action != TREQS_ACT_NONE)
				json_array_append_new(ev, event_json(&st.history.v[i]));
		json_object_set_new(o, "events", ev);
		for (j = 0; j < fields.n; j++) {
			json_t *a = json_array();
			for (i = 0; i < st.history.n; i++) {
				const struct treqs_event *x = &st.history.v[i];
				if ((x->action == TREQS_ACT_COMMENT || x->field) &&
				    !strcmp(x->field ? x->field : "", fields.v[j]))
					json_array_append_new(a, event_json(x));
			}
			json_object_set_new(com, *fields.v[j] ? fields.v[j] : "(general)", a);
		}
		json_object_set_new(o, "comments", com);
		ret = cli_print_json(o);
		goto out;
	}
	{
		char *t = cli_safe(st.tr && st.tr->title ? st.tr->title : "(no title)");
		printf("%s: %s [%s]\n", e->id, t, treqs_state_name(st.state));
		free(t);
	}
	for (i = 0; i < st.history.n; i++) {
		const struct treqs_event *x = &st.history.v[i];
		char when[32], sig[160] = "";

		if (x->action == TREQS_ACT_NONE)
			continue;
		fmt_time(when, sizeof(when), x->time);
		if (x->verified_done) {
			if (x->verify.valid)
				snprintf(sig, sizeof(sig), "  signed, verified (%s)", x->verify.fingerprint);
			else
				snprintf(sig, sizeof(sig), "  %s", x->verify.signed_ ? "signed, NOT verified" : "unsigned");
		}
		{
			char *who = cli_safe(x->author_email);
			printf("%s  %-15s  %-28s  %.7s%s\n", when, treqs_action_name(x->action), who,
			       git_oid_tostr_s(&x->commit), sig);
			free(who);
		}
		if (x->verified_done && x->verify.signed_ && !x->verify.valid && x->verify.detail) {
			char *d = cli_safe(x->verify.detail);
			printf("    (%s)\n", d);
			free(d);
		}
		if (x->job) {
			char *jb = cli_safe(x->job);
			printf("    job %s\n", jb);
			free(jb);
		}
		if (x->message && *x->message && !x->field && x->action != TREQS_ACT_COMMENT)
			print_indented(x->message);
	}
	for (j = 0; j < fields.n; j++) {
		printf("\ncomments on %s:\n", *fields.v[j] ? fields.v[j] : "the TR");
		for (i = 0; i < st.history.n; i++) {
			const struct treqs_event *x = &st.history.v[i];
			char when[32];
			if (!((x->action == TREQS_ACT_COMMENT || x->field) && !strcmp(x->field ? x->field : "", fields.v[j])))
				continue;
			fmt_time(when, sizeof(when), x->time);
			{
				char *who = cli_safe(x->author_email);
				printf("  %s  %s", when, who);
				free(who);
			}
			if (x->line)
				printf(" (line %ld)", x->line);
			{
				const char *m = x->message && *x->message ? x->message : x->summary;
				if (strchr(m, '\n')) {
					printf(":\n");
					print_indented(m);
				} else {
					char *safe = cli_safe(m);
					printf(": %s\n", safe);
					free(safe);
				}
			}
		}
	}
	for (i = 0; i < st.policy.notes.n; i++) {
		char *n = cli_safe(st.policy.notes.v[i]);
		printf("%s%s\n", i ? "        " : "\npolicy: ", n);
		free(n);
	}
	ret = 0;
	goto out;
fail:
	ret = cli_fail(ret);
out:
	treqs_status_clear(&st);
	treqs_catalog_free(cat);
	treqs_ctx_free(ctx);
	git_repository_free(repo);
	treqs_strv_free(&args);
	treqs_strv_free(&fields);
	return ret;
}
