/*
 * test_tr.c - loading Training Requests: the DESIGN example, required
 * fields, accepted variants, typo hints, ranges, ids, expectations and the
 * cost check against the price catalog.
 */
#include "unit.h"

#include <math.h>
#include <unistd.h>

#include "treqs/config.h"
#include "treqs/run.h"
#include "treqs/tr.h"

/* The example of DESIGN.md section 2, byte for byte. */
static const char example[] = "id: TR-0042\n"                                                       /* 1 */
			      "title: \"Larger batch with linear LR scaling\"\n"                     /* 2 */
			      "objective: \"Same validation loss as TR-0031 in half the wall time\"\n" /* 3 */
			      "hypothesis: \"batch 128 and lr 4e-4 keep loss within 5% of baseline\"\n" /* 4 */
			      "baseline: TR-0031\n"                                                  /* 5 */
			      "resources:\n"                                                         /* 6 */
			      "  gpu_type: A100\n"                                                   /* 7 */
			      "  gpu_count: 2\n"                                                     /* 8 */
			      "  hours: 12\n"                                                        /* 9 */
			      "datasets: [imagenet_v3]\n"                                            /* 10 */
			      "cost_estimate_usd: 240\n"                                             /* 11 */
			      "eval_metrics: [val_loss, throughput]\n"                               /* 12 */
			      "expected:\n"                                                          /* 13 */
			      "  val_loss: \"<= 0.47\"\n"                                            /* 14 */
			      "run:\n"                                                               /* 15 */
			      "  command: [\"python\", \"train.py\", \"--batch-size\", \"128\"]\n"   /* 16 */
			      "  test_run: { minutes: 10, args: [\"--max-steps\", \"100\"] }\n"      /* 17 */
			      "submitted_by: \"jane@example.org\"\n"                                 /* 18 */
			      "reviewers: [\"ml-lead@example.org\"]\n"                               /* 19 */
			      "status: review\n"                                                     /* 20 */
			      "notes: |\n"                                                           /* 21 */
			      "  Free text.\n";                                                      /* 22 */

/* example with the first occurrence of from replaced by to; caller frees */
static char *variant_of(const char *from, const char *to)
{
	const char *at = strstr(example, from);
	struct treqs_buf b = TREQS_BUF_INIT;

	assert_non_null(at);
	treqs_buf_put(&b, example, (size_t)(at - example));
	treqs_buf_puts(&b, to);
	treqs_buf_puts(&b, at + strlen(from));
	return treqs_buf_detach(&b);
}

/* Loads text with cfg; asserts the return code and the exact diagnostics. */
static struct treqs_tr *load_cfg(const char *text, const struct treqs_config *cfg, int want, const char *diags)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = NULL;
	int ret = treqs_tr_load(&tr, text, strlen(text), "f.yaml", cfg, &d);

	assert_diags(&d, diags);
	assert_int_equal(ret, want);
	treqs_diags_free(&d);
	return tr;
}

/* Same, freeing the TR. */
static void check(const char *text, int want, const char *diags)
{
	treqs_tr_free(load_cfg(text, NULL, want, diags));
}

/* Same on a variant of the example. */
static void check_variant(const char *from, const char *to, int want, const char *diags)
{
	char *text = variant_of(from, to);

	check(text, want, diags);
	free(text);
}

static struct treqs_config *config(const char *text)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_config *cfg = NULL;

	assert_int_equal(treqs_config_parse(&cfg, text, strlen(text), "config.yaml", &d), 0);
	assert_diags(&d, "");
	treqs_diags_free(&d);
	return cfg;
}

/* ---- the example ---- */

static void test_design_example(void **state)
{
	struct treqs_tr *tr = load_cfg(example, NULL, 0, "");

	assert_non_null(tr);
	assert_string_equal(tr->path, "f.yaml");
	assert_string_equal(tr->id, "TR-0042");
	assert_string_equal(tr->title, "Larger batch with linear LR scaling");
	assert_string_equal(tr->objective, "Same validation loss as TR-0031 in half the wall time");
	assert_string_equal(tr->hypothesis, "batch 128 and lr 4e-4 keep loss within 5% of baseline");
	assert_string_equal(tr->baseline, "TR-0031");
	assert_string_equal(tr->gpu_type, "A100");
	assert_int_equal(tr->gpu_count, 2);
	assert_true(tr->hours == 12.0);
	assert_true(tr->cost == 240.0);
	assert_int_equal(tr->datasets.n, 1);
	assert_string_equal(tr->datasets.v[0], "imagenet_v3");
	assert_int_equal(tr->eval_metrics.n, 2);
	assert_string_equal(tr->eval_metrics.v[0], "val_loss");
	assert_string_equal(tr->eval_metrics.v[1], "throughput");
	assert_int_equal(tr->nexpected, 1);
	assert_string_equal(tr->expected[0].metric, "val_loss");
	assert_string_equal(tr->expected[0].op, "<=");
	assert_true(tr->expected[0].value == 0.47);
	assert_string_equal(tr->expected[0].text, "<= 0.47");
	assert_int_equal(tr->command.n, 4);
	assert_string_equal(tr->command.v[0], "python");
	assert_string_equal(tr->command.v[1], "train.py");
	assert_string_equal(tr->command.v[2], "--batch-size");
	assert_string_equal(tr->command.v[3], "128");
	assert_null(tr->command.v[4]);
	assert_int_equal(tr->shell, 0);
	assert_true(tr->test_minutes == 10.0);
	assert_int_equal(tr->test_args.n, 2);
	assert_string_equal(tr->test_args.v[0], "--max-steps");
	assert_string_equal(tr->test_args.v[1], "100");
	assert_string_equal(tr->submitted_by, "jane@example.org");
	assert_int_equal(tr->reviewers.n, 1);
	assert_string_equal(tr->reviewers.v[0], "ml-lead@example.org");
	assert_int_equal(tr->status, TREQS_STATE_REVIEW);
	assert_string_equal(tr->status_word, "review");
	assert_string_equal(tr->notes, "Free text.\n");
	assert_null(tr->team);
	assert_null(tr->driver);
	assert_null(tr->workdir);
	assert_int_equal(tr->nenv, 0);
	assert_non_null(tr->doc);
	treqs_tr_free(tr);
	treqs_tr_free(NULL);
}

