/*
 * yval.c - typed reading of YAML nodes (YAML 1.2 core schema for plain
 * scalars: null, booleans, integers and floats; everything quoted is a
 * string).
 */
#include "yval.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "treqs/tr.h"

static int is_int_text(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

static int is_float_text(const char *s)
{
	int digits = 0;

	if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") || !strcmp(s, "+.inf") ||
	    !strcmp(s, "-.inf") || !strcmp(s, "-.Inf") || !strcmp(s, "+.Inf") || !strcmp(s, "-.INF") ||
	    !strcmp(s, "+.INF") || !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return 1;
	if (*s == '-' || *s == '+')
		s++;
	while (isdigit((unsigned char)*s))
		s++, digits++;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s))
			s++, digits++;
	}
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

int treqs_parse_number(const char *s, double *out)
{
	char *end;
	const char *p = s;

	if (!is_float_text(s))
		return -1;
	if (*p == '+')
		p++;
	if (strstr(p, "inf") || strstr(p, "Inf") || strstr(p, "INF")) {
		*out = *p == '-' ? -HUGE_VAL : HUGE_VAL;
		return 0;
	}
	if (strstr(p, "nan") || strstr(p, "NaN") || strstr(p, "NAN")) {
		*out = NAN;
		return 0;
	}
	errno = 0;
	*out = strtod(p, &end);
	if (*end)
		return -1;
	return 0;
}

enum ykind yval_kind(const struct treqs_ynode *n)
{
	const char *v;

	if (!n)
		return YK_NULL;
	/*
	 * A collection may carry only its own standard tag or the
	 * non-specific "!"; "!!set", "!!omap" or an application tag asks for
	 * a type treqs does not have.
	 */
	if (n->type == TREQS_YSEQ)
		return !n->tag || !strcmp(n->tag, "!") || !strcmp(n->tag, "tag:yaml.org,2002:seq") ? YK_SEQ
												     : YK_BADTAG;
	if (n->type == TREQS_YMAP)
		return !n->tag || !strcmp(n->tag, "!") || !strcmp(n->tag, "tag:yaml.org,2002:map") ? YK_MAP
												     : YK_BADTAG;
	if (n->tag) {
		if (!strcmp(n->tag, "tag:yaml.org,2002:str"))
			return YK_STR;
		if (!strcmp(n->tag, "tag:yaml.org,2002:int"))
			return is_int_text(n->value) ? YK_INT : YK_BADTAG;
		if (!strcmp(n->tag, "tag:yaml.org,2002:float"))
			return is_float_text(n->value) ? YK_FLOAT : YK_BADTAG;
		if (!strcmp(n->tag, "tag:yaml.org,2002:null"))
			return YK_NULL;
		if (!strcmp(n->tag, "tag:yaml.org,2002:bool"))
			return YK_BOOL;
		if (strcmp(n->tag, "!"))
			return YK_BADTAG;
		return YK_STR; /* the non-specific "!" tag means string */
	}
	if (n->style != TREQS_YPLAIN)
		return YK_STR;
	if (treqs_yscalar_is_null(n))
		return YK_NULL;
	v = n->value;
	if (!strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "True") || !strcmp(v, "False") ||
	    !strcmp(v, "TRUE") || !strcmp(v, "FALSE"))
		return YK_BOOL;
	if (is_int_text(v))
		return YK_INT;
	if (is_float_text(v))
		return YK_FLOAT;
	return YK_STR;
}

/*
 * Is s (n bytes left) a C1 control character (U+0080..U+009F)?  Some
 * terminals act on them (U+009B is CSI), so messages escape them.
 */
static int is_c1(const char *s, size_t n)
{
	return n >= 2 && (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f;
}

static void quote_short(struct treqs_buf *b, const char *s, size_t len)
{
	size_t i, shown = len > 40 ? 40 : len;

	/* never cut a UTF-8 sequence in half */
	while (shown < len && shown > 0 && ((unsigned char)s[shown] & 0xc0) == 0x80)
		shown--;
	treqs_buf_putc(b, '"');
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			treqs_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			treqs_buf_puts(b, "\\n");
		else if (c == '\t')
			treqs_buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			treqs_buf_printf(b, "\\x%02x", c);
		else if (is_c1(s + i, shown - i))
			treqs_buf_printf(b, "\\u%04x", (unsigned char)s[++i]);
		else
			treqs_buf_putc(b, (char)c);
	}
	if (shown < len)
		treqs_buf_puts(b, "...");
	treqs_buf_putc(b, '"');
}

