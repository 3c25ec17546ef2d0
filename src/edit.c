/*
 * edit.c - splicing new values into YAML text at libyaml's positions.
 */
#include "treqs/edit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "treqs/yaml.h"
#include "yval.h"

/* ---- rendering ---- */

/*
 * Characters that YAML does not let a scalar hold as they are: the C1
 * controls (libyaml refuses them), NEL, LS and PS (line breaks to YAML, so
 * folded away inside quotes), the BOM, and the non-characters U+FFFE and
 * U+FFFF.  Returns the double-quoted escape for the character at s (of *w
 * bytes), or NULL when it may be written as it is.
 */
static const char *special_char(const unsigned char *s, size_t *w, char esc[8])
{
	*w = 1;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
		*w = 2;
		if (s[1] == 0x85)
			return "\\N";
		snprintf(esc, 8, "\\x%02x", s[1]);
		return esc;
	}
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) {
		*w = 3;
		return s[2] == 0xa8 ? "\\L" : "\\P";
	}
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		*w = 3;
		return "\\uFEFF";
	}
	if (s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf)) {
		*w = 3;
		return s[2] == 0xbe ? "\\uFFFE" : "\\uFFFF";
	}
	return NULL;
}

static int has_special(const char *s)
{
	char esc[8];
	size_t w;

	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f ||
		    special_char((const unsigned char *)s, &w, esc))
			return 1;
	return 0;
}

/*
 * Words that YAML 1.1 (libyaml, PyYAML and most tools people will open
 * the file with) reads as booleans, though the 1.2 core schema treqs uses
 * reads them as strings.  A string written plain must mean the same thing
 * to every reader.
 */
static int yaml11_special(const char *s)
{
	static const char *const words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on",
					    "On", "ON", "off", "Off", "OFF", "=", "<<", NULL};
	size_t i;

	for (i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return 1;
	/*
	 * Numbers, dates and times in their YAML 1.1 spellings (0x1f, 0o17,
	 * 1_000, 1:30, 2024-01-31, .5, +1): anything that starts like a number.
	 */
	if (isdigit((unsigned char)s[0]))
		return 1;
	if (strchr("+-.", s[0]) && (isdigit((unsigned char)s[1]) || s[1] == '.'))
		return 1;
	return 0;
}

static int plain_safe(const char *s)
{
	size_t n = strlen(s), i;
	struct treqs_ynode probe;

	if (!n || s[0] == ' ' || s[n - 1] == ' ' || strchr("-?:,[]{}#&*!|>'\"%@`", s[0]))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
		if ((c == ':' && (s[i + 1] == ' ' || s[i + 1] == '\0')) || (c == '#' && i && s[i - 1] == ' '))
			return 0;
		if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}')
			return 0; /* would break inside flow collections */
	}
	if (has_special(s) || yaml11_special(s))
		return 0;
	/* it must read back as a string, not a number, boolean or null */
	memset(&probe, 0, sizeof(probe));
	probe.type = TREQS_YSCALAR;
	probe.style = TREQS_YPLAIN;
	probe.value = (char *)s;
	probe.len = n;
	return yval_kind(&probe) == YK_STR;
}

void treqs_yaml_dquote(struct treqs_buf *b, const char *s)
{
	treqs_buf_putc(b, '"');
	while (*s) {
		unsigned char c = (unsigned char)*s;
		const char *esc;
		char tmp[8];
		size_t w;

		switch (c) {
		case '"': treqs_buf_puts(b, "\\\""); break;
		case '\\': treqs_buf_puts(b, "\\\\"); break;
		case '\n': treqs_buf_puts(b, "\\n"); break;
		case '\t': treqs_buf_puts(b, "\\t"); break;
		case '\r': treqs_buf_puts(b, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				treqs_buf_printf(b, "\\x%02x", c);
			} else if ((esc = special_char((const unsigned char *)s, &w, tmp))) {
				treqs_buf_puts(b, esc);
				s += w;
				continue;
			} else {
				treqs_buf_putc(b, (char)c);
			}
		}
		s++;
	}
	treqs_buf_putc(b, '"');
}