static void test_design_example_with_default_config(void **state)
{
	struct treqs_config *cfg = treqs_config_new_default();

	treqs_tr_free(load_cfg(example, cfg, 0, ""));
	treqs_config_free(cfg);
}

static void test_minimal_tr_defaults(void **state)
{
	struct treqs_tr *tr = load_cfg("id: TR-0001\ntitle: t\nobjective: o\nresources: {gpu_type: H100, hours: 0.5}\n"
				       "cost_estimate_usd: 0\n",
				       NULL, 0, "");

	assert_int_equal(tr->gpu_count, 1); /* absent means 1 */
	assert_true(tr->hours == 0.5);
	assert_true(tr->cost == 0.0);
	assert_int_equal(tr->status, TREQS_STATE_UNKNOWN);
	assert_null(tr->status_word);
	assert_null(tr->submitted_by);
	assert_int_equal(tr->reviewers.n, 0);
	assert_int_equal(tr->nexpected, 0);
	assert_int_equal(tr->command.n, 0);
	treqs_tr_free(tr);
}

static void test_utf8_strings_with_spaces(void **state)
{
	char *text = variant_of("eval_metrics: [val_loss, throughput]",
				"eval_metrics: [\"F1 Score\", Top-1 Pr\xc3\xa9" "cision]");
	struct treqs_tr *tr = load_cfg(text, NULL, 0, "");

	assert_string_equal(tr->eval_metrics.v[0], "F1 Score");
	assert_string_equal(tr->eval_metrics.v[1], "Top-1 Pr\xc3\xa9" "cision");
	treqs_tr_free(tr);
	free(text);
}

static void test_not_a_mapping(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = (struct treqs_tr *)&d;

	check("", TREQS_EINVALID, "f.yaml:1:1: document: expected a mapping of TR fields, found an empty file\n");
	check("# just a comment\n", TREQS_EINVALID,
	      "f.yaml:1:1: document: expected a mapping of TR fields, found only comments\n");
	check("\n  \n", TREQS_EINVALID, "f.yaml:1:1: document: expected a mapping of TR fields, found an empty file\n");
	check("\n\n- a\n- b\n", TREQS_EINVALID,
	      "f.yaml:3:1: document: expected a mapping of TR fields, found a list of 2 items\n");
	check("just text\n", TREQS_EINVALID,
	      "f.yaml:1:1: document: expected a mapping of TR fields, found the string \"just text\"\n");
	/* not YAML at all: no TR */
	assert_int_equal(treqs_tr_load(&tr, "a: [", 4, "f.yaml", NULL, &d), TREQS_EINVALID);
	assert_null(tr);
	assert_int_equal(d.nerrors, 1);
	treqs_diags_free(&d);
}

/* ---- required fields ---- */

static void test_required_fields_missing(void **state)
{
	check_variant("id: TR-0042\n", "", TREQS_EINVALID, "f.yaml:1:1: id: expected the TR's id, found no 'id' field\n");
	check_variant("title: \"Larger batch with linear LR scaling\"\n", "", TREQS_EINVALID,
		      "f.yaml:1:1: title: expected a one-line title, found no 'title' field\n");
	check_variant("objective: \"Same validation loss as TR-0031 in half the wall time\"\n", "", TREQS_EINVALID,
		      "f.yaml:1:1: objective: expected what the run is for, found no 'objective' field\n");
	check_variant("cost_estimate_usd: 240\n", "", TREQS_EINVALID,
		      "f.yaml:1:1: cost_estimate_usd: expected a cost estimate in USD, found no "
		      "'cost_estimate_usd' field\n");
	/* missing under resources: reported at resources: */
	check_variant("  gpu_type: A100\n", "", TREQS_EINVALID,
		      "f.yaml:6:1: resources.gpu_type: expected the GPU type, found no 'resources.gpu_type' field\n");
	check_variant("  hours: 12\n", "", TREQS_EINVALID,
		      "f.yaml:6:1: resources.hours: expected the hours the run needs, found no 'resources.hours' "
		      "field\n");
	check_variant("resources:\n  gpu_type: A100\n  gpu_count: 2\n  hours: 12\n", "", TREQS_EINVALID,
		      "f.yaml:1:1: resources.gpu_type: expected the GPU type, found no 'resources.gpu_type' field\n"
		      "f.yaml:1:1: resources.hours: expected the hours the run needs, found no 'resources.hours' "
		      "field\n");
}

