/*
 * test_edit.c - surgical edits: "the tool never reformats a person's
 * file".  Every test compares the whole result with the whole expected
 * text, so a byte changed anywhere else fails it.
 */
#include "unit.h"

#include "treqs/edit.h"

enum op { SET, RAW, BLANK };

static int run(enum op op, struct treqs_buf *out, const char *in, const char *path, const char *value)
{
	switch (op) {
	case SET:
		return treqs_edit_set_string(out, in, strlen(in), path, value);
	case RAW:
		return treqs_edit_set_raw(out, in, strlen(in), path, value);
	default:
		return treqs_edit_blank(out, in, strlen(in), path);
	}
}

static void edit_ok(enum op op, const char *in, const char *path, const char *value, const char *want)
{
	struct treqs_buf out = TREQS_BUF_INIT;
	int ret;

	treqs_buf_puts(&out, "stale bytes"); /* out is cleared first */
	ret = run(op, &out, in, path, value);
	if (ret)
		print_error("edit of '%s' failed: %s\n", path, treqs_error_msg());
	assert_int_equal(ret, 0);
	assert_buf_equal(&out, want);
	treqs_buf_free(&out);
}

#define SET_OK(in, path, value, want) edit_ok(SET, in, path, value, want)
#define RAW_OK(in, path, frag, want) edit_ok(RAW, in, path, frag, want)
#define BLANK_OK(in, path, want) edit_ok(BLANK, in, path, NULL, want)

static void edit_fails(enum op op, const char *in, const char *path, const char *value, int code, const char *msg)
{
	struct treqs_buf out = TREQS_BUF_INIT;

	treqs_buf_puts(&out, "stale bytes");
	assert_int_equal(run(op, &out, in, path, value), code);
	if (msg)
		assert_string_equal(treqs_error_msg(), msg);
	assert_int_equal(out.len, 0); /* never half an edit */
	treqs_buf_free(&out);
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)))
		print_error("'%s' does not start with '%s'\n", s, prefix);
	assert_int_equal(strncmp(s, prefix, strlen(prefix)), 0);
}

/* ---- the everyday edit: status ---- */

static void test_status_with_comments(void **state)
{
	SET_OK("# A Training Request.\n"
	       "id: TR-0042   # the id\n"
	       "# status is written by treqs\n"
	       "status: draft    # inline comment\n"
	       "# after the status\n"
	       "notes: x\n"
	       "# trailing\n",
	       "status", "review",
	       "# A Training Request.\n"
	       "id: TR-0042   # the id\n"
	       "# status is written by treqs\n"
	       "status: review    # inline comment\n"
	       "# after the status\n"
	       "notes: x\n"
	       "# trailing\n");
	/* a comment glued to the value and no final newline */
	SET_OK("status: draft #c", "status", "changes-requested", "status: changes-requested #c");
	/* shorter, longer, the same */
	SET_OK("a: 1\nstatus: changes-requested\nb: 2\n", "status", "review", "a: 1\nstatus: review\nb: 2\n");
	SET_OK("a: 1\nstatus: review\nb: 2\n", "status", "review", "a: 1\nstatus: review\nb: 2\n");
}

static void test_status_in_design_example(void **state)
{
	static const char before[] = "id: TR-0042\n"
				     "title: \"Larger batch with linear LR scaling\"\n"
				     "resources:\n"
				     "  gpu_type: A100\n"
				     "  gpu_count: 2\n"
				     "  hours: 12\n"
				     "datasets: [imagenet_v3]\n"
				     "expected:\n"
				     "  val_loss: \"<= 0.47\"\n"
				     "run:\n"
				     "  command: [\"python\", \"train.py\", \"--batch-size\", \"128\"]\n"
				     "  test_run: { minutes: 10, args: [\"--max-steps\", \"100\"] }\n"
				     "status: review\n"
				     "notes: |\n"
				     "  Free text.\n";
	static const char after[] = "id: TR-0042\n"
				    "title: \"Larger batch with linear LR scaling\"\n"
				    "resources:\n"
				    "  gpu_type: A100\n"
				    "  gpu_count: 2\n"
				    "  hours: 12\n"
				    "datasets: [imagenet_v3]\n"
				    "expected:\n"
				    "  val_loss: \"<= 0.47\"\n"
				    "run:\n"
				    "  command: [\"python\", \"train.py\", \"--batch-size\", \"128\"]\n"
				    "  test_run: { minutes: 10, args: [\"--max-steps\", \"100\"] }\n"
				    "status: approved\n"
				    "notes: |\n"
				    "  Free text.\n";

	SET_OK(before, "status", "approved", after);
	RAW_OK(before, "run.test_run.minutes", "5",
	       "id: TR-0042\n"
	       "title: \"Larger batch with linear LR scaling\"\n"
	       "resources:\n"
	       "  gpu_type: A100\n"
	       "  gpu_count: 2\n"
	       "  hours: 12\n"
	       "datasets: [imagenet_v3]\n"
	       "expected:\n"
	       "  val_loss: \"<= 0.47\"\n"
	       "run:\n"
	       "  command: [\"python\", \"train.py\", \"--batch-size\", \"128\"]\n"
	       "  test_run: { minutes: 5, args: [\"--max-steps\", \"100\"] }\n"
	       "status: review\n"
	       "notes: |\n"
	       "  Free text.\n");
}