/* A tag as written, with control characters escaped and no quotes. */
static void quote_bare(struct treqs_buf *b, const char *s, size_t len)
{
	struct treqs_buf q = TREQS_BUF_INIT;

	quote_short(&q, s, len);
	treqs_buf_put(b, q.ptr + 1, q.len - 2);
	treqs_buf_free(&q);
}

char *yval_describe(const struct treqs_ynode *n)
{
	struct treqs_buf b = TREQS_BUF_INIT;

	switch (yval_kind(n)) {
	case YK_NULL:
		treqs_buf_puts(&b, "nothing");
		break;
	case YK_BOOL:
		treqs_buf_printf(&b, "the boolean %s", n->value);
		break;
	case YK_INT:
	case YK_FLOAT:
		treqs_buf_puts(&b, "the number ");
		treqs_buf_put(&b, n->value, n->len > 40 ? 40 : n->len);
		if (n->len > 40)
			treqs_buf_puts(&b, "...");
		break;
	case YK_STR:
		treqs_buf_puts(&b, "the string ");
		quote_short(&b, n->value, n->len);
		break;
	case YK_SEQ:
		treqs_buf_printf(&b, "a list of %zu item%s", n->n, n->n == 1 ? "" : "s");
		break;
	case YK_MAP:
		treqs_buf_printf(&b, "a mapping of %zu key%s", n->n / 2, n->n / 2 == 1 ? "" : "s");
		break;
	case YK_BADTAG:
		/* show a standard tag the way it is usually written: !!binary */
		if (!strncmp(n->tag, "tag:yaml.org,2002:", 18)) {
			treqs_buf_puts(&b, "a value tagged !!");
			quote_bare(&b, n->tag + 18, strlen(n->tag + 18));
		} else {
			treqs_buf_puts(&b, "a value tagged ");
			quote_bare(&b, n->tag, strlen(n->tag));
		}
		break;
	}
	return treqs_buf_detach(&b);
}

static void vdiag(struct yctx *c, enum treqs_severity sev, const struct treqs_ynode *n, const char *field,
		  const char *fmt, va_list ap)
{
	struct treqs_buf m = TREQS_BUF_INIT, f = TREQS_BUF_INIT;
	const char *p;

	treqs_buf_vprintf(&m, fmt, ap);
	/*
	 * Field names come from keys in the file; a key written "\e[2J" must
	 * not reach the user's terminal as an escape sequence.
	 */
	for (p = field; p && *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			treqs_buf_printf(&f, "\\x%02x", (unsigned char)*p);
		else if (is_c1(p, p[1] ? 2 : 1))
			treqs_buf_printf(&f, "\\u%04x", (unsigned char)*++p);
		else
			treqs_buf_putc(&f, *p);
	}
	treqs_diag_add(c->diags, sev, c->path, n ? n->line : 0, n ? n->col : 0,
		       field ? treqs_buf_cstr(&f) : NULL, "%s", treqs_buf_cstr(&m));
	treqs_buf_free(&m);
	treqs_buf_free(&f);
}

void yval_error(struct yctx *c, const struct treqs_ynode *n, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, TREQS_ERROR, n, field, fmt, ap);
	va_end(ap);
}

void yval_warn(struct yctx *c, const struct treqs_ynode *n, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, TREQS_WARNING, n, field, fmt, ap);
	va_end(ap);
}

void yval_expected(struct yctx *c, const struct treqs_ynode *n, const char *field, const char *what)
{
	char *d = yval_describe(n);

	yval_error(c, n, field, "expected %s, found %s", what, d);
	free(d);
}

int yval_string(struct yctx *c, const struct treqs_ynode *n, const char *field, int nonempty, char **out)
{
	size_t i;

	if (yval_kind(n) != YK_STR) {
		yval_expected(c, n, field, nonempty ? "a non-empty string" : "a string");
		return -1;
	}
	if (nonempty) {
		for (i = 0; i < n->len; i++)
			if (!isspace((unsigned char)n->value[i]))
				break;
		if (i == n->len) {
			yval_expected(c, n, field, "a non-empty string");
			return -1;
		}
	}
	/*
	 * Strings end up on reviewers' terminals (treqs show, list, log);
	 * escapes such as "\e]0;...\a" or "\x9b" written in a quoted string
	 * would act there.  Line breaks and tabs are text.
	 */
	for (i = 0; i < n->len; i++) {
		unsigned char ch = (unsigned char)n->value[i];
		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f ||
		    is_c1(n->value + i, n->len - i)) {
			yval_expected(c, n, field, "text without control characters");
			return -1;
		}
	}
	if (out) {
		free(*out);
		*out = xstrndup(n->value, n->len);
	}
	return 0;
}