static void test_optional_fields_missing(void **state)
{
	/* everything else may go */
	static const char *const optional[] = {
		"hypothesis: \"batch 128 and lr 4e-4 keep loss within 5% of baseline\"\n",
		"baseline: TR-0031\n",
		"  gpu_count: 2\n",
		"datasets: [imagenet_v3]\n",
		"eval_metrics: [val_loss, throughput]\n",
		"expected:\n  val_loss: \"<= 0.47\"\n",
		"  test_run: { minutes: 10, args: [\"--max-steps\", \"100\"] }\n",
		"submitted_by: \"jane@example.org\"\n",
		"reviewers: [\"ml-lead@example.org\"]\n",
		"status: review\n",
		"notes: |\n  Free text.\n",
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(optional); i++)
		check_variant(optional[i], "", 0, "");
}

static void test_required_fields_wrong(void **state)
{
	check_variant("title: \"Larger batch with linear LR scaling\"", "title: \"two\\nlines\"", TREQS_EINVALID,
		      "f.yaml:2:8: title: expected a single line of text, found the string \"two\\nlines\"\n");
	check_variant("title: \"Larger batch with linear LR scaling\"", "title: \"  \"", TREQS_EINVALID,
		      "f.yaml:2:8: title: expected a non-empty string, found the string \"  \"\n");
	check_variant("title: \"Larger batch with linear LR scaling\"", "title:", TREQS_EINVALID,
		      "f.yaml:2:7: title: expected a non-empty string, found nothing\n");
	check_variant("objective: \"Same validation loss as TR-0031 in half the wall time\"", "objective: [a]",
		      TREQS_EINVALID, "f.yaml:3:12: objective: expected a non-empty string, found a list of 1 item\n");
	check_variant("resources:\n  gpu_type: A100\n  gpu_count: 2\n  hours: 12\n", "resources: 12\n", TREQS_EINVALID,
		      "f.yaml:6:12: resources: expected a mapping, found the number 12\n");
	check_variant("gpu_type: A100", "gpu_type: \"A100; rm -rf /\"", TREQS_EINVALID,
		      "f.yaml:7:13: resources.gpu_type: expected a GPU type of letters, digits, '-', '_', '.' or "
		      "spaces (at most 64), found the string \"A100; rm -rf /\"\n");
}

/* ---- variants ---- */

static void test_variant_submitter(void **state)
{
	char *text = variant_of("submitted_by:", "submitter:");
	struct treqs_tr *tr = load_cfg(text, NULL, 0,
				       "f.yaml:18:1: warning: submitter: accepted variant; the canonical form is "
				       "'submitted_by'\n");

	assert_string_equal(tr->submitted_by, "jane@example.org");
	treqs_tr_free(tr);
	free(text);
}

static void test_variant_submitter_and_submitted_by(void **state)
{
	check_variant("submitted_by: \"jane@example.org\"\n",
		      "submitted_by: \"jane@example.org\"\nsubmitter: \"joe@example.org\"\n", TREQS_EINVALID,
		      "f.yaml:19:1: submitter: expected one of 'submitter' and 'submitted_by', found both "
		      "('submitted_by' at line 18)\n");
}

static void test_variant_top_level_resources(void **state)
{
	char *text;
	struct treqs_tr *tr;

	/* all three at the top, no resources at all: three warnings, no error */
	text = variant_of("resources:\n  gpu_type: A100\n  gpu_count: 2\n  hours: 12\n",
			  "gpu_type: A100\ngpu_count: 2\nhours: 12\n");
	tr = load_cfg(text, NULL, 0,
		      "f.yaml:6:1: warning: gpu_type: accepted variant; the canonical form is 'resources.gpu_type'\n"
		      "f.yaml:8:1: warning: hours: accepted variant; the canonical form is 'resources.hours'\n"
		      "f.yaml:7:1: warning: gpu_count: accepted variant; the canonical form is 'resources.gpu_count'\n");
	assert_string_equal(tr->gpu_type, "A100");
	assert_int_equal(tr->gpu_count, 2);
	assert_true(tr->hours == 12.0);
	treqs_tr_free(tr);
	free(text);
}