/* ---- CRLF ---- */

static void test_crlf(void **state)
{
	SET_OK("id: TR-0042\r\n# c\r\nstatus: draft\r\nnotes: x\r\n", "status", "review",
	       "id: TR-0042\r\n# c\r\nstatus: review\r\nnotes: x\r\n");
	/* an added key ends its line the way the file does */
	SET_OK("id: TR-0042\r\nnotes: x\r\n", "status", "review", "id: TR-0042\r\nnotes: x\r\nstatus: review\r\n");
	SET_OK("id: TR-0042\r\nnotes: x", "status", "review", "id: TR-0042\r\nnotes: x\r\nstatus: review\r\n");
	SET_OK("id: TR-0042\r\nresources:\r\n  hours: 1\r\nnotes: x\r\n", "resources.gpu_type", "A100",
	       "id: TR-0042\r\nresources:\r\n  hours: 1\r\n  gpu_type: A100\r\nnotes: x\r\n");
	SET_OK("id: TR-0042\r\n", "resources.gpu_type", "A100", "id: TR-0042\r\nresources:\r\n  gpu_type: A100\r\n");
	/* "key:" with nothing, block list and block scalar replaced */
	SET_OK("status:\r\nnotes: x\r\n", "status", "review", "status: review\r\nnotes: x\r\n");
	RAW_OK("datasets:\r\n  - a\r\n  - b\r\n# after\r\nnotes: x\r\n", "datasets", "[\"c\"]",
	       "datasets: [\"c\"]\r\n# after\r\nnotes: x\r\n");
	SET_OK("notes: |\r\n  one\r\n  two\r\n\r\nstatus: x\r\n", "notes", "short", "notes: short\r\n\r\nstatus: x\r\n");
	BLANK_OK("a: 1\r\nstatus: review\r\nb: 2\r\n", "status", "a: 1\r\nstatus:\r\nb: 2\r\n");
}

/* ---- flow style ---- */

static void test_flow_mapping(void **state)
{
	SET_OK("{a: 1, status: x}", "status", "review", "{a: 1, status: review}");
	SET_OK("{a: 1, status: x}\n", "status", "in review", "{a: 1, status: in review}\n");
	SET_OK("{status: 'x', a: 1}\n", "status", "review", "{status: 'review', a: 1}\n");
	SET_OK("meta: {owner: jane, status: x}  # c\n", "meta.status", "review",
	       "meta: {owner: jane, status: review}  # c\n");
	/* inside a flow mapping a value with ',' or braces must be quoted */
	SET_OK("{a: 1, status: x}", "status", "a, b", "{a: 1, status: \"a, b\"}");
	SET_OK("{a: 1, status: x}", "status", "{x}", "{a: 1, status: \"{x}\"}");
}

static void test_flow_mapping_insert(void **state)
{
	SET_OK("resources: {hours: 1}\n", "resources.gpu_type", "A100", "resources: {hours: 1, gpu_type: A100}\n");
	SET_OK("resources: { hours: 1 }\n", "resources.gpu_type", "A100",
	       "resources: { hours: 1, gpu_type: A100 }\n");
	/* a trailing comma stays valid */
	SET_OK("resources: {hours: 1,}\n", "resources.gpu_type", "A100", "resources: {hours: 1, gpu_type: A100,}\n");
	SET_OK("resources: {}\n", "resources.gpu_type", "A100", "resources: {gpu_type: A100}\n");
	SET_OK("{}\n", "status", "review", "{status: review}\n");
	SET_OK("{a: 1}\n", "resources.gpu_type", "A100", "{a: 1, resources: {gpu_type: A100}}\n");
	/* spread over lines, with a comment after the last value */
	SET_OK("resources: {\n  hours: 1,  # long\n}\n", "resources.gpu_type", "A100",
	       "resources: {\n  hours: 1, gpu_type: A100,  # long\n}\n");
}

