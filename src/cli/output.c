/*
 * output.c - the JSON and text forms of TRs and diagnostics shared by the
 * read commands.
 */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "treqs/repo.h"
#include "treqs/state.h"

json_t *cli_diags_json(const struct treqs_diags *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct treqs_diag *g = &d->v[i];
		json_t *o = json_pack("{s:s, s:s, s:s}", "severity", g->sev == TREQS_ERROR ? "error" : "warning",
				      "path", g->path, "message", g->msg);
		if (g->line)
			json_object_set_new(o, "line", json_integer(g->line));
		if (g->col)
			json_object_set_new(o, "column", json_integer(g->col));
		json_object_set_new(o, "field", g->field ? json_string(g->field) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *strv_json(const struct treqs_strv *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static json_t *num_json(double d)
{
	if (d == floor(d) && fabs(d) < 1e15)
		return json_integer((json_int_t)d);
	return json_real(d);
}

json_t *cli_tr_json(const struct treqs_tr *tr)
{
	json_t *o = json_object(), *res = json_object(), *run = json_object(), *exp = json_object();
	size_t i;

	json_object_set_new(o, "id", str_or_null(tr->id));
	json_object_set_new(o, "title", str_or_null(tr->title));
	json_object_set_new(o, "objective", str_or_null(tr->objective));
	json_object_set_new(o, "hypothesis", str_or_null(tr->hypothesis));
	json_object_set_new(o, "baseline", str_or_null(tr->baseline));
	json_object_set_new(res, "gpu_type", str_or_null(tr->gpu_type));
	json_object_set_new(res, "gpu_count", json_integer(tr->gpu_count));
	json_object_set_new(res, "hours", tr->hours > 0 ? num_json(tr->hours) : json_null());
	json_object_set_new(o, "resources", res);
	json_object_set_new(o, "datasets", strv_json(&tr->datasets));
	json_object_set_new(o, "cost_estimate_usd", tr->cost >= 0 ? num_json(tr->cost) : json_null());
	json_object_set_new(o, "eval_metrics", strv_json(&tr->eval_metrics));
	for (i = 0; i < tr->nexpected; i++)
		json_object_set_new(exp, tr->expected[i].metric, json_string(tr->expected[i].text));
	json_object_set_new(o, "expected", exp);
	json_object_set_new(run, "command", strv_json(&tr->command));
	json_object_set_new(run, "shell", json_boolean(tr->shell));
	if (tr->test_minutes > 0)
		json_object_set_new(run, "test_run", json_pack("{s:o, s:o}", "minutes", num_json(tr->test_minutes),
								   "args", strv_json(&tr->test_args)));
	json_object_set_new(o, "run", run);
	json_object_set_new(o, "submitted_by", str_or_null(tr->submitted_by));
	json_object_set_new(o, "reviewers", strv_json(&tr->reviewers));
	json_object_set_new(o, "status_in_file", str_or_null(tr->status_word));
	json_object_set_new(o, "team", str_or_null(tr->team));
	json_object_set_new(o, "driver", str_or_null(tr->driver));
	json_object_set_new(o, "notes", str_or_null(tr->notes));
	return o;
}

json_t *cli_loc_json(const struct treqs_loc *l)
{
	char commit[GIT_OID_HEXSZ + 1], blob[GIT_OID_HEXSZ + 1];

	git_oid_tostr(commit, sizeof(commit), &l->commit);
	git_oid_tostr(blob, sizeof(blob), &l->blob);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", treqs_where_name(l->where), "ref", l->ref, "commit",
			 commit, "blob", blob, "path", l->path);
}

void cli_put_safe(struct treqs_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			treqs_buf_printf(b, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* a C1 control character, such as U+009B (CSI) */
			treqs_buf_printf(b, "\\u%04x", p[1]);
			p++;
		} else
			treqs_buf_putc(b, (char)*p);
	}
}

char *cli_safe(const char *s)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	cli_put_safe(&b, s ? s : "");
	return treqs_buf_detach(&b);
}