static void test_variant_top_level_beside_resources(void **state)
{
	char *text;
	struct treqs_tr *tr;

	text = variant_of("resources:\n  gpu_type: A100\n", "gpu_type: A100\nresources:\n");
	tr = load_cfg(text, NULL, 0,
		      "f.yaml:6:1: warning: gpu_type: accepted variant; the canonical form is 'resources.gpu_type'\n");
	assert_string_equal(tr->gpu_type, "A100");
	treqs_tr_free(tr);
	free(text);

	text = variant_of("  hours: 12\n", "");
	{
		char *t2 = xasprintf("hours: 12\n%s", text);
		tr = load_cfg(t2, NULL, 0,
			      "f.yaml:1:1: warning: hours: accepted variant; the canonical form is 'resources.hours'\n");
		assert_true(tr->hours == 12.0);
		treqs_tr_free(tr);
		free(t2);
	}
	free(text);

	text = variant_of("  gpu_count: 2\n", "");
	{
		char *t2 = xasprintf("%sgpu_count: 3\n", text);
		tr = load_cfg(t2, NULL, 0,
			      "f.yaml:22:1: warning: gpu_count: accepted variant; the canonical form is "
			      "'resources.gpu_count'\n");
		assert_int_equal(tr->gpu_count, 3);
		treqs_tr_free(tr);
		free(t2);
	}
	free(text);
}

static void test_variant_top_level_and_nested(void **state)
{
	check_variant("datasets:", "hours: 3\ndatasets:", TREQS_EINVALID,
		      "f.yaml:10:1: hours: expected one of 'hours' and 'resources.hours', found both "
		      "('resources.hours' at line 9)\n");
}

static void test_variant_status_words(void **state)
{
	static const char *const words[] = {"pending", "in review", "reviewed"};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(words); i++) {
		char *to = xasprintf("status: %s\n", words[i]);
		char *want = xasprintf("f.yaml:20:9: warning: status: accepted variant '%s'; the canonical word is "
				       "'review'\n",
				       words[i]);
		char *text = variant_of("status: review\n", to);
		struct treqs_tr *tr = load_cfg(text, NULL, 0, want);

		assert_int_equal(tr->status, TREQS_STATE_REVIEW);
		assert_string_equal(tr->status_word, words[i]);
		treqs_tr_free(tr);
		free(text);
		free(want);
		free(to);
	}
}

static void test_status_words(void **state)
{
	const char *var = "x";

	assert_int_equal(treqs_state_parse("changes-requested", &var), TREQS_STATE_CHANGES_REQUESTED);
	assert_null(var);
	assert_int_equal(treqs_state_parse("archived", &var), TREQS_STATE_ARCHIVED);
	assert_int_equal(treqs_state_parse("Review", &var), TREQS_STATE_UNKNOWN);
	assert_int_equal(treqs_state_parse("in review", &var), TREQS_STATE_REVIEW);
	assert_string_equal(var, "review");
	assert_string_equal(treqs_state_name(TREQS_STATE_CHANGES_REQUESTED), "changes-requested");
	assert_string_equal(treqs_state_name(TREQS_STATE_UNKNOWN), "unknown");

	check_variant("status: review\n", "status: done\n", TREQS_EINVALID,
		      "f.yaml:20:9: status: expected one of draft, review, changes-requested, approved, rejected, "
		      "withdrawn, running, executed, failed, cancelled, archived, found the string \"done\"\n");
}

/* ---- unknown fields ---- */

static void test_unknown_fields(void **state)
{
	check_variant("notes:", "titel: x\nnotes:", 0,
		      "f.yaml:21:1: warning: titel: unknown field (did you mean 'title'?)\n");
	check_variant("notes:", "reviewer: [a@example.org]\nnotes:", 0,
		      "f.yaml:21:1: warning: reviewer: unknown field (did you mean 'reviewers'?)\n");
	check_variant("  hours: 12\n", "  hours: 12\n  gpu_typ: x\n", 0,
		      "f.yaml:10:3: warning: resources.gpu_typ: unknown field (did you mean 'resources.gpu_type'?)\n");
	check_variant("  command:", "  comand: [a]\n  command:", 0,
		      "f.yaml:16:3: warning: run.comand: unknown field (did you mean 'run.command'?)\n");
	check_variant("minutes: 10,", "minutes: 10, argz: [],", 0,
		      "f.yaml:17:28: warning: run.test_run.argz: unknown field (did you mean 'run.test_run.args'?)\n");
	check_variant("notes:", "zzz_unrelated: 1\nnotes:", 0,
		      "f.yaml:21:1: warning: zzz_unrelated: unknown field, ignored\n");
}

/* ---- ranges ---- */

