/*
 * result.c - results of a run.
 */
#include "treqs/result.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void metric_lines(json_t *m, const char *log, size_t len)
{
	const char *p = log, *end = log + len;
	static const char tag[] = "treqs-metric ";

	while (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = eol ? eol : end;
		const char *t = p;

		while (t < line_end && (*t == ' ' || *t == '\t'))
			t++;
		if ((size_t)(line_end - t) > sizeof(tag) - 1 && !memcmp(t, tag, sizeof(tag) - 1)) {
			const char *name = t + sizeof(tag) - 1, *eq = memchr(name, '=', (size_t)(line_end - name));
			if (eq && eq > name && eq - name < 128) {
				char key[128], val[64];
				size_t vl = (size_t)(line_end - eq - 1);
				double d;
				char *e;

				memcpy(key, name, (size_t)(eq - name));
				key[eq - name] = '\0';
				while (vl && (eq[vl] == '\r' || eq[vl] == ' '))
					vl--;
				if (vl < sizeof(val)) {
					memcpy(val, eq + 1, vl);
					val[vl] = '\0';
					d = strtod(val, &e);
					if (e != val && !*e && isfinite(d))
						json_object_set_new(m, key, json_real(d));
				}
			}
		}
		p = eol ? eol + 1 : NULL;
	}
}

/*
 * metrics.json with Python's spellings of non-finite numbers (json.dump
 * writes NaN, Infinity and -Infinity unless told not to) made JSON: those
 * tokens outside strings become null.  Strict JSON would refuse the whole
 * file, and one diverged metric would take every other one with it.
 */
static char *python_json(const char *text, size_t len, size_t *outlen)
{
	static const char *const words[] = {"-Infinity", "Infinity", "NaN"};
	struct treqs_buf b = TREQS_BUF_INIT;
	size_t i = 0, w;
	int in_string = 0;

	while (i < len) {
		char c = text[i];

		if (in_string) {
			treqs_buf_putc(&b, c);
			if (c == '\\' && i + 1 < len)
				treqs_buf_putc(&b, text[++i]);
			else if (c == '"')
				in_string = 0;
			i++;
			continue;
		}
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			size_t n = strlen(words[w]);
			if (n <= len - i && !memcmp(text + i, words[w], n))
				break;
		}
		if (w < sizeof(words) / sizeof(words[0])) {
			treqs_buf_puts(&b, "null");
			i += strlen(words[w]);
			continue;
		}
		if (c == '"')
			in_string = 1;
		treqs_buf_putc(&b, c);
		i++;
	}
	*outlen = b.len;
	return treqs_buf_detach(&b);
}

json_t *treqs_metrics_collect(const char *metrics_json, size_t mlen, const char *log, size_t loglen)
{
	json_t *m = json_object(), *file = NULL;
	const char *k;
	json_t *v;

	if (log)
		metric_lines(m, log, loglen);
	/* integers as reals: a counter beyond 64 bits must not void the file */
	if (metrics_json && !(file = json_loadb(metrics_json, mlen, JSON_DECODE_INT_AS_REAL, NULL))) {
		size_t n;
		char *fixed = python_json(metrics_json, mlen, &n);
		file = json_loadb(fixed ? fixed : "", fixed ? n : 0, JSON_DECODE_INT_AS_REAL, NULL);
		free(fixed);
	}
	if (file) {
		if (json_is_object(file))
			json_object_foreach(file, k, v) if (json_is_number(v) && isfinite(json_number_value(v)))
				json_object_set_new(m, k, json_real(json_number_value(v)));
		json_decref(file);
	}
	return m;
}

/*
 * A JSON string of text that may not be valid UTF-8: an engine's message
 * cut at a byte count (the job status' detail holds 511 bytes) can end in
 * half a character, and json_string() refuses it - the key would silently
 * go missing.  Bytes that are not UTF-8 become '?'.
 */