static void test_flow_mapping_key_without_colon(void **state)
{
	/* "{status}" is status with an empty value and no colon */
	SET_OK("{status}", "status", "review", "{status: review}");
	SET_OK("{status, a: 1}\n", "status", "review", "{status: review, a: 1}\n");
	SET_OK("{status: , a: 1}\n", "status", "review", "{status: review , a: 1}\n");
	BLANK_OK("{status}", "status", "{status}");
}

static void test_flow_list(void **state)
{
	RAW_OK("datasets: [a, b]  # the data\nnotes: x\n", "datasets", "[\"c\", \"d e\"]",
	       "datasets: [\"c\", \"d e\"]  # the data\nnotes: x\n");
	RAW_OK("datasets: []\n", "datasets", "[\"c\"]", "datasets: [\"c\"]\n");
	RAW_OK("datasets: [\n  a,\n  b,\n]\nnotes: x\n", "datasets", "[\"c\"]", "datasets: [\"c\"]\nnotes: x\n");
	/* a list replaced by a scalar */
	SET_OK("status: [a]\n", "status", "review", "status: review\n");
}

/* ---- block style ---- */

static void test_block_nested_values(void **state)
{
	static const char in[] = "resources:\n"
				 "  gpu_type: A100   # the card\n"
				 "  gpu_count: 2\n"
				 "  hours: 12\n"
				 "cost_estimate_usd: 240\n";

	SET_OK(in, "resources.gpu_type", "H100",
	       "resources:\n  gpu_type: H100   # the card\n  gpu_count: 2\n  hours: 12\ncost_estimate_usd: 240\n");
	RAW_OK(in, "resources.hours", "1.5",
	       "resources:\n  gpu_type: A100   # the card\n  gpu_count: 2\n  hours: 1.5\ncost_estimate_usd: 240\n");
	RAW_OK(in, "cost_estimate_usd", "30",
	       "resources:\n  gpu_type: A100   # the card\n  gpu_count: 2\n  hours: 12\ncost_estimate_usd: 30\n");
	/* the value on the line after its key */
	SET_OK("title:\n  a long\n  title\nb: 1\n", "title", "short", "title:\n  short\nb: 1\n");
}

/* ---- quoting ---- */

static void test_quoting_is_kept(void **state)
{
	SET_OK("status: \"draft\"\n", "status", "review", "status: \"review\"\n");
	SET_OK("status: 'draft'\n", "status", "review", "status: 'review'\n");
	SET_OK("status: draft\n", "status", "review", "status: review\n");
	/* the style holds even when plain would do, and escapes as it needs */
	SET_OK("title: \"x\"\n", "title", "say \"hi\" \\ bye", "title: \"say \\\"hi\\\" \\\\ bye\"\n");
	SET_OK("title: 'x'\n", "title", "it's", "title: 'it''s'\n");
	SET_OK("title: 'x'\n", "title", "123", "title: '123'\n");
	SET_OK("title: 'x'\n", "title", "", "title: ''\n");
	SET_OK("title: 'x'\n", "title", "a: b # c", "title: 'a: b # c'\n");
	SET_OK("title: 'x'\n", "title", "tab\there", "title: 'tab\there'\n");
	/* what single quotes cannot hold goes double-quoted */
	SET_OK("title: 'x'\n", "title", "two\nlines", "title: \"two\\nlines\"\n");
	SET_OK("title: \"x\"\n", "title", "two\nlines\r\tend\x01", "title: \"two\\nlines\\r\\tend\\x01\"\n");
	/* multi-line quoted values become one line */
	SET_OK("title: \"a\n  b\"\nx: 1\n", "title", "c", "title: \"c\"\nx: 1\n");
}

