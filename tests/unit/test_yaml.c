/*
 * test_yaml.c - the bounded YAML tree: shape, positions, and the inputs it
 * must refuse (with the message and position a user would see).
 */
#include "unit.h"

#include "treqs/yaml.h"

/* Parses s (a literal, may hold NULs) with the default limits. */
#define PARSE(docp, s, d) treqs_yaml_parse((docp), (s), sizeof(s) - 1, "f.yaml", NULL, (d))

/* Parses text that must be refused; asserts the exact diagnostics. */
static void refused(const char *s, size_t len, const struct treqs_ylimits *lim, const char *expected)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = (struct treqs_ydoc *)&d; /* must be reset to NULL */

	assert_int_equal(treqs_yaml_parse(&doc, s, len, "f.yaml", lim, &d), TREQS_EINVALID);
	assert_null(doc);
	assert_diags(&d, expected);
	treqs_diags_free(&d);
}
#define REFUSED(s, expected) refused((s), sizeof(s) - 1, NULL, (expected))

static void assert_pos(const struct treqs_ynode *n, unsigned line, unsigned col, unsigned end_line,
		       unsigned end_col)
{
	assert_non_null(n);
	if (n->line != line || n->col != col || n->end_line != end_line || n->end_col != end_col)
		print_error("node '%s' at %u:%u-%u:%u, expected %u:%u-%u:%u\n", n->value ? n->value : "(coll)",
			    n->line, n->col, n->end_line, n->end_col, line, col, end_line, end_col);
	assert_int_equal(n->line, line);
	assert_int_equal(n->col, col);
	assert_int_equal(n->end_line, end_line);
	assert_int_equal(n->end_col, end_col);
}

static void assert_scalar(const struct treqs_ynode *n, const char *value, enum treqs_ystyle style)
{
	assert_non_null(n);
	assert_int_equal(n->type, TREQS_YSCALAR);
	assert_string_equal(n->value, value);
	assert_int_equal(n->len, strlen(value));
	assert_int_equal(n->style, style);
}

/* ---- shape and positions ---- */

static const char shape_doc[] = "id: TR-0042\n"                    /* 1 */
				"resources:\n"                     /* 2 */
				"  gpu_type: A100\n"               /* 3 */
				"  hours: 12\n"                    /* 4 */
				"datasets: [imagenet_v3, 'c4']\n"  /* 5 */
				"title: \"Larger batch\"\n"        /* 6 */
				"notes: |\n"                       /* 7 */
				"  Free text.\n"                   /* 8 */
				"folded: >\n"                      /* 9 */
				"  a\n"                            /* 10 */
				"  b\n"                            /* 11 */
				"list:\n"                          /* 12 */
				"  - x\n"                          /* 13 */
				"  - {k: v}\n"                     /* 14 */
				"tagged: !!str 12\n";              /* 15 */

