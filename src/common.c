/*
 * common.c - error model, buffers, diagnostics, small helpers.
 */
#include "treqs/common.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static _Thread_local struct {
	int code;
	char msg[2048];
} last_error;

static int error_v(int code, const char *suffix, const char *fmt, va_list ap)
{
	size_t n;

	vsnprintf(last_error.msg, sizeof(last_error.msg), fmt, ap);
	n = strlen(last_error.msg);
	if (suffix && *suffix && n < sizeof(last_error.msg))
		snprintf(last_error.msg + n, sizeof(last_error.msg) - n, ": %s", suffix);
	last_error.code = code;
	return code;
}

int treqs_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_v(code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int treqs_error_git(int gitcode, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	int code = gitcode == GIT_ENOTFOUND ? TREQS_ENOTFOUND : TREQS_EENV;
	va_list ap;

	va_start(ap, fmt);
	error_v(code, e && e->message ? e->message : "unknown git error", fmt, ap);
	va_end(ap);
	return code;
}

int treqs_error_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	error_v(code, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
	return code;
}

const char *treqs_error_msg(void)
{
	return last_error.msg;
}

int treqs_error_code(void)
{
	return last_error.code;
}

void treqs_error_clear(void)
{
	last_error.code = 0;
	last_error.msg[0] = '\0';
}

int treqs_exit_status(int code)
{
	switch (code) {
	case TREQS_OK:
		return 0;
	case TREQS_EUSAGE:
		return 2;
	case TREQS_EENV:
		return 3;
	default:
		return 1;
	}
}

static TREQS_NORETURN void oom(size_t n)
{
	fprintf(stderr, "treqs: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	treqs_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return treqs_buf_detach(&b);
}

void xgrow(void *v, size_t *cap, size_t need, size_t elsize)
{
	void **pv = v;
	size_t ncap;

	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			oom(SIZE_MAX);
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elsize)
		oom(SIZE_MAX);
	*pv = xrealloc(*pv, ncap * elsize);
	*cap = ncap;
}

/* ---- buffers ---- */

void treqs_buf_grow(struct treqs_buf *b, size_t extra)
{
	if (b->len + extra + 1 < b->len)
		oom(SIZE_MAX);
	xgrow(&b->ptr, &b->cap, b->len + extra + 1, 1);
}

void treqs_buf_put(struct treqs_buf *b, const void *data, size_t n)
{
	treqs_buf_grow(b, n);
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void treqs_buf_puts(struct treqs_buf *b, const char *s)
{
	treqs_buf_put(b, s, strlen(s));
}

void treqs_buf_putc(struct treqs_buf *b, char c)
{
	treqs_buf_put(b, &c, 1);
}

void treqs_buf_vprintf(struct treqs_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	treqs_buf_grow(b, (size_t)n);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void treqs_buf_printf(struct treqs_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	treqs_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void treqs_buf_clear(struct treqs_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void treqs_buf_free(struct treqs_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

char *treqs_buf_detach(struct treqs_buf *b)
{
	char *p;

	if (!b->ptr)
		treqs_buf_grow(b, 0), b->ptr[0] = '\0';
	p = b->ptr;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *treqs_buf_cstr(const struct treqs_buf *b)
{
	return b->ptr ? b->ptr : "";
}

int treqs_read_file(struct treqs_buf *out, const char *path, size_t max)
{
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return treqs_error_errno(errno == ENOENT ? TREQS_ENOTFOUND : TREQS_EENV,
					 "unable to open '%s'", path);
	if (fstat(fd, &st) < 0) {
		ret = treqs_error_errno(TREQS_EENV, "unable to stat '%s'", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = treqs_error(TREQS_EINVALID, "'%s' is a directory", path);
		goto out;
	}
	if (max && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		ret = treqs_error(TREQS_EINVALID, "'%s' is %jd bytes, more than the %zu allowed", path,
				  (intmax_t)st.st_size, max);
		goto out;
	}
	treqs_buf_clear(out);
	for (;;) {
		ssize_t n;

		treqs_buf_grow(out, 8192);
		n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = treqs_error_errno(TREQS_EENV, "unable to read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->ptr[out->len] = '\0';
		if (max && out->len > max) {
			ret = treqs_error(TREQS_EINVALID, "'%s' is more than the %zu bytes allowed", path, max);
			goto out;
		}
	}
out:
	close(fd);
	return ret;
}

int treqs_write_file(const char *path, const void *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = data;
	int fd, ret = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = treqs_error_errno(TREQS_EENV, "unable to create '%s'", tmp);
		free(tmp);
		return ret;
	}
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = treqs_error_errno(TREQS_EENV, "unable to write '%s'", tmp);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !ret)
		ret = treqs_error_errno(TREQS_EENV, "unable to write '%s'", tmp);
	if (!ret && rename(tmp, path) < 0)
		ret = treqs_error_errno(TREQS_EENV, "unable to rename '%s' to '%s'", tmp, path);
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

/* ---- diagnostics ---- */

void treqs_diag_add(struct treqs_diags *d, enum treqs_severity sev, const char *path, unsigned line,
		    unsigned col, const char *field, const char *fmt, ...)
{
	struct treqs_diag *dg;
	struct treqs_buf b = TREQS_BUF_INIT;
	va_list ap;

	xgrow(&d->v, &d->cap, d->n + 1, sizeof(*d->v));
	dg = &d->v[d->n++];
	va_start(ap, fmt);
	treqs_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	dg->sev = sev;
	dg->path = xstrdup(path ? path : "-");
	dg->line = line;
	dg->col = col;
	dg->field = field ? xstrdup(field) : NULL;
	dg->msg = treqs_buf_detach(&b);
	if (sev == TREQS_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
}

/*
 * Appends s with control characters escaped.  Paths, field names and
 * values in diagnostics come from files and file names someone else wrote
 * (a pushed branch, in the server hook): a diagnostic must stay one line
 * and must not reach the terminal as an escape sequence.  C1 controls
 * (U+0080..U+009F, two bytes in UTF-8) are escaped too, as some terminals
 * obey them.
 */
static void put_clean(struct treqs_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			treqs_buf_printf(b, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			treqs_buf_printf(b, "\\u%04x", *++p);
		else
			treqs_buf_putc(b, (char)*p);
	}
}

void treqs_diag_format(struct treqs_buf *b, const struct treqs_diag *dg)
{
	put_clean(b, dg->path);
	if (dg->line) {
		treqs_buf_printf(b, ":%u", dg->line);
		if (dg->col)
			treqs_buf_printf(b, ":%u", dg->col);
	}
	treqs_buf_puts(b, ": ");
	if (dg->sev == TREQS_WARNING)
		treqs_buf_puts(b, "warning: ");
	if (dg->field) {
		put_clean(b, dg->field);
		treqs_buf_puts(b, ": ");
	}
	put_clean(b, dg->msg);
}

void treqs_diags_print(FILE *f, const struct treqs_diags *d)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		treqs_buf_clear(&b);
		treqs_diag_format(&b, &d->v[i]);
		fprintf(f, "%s\n", treqs_buf_cstr(&b));
	}
	treqs_buf_free(&b);
}

void treqs_diags_move(struct treqs_diags *dst, struct treqs_diags *src)
{
	xgrow(&dst->v, &dst->cap, dst->n + src->n, sizeof(*dst->v));
	if (src->n)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	dst->nerrors += src->nerrors;
	dst->nwarnings += src->nwarnings;
	free(src->v);
	memset(src, 0, sizeof(*src));
}

void treqs_diags_free(struct treqs_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].field);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* ---- string lists ---- */

void treqs_strv_push_owned(struct treqs_strv *s, char *str)
{
	xgrow(&s->v, &s->cap, s->n + 2, sizeof(*s->v));
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void treqs_strv_push(struct treqs_strv *s, const char *str)
{
	treqs_strv_push_owned(s, xstrdup(str));
}

int treqs_strv_contains(const struct treqs_strv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return 1;
	return 0;
}

int treqs_strv_contains_ci(const struct treqs_strv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcasecmp(s->v[i], str))
			return 1;
	return 0;
}

void treqs_strv_free(struct treqs_strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

size_t treqs_edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, d;
	size_t stack_row[64], stack_prev[64], *row = stack_row, *prev = stack_prev, *tmp;

	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	/*
	 * Two rows of the Levenshtein table; on the stack for the usual field
	 * names, on the heap for longer ones, which must be compared just the
	 * same (a long identical name is at distance 0, not "far").
	 */
	if (lb >= TREQS_ARRAY_SIZE(stack_row)) {
		row = xcalloc(lb + 1, sizeof(*row));
		prev = xcalloc(lb + 1, sizeof(*prev));
	}
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < c)
				c = prev[j] + 1;
			if (row[j - 1] + 1 < c)
				c = row[j - 1] + 1;
			row[j] = c;
			if (c < best)
				best = c;
		}
		tmp = prev, prev = row, row = tmp;
		if (best > cap)
			break; /* every later row is at least as far */
	}
	d = i <= la || prev[lb] > cap ? cap + 1 : prev[lb];
	if (row != stack_row && row != stack_prev) {
		free(row);
		free(prev);
	}
	return d;
}

int treqs_utf8_check(const char *str, size_t len, size_t *bad_off, int *is_nul)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	*is_nul = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			if (c == 0) {
				*is_nul = 1;
				*bad_off = i;
				return -1;
			}
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			goto bad;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n + 1;
	}
	return 0;
bad:
	*bad_off = i;
	return -1;
}

void treqs_text_position(const char *s, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t i;
	unsigned l = 1, c = 1;

	for (i = 0; i < off && i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		/* a CR alone ends a line too, as YAML (and libyaml) says */
		if (ch == '\n' || (ch == '\r' && (i + 1 >= len || s[i + 1] != '\n'))) {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}