void treqs_yaml_quote(struct treqs_buf *b, const char *s)
{
	if (plain_safe(s))
		treqs_buf_puts(b, s);
	else
		treqs_yaml_dquote(b, s);
}

void treqs_yaml_flow_list(struct treqs_buf *b, char *const *v, size_t n)
{
	size_t i;

	treqs_buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			treqs_buf_puts(b, ", ");
		treqs_yaml_dquote(b, v[i]);
	}
	treqs_buf_putc(b, ']');
}

static void render_in_style(struct treqs_buf *b, const char *s, enum treqs_ystyle style)
{
	const char *p;

	if (style == TREQS_YDOUBLE) {
		treqs_yaml_dquote(b, s);
		return;
	}
	/* single quotes can hold anything printable on one line */
	if (style == TREQS_YSINGLE && !has_special(s)) {
		treqs_buf_putc(b, '\'');
		for (p = s; *p; p++) {
			if (*p == '\'')
				treqs_buf_putc(b, '\'');
			treqs_buf_putc(b, *p);
		}
		treqs_buf_putc(b, '\'');
		return;
	}
	treqs_yaml_quote(b, s);
}

/* ---- positions ---- */

struct edit {
	const char *buf;
	size_t len;
	struct treqs_ydoc *doc;
	const char *eol;
};

#define NOWHERE ((size_t)-1)

static size_t off(const struct edit *e, size_t char_index)
{
	return treqs_yaml_byte_offset(e->buf, e->len, e->doc->bom, char_index);
}

/*
 * Is parent's j-th child reached through an alias?  Such a child is the
 * anchored node itself, shared, and its positions are the anchor's, not the
 * alias's.  Nodes written in place follow each other in the text, while an
 * alias's target always starts before the alias: so a child that starts
 * before the end of the last child written in place is an alias.
 */
static int is_alias(const struct treqs_ynode *parent, size_t j)
{
	size_t cursor = parent->start, i;

	for (i = 0; i <= j; i++) {
		if (parent->kids[i]->start < cursor) {
			if (i == j)
				return 1;
			continue;
		}
		cursor = parent->kids[i]->end;
	}
	return 0;
}

/*
 * Byte offset just past the last character that belongs to n's content
 * (trailing blank lines of a block scalar are not content), or NOWHERE
 * when it ends in an alias, whose position libyaml does not tell.
 */
static size_t content_end(const struct edit *e, const struct treqs_ynode *n)
{
	size_t end;

	if (n->type != TREQS_YSCALAR && n->style == TREQS_YBLOCK && n->n) {
		if (is_alias(n, n->n - 1))
			return NOWHERE;
		return content_end(e, n->kids[n->n - 1]);
	}
	end = off(e, n->end);
	if (n->type == TREQS_YSCALAR && (n->style == TREQS_YLITERAL || n->style == TREQS_YFOLDED)) {
		size_t start = off(e, n->start);
		while (end > start && (e->buf[end - 1] == '\n' || e->buf[end - 1] == '\r' || e->buf[end - 1] == ' '))
			end--;
	}
	return end;
}

static size_t line_end(const struct edit *e, size_t i)
{
	while (i < e->len && e->buf[i] != '\n')
		i++;
	return i;
}

/*
 * Offset of the start of the line after node n, where a new key of the
 * block mapping that ends with n goes; NOWHERE when that cannot be told
 * (it ends in an alias).  A block scalar ends where libyaml says, at the
 * start of the next line that is not part of it, so that a "|+" scalar
 * keeps its trailing blank lines.
 */
static size_t after_node(const struct edit *e, const struct treqs_ynode *n)
{
	size_t end;

	if (n->type != TREQS_YSCALAR && n->style == TREQS_YBLOCK && n->n) {
		size_t last = n->n - 1;

		if (!is_alias(n, last))
			return after_node(e, n->kids[last]);
		/* "key: *alias" is written on one line: the line of the key */
		if (n->type != TREQS_YMAP || is_alias(n, last - 1))
			return NOWHERE;
		end = line_end(e, off(e, n->kids[last - 1]->end));
	} else if (n->type == TREQS_YSCALAR && (n->style == TREQS_YLITERAL || n->style == TREQS_YFOLDED)) {
		return off(e, n->end);
	} else {
		end = line_end(e, off(e, n->end));
	}
	return end < e->len ? end + 1 : e->len;
}