static void test_hours_range(void **state)
{
	check_variant("hours: 12", "hours: 0.25", 0, "");
	check_variant("hours: 12", "hours: 0", TREQS_EINVALID,
		      "f.yaml:9:10: resources.hours: expected a number of hours greater than 0 (at most 100000), found "
		      "the number 0\n");
	check_variant("hours: 12", "hours: -3", TREQS_EINVALID,
		      "f.yaml:9:10: resources.hours: expected a number of hours greater than 0 (at most 100000), found "
		      "the number -3\n");
	check_variant("hours: 12", "hours: .inf", TREQS_EINVALID,
		      "f.yaml:9:10: resources.hours: expected a finite number, found the number .inf\n");
	check_variant("hours: 12", "hours: .nan", TREQS_EINVALID,
		      "f.yaml:9:10: resources.hours: expected a finite number, found the number .nan\n");
	check_variant("hours: 12", "hours: \"12\"", TREQS_EINVALID,
		      "f.yaml:9:10: resources.hours: expected a number (written without quotes), found the string \"12\"\n");
	check_variant("hours: 12", "hours: twelve", TREQS_EINVALID,
		      "f.yaml:9:10: resources.hours: expected a number, found the string \"twelve\"\n");
	check_variant("hours: 12", "hours:", TREQS_EINVALID,
		      "f.yaml:9:9: resources.hours: expected a number, found nothing\n");
}

static void test_gpu_count_range(void **state)
{
	check_variant("gpu_count: 2", "gpu_count: 1", 0, "");
	check_variant("gpu_count: 2", "gpu_count: 0", TREQS_EINVALID,
		      "f.yaml:8:14: resources.gpu_count: expected a whole number from 1 to 100000, found the number 0\n");
	check_variant("gpu_count: 2", "gpu_count: -1", TREQS_EINVALID,
		      "f.yaml:8:14: resources.gpu_count: expected a whole number from 1 to 100000, found the number -1\n");
	check_variant("gpu_count: 2", "gpu_count: 1.5", TREQS_EINVALID,
		      "f.yaml:8:14: resources.gpu_count: expected a whole number from 1 to 100000, found the number 1.5\n");
	check_variant("gpu_count: 2", "gpu_count: true", TREQS_EINVALID,
		      "f.yaml:8:14: resources.gpu_count: expected a whole number from 1 to 100000, found the boolean "
		      "true\n");
}

static void test_cost_range(void **state)
{
	check_variant("cost_estimate_usd: 240", "cost_estimate_usd: 0", 0, "");
	check_variant("cost_estimate_usd: 240", "cost_estimate_usd: 12.5", 0, "");
	check_variant("cost_estimate_usd: 240", "cost_estimate_usd: -0.01", TREQS_EINVALID,
		      "f.yaml:11:20: cost_estimate_usd: expected a cost in USD of 0 or more, found the number -0.01\n");
	check_variant("cost_estimate_usd: 240", "cost_estimate_usd: $240", TREQS_EINVALID,
		      "f.yaml:11:20: cost_estimate_usd: expected a number, found the string \"$240\"\n");
	check_variant("cost_estimate_usd: 240", "cost_estimate_usd: -.inf", TREQS_EINVALID,
		      "f.yaml:11:20: cost_estimate_usd: expected a finite number, found the number -.inf\n");
}

/* ---- ids ---- */

static void test_id_valid_default(void **state)
{
	assert_true(treqs_tr_id_valid("TR-0042", NULL));
	assert_true(treqs_tr_id_valid("TR-0000", NULL));
	assert_true(treqs_tr_id_valid("TR-12345", NULL));
	assert_true(treqs_tr_id_valid("TR-123456789", NULL));
	assert_false(treqs_tr_id_valid("TR-1234567890", NULL)); /* would overflow the number */
	assert_false(treqs_tr_id_valid("TR-042", NULL));
	assert_false(treqs_tr_id_valid("TR-", NULL));
	assert_false(treqs_tr_id_valid("tr-0042", NULL));
	assert_false(treqs_tr_id_valid("TR0042", NULL));
	assert_false(treqs_tr_id_valid("TR-0042 ", NULL));
	assert_false(treqs_tr_id_valid(" TR-0042", NULL));
	assert_false(treqs_tr_id_valid("TR--042", NULL));
	assert_false(treqs_tr_id_valid("TR-+042", NULL));
	assert_false(treqs_tr_id_valid("", NULL));
	assert_false(treqs_tr_id_valid(NULL, NULL));
	/* path and shell characters never make an id */
	assert_false(treqs_tr_id_valid("TR-0042/../../etc/passwd", NULL));
	assert_false(treqs_tr_id_valid("../TR-0042", NULL));
	assert_false(treqs_tr_id_valid("TR-0042;rm -rf /", NULL));
	assert_false(treqs_tr_id_valid("TR-0042$(id)", NULL));
	assert_false(treqs_tr_id_valid("TR-0042`id`", NULL));
	assert_false(treqs_tr_id_valid("TR-0042\n", NULL));
	assert_false(treqs_tr_id_valid("TR-\xef\xbc\x90\xef\xbc\x90\xef\xbc\x94\xef\xbc\x92", NULL)); /* fullwidth */
}

