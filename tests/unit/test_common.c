/*
 * test_common.c - buffers, the error model, diagnostics, UTF-8 checks,
 * text positions, edit distance, string lists and file helpers.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "treqs/run.h"

/* ---- buffers ---- */

static void test_buf_zero_is_empty(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	assert_string_equal(treqs_buf_cstr(&b), "");
	assert_int_equal(b.len, 0);
	treqs_buf_free(&b); /* freeing an untouched buffer is fine */
	assert_null(b.ptr);
}

static void test_buf_appends(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	treqs_buf_puts(&b, "id: ");
	treqs_buf_printf(&b, "%s-%04d", "TR", 42);
	treqs_buf_putc(&b, '\n');
	treqs_buf_put(&b, "xyz", 2);
	assert_buf_equal(&b, "id: TR-0042\nxy");
	assert_int_equal(b.ptr[b.len], '\0');

	/* binary content keeps its length and stays terminated */
	treqs_buf_clear(&b);
	assert_string_equal(treqs_buf_cstr(&b), "");
	treqs_buf_put(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "a\0b", 4);

	/* an empty put still leaves a terminated, non-NULL buffer */
	treqs_buf_free(&b);
	treqs_buf_put(&b, "", 0);
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	treqs_buf_free(&b);
}

static void test_buf_printf_large(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char big[20001];
	size_t i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	treqs_buf_puts(&b, "<");
	for (i = 0; i < 3; i++)
		treqs_buf_printf(&b, "%s|", big);
	assert_int_equal(b.len, 1 + 3 * 20001);
	assert_int_equal(b.ptr[0], '<');
	assert_int_equal(b.ptr[20001], '|');
	assert_int_equal(b.ptr[b.len - 1], '|');
	assert_int_equal(b.ptr[b.len], '\0');
	treqs_buf_free(&b);
}

static void test_buf_detach(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	char *s;

	s = treqs_buf_detach(&b); /* an empty buffer detaches as "" */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	treqs_buf_puts(&b, "hello");
	s = treqs_buf_detach(&b);
	assert_string_equal(s, "hello");
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(s);

	s = xasprintf("%s:%u:%u", "f.yaml", 3u, 7u);
	assert_string_equal(s, "f.yaml:3:7");
	free(s);
}

/* ---- error model ---- */

static void test_error_model(void **state)
{
	assert_int_equal(treqs_error(TREQS_ENOTFOUND, "no TR '%s'", "TR-0042"), TREQS_ENOTFOUND);
	assert_string_equal(treqs_error_msg(), "no TR 'TR-0042'");
	assert_int_equal(treqs_error_code(), TREQS_ENOTFOUND);

	errno = ENOENT;
	assert_int_equal(treqs_error_errno(TREQS_EENV, "unable to open '%s'", "x"), TREQS_EENV);
	assert_string_equal(treqs_error_msg(), "unable to open 'x': No such file or directory");
	assert_int_equal(errno, ENOENT); /* errno is kept for the caller */

	treqs_error_clear();
	assert_string_equal(treqs_error_msg(), "");
	assert_int_equal(treqs_error_code(), 0);

	assert_int_equal(treqs_exit_status(TREQS_OK), 0);
	assert_int_equal(treqs_exit_status(TREQS_EINVALID), 1);
	assert_int_equal(treqs_exit_status(TREQS_ENOTFOUND), 1);
	assert_int_equal(treqs_exit_status(TREQS_EEXISTS), 1);
	assert_int_equal(treqs_exit_status(TREQS_ECONFLICT), 1);
	assert_int_equal(treqs_exit_status(TREQS_EPOLICY), 1);
	assert_int_equal(treqs_exit_status(TREQS_EUSAGE), 2);
	assert_int_equal(treqs_exit_status(TREQS_EENV), 3);
}