static void test_plain_values_needing_quotes(void **state)
{
	static const struct {
		const char *value, *written;
	} cases[] = {
		{"a: b", "\"a: b\""},
		{"a:", "\"a:\""},
		{"x #y", "\"x #y\""},
		{"#x", "\"#x\""},
		{"-x", "\"-x\""},
		{"- x", "\"- x\""},
		{"123", "\"123\""},
		{"-5", "\"-5\""},
		{"1.5", "\"1.5\""},
		{"1e3", "\"1e3\""},
		{".inf", "\".inf\""},
		{"true", "\"true\""},
		{"False", "\"False\""},
		{"null", "\"null\""},
		{"~", "\"~\""},
		{"", "\"\""},
		{" lead", "\" lead\""},
		{"trail ", "\"trail \""},
		{"a,b", "\"a,b\""},
		{"[x]", "\"[x]\""},
		{"{x}", "\"{x}\""},
		{"&x", "\"&x\""},
		{"*x", "\"*x\""},
		{"!x", "\"!x\""},
		{"|", "\"|\""},
		{">", "\">\""},
		{"'q'", "\"'q'\""},
		{"\"q\"", "\"\\\"q\\\"\""},
		{"%x", "\"%x\""},
		{"@x", "\"@x\""},
		{"`x`", "\"`x`\""},
		{"?x", "\"?x\""},
		{"two\nlines", "\"two\\nlines\""},
		/* YAML 1.1 readers (PyYAML, ...) take these for booleans, numbers or dates */
		{"yes", "\"yes\""},
		{"No", "\"No\""},
		{"on", "\"on\""},
		{"OFF", "\"OFF\""},
		{"y", "\"y\""},
		{"0x1F", "\"0x1F\""},
		{"0o17", "\"0o17\""},
		{"1_000", "\"1_000\""},
		{"1:30", "\"1:30\""},
		{"2024-01-31", "\"2024-01-31\""},
		{".5", "\".5\""},
		{"+1", "\"+1\""},
		{"<<", "\"<<\""},
		{"=", "\"=\""},
		/* and these stay plain */
		{"review", "review"},
		{"in review", "in review"},
		{"jane@example.org", "jane@example.org"},
		{"A100", "A100"},
		{"a:b", "a:b"},
		{"a#b", "a#b"},
		{"x-y", "x-y"},
		{"F1 Score", "F1 Score"},
		{"Caf\xc3\xa9 \xf0\x9f\x98\x80", "Caf\xc3\xa9 \xf0\x9f\x98\x80"},
		{"yesterday", "yesterday"},
		{"nothing", "nothing"},
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(cases); i++) {
		char *want = xasprintf("a: 1\nstatus: %s  # c\nb: 2\n", cases[i].written);
		struct treqs_buf q = TREQS_BUF_INIT;

		SET_OK("a: 1\nstatus: draft  # c\nb: 2\n", "status", cases[i].value, want);
		treqs_yaml_quote(&q, cases[i].value);
		assert_string_equal(q.ptr, cases[i].written);
		treqs_buf_free(&q);
		free(want);
	}
}

static void test_characters_yaml_cannot_hold_raw(void **state)
{
	/* line breaks to YAML (NEL, LS, PS), C1 controls, BOM, non-characters */
	SET_OK("a: x\n", "a", "a\xe2\x80\xa8" "b", "a: \"a\\Lb\"\n");
	SET_OK("a: x\n", "a", "a\xe2\x80\xa9" "b", "a: \"a\\Pb\"\n");
	SET_OK("a: x\n", "a", "a\xc2\x85" "b", "a: \"a\\Nb\"\n");
	SET_OK("a: x\n", "a", "a\xc2\x80" "b", "a: \"a\\x80b\"\n");
	SET_OK("a: x\n", "a", "a\xef\xbb\xbf" "b", "a: \"a\\uFEFFb\"\n");
	SET_OK("a: x\n", "a", "a\xef\xbf\xbe" "b", "a: \"a\\uFFFEb\"\n");
	SET_OK("a: 'x'\n", "a", "a\xe2\x80\xa8" "b", "a: \"a\\Lb\"\n");
	SET_OK("a: \"x\"\n", "a", "\x7f", "a: \"\\x7f\"\n");
	/* the neighbours of those stay as they are */
	SET_OK("a: x\n", "a", "\xc2\xa0x\xe2\x80\xa7", "a: \xc2\xa0x\xe2\x80\xa7\n");
}

/* ---- multi-byte text before the edit ---- */