static void test_id_valid_custom(void **state)
{
	struct treqs_config *cfg = config("id_prefix: EXP_\nid_width: 6\n");

	assert_true(treqs_tr_id_valid("EXP_000042", cfg));
	assert_true(treqs_tr_id_valid("EXP_1234567", cfg));
	assert_false(treqs_tr_id_valid("EXP_00042", cfg));
	assert_false(treqs_tr_id_valid("TR-000042", cfg));
	assert_false(treqs_tr_id_valid("EXP_000042/x", cfg));
	{
		char *s = treqs_tr_id_format(42, cfg);
		assert_string_equal(s, "EXP_000042");
		free(s);
	}
	assert_int_equal(treqs_tr_id_number("EXP_000042", cfg), 42);
	assert_int_equal(treqs_tr_id_number("TR-0042", cfg), -1);

	/* the message names the configured form */
	{
		char *text = variant_of("id: TR-0042", "id: TR-0042");
		struct treqs_tr *tr = load_cfg(text, cfg, TREQS_EINVALID,
					       "f.yaml:1:5: id: expected an id of the form EXP_ followed by 6 or more "
					       "digits, found the string \"TR-0042\"\n"
					       "f.yaml:5:11: baseline: expected an id of the form EXP_ followed by 6 or "
					       "more digits, found the string \"TR-0031\"\n");
		treqs_tr_free(tr);
		free(text);
	}
	treqs_config_free(cfg);
}

static void test_id_format_and_number(void **state)
{
	char *s;

	s = treqs_tr_id_format(42, NULL);
	assert_string_equal(s, "TR-0042");
	free(s);
	s = treqs_tr_id_format(0, NULL);
	assert_string_equal(s, "TR-0000");
	free(s);
	s = treqs_tr_id_format(12345, NULL);
	assert_string_equal(s, "TR-12345");
	free(s);
	assert_int_equal(treqs_tr_id_number("TR-0042", NULL), 42);
	assert_int_equal(treqs_tr_id_number("TR-0000", NULL), 0);
	assert_int_equal(treqs_tr_id_number("TR-000000009", NULL), 9);
	assert_int_equal(treqs_tr_id_number("TR-999999999", NULL), 999999999);
	assert_int_equal(treqs_tr_id_number("TR-42", NULL), -1);
	assert_int_equal(treqs_tr_id_number("TR-0042x", NULL), -1);
	/* format and number are inverses */
	s = treqs_tr_id_format(treqs_tr_id_number("TR-0977", NULL) + 1, NULL);
	assert_string_equal(s, "TR-0978");
	free(s);
}

static void test_id_in_file(void **state)
{
	check_variant("id: TR-0042", "id: TR-42", TREQS_EINVALID,
		      "f.yaml:1:5: id: expected an id of the form TR- followed by 4 or more digits, found the string "
		      "\"TR-42\"\n");
	check_variant("id: TR-0042", "id: 42", TREQS_EINVALID,
		      "f.yaml:1:5: id: expected an id of the form TR- followed by 4 or more digits, found the number "
		      "42\n");
	check_variant("id: TR-0042", "id: \"TR-0042/../x\"", TREQS_EINVALID,
		      "f.yaml:1:5: id: expected an id of the form TR- followed by 4 or more digits, found the string "
		      "\"TR-0042/../x\"\n");
	check_variant("baseline: TR-0031", "baseline: last week", TREQS_EINVALID,
		      "f.yaml:5:11: baseline: expected an id of the form TR- followed by 4 or more digits, found the "
		      "string \"last week\"\n");
}

/* ---- expectations ---- */

static void test_expected_conditions(void **state)
{
	static const struct {
		const char *text, *op;
		double value;
	} ok[] = {
		{"<= 0.47", "<=", 0.47}, {">=0.9", ">=", 0.9},	  {"< 1e-3", "<", 1e-3}, {"> -2", ">", -2},
		{"== 5", "==", 5},	 {"!= 0", "!=", 0},	  {"  <  7  ", "<", 7},  {">= +1.5E2", ">=", 150},
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(ok); i++) {
		char *to = xasprintf("val_loss: \"%s\"", ok[i].text);
		char *text = variant_of("val_loss: \"<= 0.47\"", to);
		struct treqs_tr *tr = load_cfg(text, NULL, 0, "");

		assert_int_equal(tr->nexpected, 1);
		assert_string_equal(tr->expected[0].metric, "val_loss");
		assert_string_equal(tr->expected[0].op, ok[i].op);
		assert_true(tr->expected[0].value == ok[i].value);
		assert_string_equal(tr->expected[0].text, ok[i].text);
		treqs_tr_free(tr);
		free(text);
		free(to);
	}
}

static void test_expected_conditions_invalid(void **state)
{
	static const char *const bad[] = {"about 0.5", "<= x", "=< 1", "<=", "0.47", "<= .inf", "<= 1 2", "~ 3"};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(bad); i++) {
		char *to = xasprintf("val_loss: \"%s\"", bad[i]);
		char *want = xasprintf("f.yaml:14:13: expected.val_loss: expected a condition such as \"<= 0.47\" (one "
				       "of <, <=, >, >=, ==, != and a number), found the string \"%s\"\n",
				       bad[i]);

		check_variant("val_loss: \"<= 0.47\"", to, TREQS_EINVALID, want);
		free(want);
		free(to);
	}
	check_variant("val_loss: \"<= 0.47\"", "val_loss: 0.47", TREQS_EINVALID,
		      "f.yaml:14:13: expected.val_loss: expected a condition such as \"<= 0.47\" (one of <, <=, >, >=, "
		      "==, != and a number), found the number 0.47\n");
	check_variant("expected:\n  val_loss: \"<= 0.47\"\n", "expected: [\"<= 0.47\"]\n", TREQS_EINVALID,
		      "f.yaml:13:11: expected: expected a mapping, found a list of 1 item\n");
}