static json_t *text_json(const char *s)
{
	json_t *j = json_string(s);
	char *copy, *p;

	if (j || !s)
		return j ? j : json_null();
	copy = xstrdup(s);
	for (p = copy; *p;) {
		unsigned char c = (unsigned char)*p;
		size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		size_t k;
		for (k = 1; k < n && ((unsigned char)p[k] & 0xc0) == 0x80; k++)
			;
		if (!n || k < n) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
	j = json_string(copy);
	if (!j) {
		/* what the check above lets through (overlong forms, surrogates): plain ASCII then */
		for (p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy);
	}
	free(copy);
	return j;
}

static json_t *iso_time(double t)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static double round2(double v)
{
	return round(v * 100.0) / 100.0;
}

json_t *treqs_result_build(const struct treqs_result_in *in, double *cost)
{
	json_t *r = json_object(), *metrics, *exp = json_array();
	const struct treqs_job_status *st = in->st;
	double secs = 0, gpu_hours;
	size_t i;

	metrics = treqs_metrics_collect(in->metrics_json, in->metrics_len, in->log, in->loglen);
	if (st) {
		secs = st->run_seconds > 0 ? st->run_seconds
					   : (st->end_time > st->start_time && st->start_time > 0 ? st->end_time - st->start_time : 0);
	}
	gpu_hours = (double)(in->tr ? in->tr->gpu_count : 1) * secs / 3600.0;
	/* the test run held the same GPUs: it is spent too (budgets count it) */
	if (in->test_run && json_is_number(json_object_get(in->test_run, "duration_seconds")))
		gpu_hours += (double)(in->tr ? in->tr->gpu_count : 1) *
			     json_number_value(json_object_get(in->test_run, "duration_seconds")) / 3600.0;
	*cost = in->price >= 0 ? round2(gpu_hours * in->price) : -1;

	json_object_set_new(r, "tr", json_string(in->id));
	json_object_set_new(r, "outcome", json_string(in->outcome));
	json_object_set_new(r, "job", in->job ? json_string(in->job) : json_null());
	json_object_set_new(r, "digest", in->digest ? json_string(in->digest) : json_null());
	json_object_set_new(r, "state", json_string(st ? treqs_job_state_name(st->state) : "not started"));
	json_object_set_new(r, "exit_status", st && st->exit_code >= 0 ? json_integer(st->exit_code) : json_null());
	json_object_set_new(r, "started", iso_time(st ? st->start_time : 0));
	json_object_set_new(r, "ended", iso_time(st ? st->end_time : 0));
	json_object_set_new(r, "duration_seconds", json_real(round2(secs)));
	json_object_set_new(r, "restarts", json_integer(st ? st->restarts : 0));
	json_object_set_new(r, "gpu_type", in->tr && in->tr->gpu_type ? json_string(in->tr->gpu_type) : json_null());
	json_object_set_new(r, "gpu_count", json_integer(in->tr ? in->tr->gpu_count : 1));
	json_object_set_new(r, "gpu_hours", json_real(round(gpu_hours * 10000.0) / 10000.0));
	json_object_set_new(r, "cost_actual_usd", *cost >= 0 ? json_real(*cost) : json_null());
	json_object_set_new(r, "cost_estimate_usd", in->tr && in->tr->cost >= 0 ? json_real(in->tr->cost) : json_null());
	json_object_set_new(r, "watcher", in->watcher ? json_string(in->watcher) : json_null());
	json_object_set_new(r, "message", in->message ? text_json(in->message)
						      : st && st->detail[0] ? text_json(st->detail) : json_null());
	for (i = 0; in->tr && i < in->tr->nexpected; i++) {
		const struct treqs_expect *e = &in->tr->expected[i];
		json_t *v = json_object_get(metrics, e->metric), *o;
		const char *verdict = !v ? "not reported" : treqs_expect_met(e, json_number_value(v)) ? "met" : "not met";

		o = json_pack("{s:s, s:s, s:s}", "metric", e->metric, "condition", e->text, "verdict", verdict);
		json_object_set_new(o, "value", v ? json_real(json_number_value(v)) : json_null());
		if (in->baseline_metrics) {
			json_t *b = json_object_get(in->baseline_metrics, e->metric);
			json_object_set_new(o, "baseline", b ? json_real(json_number_value(b)) : json_null());
		}
		json_array_append_new(exp, o);
	}
	json_object_set_new(r, "metrics", metrics);
	json_object_set_new(r, "expected", exp);
	if (in->baseline_id)
		json_object_set_new(r, "baseline", json_pack("{s:s, s:O}", "tr", in->baseline_id, "metrics",
							     in->baseline_metrics ? in->baseline_metrics : json_null()));
	if (in->test_run)
		json_object_set(r, "test_run", in->test_run);
	return r;
}