static void test_multibyte_before_value(void **state)
{
	/* libyaml's marks count characters: every é before the value shifts bytes */
	SET_OK("title: \"Caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac\"\nstatus: draft\n", "status", "review",
	       "title: \"Caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac\"\nstatus: review\n");
	/* on the same line, in the key and in a comment before */
	SET_OK("# \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87: \xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87\n"
	       "status: draft  # \xf0\x9f\x98\x80\n",
	       "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "\xc3\xa9t\xc3\xa9",
	       "# \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87: \xc3\xa9t\xc3\xa9\n"
	       "status: draft  # \xf0\x9f\x98\x80\n");
	SET_OK("owner: \xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\nstatus: 'draft'  # \xc3\xa9\nz: 1\n", "status",
	       "review", "owner: \xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\nstatus: 'review'  # \xc3\xa9\nz: 1\n");
	/* flow mapping after multi-byte keys */
	SET_OK("{\xc3\xa9: \xc3\xa9, status: x, \xe2\x82\xac: 1}", "status", "review",
	       "{\xc3\xa9: \xc3\xa9, status: review, \xe2\x82\xac: 1}");
	/* a value with multi-byte characters replaced by ASCII, and added after them */
	SET_OK("title: \xc3\xa9\xc3\xa9\xc3\xa9\nb: 1\n", "title", "x", "title: x\nb: 1\n");
	SET_OK("title: \xc3\xa9\xc3\xa9\xc3\xa9\n", "status", "review", "title: \xc3\xa9\xc3\xa9\xc3\xa9\nstatus: review\n");
	SET_OK("r:\n  \xc3\xa9: \xf0\x9f\x98\x80\n", "r.x", "v", "r:\n  \xc3\xa9: \xf0\x9f\x98\x80\n  x: v\n");
}

static void test_bom(void **state)
{
	SET_OK("\xef\xbb\xbfid: TR-0042\nstatus: draft\n", "status", "review", "\xef\xbb\xbfid: TR-0042\nstatus: review\n");
	SET_OK("\xef\xbb\xbf" "title: \xc3\xa9\nstatus: draft\n", "status", "review",
	       "\xef\xbb\xbf" "title: \xc3\xa9\nstatus: review\n");
	SET_OK("\xef\xbb\xbfid: TR-0042\n", "status", "review", "\xef\xbb\xbfid: TR-0042\nstatus: review\n");
	SET_OK("\xef\xbb\xbf", "status", "review", "\xef\xbb\xbfstatus: review\n");
	SET_OK("\xef\xbb\xbf{a: 1}", "status", "review", "\xef\xbb\xbf{a: 1, status: review}");
	BLANK_OK("\xef\xbb\xbfstatus: draft\n", "status", "\xef\xbb\xbfstatus:\n");
}

/* ---- adding keys ---- */

static void test_insert_top_level(void **state)
{
	SET_OK("id: TR-0042\nnotes: x\n", "status", "review", "id: TR-0042\nnotes: x\nstatus: review\n");
	/* after the last value, before trailing comments */
	SET_OK("id: TR-0042\nnotes: x  # n\n# end\n", "status", "review",
	       "id: TR-0042\nnotes: x  # n\nstatus: review\n# end\n");
	/* the last value a block mapping or list */
	SET_OK("id: TR-0042\nresources:\n  hours: 1\n", "status", "review",
	       "id: TR-0042\nresources:\n  hours: 1\nstatus: review\n");
	SET_OK("id: TR-0042\nd:\n- a\n- b\n", "status", "review", "id: TR-0042\nd:\n- a\n- b\nstatus: review\n");
	/* the last value a block scalar: after it, its trailing lines kept for "|+" */
	SET_OK("notes: |\n  text\n", "status", "review", "notes: |\n  text\nstatus: review\n");
	SET_OK("notes: |+\n  text\n\n", "status", "review", "notes: |+\n  text\n\nstatus: review\n");
	SET_OK("notes: >\n  a\n  b\n# c\n", "status", "review", "notes: >\n  a\n  b\nstatus: review\n# c\n");
	SET_OK("notes: |\n  text", "status", "review", "notes: |\n  text\nstatus: review\n");
	/* a list last, ending in a "|+" scalar or a mapping */
	SET_OK("l:\n  - |+\n    t\n\n", "status", "review", "l:\n  - |+\n    t\n\nstatus: review\n");
	SET_OK("l:\n  - a: 1\n    b: [x,\n      y]\n# c\n", "status", "review",
	       "l:\n  - a: 1\n    b: [x,\n      y]\nstatus: review\n# c\n");
}