/* Is n a string that would be a number without its quotes ("12")? */
static int quoted_number(const struct treqs_ynode *n)
{
	double v;

	return yval_kind(n) == YK_STR && n->style != TREQS_YPLAIN && treqs_parse_number(n->value, &v) == 0;
}

int yval_number(struct yctx *c, const struct treqs_ynode *n, const char *field, double *out)
{
	enum ykind k = yval_kind(n);
	double v;

	if ((k != YK_INT && k != YK_FLOAT) || treqs_parse_number(n->value, &v) < 0) {
		yval_expected(c, n, field, quoted_number(n) ? "a number (written without quotes)" : "a number");
		return -1;
	}
	if (!isfinite(v)) {
		yval_expected(c, n, field, "a finite number");
		return -1;
	}
	*out = v;
	return 0;
}

int yval_int(struct yctx *c, const struct treqs_ynode *n, const char *field, long min, long max, long *out)
{
	enum ykind k = yval_kind(n);
	char *end;
	long v;
	char what[96];

	snprintf(what, sizeof(what), "a whole number from %ld to %ld%s", min, max,
		 quoted_number(n) ? " (written without quotes)" : "");
	if (k != YK_INT) {
		yval_expected(c, n, field, what);
		return -1;
	}
	errno = 0;
	v = strtol(n->value, &end, 10);
	if (errno || *end || v < min || v > max) {
		yval_expected(c, n, field, what);
		return -1;
	}
	*out = v;
	return 0;
}

int yval_bool(struct yctx *c, const struct treqs_ynode *n, const char *field, int *out)
{
	if (yval_kind(n) != YK_BOOL) {
		yval_expected(c, n, field, "true or false");
		return -1;
	}
	*out = n->value[0] == 't' || n->value[0] == 'T';
	return 0;
}

int yval_strlist(struct yctx *c, const struct treqs_ynode *n, const char *field, int scalar_ok,
		 struct treqs_strv *out)
{
	size_t i;
	int ret = 0;

	if (scalar_ok && yval_kind(n) == YK_STR) {
		struct treqs_buf q = TREQS_BUF_INIT;

		quote_short(&q, n->value, n->len);
		yval_warn(c, n, field, "a single string is accepted; the canonical form is a list: [%s]",
			  treqs_buf_cstr(&q));
		treqs_buf_free(&q);
		treqs_strv_push(out, n->value);
		return 0;
	}
	if (yval_kind(n) != YK_SEQ) {
		yval_expected(c, n, field, "a list of strings");
		return -1;
	}
	for (i = 0; i < n->n; i++) {
		struct treqs_diags quiet = TREQS_DIAGS_INIT;
		struct yctx qc = {c->path, &quiet};
		char *s = NULL, *f;

		/* the field's name is only needed for a message: build it then */
		if (yval_string(&qc, n->kids[i], field, 1, &s) == 0) {
			treqs_strv_push_owned(out, s);
			continue;
		}
		treqs_diags_free(&quiet);
		f = xasprintf("%s[%zu]", field, i);
		yval_string(c, n->kids[i], f, 1, NULL);
		ret = -1;
		free(f);
	}
	return ret;
}

int yval_map(struct yctx *c, const struct treqs_ynode *n, const char *field)
{
	if (yval_kind(n) != YK_MAP) {
		yval_expected(c, n, field, "a mapping");
		return -1;
	}
	return 0;
}

void yval_unknown_key(struct yctx *c, const struct treqs_ynode *key, const char *prefix,
		      const char *const *known)
{
	const char *best = NULL;
	size_t bestd = 3, i;
	char *field = *prefix ? xasprintf("%s.%s", prefix, key->value) : xstrdup(key->value);

	for (i = 0; known[i]; i++) {
		size_t cap = strlen(known[i]) / 3 + 1;
		size_t d = treqs_edit_distance(key->value, known[i], cap < 3 ? cap : 3);
		if (d <= cap && d < bestd) {
			best = known[i];
			bestd = d;
		}
	}
	if (best)
		yval_warn(c, key, field, "unknown field (did you mean '%s%s%s'?)", prefix, *prefix ? "." : "", best);
	else
		yval_warn(c, key, field, "unknown field, ignored");
	free(field);
}
