/*
 * yaml.c - builds a bounded node tree from libyaml's event stream.
 */
#include "treqs/yaml.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct anchor {
	char *name;
	struct treqs_ynode *node;
};

struct builder {
	struct treqs_ydoc *doc;
	const char *path;
	const char *buf;
	size_t len;
	const struct treqs_ylimits *lim;
	struct treqs_diags *diags;
	struct treqs_ynode *stack[256];
	unsigned depth;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	size_t total;
	int failed;
};

struct treqs_yblock {
	struct treqs_yblock *next;
	size_t used, cap;
	max_align_t data[];
};

/* Zeroed, aligned memory that lives as long as the document. */
static void *arena_alloc(struct treqs_ydoc *doc, size_t n)
{
	struct treqs_yblock *b = doc->blocks;
	size_t align = sizeof(max_align_t), need = (n + align - 1) / align * align;
	void *p;

	if (!b || b->cap - b->used < need) {
		size_t cap = need > 8192 ? need : 8192;
		b = xmalloc(sizeof(*b) + cap);
		b->next = doc->blocks;
		b->used = 0;
		b->cap = cap;
		doc->blocks = b;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	memset(p, 0, n);
	return p;
}

static char *arena_strndup(struct treqs_ydoc *doc, const char *s, size_t n)
{
	char *p = arena_alloc(doc, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static struct treqs_ynode *new_node(struct builder *b, enum treqs_ynode_type type, const yaml_mark_t *start,
				    const yaml_mark_t *end)
{
	struct treqs_ynode *n = arena_alloc(b->doc, sizeof(*n));

	n->type = type;
	n->line = (unsigned)start->line + 1;
	n->col = (unsigned)start->column + 1;
	n->start = start->index;
	n->end_line = (unsigned)end->line + 1;
	n->end_col = (unsigned)end->column + 1;
	n->end = end->index;
	n->weight = 1;
	xgrow(&b->doc->nodes, &b->doc->capnodes, b->doc->nnodes + 1, sizeof(*b->doc->nodes));
	b->doc->nodes[b->doc->nnodes++] = n;
	return n;
}

static void fail(struct builder *b, unsigned line, unsigned col, const char *field, const char *fmt, ...)
	TREQS_PRINTF(5, 6);

static void fail(struct builder *b, unsigned line, unsigned col, const char *field, const char *fmt, ...)
{
	struct treqs_buf m = TREQS_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	treqs_buf_vprintf(&m, fmt, ap);
	va_end(ap);
	treqs_diag_add(b->diags, TREQS_ERROR, b->path, line, col, field, "%s", treqs_buf_cstr(&m));
	treqs_buf_free(&m);
	b->failed = 1;
}

/*
 * Appends s[0..len) to out with control characters (C0, DEL and C1)
 * escaped, so that a key written as "\e[2J" cannot reach the user's
 * terminal through a message.
 */
static void put_escaped(struct treqs_buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			treqs_buf_printf(out, "\\x%02x", c);
		else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
			 (unsigned char)s[i + 1] <= 0x9f)
			treqs_buf_printf(out, "\\u%04x", (unsigned char)s[++i]);
		else
			treqs_buf_putc(out, (char)c);
	}
}

/*
 * Dotted name of the place the next node goes to ("resources.gpu_type",
 * "datasets[2]").  Every collection on the stack but the top already holds
 * the open child as its last kid, so its key is the one before; the top
 * has not received the next node yet.
 */
static void field_name(struct builder *b, struct treqs_buf *out)
{
	unsigned i;

	for (i = 0; i < b->depth; i++) {
		struct treqs_ynode *p = b->stack[i];
		int top = i + 1 == b->depth;

		if (p->type == TREQS_YMAP) {
			struct treqs_ynode *k = NULL;

			if (top && p->n % 2 == 1)
				k = p->kids[p->n - 1];
			else if (!top && p->n >= 2)
				k = p->kids[p->n - 2];
			if (k && k->type == TREQS_YSCALAR) {
				if (out->len)
					treqs_buf_putc(out, '.');
				put_escaped(out, k->value, k->len);
			}
		} else if (p->type == TREQS_YSEQ) {
			treqs_buf_printf(out, "[%zu]", top ? p->n : p->n - 1);
		}
	}
}

static int attach(struct builder *b, struct treqs_ynode *n, int is_alias)
{
	struct treqs_ynode *parent;

	if (b->depth == 0) {
		b->doc->root = n;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->type == TREQS_YMAP && parent->n % 2 == 0) {
		/* n is a key: refuse duplicates among scalar keys. */
		size_t i;

		if (n->type != TREQS_YSCALAR) {
			fail(b, n->line, n->col, "yaml", "expected a key that is a string, found a %s used as a key",
			     n->type == TREQS_YMAP ? "mapping" : "list");
			return -1;
		}
		for (i = 0; i < parent->n; i += 2) {
			struct treqs_ynode *k = parent->kids[i];
			if (k->type == TREQS_YSCALAR && k->len == n->len && !memcmp(k->value, n->value, n->len)) {
				struct treqs_buf f = TREQS_BUF_INIT;
				field_name(b, &f);
				if (f.len)
					treqs_buf_putc(&f, '.');
				put_escaped(&f, n->value, n->len);
				fail(b, n->line, n->col, treqs_buf_cstr(&f),
				     "expected each key once, found it again (first at line %u, column %u)", k->line,
				     k->col);
				treqs_buf_free(&f);
				return -1;
			}
		}
	}
	xgrow(&parent->kids, &parent->cap, parent->n + 1, sizeof(*parent->kids));
	parent->kids[parent->n++] = n;
	(void)is_alias;
	return 0;
}

static int add_weight(struct builder *b, size_t w, const yaml_mark_t *m, int is_alias)
{
	unsigned i;

	b->total += w;
	if (b->total > b->lim->max_nodes) {
		if (is_alias)
			fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1, "yaml",
			     "expected at most %zu values with aliases expanded, found more at this alias "
			     "(alias expansion refused)",
			     b->lim->max_nodes);
		else
			fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1, "yaml",
			     "expected at most %zu values (keys, items and scalars), found more", b->lim->max_nodes);
		return -1;
	}
	for (i = 0; i < b->depth; i++)
		b->stack[i]->weight += w;
	return 0;
}