static void test_insert_nested_indentation(void **state)
{
	/* the siblings' indentation, whatever it is */
	SET_OK("resources:\n    gpu_count: 2\n    hours: 1\ndatasets: []\n", "resources.gpu_type", "A100",
	       "resources:\n    gpu_count: 2\n    hours: 1\n    gpu_type: A100\ndatasets: []\n");
	SET_OK("run:\n  test_run:\n     minutes: 10\nstatus: x\n", "run.test_run.args", "v",
	       "run:\n  test_run:\n     minutes: 10\n     args: v\nstatus: x\n");
	/* a nested block scalar last */
	SET_OK("r:\n  n: |+\n    text\n\n  y: 2\nz: 1\n", "r.q", "v", "r:\n  n: |+\n    text\n\n  y: 2\n  q: v\nz: 1\n");
	SET_OK("r:\n  n: |+\n    text\n\nz: 1\n", "r.q", "v", "r:\n  n: |+\n    text\n\n  q: v\nz: 1\n");
	/* a mapping ending in an alias: the alias is on its key's line */
	RAW_OK("d: &d A100\nresources:\n  gpu_type: *d\nz: 1\n", "resources.hours", "2",
	       "d: &d A100\nresources:\n  gpu_type: *d\n  hours: 2\nz: 1\n");
}

static void test_insert_missing_parent(void **state)
{
	SET_OK("id: TR-0042\n", "resources.gpu_type", "A100", "id: TR-0042\nresources:\n  gpu_type: A100\n");
	SET_OK("id: TR-0042\n", "run.test_run.minutes", "10", "id: TR-0042\nrun:\n  test_run:\n    minutes: \"10\"\n");
	RAW_OK("id: TR-0042\nrun:\n  command: [a]\n", "run.test_run.minutes", "10",
	       "id: TR-0042\nrun:\n  command: [a]\n  test_run:\n    minutes: 10\n");
	/* a key that needs quotes is quoted */
	SET_OK("a: 1\n", "my key: x", "v", "a: 1\n\"my key: x\": v\n");
}

static void test_insert_empty_document(void **state)
{
	SET_OK("", "status", "review", "status: review\n");
	SET_OK("# only a comment\n", "status", "review", "# only a comment\nstatus: review\n");
	SET_OK("# only a comment", "status", "review", "# only a comment\nstatus: review\n");
	SET_OK("# c\r\n", "status", "review", "# c\r\nstatus: review\r\n");
	SET_OK("---\n", "status", "review", "---\nstatus: review\n");
	SET_OK("", "resources.gpu_type", "A100", "resources:\n  gpu_type: A100\n");
	RAW_OK("", "datasets", "[\"a\"]", "datasets: [\"a\"]\n");
}

/* ---- replacing collections and block scalars ---- */

static void test_block_list_to_flow(void **state)
{
	RAW_OK("datasets:\n  - a   # first\n  - b\n# after the list\ncost: 1  # keep\n", "datasets", "[\"x\", \"y\"]",
	       "datasets: [\"x\", \"y\"]\n# after the list\ncost: 1  # keep\n");
	/* indentless list */
	RAW_OK("datasets:\n- a\n- b\ncost: 1\n", "datasets", "[]", "datasets: []\ncost: 1\n");
	/* a list of mappings, a block scalar last */
	RAW_OK("l:\n  - k: v\n    n: |\n      text\n\n# c\nz: 1\n", "l", "[]", "l: []\n\n# c\nz: 1\n");
	/* a block mapping replaced */
	RAW_OK("resources:\n  hours: 1\n  gpu_type: A100\nz: 1\n", "resources", "{hours: 2}", "resources: {hours: 2}\nz: 1\n");
	/* the list's anchor stays, so aliases still resolve */
	RAW_OK("d: &d\n  - a\ne: *d\n", "d", "[\"b\"]", "d: &d [\"b\"]\ne: *d\n");
}

static void test_block_scalar_replaced(void **state)
{
	SET_OK("notes: |\n  line one\n  line two\n\n# about status\nstatus: x\n", "notes", "short",
	       "notes: short\n\n# about status\nstatus: x\n");
	SET_OK("notes: >-\n  folded\n  text\nstatus: x\n", "notes", "short", "notes: short\nstatus: x\n");
	SET_OK("r:\n  notes: |\n    a\n  z: 1\n", "r.notes", "b", "r:\n  notes: b\n  z: 1\n");
	SET_OK("notes: |\n  a\n", "notes", "x: y", "notes: \"x: y\"\n");
}

static void test_empty_value(void **state)
{
	SET_OK("status:\nnotes: x\n", "status", "review", "status: review\nnotes: x\n");
	SET_OK("status:   # c\nnotes: x\n", "status", "review", "status: review   # c\nnotes: x\n");
	SET_OK("status:", "status", "review", "status: review");
	SET_OK("r:\n  status:\n  z: 1\n", "r.status", "review", "r:\n  status: review\n  z: 1\n");
	SET_OK("status: ~\n", "status", "review", "status: review\n");
	SET_OK("status: \"\"\n", "status", "review", "status: \"review\"\n");
	/* an empty value that carries an anchor keeps it */
	SET_OK("status: &s\nb: 1\n", "status", "review", "status: &s review\nb: 1\n");
}