void cli_put_cut(struct treqs_buf *b, const char *s, size_t width)
{
	size_t chars = 0;
	const char *p;

	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c & 0xc0) == 0x80) {
			treqs_buf_putc(b, (char)c);
			continue;
		}
		if (chars + 1 == width && strlen(p) > 1) {
			/* the last visible column: an ellipsis if more follows */
			size_t rest = 0;
			const char *q;
			for (q = p; *q; q++)
				if (((unsigned char)*q & 0xc0) != 0x80)
					rest++;
			if (rest > 1) {
				treqs_buf_puts(b, "\xe2\x80\xa6");
				chars++;
				break;
			}
		}
		if (chars == width)
			break;
		if (c == 0xc2 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9f) {
			treqs_buf_putc(b, '?'); /* a C1 control character */
			p++;
		} else {
			treqs_buf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
		}
		chars++;
	}
	while (chars++ < width)
		treqs_buf_putc(b, ' ');
}

const char *cli_fmt_num(char *buf, size_t n, double d)
{
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, n, "%.0f", d);
	else
		snprintf(buf, n, "%.2f", d);
	return buf;
}

json_t *cli_summary_json(const struct treqs_entry *e, const struct treqs_status *st)
{
	const struct treqs_tr *tr = st->tr;
	json_t *o = json_object(), *res = json_object(), *loc;

	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "state", json_string(treqs_state_name(st->state)));
	json_object_set_new(o, "title", tr && tr->title ? json_string(tr->title) : json_null());
	json_object_set_new(res, "gpu_type", tr && tr->gpu_type ? json_string(tr->gpu_type) : json_null());
	json_object_set_new(res, "gpu_count", json_integer(tr ? tr->gpu_count : 0));
	json_object_set_new(res, "hours", tr && tr->hours > 0 ? num_json(tr->hours) : json_null());
	json_object_set_new(o, "resources", res);
	json_object_set_new(o, "cost_estimate_usd", tr && tr->cost >= 0 ? num_json(tr->cost) : json_null());
	json_object_set_new(o, "submitted_by", st->submitter ? json_string(st->submitter)
							     : tr && tr->submitted_by ? json_string(tr->submitted_by) : json_null());
	json_object_set_new(o, "team", tr && tr->team ? json_string(tr->team) : json_null());
	json_object_set_new(o, "valid", json_boolean(tr && st->diags.nerrors == 0));
	json_object_set_new(o, "approvals", json_integer((json_int_t)st->policy.napprovals));
	loc = json_object();
	if (st->loc) {
		json_object_set_new(loc, "kind", json_string(treqs_where_name(st->loc->where)));
		json_object_set_new(loc, "ref", json_string(st->loc->ref));
	}
	json_object_set_new(o, "location", loc);
	if (st->job)
		json_object_set_new(o, "job", json_string(st->job));
	if (st->outcome)
		json_object_set_new(o, "outcome", json_string(st->outcome));
	return o;
}

json_t *cli_status_json(const struct treqs_entry *e, const struct treqs_status *st)
{
	json_t *o = st->tr ? cli_tr_json(st->tr) : json_object(), *ap = json_array(), *notes = json_array();
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;

	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "state", json_string(treqs_state_name(st->state)));
	json_object_set_new(o, "location", cli_loc_json(st->loc));
	json_object_set_new(o, "digest", st->digest[0] ? json_string(st->digest) : json_null());
	json_object_set_new(o, "valid", json_boolean(st->tr && st->diags.nerrors == 0));
	for (i = 0; i < st->policy.napprovals; i++) {
		const struct treqs_approval *a = &st->policy.approvals[i];
		git_oid_tostr(hex, sizeof(hex), &a->commit);
		json_array_append_new(ap, json_pack("{s:s, s:s, s:s, s:I}", "signer", a->principal, "fingerprint",
						    a->fingerprint, "commit", hex, "time", (json_int_t)a->time));
	}
	json_object_set_new(o, "approvals", ap);
	for (i = 0; i < st->policy.notes.n; i++)
		json_array_append_new(notes, json_string(st->policy.notes.v[i]));
	json_object_set_new(o, "policy_notes", notes);
	if (st->has_head) {
		git_oid_tostr(hex, sizeof(hex), &st->head);
		json_object_set_new(o, "head", json_string(hex));
	}
	if (st->job)
		json_object_set_new(o, "job", json_string(st->job));
	if (st->outcome)
		json_object_set_new(o, "outcome", json_string(st->outcome));
	if (st->result)
		json_object_set(o, "result", st->result);
	if (st->submitter)
		json_object_set_new(o, "submitted_by", json_string(st->submitter));
	return o;
}