/*
 * Offset of the ':' between key k and its value v, or NOWHERE when there
 * is none ("{status}" is a key with an empty value and no colon).
 */
static size_t colon_between(const struct edit *e, const struct treqs_ynode *k, const struct treqs_ynode *v)
{
	size_t i = off(e, k->end), to = off(e, v->start);

	for (; i < to && i < e->len; i++)
		if (e->buf[i] == ':')
			return i;
	return NOWHERE;
}

/*
 * A value may be written after an anchor and a tag ("&base !!str x").
 * Returns the anchor as written followed by a space ("" when none), so
 * that an edit keeps it: aliases elsewhere still name the value.  The tag
 * is dropped; the new value says what it is.
 */
static void anchor_of(const struct edit *e, const struct treqs_ynode *v, struct treqs_buf *anchor)
{
	size_t i = off(e, v->start), j;

	while (i < e->len && (e->buf[i] == '&' || e->buf[i] == '!')) {
		j = i + 1;
		if (e->buf[i] == '!' && j < e->len && e->buf[j] == '<') {
			while (j < e->len && e->buf[j] != '>')
				j++;
			j++;
		} else {
			while (j < e->len && !strchr(" \t\r\n,[]{}", e->buf[j]))
				j++;
		}
		if (e->buf[i] == '&') {
			treqs_buf_put(anchor, e->buf + i, j - i);
			treqs_buf_putc(anchor, ' ');
		}
		for (i = j; i < e->len && strchr(" \t\r\n", e->buf[i]); i++)
			;
	}
}

static void splice(struct treqs_buf *out, const struct edit *e, size_t from, size_t to, const char *with)
{
	treqs_buf_clear(out);
	treqs_buf_put(out, e->buf, from);
	treqs_buf_puts(out, with);
	treqs_buf_put(out, e->buf + to, e->len - to);
}

static void put_key(struct treqs_buf *b, const char *key)
{
	treqs_yaml_quote(b, key);
}

/* Text for a new "k: value" line and any missing parents below indent. */
static void new_lines(struct treqs_buf *b, const struct edit *e, const char *const *parts, size_t nparts,
		      unsigned indent, const char *frag)
{
	size_t i;

	for (i = 0; i < nparts; i++) {
		treqs_buf_printf(b, "%*s", (int)(indent + 2 * i), "");
		put_key(b, parts[i]);
		treqs_buf_putc(b, ':');
		if (i + 1 == nparts) {
			treqs_buf_putc(b, ' ');
			treqs_buf_puts(b, frag);
		}
		treqs_buf_puts(b, e->eol);
	}
}

static int insert_into(struct treqs_buf *out, const struct edit *e, const struct treqs_ynode *map,
		       const char *const *parts, size_t nparts, const char *frag, const char *path)
{
	struct treqs_buf ins = TREQS_BUF_INIT;
	size_t at, i;

	if (map && map->style == TREQS_YFLOW) {
		/*
		 * Right after the last value, so that a trailing comma
		 * ("{a: 1,}") and a comment after it stay where they were;
		 * before the closing brace of an empty mapping.
		 */
		if (map->n) {
			if (is_alias(map, map->n - 1) || (at = content_end(e, map->kids[map->n - 1])) == NOWHERE)
				goto alias;
			treqs_buf_puts(&ins, ", ");
		} else {
			at = off(e, map->end) - 1;
		}
		for (i = 0; i < nparts; i++) {
			put_key(&ins, parts[i]);
			treqs_buf_puts(&ins, ": ");
			if (i + 1 < nparts)
				treqs_buf_putc(&ins, '{');
		}
		treqs_buf_puts(&ins, frag);
		for (i = 1; i < nparts; i++)
			treqs_buf_putc(&ins, '}');
	} else if (!map) {
		/* an empty document (or only comments): append */
		at = e->len;
		if (at > e->doc->bom && e->buf[at - 1] != '\n')
			treqs_buf_puts(&ins, e->eol);
		new_lines(&ins, e, parts, nparts, 0, frag);
	} else {
		/* a new line after the mapping's last one, indented as its keys */
		if ((at = after_node(e, map)) == NOWHERE)
			goto alias;
		if (at == e->len && at && e->buf[at - 1] != '\n')
			treqs_buf_puts(&ins, e->eol);
		new_lines(&ins, e, parts, nparts, map->kids[0]->col - 1, frag);
	}
	splice(out, e, at, at, treqs_buf_cstr(&ins));
	treqs_buf_free(&ins);
	return 0;
alias:
	treqs_buf_free(&ins);
	return treqs_error(TREQS_EINVALID, "cannot edit '%s': its mapping ends in an alias; edit it by hand", path);
}