static int remember_anchor(struct builder *b, const unsigned char *anchor, struct treqs_ynode *n)
{
	size_t i;

	if (!anchor)
		return 0;
	/* A redefined anchor shadows the earlier one, as YAML says. */
	for (i = 0; i < b->nanchors; i++)
		if (!strcmp(b->anchors[i].name, (const char *)anchor)) {
			b->anchors[i].node = n;
			return 0;
		}
	xgrow(&b->anchors, &b->capanchors, b->nanchors + 1, sizeof(*b->anchors));
	b->anchors[b->nanchors].name = xstrdup((const char *)anchor);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
	return 0;
}

/* ---- positions in the text given to libyaml ---- */

/* Decodes the UTF-8 character at s[off] (already checked valid); *w gets its width. */
static unsigned long utf8_at(const char *s, size_t len, size_t off, size_t *w)
{
	const unsigned char *u = (const unsigned char *)s + off;
	size_t n = u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4, i;
	unsigned long cp = n == 1 ? u[0] : n == 2 ? u[0] & 0x1f : n == 3 ? u[0] & 0x0f : u[0] & 0x07;

	if (off + n > len)
		n = len - off;
	for (i = 1; i < n; i++)
		cp = (cp << 6) | (u[i] & 0x3f);
	*w = n ? n : 1;
	return cp;
}

/*
 * Line and column (1-based, in characters) of byte offset off, counting
 * line breaks the way libyaml does (CR LF, CR, LF, NEL, LS and PS), so that
 * positions found here agree with the ones libyaml reports.
 */
static void text_position(const char *s, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t i = 0, w;
	unsigned l = 1, c = 1;

	while (i < off && i < len) {
		unsigned long cp = utf8_at(s, len, i, &w);

		if (cp == '\r' && i + 1 < len && s[i + 1] == '\n')
			w = 2;
		if (cp == '\r' || cp == '\n' || cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
			l++;
			c = 1;
		} else {
			c++;
		}
		i += w;
	}
	*line = l;
	*col = c;
}