static void test_error_long_message_truncated(void **state)
{
	char big[5000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	treqs_error(TREQS_EENV, "%s", big);
	assert_int_equal(strlen(treqs_error_msg()), 2047);
	errno = EACCES;
	treqs_error_errno(TREQS_EENV, "%s", big); /* no room for the suffix: still terminated */
	assert_int_equal(strlen(treqs_error_msg()), 2047);
	treqs_error_clear();
}

/* ---- diagnostics ---- */

static void test_diag_format(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;

	treqs_diag_add(&d, TREQS_ERROR, "f.yaml", 3, 7, "resources.hours",
		       "expected a number of hours greater than 0, found the number %d", 0);
	treqs_diag_add(&d, TREQS_WARNING, "f.yaml", 2, 1, "titel", "unknown field (did you mean '%s'?)", "title");
	treqs_diag_add(&d, TREQS_ERROR, "f.yaml", 4, 0, "x", "column unknown");
	treqs_diag_add(&d, TREQS_ERROR, "f.yaml", 0, 9, NULL, "cannot read: %s", "gone");
	treqs_diag_add(&d, TREQS_WARNING, NULL, 1, 1, NULL, "no path, no field");
	assert_int_equal(d.n, 5);
	assert_int_equal(d.nerrors, 3);
	assert_int_equal(d.nwarnings, 2);
	assert_diags(&d, "f.yaml:3:7: resources.hours: expected a number of hours greater than 0, found the number 0\n"
			 "f.yaml:2:1: warning: titel: unknown field (did you mean 'title'?)\n"
			 "f.yaml:4: x: column unknown\n"
			 "f.yaml: cannot read: gone\n"
			 "-:1:1: warning: no path, no field\n");
	treqs_diags_free(&d);
	assert_null(d.v);
	assert_int_equal(d.n, 0);
}

static void test_diag_format_escapes_controls(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;

	/* a pushed file named with an escape sequence, a key with a newline */
	treqs_diag_add(&d, TREQS_ERROR, ".treqs/requests/\x1b[2J.yaml", 1, 1, "a\nb", "found \"x\ty\x7f\"");
	treqs_diag_add(&d, TREQS_WARNING, "caf\xc3\xa9\xc2\x9b" "31m.yaml", 2, 3, "\xe2\x82\xac", "ok \xc2\xa0");
	assert_diags(&d, ".treqs/requests/\\x1b[2J.yaml:1:1: a\\x0ab: found \"x\\x09y\\x7f\"\n"
			 "caf\xc3\xa9\\u009b31m.yaml:2:3: warning: \xe2\x82\xac: ok \xc2\xa0\n");
	treqs_diags_free(&d);
}

static void test_diags_print(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	treqs_diags_print(f, &d); /* nothing to print */
	treqs_diag_add(&d, TREQS_ERROR, ".treqs/requests/TR-0042.yaml", 1, 5, "id", "expected %s", "an id");
	treqs_diag_add(&d, TREQS_WARNING, ".treqs/requests/TR-0042.yaml", 9, 1, "submitter",
		       "accepted variant; the canonical form is 'submitted_by'");
	treqs_diags_print(f, &d);
	fclose(f);
	assert_string_equal(text, ".treqs/requests/TR-0042.yaml:1:5: id: expected an id\n"
				  ".treqs/requests/TR-0042.yaml:9:1: warning: submitter: accepted variant; the "
				  "canonical form is 'submitted_by'\n");
	free(text);
	treqs_diags_free(&d);
}

static void test_diags_move(void **state)
{
	struct treqs_diags a = TREQS_DIAGS_INIT, b = TREQS_DIAGS_INIT;

	treqs_diag_add(&a, TREQS_ERROR, "a", 1, 1, NULL, "first");
	treqs_diag_add(&b, TREQS_WARNING, "b", 2, 2, "f", "second");
	treqs_diag_add(&b, TREQS_ERROR, "b", 3, 3, "g", "third");
	treqs_diags_move(&a, &b);
	assert_int_equal(b.n, 0);
	assert_null(b.v);
	assert_int_equal(a.nerrors, 2);
	assert_int_equal(a.nwarnings, 1);
	assert_diags(&a, "a:1:1: first\nb:2:2: warning: f: second\nb:3:3: g: third\n");
	treqs_diags_move(&a, &b); /* moving nothing changes nothing */
	assert_int_equal(a.n, 3);
	treqs_diags_free(&a);
	treqs_diags_free(&b);
}

/* ---- UTF-8 ---- */

struct utf8_case {
	const char *s;
	size_t len;
	int ok;
	size_t off;
	int nul;
};

#define U8(lit, ok, off, nul) {lit, sizeof(lit) - 1, ok, off, nul}

static void test_utf8_check(void **state)
{
	static const struct utf8_case cases[] = {
		U8("", 1, 0, 0),
		U8("plain ascii: F1 Score", 1, 0, 0),
		U8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 1, 0, 0), /* 2, 3 and 4 bytes */
		U8("\xc2\x80", 1, 0, 0),                                   /* smallest 2-byte */
		U8("\xe0\xa0\x80", 1, 0, 0),                               /* smallest 3-byte */
		U8("\xf0\x90\x80\x80", 1, 0, 0),                           /* smallest 4-byte */
		U8("\xf4\x8f\xbf\xbf", 1, 0, 0),                           /* U+10FFFF */
		U8("\xed\x9f\xbf", 1, 0, 0),                               /* U+D7FF, below surrogates */
		U8("\xee\x80\x80", 1, 0, 0),                               /* U+E000, above them */
		U8("\xef\xbb\xbf" "a", 1, 0, 0),                           /* a BOM is valid UTF-8 */
		/* overlong forms */
		U8("a\xc0\xaf", 0, 1, 0),
		U8("ab\xc1\xbf", 0, 2, 0),
		U8("\xe0\x80\xaf", 0, 0, 0),
		U8("x\xe0\x9f\xbf", 0, 1, 0),
		U8("\xf0\x80\x80\xaf", 0, 0, 0),
		U8("\xf0\x8f\xbf\xbf", 0, 0, 0),
		/* UTF-16 surrogates */
		U8("ok \xed\xa0\x80", 0, 3, 0),
		U8("\xed\xbf\xbf", 0, 0, 0),
		/* past U+10FFFF */
		U8("\xf4\x90\x80\x80", 0, 0, 0),
		U8("\xf5\x80\x80\x80", 0, 0, 0),
		U8("\xff", 0, 0, 0),
		U8("\xfe\xff", 0, 0, 0),
		/* stray continuation byte */
		U8("abc\x80", 0, 3, 0),
		/* truncated sequences: at the end, and followed by ASCII */
		U8("ab\xe2\x82", 0, 2, 0),
		U8("ab\xe2\x82" "c", 0, 2, 0),
		U8("\xf0\x9f\x98", 0, 0, 0),
		U8("\xc3", 0, 0, 0),
		U8("\xc3 ", 0, 0, 0),
		/* NUL */
		U8("ab\0c", 0, 2, 1),
		U8("\0", 0, 0, 1),
	};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(cases); i++) {
		size_t off = 12345;
		int nul = 7;
		int r = treqs_utf8_check(cases[i].s, cases[i].len, &off, &nul);

		if ((r == 0) != cases[i].ok || (!cases[i].ok && (off != cases[i].off || nul != cases[i].nul)))
			print_error("case %zu: r=%d off=%zu nul=%d\n", i, r, off, nul);
		assert_int_equal(r, cases[i].ok ? 0 : -1);
		if (!cases[i].ok) {
			assert_int_equal(off, cases[i].off);
			assert_int_equal(nul, cases[i].nul);
		} else {
			assert_int_equal(nul, 0);
		}
	}
}

