/*
 * result.h - result.json: what a run did, what it cost, and how it did
 * against the TR's expectations (treqs-tr(5), RESULTS).
 */
#ifndef TREQS_RESULT_H
#define TREQS_RESULT_H

#include <jansson.h>

#include "treqs/driver.h"
#include "treqs/tr.h"

struct treqs_result_in {
	const char *id;
	const struct treqs_tr *tr;        /* the approved TR */
	const char *digest;
	const char *job;                  /* "driver:job-id" */
	const char *outcome;              /* "succeeded", "failed", "cancelled" */
	const struct treqs_job_status *st;
	const char *log;                  /* the output's tail */
	size_t loglen;
	const char *metrics_json;         /* $TREQS_OUTPUT_DIR/metrics.json, or NULL */
	size_t metrics_len;
	double price;                     /* USD per GPU-hour, < 0 when unknown */
	const char *baseline_id;          /* the TR's baseline, or NULL */
	json_t *baseline_metrics;         /* its metrics (borrowed), or NULL */
	const char *watcher;              /* the log watcher that fired, or NULL */
	json_t *test_run;                 /* the test run's summary (borrowed), or NULL */
	const char *message;              /* why, for people; may be NULL */
};

/*
 * Builds result.json's object.  *cost receives the actual cost in USD
 * (-1 when the price is unknown).
 */
json_t *treqs_result_build(const struct treqs_result_in *in, double *cost);

/*
 * Metrics reported by a run: metrics.json (an object of numbers) and lines
 * "treqs-metric NAME=VALUE" in the output (a later line wins; the file
 * wins over lines).  Returns a new object.
 */
json_t *treqs_metrics_collect(const char *metrics_json, size_t mlen, const char *log, size_t loglen);

#endif
