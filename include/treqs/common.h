/*
 * common.h - the error model, growable buffers and diagnostics shared by
 * every libtreqs module.
 *
 * Error model (one, used everywhere):
 *   - Functions that can fail return an int: 0 on success or a negative
 *     enum treqs_code.  The detail of the most recent failure is kept in a
 *     per-thread message readable with treqs_error_msg().
 *   - A function that returns an error has set the message; callers that
 *     merely propagate do not touch it.
 *   - Problems in a user's file (a TR, the config) are not "errors" of the
 *     call: they are collected as positioned diagnostics (struct
 *     treqs_diags) and the call returns TREQS_EINVALID.
 *   - Memory exhaustion is not recoverable: the x*alloc helpers print and
 *     abort, as git's do.
 */
#ifndef TREQS_COMMON_H
#define TREQS_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#if defined(__GNUC__)
#define TREQS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TREQS_NORETURN __attribute__((noreturn))
#else
#define TREQS_PRINTF(f, a)
#define TREQS_NORETURN
#endif

#define TREQS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum treqs_code {
	TREQS_OK = 0,
	TREQS_EINVALID = -1,  /* the input was rejected (exit status 1) */
	TREQS_ENOTFOUND = -2, /* the named thing does not exist (exit 1) */
	TREQS_EEXISTS = -3,   /* it already exists (exit 1) */
	TREQS_EUSAGE = -4,    /* the command line was wrong (exit 2) */
	TREQS_EENV = -5,      /* git, filesystem, network, driver (exit 3) */
	TREQS_ECONFLICT = -6, /* a ref moved or a lock is held (exit 1) */
	TREQS_EPOLICY = -7,   /* the approval policy is not met (exit 1) */
};

/* Sets the last error and returns code, so "return treqs_error(...)" works. */
int treqs_error(int code, const char *fmt, ...) TREQS_PRINTF(2, 3);
/* Like treqs_error() with git_error_last()'s text appended after ": ". */
int treqs_error_git(int gitcode, const char *fmt, ...) TREQS_PRINTF(2, 3);
/* Like treqs_error() with strerror(errno) appended after ": ". */
int treqs_error_errno(int code, const char *fmt, ...) TREQS_PRINTF(2, 3);
/* The last message; never NULL (empty when none was set). */
const char *treqs_error_msg(void);
int treqs_error_code(void);
void treqs_error_clear(void);
/* Maps a treqs_code to the documented exit status (0, 1, 2 or 3). */
int treqs_exit_status(int code);

/* Allocation helpers: never return NULL (abort on exhaustion). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) TREQS_PRINTF(1, 2);
/* Grows *v (of *cap elements of size elsize) so that it holds at least need. */
void xgrow(void *v, size_t *cap, size_t need, size_t elsize);

/*
 * struct treqs_buf: a growable byte buffer.  Invariant: after any append,
 * ptr is non-NULL and ptr[len] == '\0', so ptr can be used as a C string
 * when the content has no NUL.  A zero-initialised buffer is valid and
 * empty; treqs_buf_cstr() returns "" for it.  The owner calls
 * treqs_buf_free(); treqs_buf_detach() hands the bytes to the caller.
 */
struct treqs_buf {
	char *ptr;
	size_t len, cap;
};
#define TREQS_BUF_INIT {NULL, 0, 0}

void treqs_buf_grow(struct treqs_buf *b, size_t extra);
void treqs_buf_put(struct treqs_buf *b, const void *data, size_t n);
void treqs_buf_puts(struct treqs_buf *b, const char *s);
void treqs_buf_putc(struct treqs_buf *b, char c);
void treqs_buf_printf(struct treqs_buf *b, const char *fmt, ...) TREQS_PRINTF(2, 3);
void treqs_buf_vprintf(struct treqs_buf *b, const char *fmt, va_list ap);
void treqs_buf_clear(struct treqs_buf *b);
void treqs_buf_free(struct treqs_buf *b);
char *treqs_buf_detach(struct treqs_buf *b);
const char *treqs_buf_cstr(const struct treqs_buf *b);

/*
 * Reads a whole file into *out (freed by the caller with treqs_buf_free).
 * Refuses files larger than max bytes with TREQS_EINVALID (0 = no cap).
 */
int treqs_read_file(struct treqs_buf *out, const char *path, size_t max);
/* Writes data to path atomically (temporary file + rename). */
int treqs_write_file(const char *path, const void *data, size_t len);

/*
 * Diagnostics about a user's file.  Printed one per line as
 *   path:line:column: field: what was expected, what was found
 *   path:line:column: warning: field: ...
 * line and column are 1-based; 0 means "not known" and is left out.
 */
enum treqs_severity { TREQS_WARNING, TREQS_ERROR };

struct treqs_diag {
	enum treqs_severity sev;
	char *path;  /* owned */
	unsigned line, col;
	char *field; /* owned, may be NULL */
	char *msg;   /* owned */
};

struct treqs_diags {
	struct treqs_diag *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
};
#define TREQS_DIAGS_INIT {NULL, 0, 0, 0, 0}

void treqs_diag_add(struct treqs_diags *d, enum treqs_severity sev, const char *path, unsigned line,
		    unsigned col, const char *field, const char *fmt, ...) TREQS_PRINTF(7, 8);
/* Prints every diagnostic to f, in the order they were added. */
void treqs_diags_print(FILE *f, const struct treqs_diags *d);
/* Formats one diagnostic (no newline) into b. */
void treqs_diag_format(struct treqs_buf *b, const struct treqs_diag *dg);
/* Moves all of src's diagnostics to the end of dst; src is left empty. */
void treqs_diags_move(struct treqs_diags *dst, struct treqs_diags *src);
void treqs_diags_free(struct treqs_diags *d);

/* Small string list, owned strings. */
struct treqs_strv {
	char **v;
	size_t n, cap;
};
#define TREQS_STRV_INIT {NULL, 0, 0}
void treqs_strv_push(struct treqs_strv *s, const char *str);
void treqs_strv_push_owned(struct treqs_strv *s, char *str);
int treqs_strv_contains(const struct treqs_strv *s, const char *str);
int treqs_strv_contains_ci(const struct treqs_strv *s, const char *str);
void treqs_strv_free(struct treqs_strv *s);

/* Levenshtein distance, capped: returns cap+1 when larger than cap. */
size_t treqs_edit_distance(const char *a, const char *b, size_t cap);

/*
 * UTF-8 check.  Returns 0 when s[0..len) is valid UTF-8 without NUL bytes;
 * otherwise -1 with *bad_off the byte offset of the first offending byte
 * and *is_nul set when it was a NUL.
 */
int treqs_utf8_check(const char *s, size_t len, size_t *bad_off, int *is_nul);
/* 1-based line and column (in characters) of byte offset off in s. */
void treqs_text_position(const char *s, size_t len, size_t off, unsigned *line, unsigned *col);

#endif