static void test_utf8_check_honours_len(void **state)
{
	size_t off = 0;
	int nul = 0;

	/* a sequence cut by len is truncated even if the bytes go on */
	assert_int_equal(treqs_utf8_check("\xc3\xa9", 1, &off, &nul), -1);
	assert_int_equal(off, 0);
	/* bytes past len are not looked at */
	assert_int_equal(treqs_utf8_check("ab\xff", 2, &off, &nul), 0);
	assert_int_equal(treqs_utf8_check("ab\0", 2, &off, &nul), 0);
}

/* ---- positions ---- */

static void test_text_position(void **state)
{
	const char *s = "id: TR-0042\ntitle: \"Caf\xc3\xa9 \xf0\x9f\x98\x80 x\"\r\nz: 1";
	unsigned line = 0, col = 0;

	treqs_text_position(s, strlen(s), 0, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
	treqs_text_position(s, strlen(s), 4, &line, &col); /* 'T' */
	assert_int_equal(line, 1);
	assert_int_equal(col, 5);
	treqs_text_position(s, strlen(s), 11, &line, &col); /* the '\n' itself */
	assert_int_equal(line, 1);
	assert_int_equal(col, 12);
	treqs_text_position(s, strlen(s), 12, &line, &col); /* 't' of title */
	assert_int_equal(line, 2);
	assert_int_equal(col, 1);
	/* columns count characters: 'x' after "Café 😀 " (6 bytes for 2 chars) */
	treqs_text_position(s, strlen(s), (size_t)(strchr(s, 'x') - s), &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 16);
	/* CRLF: the next line starts at column 1 */
	treqs_text_position(s, strlen(s), (size_t)(strchr(s, 'z') - s), &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 1);
	/* a CR alone ends a line as well */
	treqs_text_position("a\rb\r\nc", 6, 2, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 1);
	treqs_text_position("a\rb\r\nc", 6, 5, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 1);
	/* past the end: the end */
	treqs_text_position(s, strlen(s), 10000, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 5);
}

/* ---- edit distance ---- */

static void test_edit_distance(void **state)
{
	assert_int_equal(treqs_edit_distance("status", "status", 3), 0);
	assert_int_equal(treqs_edit_distance("staus", "status", 3), 1);
	assert_int_equal(treqs_edit_distance("titel", "title", 3), 2);
	assert_int_equal(treqs_edit_distance("kitten", "sitting", 3), 3);
	assert_int_equal(treqs_edit_distance("", "abc", 5), 3);
	assert_int_equal(treqs_edit_distance("abc", "", 5), 3);
	assert_int_equal(treqs_edit_distance("", "", 0), 0);
	/* over the cap: cap + 1, however far */
	assert_int_equal(treqs_edit_distance("kitten", "sitting", 2), 3);
	assert_int_equal(treqs_edit_distance("abc", "xyz", 1), 2);
	assert_int_equal(treqs_edit_distance("a", "abcdefgh", 2), 3);
	assert_int_equal(treqs_edit_distance("gpu_type", "cost_estimate_usd", 3), 4);
}

static void test_edit_distance_long_strings(void **state)
{
	char a[200], b[200];

	/* long field names are compared like short ones */
	memset(a, 'k', 150);
	a[150] = '\0';
	memcpy(b, a, sizeof(a));
	assert_int_equal(treqs_edit_distance(a, b, 3), 0);
	b[70] = 'x';
	assert_int_equal(treqs_edit_distance(a, b, 3), 1);
	b[149] = '\0';
	assert_int_equal(treqs_edit_distance(a, b, 3), 2);
	assert_int_equal(treqs_edit_distance(a, "k", 3), 4);
}

/* ---- string lists ---- */

static void test_strv(void **state)
{
	struct treqs_strv s = TREQS_STRV_INIT;
	size_t i;

	assert_int_equal(treqs_strv_contains(&s, "x"), 0);
	treqs_strv_push(&s, "Jane@Example.org");
	treqs_strv_push_owned(&s, xstrdup("ml-lead@example.org"));
	for (i = 0; i < 20; i++)
		treqs_strv_push_owned(&s, xasprintf("r%zu@example.org", i));
	assert_int_equal(s.n, 22);
	assert_null(s.v[s.n]); /* NULL-terminated, usable as argv */
	assert_string_equal(s.v[0], "Jane@Example.org");
	assert_string_equal(s.v[21], "r19@example.org");
	assert_true(treqs_strv_contains(&s, "ml-lead@example.org"));
	assert_false(treqs_strv_contains(&s, "jane@example.org"));
	assert_true(treqs_strv_contains_ci(&s, "jane@example.org"));
	assert_false(treqs_strv_contains_ci(&s, "jane@example.com"));
	treqs_strv_free(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
	treqs_strv_free(&s);
}

/* ---- files ---- */

static char *scratch(void)
{
	char *dir = NULL;

	assert_int_equal(treqs_tmpdir(&dir), 0);
	return dir;
}

static void put_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_read_file(void **state)
{
	char *dir = scratch(), *p = xasprintf("%s/tr.yaml", dir), *missing = xasprintf("%s/nope.yaml", dir);
	struct treqs_buf b = TREQS_BUF_INIT;
	char *msg;

	put_file(p, "id: TR-0042\n\0tail", 17);
	assert_int_equal(treqs_read_file(&b, p, 0), 0);
	assert_int_equal(b.len, 17);
	assert_memory_equal(b.ptr, "id: TR-0042\n\0tail", 18);

	/* exactly the cap is accepted, one byte more is refused */
	assert_int_equal(treqs_read_file(&b, p, 17), 0);
	assert_int_equal(b.len, 17);
	assert_int_equal(treqs_read_file(&b, p, 16), TREQS_EINVALID);
	msg = xasprintf("'%s' is 17 bytes, more than the 16 allowed", p);
	assert_string_equal(treqs_error_msg(), msg);
	free(msg);

	assert_int_equal(treqs_read_file(&b, missing, 0), TREQS_ENOTFOUND);
	msg = xasprintf("unable to open '%s': No such file or directory", missing);
	assert_string_equal(treqs_error_msg(), msg);
	free(msg);

	assert_int_equal(treqs_read_file(&b, dir, 0), TREQS_EINVALID);
	msg = xasprintf("'%s' is a directory", dir);
	assert_string_equal(treqs_error_msg(), msg);
	free(msg);

	/* an empty file reads as an empty, terminated buffer */
	put_file(p, "", 0);
	assert_int_equal(treqs_read_file(&b, p, 10), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(treqs_buf_cstr(&b), "");

	treqs_buf_free(&b);
	assert_int_equal(treqs_rmtree(dir), 0);
	free(p);
	free(missing);
	free(dir);
}

static void test_read_file_cap_on_stream(void **state)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	/* a file whose size stat cannot tell is still capped while reading */
	assert_int_equal(treqs_read_file(&b, "/dev/zero", 100000), TREQS_EINVALID);
	assert_string_equal(treqs_error_msg(), "'/dev/zero' is more than the 100000 bytes allowed");
	treqs_buf_free(&b);
}

static void test_write_file(void **state)
{
	char *dir = scratch(), *p = xasprintf("%s/out.yaml", dir), *bad = xasprintf("%s/no/such/dir/x", dir);
	struct treqs_buf b = TREQS_BUF_INIT;
	struct stat st;
	char *msg;
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	assert_int_equal(treqs_write_file(p, "a: 1\r\n\0b", 8), 0);
	assert_int_equal(treqs_read_file(&b, p, 0), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.ptr, "a: 1\r\n\0b", 8);

	/* replacing: the new bytes, nothing of the old ones */
	assert_int_equal(treqs_write_file(p, "x", 1), 0);
	assert_int_equal(treqs_read_file(&b, p, 0), 0);
	assert_buf_equal(&b, "x");
	assert_int_equal(treqs_write_file(p, "", 0), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* no temporary file is left behind */
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++, assert_string_equal(de->d_name, "out.yaml");
	closedir(d);
	assert_int_equal(n, 1);

	assert_int_equal(treqs_write_file(bad, "x", 1), TREQS_EENV);
	msg = xasprintf("unable to create '%s.tmp.%ld': No such file or directory", bad, (long)getpid());
	assert_string_equal(treqs_error_msg(), msg);
	free(msg);

	treqs_buf_free(&b);
	assert_int_equal(treqs_rmtree(dir), 0);
	free(p);
	free(bad);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_zero_is_empty),
		cmocka_unit_test(test_buf_appends),
		cmocka_unit_test(test_buf_printf_large),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_error_model),
		cmocka_unit_test(test_error_long_message_truncated),
		cmocka_unit_test(test_diag_format),
		cmocka_unit_test(test_diag_format_escapes_controls),
		cmocka_unit_test(test_diags_print),
		cmocka_unit_test(test_diags_move),
		cmocka_unit_test(test_utf8_check),
		cmocka_unit_test(test_utf8_check_honours_len),
		cmocka_unit_test(test_text_position),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_edit_distance_long_strings),
		cmocka_unit_test(test_strv),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_cap_on_stream),
		cmocka_unit_test(test_write_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