/*
 * Refuses what is not text before libyaml sees it: invalid UTF-8, NUL
 * bytes and the characters YAML forbids (C0 and C1 controls other than
 * tab and line breaks, DEL, U+FFFE and U+FFFF).  libyaml would refuse the
 * latter too, but only with a byte offset and no line.  The first
 * offending byte of any kind is reported.
 */
static int check_text(struct builder *b)
{
	size_t bad = b->len, off = 0, w;
	int is_nul = 0;
	unsigned line, col;

	if (treqs_utf8_check(b->buf, b->len, &bad, &is_nul) == 0)
		bad = b->len;
	while (off < bad) {
		unsigned long cp = utf8_at(b->buf, b->len, off, &w);

		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f ||
		    (cp >= 0x80 && cp <= 0x9f && cp != 0x85) || cp == 0xfffe || cp == 0xffff) {
			text_position(b->buf, b->len, off, &line, &col);
			fail(b, line, col, "yaml", "expected text, found the %s U+%04lX",
			     cp >= 0xfffe ? "non-character" : "control character", cp);
			return -1;
		}
		off += w;
	}
	if (bad == b->len)
		return 0;
	text_position(b->buf, b->len, bad, &line, &col);
	if (is_nul)
		fail(b, line, col, "yaml", "expected text, found a NUL byte");
	else
		fail(b, line, col, "yaml", "expected UTF-8 text, found the byte 0x%02x", (unsigned char)b->buf[bad]);
	return -1;
}

/* ---- libyaml's problems, in the words of the rest of treqs ---- */

static size_t mark_offset(const struct builder *b, const yaml_mark_t *m)
{
	return treqs_yaml_byte_offset(b->buf, b->len, 0, m->index);
}

static int is_word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '-' || c == '.' || c == '/';
}

/*
 * Describes what is at mark m for "found ...": a word (or, with token, all
 * up to the next blank), a character, the end of the line or file.
 */
static void what_at(const struct builder *b, const yaml_mark_t *m, int token, struct treqs_buf *out)
{
	size_t off = mark_offset(b, m), end = off, w;
	unsigned char c;

	if (off >= b->len) {
		treqs_buf_puts(out, "the end of the file");
		return;
	}
	c = (unsigned char)b->buf[off];
	if (c == '\n' || c == '\r') {
		treqs_buf_puts(out, "the end of the line");
		return;
	}
	if (c == '\t' || c == ' ') {
		treqs_buf_puts(out, c == ' ' ? "a space" : "a tab");
		return;
	}
	while (end < b->len && end - off < 24) {
		c = (unsigned char)b->buf[end];
		if (token ? c == ' ' || c == '\t' || c == '\n' || c == '\r' : !is_word_byte(c))
			break;
		utf8_at(b->buf, b->len, end, &w);
		end += w;
	}
	if (end == off)
		utf8_at(b->buf, b->len, off, &w), end = off + w;
	if (b->buf[off] == '\'') {
		treqs_buf_puts(out, "\"'\"");
		return;
	}
	treqs_buf_putc(out, '\'');
	put_escaped(out, b->buf + off, end - off);
	treqs_buf_putc(out, '\'');
}

/* Is mark m at the first character of its line that is not a space or a tab? */
static int first_on_line(const struct builder *b, const yaml_mark_t *m)
{
	size_t off = mark_offset(b, m);

	while (off > 0 && (b->buf[off - 1] == ' ' || b->buf[off - 1] == '\t'))
		off--;
	return off == 0 || b->buf[off - 1] == '\n' || b->buf[off - 1] == '\r';
}

/* The line of mark m from its first non-blank character, for quoting a directive. */
static void line_at(const struct builder *b, const yaml_mark_t *m, struct treqs_buf *out)
{
	size_t off = mark_offset(b, m), end;

	while (off < b->len && (b->buf[off] == ' ' || b->buf[off] == '\t'))
		off++;
	for (end = off; end < b->len && end - off < 40 && b->buf[end] != '\n' && b->buf[end] != '\r'; end++)
		;
	while (end > off && (b->buf[end - 1] == ' ' || b->buf[end - 1] == '\t'))
		end--;
	treqs_buf_putc(out, '\'');
	put_escaped(out, b->buf + off, end - off);
	treqs_buf_putc(out, '\'');
}