static void test_anchors_and_tags(void **state)
{
	SET_OK("status: &s draft\nprev: *s\n", "status", "review", "status: &s review\nprev: *s\n");
	SET_OK("status: !!str draft\n", "status", "review", "status: review\n");
	SET_OK("status: &s !!str draft\nprev: *s\n", "status", "review", "status: &s review\nprev: *s\n");
	RAW_OK("n: !!int 3\n", "n", "4", "n: 4\n");
}

/* ---- blanking (the content digest) ---- */

static void test_blank(void **state)
{
	BLANK_OK("a: 1\nstatus: review  # c\nb: 2\n", "status", "a: 1\nstatus:  # c\nb: 2\n");
	BLANK_OK("status: 'review'\n", "status", "status:\n");
	BLANK_OK("status: \"in\n  review\"\nz: 1\n", "status", "status:\nz: 1\n");
	BLANK_OK("{a: 1, status: review}", "status", "{a: 1, status:}");
	BLANK_OK("status:\n", "status", "status:\n");
	BLANK_OK("status:  # c\n", "status", "status:  # c\n");
	BLANK_OK("l:\n  - a\n# c\nz: 1\n", "l", "l:\n# c\nz: 1\n");
	BLANK_OK("notes: |\n  a\n\nz: 1\n", "notes", "notes:\n\nz: 1\n");
	/* a missing key leaves the text as it is, whatever it is */
	BLANK_OK("a: 1\n", "status", "a: 1\n");
	BLANK_OK("", "status", "");
}

/* blank(set(x, s)) == blank(x): a status change does not move the digest */
static void test_blank_is_stable_under_set(void **state)
{
	static const char *const texts[] = {
		"status:\n",
		"status: draft\n",
		"a: 1\nstatus: 'draft'  # c\nb: 2\n",
		"status: \"draft\"\r\nb: 2\r\n",
		"status:   # c\nz: 1\n",
		"{a: 1, status: draft}",
		"{status: , a: 1}",
		("\xef\xbb\xbf" "t: \xc3\xa9\nstatus: draft\n"),
	};
	static const char *const words[] = {"review", "approved", "changes-requested"};
	size_t i, j;

	for (i = 0; i < TREQS_ARRAY_SIZE(texts); i++) {
		struct treqs_buf b0 = TREQS_BUF_INIT, set = TREQS_BUF_INIT, b1 = TREQS_BUF_INIT;

		assert_int_equal(treqs_edit_blank(&b0, texts[i], strlen(texts[i]), "status"), 0);
		for (j = 0; j < TREQS_ARRAY_SIZE(words); j++) {
			assert_int_equal(treqs_edit_set_string(&set, texts[i], strlen(texts[i]), "status", words[j]), 0);
			assert_int_equal(treqs_edit_blank(&b1, set.ptr, set.len, "status"), 0);
			if (b0.len != b1.len || memcmp(b0.ptr, b1.ptr, b0.len))
				print_error("text %zu, '%s': [%s] vs [%s]\n", i, words[j], b0.ptr, b1.ptr);
			assert_int_equal(b0.len, b1.len);
			assert_memory_equal(b0.ptr, b1.ptr, b0.len);
		}
		treqs_buf_free(&b0);
		treqs_buf_free(&set);
		treqs_buf_free(&b1);
	}
}

/* ---- refusals ---- */

static void test_alias_refused(void **state)
{
	edit_fails(SET, "base: &b review\nstatus: *b\n", "status", "approved", TREQS_EINVALID,
		   "cannot edit 'status': the value of 'status' is an alias; edit it by hand");
	edit_fails(BLANK, "base: &b review\nstatus: *b\n", "status", NULL, TREQS_EINVALID, NULL);
	/* through an alias on the way: the anchor's bytes must not change */
	edit_fails(SET, "d: &d {gpu_type: A100}\nresources: *d\n", "resources.gpu_type", "H100", TREQS_EINVALID,
		   "cannot edit 'resources.gpu_type': the value of 'resources' is an alias; edit it by hand");
	edit_fails(SET, "d: &d {gpu_type: A100}\nresources: *d\n", "resources.hours", "1", TREQS_EINVALID,
		   "cannot edit 'resources.hours': the value of 'resources' is an alias; edit it by hand");
	edit_fails(SET, "k: &k status\n*k : draft\n", "status", "review", TREQS_EINVALID,
		   "cannot edit 'status': the key 'status' is an alias; edit it by hand");
	/* a list ending in an alias cannot be replaced: its end is unknown */
	edit_fails(RAW, "x: &x a\nl:\n  - b\n  - *x\nz: 1\n", "l", "[]", TREQS_EINVALID,
		   "cannot edit 'l': its value ends in an alias; edit it by hand");
}

