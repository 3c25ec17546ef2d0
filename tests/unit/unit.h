/*
 * unit.h - helpers shared by the cmocka unit tests (header only, so that
 * every tests/unit/test_*.c stays one self-contained program).
 *
 * The tests compare what a user would see: diagnostics are rendered with
 * treqs_diag_format() and compared as whole lines, edited files as whole
 * byte strings.
 */
#ifndef TREQS_UNIT_H
#define TREQS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "treqs/common.h"

/* Every diagnostic formatted as the CLI prints it, one per line. */
static inline char *unit_diags_text(const struct treqs_diags *d)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		treqs_diag_format(&b, &d->v[i]);
		treqs_buf_putc(&b, '\n');
	}
	return treqs_buf_detach(&b);
}

/* Asserts that the diagnostics read exactly expected ("" for none). */
#define assert_diags(d, expected)                                                                       \
	do {                                                                                            \
		char *got_ = unit_diags_text(d);                                                        \
		if (strcmp(got_, (expected)))                                                           \
			print_error("diagnostics differ\n--- expected\n%s--- actual\n%s---\n", (expected), got_); \
		assert_string_equal(got_, (expected));                                                  \
		free(got_);                                                                             \
	} while (0)

/* Asserts a buffer holds exactly the bytes of the string literal-like expected. */
#define assert_buf_equal(buf, expected)                                                                 \
	do {                                                                                            \
		const char *exp_ = (expected);                                                          \
		size_t explen_ = strlen(exp_);                                                          \
		if ((buf)->len != explen_ || memcmp((buf)->ptr, exp_, explen_))                         \
			print_error("bytes differ\n--- expected (%zu)\n%s\n--- actual (%zu)\n%s\n---\n", explen_, \
				    exp_, (buf)->len, treqs_buf_cstr(buf));                             \
		assert_int_equal((buf)->len, explen_);                                                  \
		assert_memory_equal((buf)->ptr, exp_, explen_);                                         \
	} while (0)

#endif