/*
 * libyaml stops at the first problem and describes it in its own words
 * ("did not find expected key while parsing a block mapping").  The
 * common ones are said again as "expected X, found Y" at the place a user
 * has to look; the rest keep libyaml's words inside that form.
 */
static void parser_error(struct builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "an unknown problem";
	const char *context = p->context ? p->context : "";
	const yaml_mark_t *pm = &p->problem_mark, *cm = &p->context_mark;
	unsigned line = (unsigned)pm->line + 1, col = (unsigned)pm->column + 1;
	unsigned cline = (unsigned)cm->line + 1, ccol = (unsigned)cm->column + 1;
	struct treqs_buf found = TREQS_BUF_INIT;
	size_t off = mark_offset(b, pm);
	struct treqs_ynode *last = b->doc->nnodes ? b->doc->nodes[b->doc->nnodes - 1] : NULL;

	if (p->error == YAML_MEMORY_ERROR) {
		fail(b, 0, 0, "yaml", "expected to parse the file, found it needs too much memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* check_text() refuses all of these first; kept for safety */
		text_position(b->buf, b->len, p->problem_offset, &line, &col);
		fail(b, line, col, "yaml", "expected text, found a character YAML does not allow (%s)", problem);
		return;
	}
	what_at(b, pm, 0, &found);

	/* A tab where libyaml wants a token: almost always indentation. */
	if (off < b->len && b->buf[off] == '\t' && !strcmp(problem, "found character that cannot start any token")) {
		if (first_on_line(b, pm))
			fail(b, line, col, "yaml", "expected spaces for indentation, found a tab");
		else
			fail(b, line, col, "yaml", "expected a space, found a tab where YAML does not allow one");
	} else if (strstr(problem, "tab character")) {
		fail(b, line, col, "yaml", "expected spaces for indentation, found a tab");
	} else if (!strcmp(context, "while scanning a quoted scalar") &&
		   (!strcmp(problem, "found unexpected end of stream") ||
		    !strcmp(problem, "found unexpected document indicator"))) {
		/* point at the opening quote: that is where the mistake is */
		char quote = b->buf[mark_offset(b, cm)];
		if (off >= b->len)
			fail(b, cline, ccol, "yaml", "expected a closing %c for the string that starts here, "
			     "found the end of the file", quote);
		else
			fail(b, cline, ccol, "yaml", "expected a closing %c for the string that starts here, "
			     "found a document marker at line %u", quote, line);
	} else if (!strcmp(problem, "found unknown escape character")) {
		struct treqs_buf esc = TREQS_BUF_INIT;
		size_t w = 1;
		if (off + 1 < b->len)
			utf8_at(b->buf, b->len, off + 1, &w);
		put_escaped(&esc, b->buf + off, off + 1 < b->len ? 1 + w : 1);
		fail(b, line, col, "yaml", "expected an escape such as \\n, \\t, \\\" or \\\\ (for a backslash), "
		     "found '%s'", treqs_buf_cstr(&esc));
		treqs_buf_free(&esc);
	} else if (!strcmp(problem, "did not find expected ',' or ']'")) {
		fail(b, line, col, "yaml",
		     "expected ',' or ']' to continue the list that starts at line %u, column %u, found %s", cline,
		     ccol, treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "did not find expected ',' or '}'")) {
		fail(b, line, col, "yaml", "expected ',' or '}' to continue the mapping that starts at line %u, "
		     "column %u, found %s", cline, ccol, treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "did not find expected key") ||
		   !strcmp(problem, "did not find expected '-' indicator")) {
		int is_key = !strcmp(problem, "did not find expected key");
		int is_item = off < b->len && b->buf[off] == '-' &&
			      (off + 1 == b->len || strchr(" \t\r\n", b->buf[off + 1]));

		if (is_key && is_item)
			fail(b, line, col, "yaml", "expected a key, found a '-' list item at column %u "
			     "(check the indentation)", col);
		else if (first_on_line(b, pm))
			fail(b, line, col, "yaml", "expected %s lined up with the %s above it, found %s at column %u "
			     "(check the indentation)", is_key ? "a key" : "a '-' item", is_key ? "keys" : "items",
			     treqs_buf_cstr(&found), col);
		else if (last && last->type == TREQS_YSCALAR && last->line != last->end_line &&
			 (last->style == TREQS_YSINGLE || last->style == TREQS_YDOUBLE))
			/* a quoted string ran on past the line it should have ended on */
			fail(b, line, col, "yaml",
			     "expected the end of the line, found %s after the string that starts "
			     "at line %u, column %u (is a quote missing?)", treqs_buf_cstr(&found), last->line,
			     last->col);
		else
			fail(b, line, col, "yaml", "expected the end of the line after a value, found %s",
			     treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "mapping values are not allowed in this context") && pm->column > 1024) {
		fail(b, line, col, "yaml", "expected a key of at most 1024 characters before ':', found a longer one");
	} else if (!strcmp(problem, "mapping values are not allowed in this context")) {
		fail(b, line, col, "yaml", "expected no ': ' inside a plain value, found ':' "
		     "(put the value in quotes, or check the indentation)");
	} else if (!strcmp(problem, "block sequence entries are not allowed in this context")) {
		fail(b, line, col, "yaml", "expected a value, found '-' starting a list item "
		     "(put the value in quotes, or start the list on the next line)");
	} else if (!strcmp(problem, "mapping keys are not allowed in this context")) {
		fail(b, line, col, "yaml", "expected a value, found '?' starting a complex key "
		     "(put the value in quotes)");
	} else if (!strcmp(problem, "found character that cannot start any token")) {
		fail(b, line, col, "yaml", "expected a value, found %s, which cannot start a plain value "
		     "(put the value in quotes)", treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "could not find expected ':'") &&
		   !strcmp(context, "while scanning a simple key")) {
		/* libyaml notices only on a later line; the ':' belongs on the key's line */
		fail(b, cline, ccol, "yaml", "expected ':' after the key that starts here, on the same line, "
		     "found the end of the line");
	} else if (!strcmp(problem, "found incompatible YAML document")) {
		treqs_buf_clear(&found);
		line_at(b, pm, &found);
		fail(b, line, col, "yaml", "expected YAML version 1.1 or 1.2, found %s", treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "found undefined tag handle")) {
		treqs_buf_clear(&found);
		what_at(b, pm, 1, &found);
		fail(b, line, col, "yaml", "expected a tag handle declared by a %%TAG directive, found %s",
		     treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "did not find expected <document start>")) {
		if (b->doc->root)
			fail(b, line, col, "yaml",
			     "expected one document per file, found more after the document's end");
		else
			fail(b, line, col, "yaml", "expected '---' to start the document, found %s",
			     treqs_buf_cstr(&found));
	} else if (!strcmp(context, "while scanning an anchor") || !strcmp(context, "while scanning an alias")) {
		fail(b, line, col, "yaml", "expected a name of letters and digits after '%c', found %s",
		     strcmp(context, "while scanning an anchor") ? '*' : '&', treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "did not find expected node content")) {
		fail(b, line, col, "yaml", "expected a value, found %s", treqs_buf_cstr(&found));
	} else if (!strcmp(problem, "did not find expected hexdecimal number")) {
		fail(b, line, col, "yaml", "expected hexadecimal digits in an escape (\\x, \\u or \\U), found %s",
		     treqs_buf_cstr(&found));
	} else if (!strncmp(problem, "did not find expected ", 22) ||
		   !strncmp(problem, "could not find expected ", 24)) {
		const char *what = strstr(problem, "expected ") + 9;
		if (*context)
			fail(b, line, col, "yaml", "expected %s, found %s (%s that starts at line %u, column %u)", what,
			     treqs_buf_cstr(&found), context, cline, ccol);
		else
			fail(b, line, col, "yaml", "expected %s, found %s", what, treqs_buf_cstr(&found));
	} else if (!strncmp(problem, "found ", 6)) {
		if (*context)
			fail(b, line, col, "yaml", "expected valid YAML, %s (%s that starts at line %u, column %u)",
			     problem, context, cline, ccol);
		else
			fail(b, line, col, "yaml", "expected valid YAML, %s", problem);
	} else {
		if (*context)
			fail(b, line, col, "yaml",
			     "expected valid YAML, found a problem: %s (%s that starts at line %u, column %u)",
			     problem, context, cline, ccol);
		else
			fail(b, line, col, "yaml", "expected valid YAML, found a problem: %s", problem);
	}
	treqs_buf_free(&found);
}

int treqs_yaml_parse(struct treqs_ydoc **out, const char *buf, size_t len, const char *path,
		     const struct treqs_ylimits *lim, struct treqs_diags *diags)
{
	static const struct treqs_ylimits deflim = TREQS_YLIMITS_DEFAULT;
	struct builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	int ndocs = 0, done = 0;
	size_t i, bom = 0;

	*out = NULL;
	/*
	 * libyaml is given the text after a UTF-8 byte order mark: told the
	 * encoding, it would otherwise take the mark for content.  Its
	 * positions then count from the first real character, as editors do,
	 * and treqs_yaml_byte_offset() adds the mark back.
	 */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		bom = 3;
	memset(&b, 0, sizeof(b));
	b.path = path;
	b.buf = buf + bom;
	b.len = len - bom;
	b.lim = lim ? lim : &deflim;
	b.diags = diags;
	if (b.lim->max_depth >= TREQS_ARRAY_SIZE(b.stack))
		return treqs_error(TREQS_EUSAGE, "yaml depth limit too large");
	if (check_text(&b) < 0)
		return TREQS_EINVALID;

	b.doc = xcalloc(1, sizeof(*b.doc));
	b.doc->bom = bom;
	if (!yaml_parser_initialize(&parser)) {
		free(b.doc);
		return treqs_error(TREQS_EENV, "unable to initialise the YAML parser");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)b.buf, b.len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	while (!done && !b.failed) {
		struct treqs_ynode *n;

		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(&b, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1)
				fail(&b, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1, "yaml",
				     "expected one document per file, found another document");
			break;
		case YAML_SCALAR_EVENT:
			n = new_node(&b, TREQS_YSCALAR, &ev.start_mark, &ev.end_mark);
			n->value = arena_strndup(b.doc, (const char *)ev.data.scalar.value, ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			if (strlen(n->value) != n->len) {
				/*
				 * "\0" in a double-quoted string: C code would see
				 * the string end early ("TR-0042\0../x" as TR-0042).
				 */
				struct treqs_buf f = TREQS_BUF_INIT;
				field_name(&b, &f);
				fail(&b, n->line, n->col, f.len ? treqs_buf_cstr(&f) : "yaml",
				     "expected text, found a NUL character (written as an escape such as \\0)");
				treqs_buf_free(&f);
				break;
			}
			if (ev.data.scalar.tag)
				n->tag = arena_strndup(b.doc, (const char *)ev.data.scalar.tag, strlen((const char *)ev.data.scalar.tag));
			switch (ev.data.scalar.style) {
			case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = TREQS_YSINGLE; break;
			case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = TREQS_YDOUBLE; break;
			case YAML_LITERAL_SCALAR_STYLE: n->style = TREQS_YLITERAL; break;
			case YAML_FOLDED_SCALAR_STYLE: n->style = TREQS_YFOLDED; break;
			default: n->style = TREQS_YPLAIN; break;
			}
			if (add_weight(&b, 1, &ev.start_mark, 0) < 0 || attach(&b, n, 0) < 0)
				break;
			remember_anchor(&b, ev.data.scalar.anchor, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			int is_map = ev.type == YAML_MAPPING_START_EVENT;
			n = new_node(&b, is_map ? TREQS_YMAP : TREQS_YSEQ, &ev.start_mark, &ev.end_mark);
			if (is_map) {
				n->style = ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE ? TREQS_YFLOW
												   : TREQS_YBLOCK;
				if (ev.data.mapping_start.tag)
					n->tag = arena_strndup(b.doc, (const char *)ev.data.mapping_start.tag,
							       strlen((const char *)ev.data.mapping_start.tag));
			} else {
				n->style = ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE ? TREQS_YFLOW
												     : TREQS_YBLOCK;
				if (ev.data.sequence_start.tag)
					n->tag = arena_strndup(b.doc, (const char *)ev.data.sequence_start.tag,
							       strlen((const char *)ev.data.sequence_start.tag));
			}
			if (b.depth >= b.lim->max_depth) {
				fail(&b, n->line, n->col, "yaml",
				     "expected lists and mappings nested at most %u deep, found deeper nesting",
				     b.lim->max_depth);
				break;
			}
			if (add_weight(&b, 1, &ev.start_mark, 0) < 0 || attach(&b, n, 0) < 0)
				break;
			remember_anchor(&b, is_map ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor, n);
			b.stack[b.depth++] = n;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			n = b.stack[--b.depth];
			n->end = ev.end_mark.index;
			n->end_line = (unsigned)ev.end_mark.line + 1;
			n->end_col = (unsigned)ev.end_mark.column + 1;
			break;
		case YAML_ALIAS_EVENT: {
			struct treqs_ynode *target = NULL;
			for (i = 0; i < b.nanchors; i++)
				if (!strcmp(b.anchors[i].name, (const char *)ev.data.alias.anchor))
					target = b.anchors[i].node;
			if (!target) {
				fail(&b, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1, "yaml",
				     "expected an alias to an anchor defined above it, "
				     "found '*%s' with no '&%s' before it",
				     (const char *)ev.data.alias.anchor, (const char *)ev.data.alias.anchor);
				break;
			}
			/*
			 * An anchor whose node is still open is a recursive alias;
			 * refuse it rather than build a cycle.
			 */
			for (i = 0; i < b.depth; i++)
				if (b.stack[i] == target) {
					fail(&b, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
					     "yaml",
					     "expected an alias to a complete value, "
					     "found '*%s' inside the value it names (a recursive alias)",
					     (const char *)ev.data.alias.anchor);
					break;
				}
			if (b.failed)
				break;
			if (add_weight(&b, target->weight, &ev.start_mark, 1) < 0 || attach(&b, target, 1) < 0)
				break;
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	if (b.failed) {
		treqs_ydoc_free(b.doc);
		return TREQS_EINVALID;
	}
	*out = b.doc;
	return 0;
}

void treqs_ydoc_free(struct treqs_ydoc *doc)
{
	size_t i;

	if (!doc)
		return;
	for (i = 0; i < doc->nnodes; i++) {
		free(doc->nodes[i]->kids);
	}
	free(doc->nodes);
	while (doc->blocks) {
		struct treqs_yblock *next = doc->blocks->next;
		free(doc->blocks);
		doc->blocks = next;
	}
	free(doc);
}

struct treqs_ynode *treqs_ymap_get(const struct treqs_ynode *map, const char *key, struct treqs_ynode **keyp)
{
	size_t i, klen = strlen(key);

	if (!map || map->type != TREQS_YMAP)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2) {
		struct treqs_ynode *k = map->kids[i];
		if (k->type == TREQS_YSCALAR && k->len == klen && !memcmp(k->value, key, klen)) {
			if (keyp)
				*keyp = k;
			return map->kids[i + 1];
		}
	}
	return NULL;
}

struct treqs_ynode *treqs_ynode_at(const struct treqs_ynode *root, const char *path, struct treqs_ynode **keyp)
{
	const struct treqs_ynode *cur = root;
	struct treqs_ynode *key = NULL;
	char part[128];

	/* *keyp is set only when the whole path is found */
	while (cur) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		cur = treqs_ymap_get(cur, part, &key);
		if (!dot) {
			if (cur && keyp)
				*keyp = key;
			return (struct treqs_ynode *)cur;
		}
		path = dot + 1;
	}
	return NULL;
}

size_t treqs_yaml_byte_offset(const char *buf, size_t len, size_t bom, size_t char_index)
{
	size_t off = bom, chars = 0;

	while (off < len && chars < char_index) {
		unsigned char c = (unsigned char)buf[off];
		size_t w = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		off += w;
		chars++;
	}
	return off > len ? len : off;
}

int treqs_yscalar_is_null(const struct treqs_ynode *n)
{
	if (!n || n->type != TREQS_YSCALAR || n->style != TREQS_YPLAIN)
		return 0;
	if (n->tag && strcmp(n->tag, "tag:yaml.org,2002:null"))
		return 0;
	return n->len == 0 || !strcmp(n->value, "~") || !strcmp(n->value, "null") || !strcmp(n->value, "Null") ||
	       !strcmp(n->value, "NULL");
}