static void test_refusals(void **state)
{
	struct treqs_buf out = TREQS_BUF_INIT;

	edit_fails(SET, "- a\n- b\n", "status", "x", TREQS_EINVALID,
		   "cannot edit 'status': the document is not a mapping");
	edit_fails(SET, "just text\n", "status", "x", TREQS_EINVALID,
		   "cannot edit 'status': the document is not a mapping");
	edit_fails(SET, "resources: 12\n", "resources.gpu_type", "x", TREQS_EINVALID,
		   "cannot edit 'resources.gpu_type': 'resources' is not a mapping");
	edit_fails(SET, "resources: [a]\n", "resources.gpu_type", "x", TREQS_EINVALID,
		   "cannot edit 'resources.gpu_type': 'resources' is not a mapping");
	edit_fails(SET, "a: 1\n", "", "x", TREQS_EUSAGE, "empty path");
	edit_fails(SET, "a: 1\n", "...", "x", TREQS_EUSAGE, "empty path");
	edit_fails(SET, "a: 1\n", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", "x", TREQS_EUSAGE,
		   "cannot edit 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q': the path is too deep");
	/* text that is not YAML: the first problem, positioned */
	assert_int_equal(treqs_edit_set_string(&out, "a: [1\nb: 2\n", 11, "status", "x"), TREQS_EINVALID);
	assert_prefix(treqs_error_msg(), "cannot edit text that is not valid YAML: -:2:");
	assert_int_equal(treqs_edit_set_string(&out, "a: 1\na: 2\n", 10, "status", "x"), TREQS_EINVALID);
	assert_prefix(treqs_error_msg(), "cannot edit text that is not valid YAML: -:2:1: a: expected each key once");
	assert_int_equal(out.len, 0);
	/* a raw fragment that would break the file is refused, not written */
	edit_fails(RAW, "a: 1\nb: 2\n", "a", "[", TREQS_EENV, "editing 'a' would not keep the file intact; refusing");
	edit_fails(RAW, "a: 1\nb: 2\n", "a", "1\nb: 3", TREQS_EENV,
		   "editing 'a' would not keep the file intact; refusing");
	treqs_buf_free(&out);
}

/* ---- rendering helpers ---- */

static void test_render_helpers(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *v[] = {"python", "train.py", "--name=\"x\"", "a\\b"};

	treqs_yaml_flow_list(&b, v, 4);
	assert_buf_equal(&b, "[\"python\", \"train.py\", \"--name=\\\"x\\\"\", \"a\\\\b\"]");
	treqs_buf_clear(&b);
	treqs_yaml_flow_list(&b, v, 0);
	assert_buf_equal(&b, "[]");
	treqs_buf_clear(&b);
	treqs_yaml_dquote(&b, "");
	assert_buf_equal(&b, "\"\"");
	treqs_buf_clear(&b);
	treqs_yaml_dquote(&b, "\x1b[2J\x7f");
	assert_buf_equal(&b, "\"\\x1b[2J\\x7f\"");
	treqs_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_with_comments),
		cmocka_unit_test(test_status_in_design_example),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_flow_mapping),
		cmocka_unit_test(test_flow_mapping_insert),
		cmocka_unit_test(test_flow_mapping_key_without_colon),
		cmocka_unit_test(test_flow_list),
		cmocka_unit_test(test_block_nested_values),
		cmocka_unit_test(test_quoting_is_kept),
		cmocka_unit_test(test_plain_values_needing_quotes),
		cmocka_unit_test(test_characters_yaml_cannot_hold_raw),
		cmocka_unit_test(test_multibyte_before_value),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_insert_top_level),
		cmocka_unit_test(test_insert_nested_indentation),
		cmocka_unit_test(test_insert_missing_parent),
		cmocka_unit_test(test_insert_empty_document),
		cmocka_unit_test(test_block_list_to_flow),
		cmocka_unit_test(test_block_scalar_replaced),
		cmocka_unit_test(test_empty_value),
		cmocka_unit_test(test_anchors_and_tags),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_blank_is_stable_under_set),
		cmocka_unit_test(test_alias_refused),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_render_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