static void test_tree_shape(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	const struct treqs_ynode *root, *res, *ds, *list, *k;

	assert_int_equal(PARSE(&doc, shape_doc, &d), 0);
	assert_diags(&d, "");
	root = doc->root;
	assert_non_null(root);
	assert_int_equal(doc->bom, 0);
	assert_int_equal(root->type, TREQS_YMAP);
	assert_int_equal(root->style, TREQS_YBLOCK);
	assert_int_equal(root->n, 2 * 8);

	assert_scalar(root->kids[0], "id", TREQS_YPLAIN);
	assert_pos(root->kids[0], 1, 1, 1, 3);
	assert_scalar(root->kids[1], "TR-0042", TREQS_YPLAIN);
	assert_pos(root->kids[1], 1, 5, 1, 12);
	assert_int_equal(root->kids[1]->start, 4);
	assert_int_equal(root->kids[1]->end, 11);

	res = root->kids[3];
	assert_int_equal(res->type, TREQS_YMAP);
	assert_int_equal(res->style, TREQS_YBLOCK);
	assert_int_equal(res->n, 4);
	assert_int_equal(res->line, 3);
	assert_int_equal(res->col, 3);
	assert_scalar(res->kids[0], "gpu_type", TREQS_YPLAIN);
	assert_pos(res->kids[0], 3, 3, 3, 11);
	assert_scalar(res->kids[1], "A100", TREQS_YPLAIN);
	assert_pos(res->kids[1], 3, 13, 3, 17);
	assert_scalar(res->kids[3], "12", TREQS_YPLAIN);
	assert_pos(res->kids[3], 4, 10, 4, 12);

	ds = root->kids[5];
	assert_int_equal(ds->type, TREQS_YSEQ);
	assert_int_equal(ds->style, TREQS_YFLOW);
	assert_int_equal(ds->n, 2);
	assert_pos(ds, 5, 11, 5, 30); /* from '[' to just past ']' */
	assert_scalar(ds->kids[0], "imagenet_v3", TREQS_YPLAIN);
	assert_pos(ds->kids[0], 5, 12, 5, 23);
	assert_scalar(ds->kids[1], "c4", TREQS_YSINGLE);
	assert_pos(ds->kids[1], 5, 25, 5, 29); /* the quotes belong to the node */

	assert_scalar(root->kids[7], "Larger batch", TREQS_YDOUBLE);
	assert_pos(root->kids[7], 6, 8, 6, 22);
	assert_scalar(root->kids[9], "Free text.\n", TREQS_YLITERAL);
	assert_int_equal(root->kids[9]->line, 7);
	assert_int_equal(root->kids[9]->col, 8);
	assert_scalar(root->kids[11], "a b\n", TREQS_YFOLDED);

	list = root->kids[13];
	assert_int_equal(list->type, TREQS_YSEQ);
	assert_int_equal(list->style, TREQS_YBLOCK);
	assert_int_equal(list->n, 2);
	assert_scalar(list->kids[0], "x", TREQS_YPLAIN);
	assert_pos(list->kids[0], 13, 5, 13, 6);
	assert_int_equal(list->kids[1]->type, TREQS_YMAP);
	assert_int_equal(list->kids[1]->style, TREQS_YFLOW);
	assert_pos(list->kids[1], 14, 5, 14, 11);

	assert_scalar(root->kids[15], "12", TREQS_YPLAIN);
	assert_string_equal(root->kids[15]->tag, "tag:yaml.org,2002:str");
	assert_null(root->kids[1]->tag);

	/* lookups */
	assert_ptr_equal(treqs_ymap_get(root, "resources", NULL), res);
	k = NULL;
	assert_ptr_equal(treqs_ymap_get(root, "title", (struct treqs_ynode **)&k), root->kids[7]);
	assert_ptr_equal(k, root->kids[6]);
	assert_null(treqs_ymap_get(root, "nope", NULL));
	assert_null(treqs_ymap_get(ds, "imagenet_v3", NULL)); /* not a mapping */
	assert_null(treqs_ymap_get(NULL, "x", NULL));

	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_positions_after_multibyte(void **state)
{
	/* columns count characters, and start/end are character indexes */
	static const char s[] = "title: \"Caf\xc3\xa9 \xf0\x9f\x98\x80\"\n"
				"owner: \xe2\x82\xac x\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	const struct treqs_ynode *v;

	assert_int_equal(PARSE(&doc, s, &d), 0);
	v = treqs_ymap_get(doc->root, "title", NULL);
	assert_scalar(v, "Caf\xc3\xa9 \xf0\x9f\x98\x80", TREQS_YDOUBLE);
	assert_pos(v, 1, 8, 1, 16);
	assert_int_equal(v->start, 7);
	assert_int_equal(v->end, 15);
	v = treqs_ymap_get(doc->root, "owner", NULL);
	assert_scalar(v, "\xe2\x82\xac x", TREQS_YPLAIN);
	assert_pos(v, 2, 8, 2, 11);
	assert_int_equal(v->start, 23);
	assert_int_equal(treqs_yaml_byte_offset(s, sizeof(s) - 1, doc->bom, v->start),
			 (size_t)(strstr(s, "\xe2\x82\xac") - s));
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_empty_documents(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;

	assert_int_equal(treqs_yaml_parse(&doc, "", 0, "f.yaml", NULL, &d), 0);
	assert_non_null(doc);
	assert_null(doc->root);
	treqs_ydoc_free(doc);

	assert_int_equal(PARSE(&doc, "# only a comment\n\n", &d), 0);
	assert_null(doc->root);
	treqs_ydoc_free(doc);

	/* "---" alone is a document holding an empty (null) scalar */
	assert_int_equal(PARSE(&doc, "---\n", &d), 0);
	assert_non_null(doc->root);
	assert_true(treqs_yscalar_is_null(doc->root));
	treqs_ydoc_free(doc);

	/* one explicit document with an end marker is still one document */
	assert_int_equal(PARSE(&doc, "---\na: 1\n...\n", &d), 0);
	assert_int_equal(doc->root->n, 2);
	treqs_ydoc_free(doc);
	assert_diags(&d, "");
	treqs_diags_free(&d);
	treqs_ydoc_free(NULL);
}

static void test_scalar_is_null(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	static const char s[] = "a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: 'null'\ng: nULL\nh: \"\"\ni: !!null ''\n"
				"j: !!str\n";
	const struct treqs_ynode *r;

	assert_int_equal(PARSE(&doc, s, &d), 0);
	r = doc->root;
	assert_true(treqs_yscalar_is_null(treqs_ymap_get(r, "a", NULL)));
	assert_true(treqs_yscalar_is_null(treqs_ymap_get(r, "b", NULL)));
	assert_true(treqs_yscalar_is_null(treqs_ymap_get(r, "c", NULL)));
	assert_true(treqs_yscalar_is_null(treqs_ymap_get(r, "d", NULL)));
	assert_true(treqs_yscalar_is_null(treqs_ymap_get(r, "e", NULL)));
	assert_false(treqs_yscalar_is_null(treqs_ymap_get(r, "f", NULL)));
	assert_false(treqs_yscalar_is_null(treqs_ymap_get(r, "g", NULL)));
	assert_false(treqs_yscalar_is_null(treqs_ymap_get(r, "h", NULL)));
	assert_false(treqs_yscalar_is_null(treqs_ymap_get(r, "j", NULL)));
	assert_false(treqs_yscalar_is_null(r));
	assert_false(treqs_yscalar_is_null(NULL));
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

/* ---- refused inputs ---- */

static void test_duplicate_keys(void **state)
{
	REFUSED("id: TR-0001\ntitle: x\nid: TR-0002\n",
		"f.yaml:3:1: id: expected each key once, found it again (first at line 1, column 1)\n");
	/* quoting does not make a key different */
	REFUSED("status: a\n'status': b\n",
		"f.yaml:2:1: status: expected each key once, found it again (first at line 1, column 1)\n");
	REFUSED("{a: 1, b: 2, a: 3}\n",
		"f.yaml:1:14: a: expected each key once, found it again (first at line 1, column 2)\n");
}

static void test_duplicate_keys_nested_field_name(void **state)
{
	/* the field names the whole path, with list indexes from 0 */
	REFUSED("resources:\n  hours: 1\n  hours: 2\n",
		"f.yaml:3:3: resources.hours: expected each key once, found it again (first at line 2, column 3)\n");
	REFUSED("l:\n  - k: 1\n    k: 2\n",
		"f.yaml:3:5: l[0].k: expected each key once, found it again (first at line 2, column 5)\n");
	REFUSED("l:\n  - a\n  - {x: 1, x: 2}\n",
		"f.yaml:3:12: l[1].x: expected each key once, found it again (first at line 3, column 6)\n");
	/* a key holding control characters cannot reach the terminal raw */
	REFUSED("\"a\\e[2J\": 1\n\"a\\e[2J\": 2\n",
		"f.yaml:2:1: a\\x1b[2J: expected each key once, found it again (first at line 1, column 1)\n");
}

static void test_several_documents(void **state)
{
	REFUSED("a: 1\n---\nb: 2\n", "f.yaml:2:1: yaml: expected one document per file, found another document\n");
	REFUSED("---\na: 1\n...\n---\na: 1\n",
		"f.yaml:4:1: yaml: expected one document per file, found another document\n");
}

static const char lol[] = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
			  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			  "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			  "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
			  "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
			  "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";

static void test_alias_bomb_refused(void **state)
{
	/*
	 * 9^9 strings once expanded: refused as soon as the running total
	 * passes the cap, at the alias that crossed it (line 4: d's list is
	 * 9 * 91 + 1 nodes, which with a, b and c passes 5000 at its 5th *c).
	 */
	REFUSED(lol, "f.yaml:4:20: yaml: expected at most 5000 values with aliases expanded, found more at this "
		     "alias (alias expansion refused)\n");
}

static void test_alias_small_accepted(void **state)
{
	static const char s[] = "defaults: &res {gpu_type: A100, hours: 2}\n"
				"resources: *res\n"
				"names: [&n jane, *n, *n]\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	const struct treqs_ynode *a, *b, *names;

	assert_int_equal(PARSE(&doc, s, &d), 0);
	assert_diags(&d, "");
	a = treqs_ymap_get(doc->root, "defaults", NULL);
	b = treqs_ymap_get(doc->root, "resources", NULL);
	assert_ptr_equal(a, b); /* shared, never copied */
	assert_scalar(treqs_ynode_at(doc->root, "resources.hours", NULL), "2", TREQS_YPLAIN);
	names = treqs_ymap_get(doc->root, "names", NULL);
	assert_int_equal(names->n, 3);
	assert_ptr_equal(names->kids[0], names->kids[2]);
	assert_string_equal(names->kids[1]->value, "jane");
	/* weights count the expansion: root map 1 + 3 keys + 5 + 5 + 4 */
	assert_int_equal(doc->root->weight, 1 + 3 + 5 + 5 + 4);
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_alias_cap_is_exact(void **state)
{
	/* with a cap of 9 values, 9 pass and 10 are refused */
	static const struct treqs_ylimits lim = {32, 9};
	static const char nine[] = "a: &x [1, 2]\nb: *x\n"; /* map, a, [1, 2], b, *x = 1 + 1 + 3 + 1 + 3 */
	static const char ten[] = "a: &x [1, 2]\nb: *x\nc: 3\n";
	static const char alias_ten[] = "a: &x [1, 2]\nb: [*x]\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;

	assert_int_equal(treqs_yaml_parse(&doc, nine, sizeof(nine) - 1, "f.yaml", &lim, &d), 0);
	assert_int_equal(doc->root->weight, 9);
	treqs_ydoc_free(doc);
	assert_diags(&d, "");
	treqs_diags_free(&d);
	refused(ten, sizeof(ten) - 1, &lim,
		"f.yaml:3:1: yaml: expected at most 9 values (keys, items and scalars), found more\n");
	refused(alias_ten, sizeof(alias_ten) - 1, &lim,
		"f.yaml:2:5: yaml: expected at most 9 values with aliases expanded, found more at this alias "
		"(alias expansion refused)\n");
}

static void test_alias_recursive_and_unknown(void **state)
{
	REFUSED("a: &a [1, *a]\n", "f.yaml:1:11: yaml: expected an alias to a complete value, found '*a' inside the "
				"value it names (a recursive alias)\n");
	REFUSED("a: &m {x: *m}\n", "f.yaml:1:11: yaml: expected an alias to a complete value, found '*m' inside the "
				"value it names (a recursive alias)\n");
	REFUSED("a: 1\nb: *nope\n", "f.yaml:2:4: yaml: expected an alias to an anchor defined above it, found '*nope' "
				  "with no '&nope' before it\n");
}

static void test_depth_limit(void **state)
{
	static const struct treqs_ylimits three = {3, 5000};
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	struct treqs_buf s = TREQS_BUF_INIT;
	int i;

	/* 32 nested lists are accepted, the 33rd is refused at its '[' */
	for (i = 0; i < 32; i++)
		treqs_buf_putc(&s, '[');
	for (i = 0; i < 32; i++)
		treqs_buf_putc(&s, ']');
	assert_int_equal(treqs_yaml_parse(&doc, s.ptr, s.len, "f.yaml", NULL, &d), 0);
	treqs_ydoc_free(doc);
	treqs_buf_clear(&s);
	for (i = 0; i < 33; i++)
		treqs_buf_putc(&s, '[');
	for (i = 0; i < 33; i++)
		treqs_buf_putc(&s, ']');
	refused(s.ptr, s.len, NULL,
		"f.yaml:1:33: yaml: expected lists and mappings nested at most 32 deep, found deeper nesting\n");

	refused("a: {b: {c: {d: 1}}}", 19, &three,
		"f.yaml:1:12: yaml: expected lists and mappings nested at most 3 deep, found deeper nesting\n");
	treqs_buf_free(&s);
	treqs_diags_free(&d);
}

static void test_depth_limit_under_cap_parses(void **state)
{
	static const struct treqs_ylimits three = {3, 5000};
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;

	assert_int_equal(treqs_yaml_parse(&doc, "a: {b: {c: 1}}", 14, "f.yaml", &three, &d), 0);
	assert_string_equal(treqs_ynode_at(doc->root, "a.b.c", NULL)->value, "1");
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_nul_and_invalid_utf8(void **state)
{
	REFUSED("a: 1\nb: x\0y\n", "f.yaml:2:5: yaml: expected text, found a NUL byte\n");
	/* the column counts characters: "é" before the bad byte is one */
	REFUSED("t: \xc3\xa9\xff\n", "f.yaml:1:5: yaml: expected UTF-8 text, found the byte 0xff\n");
	REFUSED("a: 1\nb: \xed\xa0\x80\n", "f.yaml:2:4: yaml: expected UTF-8 text, found the byte 0xed\n");
	REFUSED("a: \xc0\xaf\n", "f.yaml:1:4: yaml: expected UTF-8 text, found the byte 0xc0\n");
	REFUSED("a: \xe2\x82", "f.yaml:1:4: yaml: expected UTF-8 text, found the byte 0xe2\n");
}

static void test_tabs_in_indentation(void **state)
{
	REFUSED("a:\n\tb: 1\n", "f.yaml:2:1: yaml: expected spaces for indentation, found a tab\n");
	/* at the tab itself */
	REFUSED("a:\n  b: 1\n \tc: 2\n", "f.yaml:3:2: yaml: expected spaces for indentation, found a tab\n");
}

static void test_tab_inside_a_value_is_fine(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;

	assert_int_equal(PARSE(&doc, "a: \"x\ty\"\nb: c\t# comment\n", &d), 0);
	assert_string_equal(treqs_ymap_get(doc->root, "a", NULL)->value, "x\ty");
	assert_string_equal(treqs_ymap_get(doc->root, "b", NULL)->value, "c");
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_syntax_errors(void **state)
{
	REFUSED("a: [1, 2\nb: 3\n", "f.yaml:2:2: yaml: expected ',' or ']' to continue the list that starts at line 1, "
				"column 4, found ':'\n");
	REFUSED("a: b: c\n", "f.yaml:1:5: yaml: expected no ': ' inside a plain value, found ':' (put the value in "
			  "quotes, or check the indentation)\n");
	REFUSED("? [a]\n: 1\n", "f.yaml:1:3: yaml: expected a key that is a string, found a list used as a key\n");
	REFUSED("a: 'x\n", "f.yaml:1:4: yaml: expected a closing ' for the string that starts here, found the end of "
			  "the file\n");
}

static void test_bom(void **state)
{
	/*
	 * A UTF-8 byte order mark is skipped: keys are at column 1, and
	 * character indexes start after it, as treqs_yaml_byte_offset()
	 * expects with doc->bom.
	 */
	static const char s[] = "\xef\xbb\xbf" "id: TR-0001\ntitle: x\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	const struct treqs_ynode *k = NULL, *v;

	assert_int_equal(PARSE(&doc, s, &d), 0);
	assert_diags(&d, "");
	assert_int_equal(doc->bom, 3);
	v = treqs_ymap_get(doc->root, "id", (struct treqs_ynode **)&k);
	assert_pos(k, 1, 1, 1, 3);
	assert_scalar(v, "TR-0001", TREQS_YPLAIN);
	assert_pos(v, 1, 5, 1, 12);
	assert_int_equal(treqs_yaml_byte_offset(s, sizeof(s) - 1, doc->bom, v->start), 3 + 4);
	v = treqs_ymap_get(doc->root, "title", (struct treqs_ynode **)&k);
	assert_pos(k, 2, 1, 2, 6);
	assert_int_equal(treqs_yaml_byte_offset(s, sizeof(s) - 1, doc->bom, v->start), 3 + 19);
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_bom_single_line(void **state)
{
	/* the BOM is not a character of the first line */
	static const char s[] = "\xef\xbb\xbf" "a: 1\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	const struct treqs_ynode *k = NULL, *v;

	assert_int_equal(PARSE(&doc, s, &d), 0);
	assert_int_equal(doc->bom, 3);
	v = treqs_ymap_get(doc->root, "a", (struct treqs_ynode **)&k);
	assert_pos(k, 1, 1, 1, 2);
	assert_int_equal(treqs_yaml_byte_offset(s, sizeof(s) - 1, doc->bom, v->start), 6);
	assert_int_equal(s[6], '1');
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_byte_offset(void **state)
{
	/* é (2 bytes), € (3 bytes), 😀 (4 bytes) */
	static const char s[] = "\xc3\xa9: \xe2\x82\xac\n\xf0\x9f\x98\x80: x\n";
	static const char bom[] = "\xef\xbb\xbf" "\xc3\xa9: 1";
	size_t len = sizeof(s) - 1;

	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 0), 0);
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 1), 2); /* ':' */
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 3), 4); /* € */
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 4), 7); /* '\n' */
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 5), 8); /* 😀 */
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 6), 12);
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 8), 14); /* x */
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 10), len);
	assert_int_equal(treqs_yaml_byte_offset(s, len, 0, 1000), len); /* clamped */
	/* with a BOM, index 0 is the first byte after it */
	assert_int_equal(treqs_yaml_byte_offset(bom, sizeof(bom) - 1, 3, 0), 3);
	assert_int_equal(treqs_yaml_byte_offset(bom, sizeof(bom) - 1, 3, 1), 5);
	assert_int_equal(treqs_yaml_byte_offset(bom, sizeof(bom) - 1, 3, 3), 7);
	/* a truncated last character does not run past the end */
	assert_int_equal(treqs_yaml_byte_offset("a\xf0\x9f", 3, 0, 2), 3);
}