enum mode { SET_STRING, SET_RAW, BLANK };

/* Finds key in map: its index (of the key), or -1. */
static long find_key(const struct treqs_ynode *map, const char *key)
{
	size_t i, klen = strlen(key);

	if (!map || map->type != TREQS_YMAP)
		return -1;
	for (i = 0; i + 1 < map->n; i += 2) {
		const struct treqs_ynode *k = map->kids[i];
		if (k->type == TREQS_YSCALAR && k->len == klen && !memcmp(k->value, key, klen))
			return (long)i;
	}
	return -1;
}

static int do_edit(struct treqs_buf *out, const char *buf, size_t len, const char *path, const char *value,
		   enum mode mode)
{
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_ylimits lim = TREQS_YLIMITS_DEFAULT;
	struct edit e;
	char *copy = xstrdup(path), *parts[16], *save = NULL, *p;
	size_t nparts = 0, i;
	struct treqs_ynode *map, *k = NULL, *v = NULL;
	struct treqs_buf frag = TREQS_BUF_INIT, with = TREQS_BUF_INIT;
	int ret = 0;
	const char *nl;

	treqs_buf_clear(out);
	memset(&e, 0, sizeof(e));
	e.buf = buf;
	e.len = len;
	nl = memchr(buf, '\n', len);
	e.eol = nl && nl > buf && nl[-1] == '\r' ? "\r\n" : "\n";
	for (p = strtok_r(copy, ".", &save); p; p = strtok_r(NULL, ".", &save)) {
		if (nparts == TREQS_ARRAY_SIZE(parts)) {
			ret = treqs_error(TREQS_EUSAGE, "cannot edit '%s': the path is too deep", path);
			goto out;
		}
		parts[nparts++] = p;
	}
	if (!nparts) {
		ret = treqs_error(TREQS_EUSAGE, "empty path");
		goto out;
	}
	if (treqs_yaml_parse(&e.doc, buf, len, "-", &lim, &diags) < 0) {
		struct treqs_buf m = TREQS_BUF_INIT;
		if (diags.n)
			treqs_diag_format(&m, &diags.v[0]);
		ret = treqs_error(TREQS_EINVALID, "cannot edit text that is not valid YAML: %s", treqs_buf_cstr(&m));
		treqs_buf_free(&m);
		goto out;
	}
	map = e.doc->root;
	if (map && !(map->type == TREQS_YSCALAR && treqs_yscalar_is_null(map) && !map->len) &&
	    map->type != TREQS_YMAP) {
		ret = treqs_error(TREQS_EINVALID, "cannot edit '%s': the document is not a mapping", path);
		goto out;
	}
	if (map && map->type != TREQS_YMAP)
		map = NULL;

	if (mode == SET_STRING)
		treqs_yaml_quote(&frag, value);
	else if (mode == SET_RAW)
		treqs_buf_puts(&frag, value);