static void test_expect_met(void **state)
{
	struct treqs_expect e;

	memset(&e, 0, sizeof(e));
	e.value = 0.47;
	strcpy(e.op, "<=");
	assert_true(treqs_expect_met(&e, 0.46));
	assert_true(treqs_expect_met(&e, 0.47));
	assert_false(treqs_expect_met(&e, 0.48));
	strcpy(e.op, "<");
	assert_true(treqs_expect_met(&e, 0.46));
	assert_false(treqs_expect_met(&e, 0.47));
	strcpy(e.op, ">=");
	assert_true(treqs_expect_met(&e, 0.47));
	assert_false(treqs_expect_met(&e, 0.46));
	strcpy(e.op, ">");
	assert_false(treqs_expect_met(&e, 0.47));
	assert_true(treqs_expect_met(&e, 0.5));
	strcpy(e.op, "==");
	assert_true(treqs_expect_met(&e, 0.47));
	assert_false(treqs_expect_met(&e, 0.4700001));
	strcpy(e.op, "!=");
	assert_false(treqs_expect_met(&e, 0.47));
	assert_true(treqs_expect_met(&e, 1));
	/* NaN observations never meet a bound */
	strcpy(e.op, "<=");
	assert_false(treqs_expect_met(&e, NAN));
	strcpy(e.op, ">=");
	assert_false(treqs_expect_met(&e, NAN));
	strcpy(e.op, "??");
	assert_false(treqs_expect_met(&e, 0.47));
}

/* ---- run ---- */

static void test_run_command_forms(void **state)
{
	struct treqs_tr *tr;
	char *text;

	check_variant("  command: [\"python\", \"train.py\", \"--batch-size\", \"128\"]",
		      "  command: python train.py --batch-size 128", TREQS_EINVALID,
		      "f.yaml:16:12: run.command: expected a list such as [\"python\", \"train.py\"] (a string needs "
		      "'shell: true'), found the string \"python train.py --batch-size 128\"\n");
	check_variant("  command: [\"python\", \"train.py\", \"--batch-size\", \"128\"]", "  command: []",
		      TREQS_EINVALID, "f.yaml:16:12: run.command: expected a program and its arguments, found a list of 0 "
				      "items\n");
	text = variant_of("  command: [\"python\", \"train.py\", \"--batch-size\", \"128\"]",
			  "  command: python train.py | tee log\n  shell: true");
	tr = load_cfg(text, NULL, 0, "");
	assert_int_equal(tr->shell, 1);
	assert_int_equal(tr->command.n, 1);
	assert_string_equal(tr->command.v[0], "python train.py | tee log");
	treqs_tr_free(tr);
	free(text);
	check_variant("  command:", "  workdir: ../outside\n  command:", TREQS_EINVALID,
		      "f.yaml:16:12: run.workdir: expected a path inside the repository, without '..', found the "
		      "string \"../outside\"\n");
	check_variant("  command:", "  env: {CUDA_VISIBLE_DEVICES: 0, \"BAD NAME\": x}\n  command:", TREQS_EINVALID,
		      "f.yaml:16:34: run.env.BAD NAME: expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), "
		      "found the string \"BAD NAME\"\n");
	check_variant("{ minutes: 10, args:", "{ args:", TREQS_EINVALID,
		      "f.yaml:17:13: run.test_run.minutes: expected the test run's length in minutes, found no "
		      "'minutes' field\n");
}

/* ---- cost against the price catalog ---- */