static void test_ynode_at(void **state)
{
	static const char s[] = "resources:\n  gpu_type: A100\n  deep: {x: {y: z}}\nlist: [a]\nflat: 1\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	struct treqs_ynode *k = NULL, *v;
	char longpath[300];

	assert_int_equal(PARSE(&doc, s, &d), 0);
	v = treqs_ynode_at(doc->root, "resources.gpu_type", &k);
	assert_scalar(v, "A100", TREQS_YPLAIN);
	assert_scalar(k, "gpu_type", TREQS_YPLAIN);
	assert_pos(k, 2, 3, 2, 11);
	assert_string_equal(treqs_ynode_at(doc->root, "resources.deep.x.y", NULL)->value, "z");
	assert_string_equal(treqs_ynode_at(doc->root, "flat", NULL)->value, "1");
	assert_int_equal(treqs_ynode_at(doc->root, "resources", NULL)->type, TREQS_YMAP);
	assert_null(treqs_ynode_at(doc->root, "resources.hours", NULL));
	assert_null(treqs_ynode_at(doc->root, "nope.gpu_type", NULL));
	assert_null(treqs_ynode_at(doc->root, "flat.x", NULL));     /* through a scalar */
	assert_null(treqs_ynode_at(doc->root, "list.a", NULL));     /* through a list */
	assert_null(treqs_ynode_at(doc->root, "resources.", NULL)); /* empty last step */
	assert_null(treqs_ynode_at(NULL, "a", NULL));
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_null(treqs_ynode_at(doc->root, longpath, NULL));
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_ynode_at_keyp_on_miss(void **state)
{
	/*
	 * When a later step of the path is missing, NULL is returned and *keyp
	 * is left alone: tr.c relies on keyp to tell whether
	 * resources.gpu_type exists (a false "found both" error otherwise).
	 */
	static const char s[] = "resources:\n  hours: 1\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	struct treqs_ynode *k = NULL;

	assert_int_equal(PARSE(&doc, s, &d), 0);
	assert_null(treqs_ynode_at(doc->root, "resources.gpu_type", &k));
	assert_null(k);
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

static void test_crlf_positions(void **state)
{
	static const char s[] = "a: 1\r\nbb: two\r\n";
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_ydoc *doc = NULL;
	const struct treqs_ynode *v;

	assert_int_equal(PARSE(&doc, s, &d), 0);
	v = treqs_ymap_get(doc->root, "bb", NULL);
	assert_scalar(v, "two", TREQS_YPLAIN);
	assert_pos(v, 2, 5, 2, 8);
	assert_int_equal(treqs_yaml_byte_offset(s, sizeof(s) - 1, 0, v->start), 10);
	treqs_ydoc_free(doc);
	treqs_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_shape),
		cmocka_unit_test(test_positions_after_multibyte),
		cmocka_unit_test(test_empty_documents),
		cmocka_unit_test(test_scalar_is_null),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_keys_nested_field_name),
		cmocka_unit_test(test_several_documents),
		cmocka_unit_test(test_alias_bomb_refused),
		cmocka_unit_test(test_alias_small_accepted),
		cmocka_unit_test(test_alias_cap_is_exact),
		cmocka_unit_test(test_alias_recursive_and_unknown),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_depth_limit_under_cap_parses),
		cmocka_unit_test(test_nul_and_invalid_utf8),
		cmocka_unit_test(test_tabs_in_indentation),
		cmocka_unit_test(test_tab_inside_a_value_is_fine),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_bom_single_line),
		cmocka_unit_test(test_byte_offset),
		cmocka_unit_test(test_ynode_at),
		cmocka_unit_test(test_ynode_at_keyp_on_miss),
		cmocka_unit_test(test_crlf_positions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