	for (i = 0; i < nparts; i++) {
		long at = find_key(map, parts[i]);

		if (at < 0) {
			v = NULL;
			break;
		}
		k = map->kids[at];
		v = map->kids[at + 1];
		/*
		 * Through an alias, the bytes are the anchor's: an edit there
		 * would change every place that names it.
		 */
		if (is_alias(map, (size_t)at) || is_alias(map, (size_t)at + 1)) {
			ret = treqs_error(TREQS_EINVALID, "cannot edit '%s': %s '%s' is an alias; edit it by hand",
					  path, is_alias(map, (size_t)at) ? "the key" : "the value of", parts[i]);
			goto out;
		}
		if (i + 1 < nparts) {
			if (v->type != TREQS_YMAP) {
				ret = treqs_error(TREQS_EINVALID, "cannot edit '%s': '%s' is not a mapping", path,
						  parts[i]);
				goto out;
			}
			map = v;
		}
	}
	if (!v) {
		if (mode == BLANK) {
			splice(out, &e, 0, 0, "");
			goto out;
		}
		ret = insert_into(out, &e, map, (const char *const *)parts + i, nparts - i, treqs_buf_cstr(&frag),
				  path);
	} else {
		size_t colon = colon_between(&e, k, v), from, to = content_end(&e, v);
		int block = v->type != TREQS_YSCALAR && v->style == TREQS_YBLOCK;
		int empty = v->type == TREQS_YSCALAR && v->style == TREQS_YPLAIN && !v->len && v->start == v->end;

		if (to == NOWHERE) {
			ret = treqs_error(TREQS_EINVALID, "cannot edit '%s': its value ends in an alias; edit it by hand",
					  path);
			goto out;
		}
		if (mode == SET_STRING && v->type == TREQS_YSCALAR) {
			treqs_buf_clear(&frag);
			render_in_style(&frag, value, v->style);
		}
		if (empty) {
			/*
			 * "key:" with nothing: write after the colon, or add one.
			 * Blanking it changes nothing, which is what blanking
			 * the value written here gives back.
			 */
			if (colon == NOWHERE) {
				from = to = off(&e, k->end);
				treqs_buf_puts(&with, ": ");
			} else {
				from = to = colon + 1;
				treqs_buf_putc(&with, ' ');
			}
			if (mode == BLANK)
				treqs_buf_clear(&with);
		} else if (mode == BLANK) {
			/*
			 * Everything after the colon goes, so that "status:"
			 * and "status: review" (what setting the empty one
			 * writes) read the same: the content digest does not
			 * move when the tool sets the status.
			 */
			from = colon == NOWHERE ? to : colon + 1;
		} else if (block && colon != NOWHERE) {
			/* a block list or mapping becomes a one-line value after the colon */
			from = colon + 1;
			treqs_buf_putc(&with, ' ');
			anchor_of(&e, v, &with);
		} else {
			from = off(&e, v->start);
			anchor_of(&e, v, &with);
		}
		if (mode != BLANK)
			treqs_buf_put(&with, frag.ptr, frag.len);
		splice(out, &e, from, to, treqs_buf_cstr(&with));
	}
	if (ret == 0 && mode != BLANK) {
		/* the result must parse and hold the new value */
		struct treqs_ydoc *check = NULL;
		struct treqs_diags d2 = TREQS_DIAGS_INIT;
		const struct treqs_ynode *n;

		if (treqs_yaml_parse(&check, out->ptr, out->len, "-", &lim, &d2) < 0 ||
		    !(n = treqs_ynode_at(check->root, path, NULL)) ||
		    (mode == SET_STRING && (n->type != TREQS_YSCALAR || strcmp(n->value, value))))
			ret = treqs_error(TREQS_EENV, "editing '%s' would not keep the file intact; refusing", path);
		treqs_ydoc_free(check);
		treqs_diags_free(&d2);
	}
out:
	/* on failure out holds nothing, never half an edit */
	if (ret < 0)
		treqs_buf_clear(out);
	treqs_ydoc_free(e.doc);
	treqs_diags_free(&diags);
	treqs_buf_free(&frag);
	treqs_buf_free(&with);
	free(copy);
	return ret;
}

int treqs_edit_set_string(struct treqs_buf *out, const char *buf, size_t len, const char *path, const char *value)
{
	return do_edit(out, buf, len, path, value, SET_STRING);
}

int treqs_edit_set_raw(struct treqs_buf *out, const char *buf, size_t len, const char *path, const char *fragment)
{
	return do_edit(out, buf, len, path, fragment, SET_RAW);
}

int treqs_edit_blank(struct treqs_buf *out, const char *buf, size_t len, const char *path)
{
	return do_edit(out, buf, len, path, NULL, BLANK);
}