static void test_cost_vs_price(void **state)
{
	struct treqs_config *cfg = config("prices:\n  a100: 10\n  H100: 4.5\n");
	struct treqs_config *strict = config("prices: {A100: 10}\nprice_tolerance: 0\n");
	char *text;

	/* 2 GPUs x 12 h x 10 = 240: exact (case-insensitive price lookup) */
	treqs_tr_free(load_cfg(example, cfg, 0, ""));
	/* within 25% either way */
	text = variant_of("cost_estimate_usd: 240", "cost_estimate_usd: 300");
	treqs_tr_free(load_cfg(text, cfg, 0, ""));
	free(text);
	text = variant_of("cost_estimate_usd: 240", "cost_estimate_usd: 180");
	treqs_tr_free(load_cfg(text, cfg, 0, ""));
	free(text);
	/* outside: a warning, not an error */
	text = variant_of("cost_estimate_usd: 240", "cost_estimate_usd: 100");
	treqs_tr_free(load_cfg(text, cfg, 0,
			       "f.yaml:11:20: warning: cost_estimate_usd: expected about 240.00 (2 x 12 h x 10.00 USD per "
			       "A100 GPU-hour), found 100\n"));
	free(text);
	text = variant_of("cost_estimate_usd: 240", "cost_estimate_usd: 301");
	treqs_tr_free(load_cfg(text, cfg, 0,
			       "f.yaml:11:20: warning: cost_estimate_usd: expected about 240.00 (2 x 12 h x 10.00 USD per "
			       "A100 GPU-hour), found 301\n"));
	free(text);
	/* tolerance 0: any difference */
	text = variant_of("cost_estimate_usd: 240", "cost_estimate_usd: 241");
	treqs_tr_free(load_cfg(text, strict, 0,
			       "f.yaml:11:20: warning: cost_estimate_usd: expected about 240.00 (2 x 12 h x 10.00 USD per "
			       "A100 GPU-hour), found 241\n"));
	free(text);
	/* a GPU without a price: nothing to compare */
	text = variant_of("gpu_type: A100", "gpu_type: V100");
	treqs_tr_free(load_cfg(text, cfg, 0, ""));
	free(text);
	/* gpu_count defaults to 1 in the product; fractional hours */
	text = variant_of("  gpu_type: A100\n  gpu_count: 2\n  hours: 12\n", "  gpu_type: h100\n  hours: 1.5\n");
	treqs_tr_free(load_cfg(text, cfg, 0,
			       "f.yaml:10:20: warning: cost_estimate_usd: expected about 6.75 (1 x 1.5 h x 4.50 USD per h100 "
			       "GPU-hour), found 240\n"));
	free(text);
	treqs_config_free(cfg);
	treqs_config_free(strict);
}

/* ---- files ---- */

static void test_load_file(void **state)
{
	char *dir = NULL, *p, *big, *missing;
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = NULL;
	struct treqs_buf b = TREQS_BUF_INIT;
	char *want;

	assert_int_equal(treqs_tmpdir(&dir), 0);
	p = xasprintf("%s/TR-0042.yaml", dir);
	big = xasprintf("%s/TR-0043.yaml", dir);
	missing = xasprintf("%s/TR-0044.yaml", dir);
	assert_int_equal(treqs_write_file(p, example, strlen(example)), 0);
	assert_int_equal(treqs_tr_load_file(&tr, p, NULL, &d), 0);
	assert_string_equal(tr->id, "TR-0042");
	assert_string_equal(tr->path, p);
	treqs_tr_free(tr);
	assert_diags(&d, "");

	/* one byte over the cap is refused before parsing */
	treqs_buf_puts(&b, example);
	while (b.len <= TREQS_TR_MAX_BYTES)
		treqs_buf_puts(&b, "# padding padding padding padding padding padding padding padding\n");
	assert_int_equal(treqs_write_file(big, b.ptr, b.len), 0);
	assert_int_equal(treqs_tr_load_file(&tr, big, NULL, &d), TREQS_EINVALID);
	assert_null(tr);
	want = xasprintf("%s:1:1: file: expected at most 262144 bytes (256 KiB), found %zu bytes\n", big, b.len);
	assert_diags(&d, want);
	free(want);
	treqs_diags_free(&d);
	/* the same text given as a buffer */
	assert_int_equal(treqs_tr_load(&tr, b.ptr, b.len, "f.yaml", NULL, &d), TREQS_EINVALID);
	assert_null(tr);
	want = xasprintf("f.yaml:1:1: file: expected at most 262144 bytes (256 KiB), found %zu bytes\n", b.len);
	assert_diags(&d, want);
	free(want);
	treqs_diags_free(&d);

	assert_int_equal(treqs_tr_load_file(&tr, missing, NULL, &d), TREQS_ENOTFOUND);
	assert_null(tr);

	treqs_buf_free(&b);
	treqs_diags_free(&d);
	assert_int_equal(treqs_rmtree(dir), 0);
	free(p);
	free(big);
	free(missing);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_design_example_with_default_config),
		cmocka_unit_test(test_minimal_tr_defaults),
		cmocka_unit_test(test_utf8_strings_with_spaces),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_required_fields_missing),
		cmocka_unit_test(test_optional_fields_missing),
		cmocka_unit_test(test_required_fields_wrong),
		cmocka_unit_test(test_variant_submitter),
		cmocka_unit_test(test_variant_submitter_and_submitted_by),
		cmocka_unit_test(test_variant_top_level_resources),
		cmocka_unit_test(test_variant_top_level_beside_resources),
		cmocka_unit_test(test_variant_top_level_and_nested),
		cmocka_unit_test(test_variant_status_words),
		cmocka_unit_test(test_status_words),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_hours_range),
		cmocka_unit_test(test_gpu_count_range),
		cmocka_unit_test(test_cost_range),
		cmocka_unit_test(test_id_valid_default),
		cmocka_unit_test(test_id_valid_custom),
		cmocka_unit_test(test_id_format_and_number),
		cmocka_unit_test(test_id_in_file),
		cmocka_unit_test(test_expected_conditions),
		cmocka_unit_test(test_expected_conditions_invalid),
		cmocka_unit_test(test_expect_met),
		cmocka_unit_test(test_run_command_forms),
		cmocka_unit_test(test_cost_vs_price),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
