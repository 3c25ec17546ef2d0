/*
 * edit.c - splicing new values into YAML text at libyaml's positions.
 */
#include "treqs/edit.h"

#include <stdlib.h>
#include <string.h>

#include "treqs/yaml.h"
#include "yval.h"

/* ---- rendering ---- */

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
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': treqs_buf_puts(b, "\\\""); break;
		case '\\': treqs_buf_puts(b, "\\\\"); break;
		case '\n': treqs_buf_puts(b, "\\n"); break;
		case '\t': treqs_buf_puts(b, "\\t"); break;
		case '\r': treqs_buf_puts(b, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				treqs_buf_printf(b, "\\x%02x", c);
			else
				treqs_buf_putc(b, (char)c);
		}
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
	if (style == TREQS_YSINGLE) {
		for (p = s; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				break;
		if (!*p) {
			treqs_buf_putc(b, '\'');
			for (p = s; *p; p++) {
				if (*p == '\'')
					treqs_buf_putc(b, '\'');
				treqs_buf_putc(b, *p);
			}
			treqs_buf_putc(b, '\'');
			return;
		}
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

static size_t off(const struct edit *e, size_t char_index)
{
	return treqs_yaml_byte_offset(e->buf, e->len, e->doc->bom, char_index);
}

/* Byte offset just past the last character that belongs to n's content. */
static size_t content_end(const struct edit *e, const struct treqs_ynode *n)
{
	size_t end;

	if (n->type != TREQS_YSCALAR && n->style == TREQS_YBLOCK && n->n)
		return content_end(e, n->kids[n->n - 1]);
	end = off(e, n->end);
	if (n->type == TREQS_YSCALAR && (n->style == TREQS_YLITERAL || n->style == TREQS_YFOLDED)) {
		size_t start = off(e, n->start);
		while (end > start && (e->buf[end - 1] == '\n' || e->buf[end - 1] == '\r' || e->buf[end - 1] == ' '))
			end--;
	}
	return end;
}

/* Offset of the ':' that follows key k. */
static size_t colon_after(const struct edit *e, const struct treqs_ynode *k)
{
	size_t i = off(e, k->end);

	while (i < e->len && e->buf[i] != ':')
		i++;
	return i;
}

static size_t line_end(const struct edit *e, size_t i)
{
	while (i < e->len && e->buf[i] != '\n')
		i++;
	return i;
}

static void splice(struct treqs_buf *out, const struct edit *e, size_t from, size_t to, const char *with)
{
	treqs_buf_clear(out);
	treqs_buf_put(out, e->buf, from);
	treqs_buf_puts(out, with);
	treqs_buf_put(out, e->buf + to, e->len - to);
}

/* Text for a new "k: value" line and any missing parents below indent. */
static void new_lines(struct treqs_buf *b, const struct edit *e, const char *const *parts, size_t nparts,
		      unsigned indent, const char *frag)
{
	size_t i;

	for (i = 0; i < nparts; i++) {
		treqs_buf_printf(b, "%*s%s:", (int)(indent + 2 * i), "", parts[i]);
		if (i + 1 == nparts) {
			treqs_buf_putc(b, ' ');
			treqs_buf_puts(b, frag);
		}
		treqs_buf_puts(b, e->eol);
	}
}

static int insert_into(struct treqs_buf *out, const struct edit *e, const struct treqs_ynode *map,
		       const char *const *parts, size_t nparts, const char *frag)
{
	struct treqs_buf ins = TREQS_BUF_INIT;
	size_t at;

	if (map && map->style == TREQS_YFLOW) {
		/* before the closing brace: ", k: {k2: v}" */
		size_t close = off(e, map->end) - 1, i;

		treqs_buf_puts(&ins, map->n ? ", " : "");
		for (i = 0; i < nparts; i++) {
			treqs_buf_printf(&ins, "%s: ", parts[i]);
			if (i + 1 < nparts)
				treqs_buf_putc(&ins, '{');
		}
		treqs_buf_puts(&ins, frag);
		for (i = 1; i < nparts; i++)
			treqs_buf_putc(&ins, '}');
		splice(out, e, close, close, treqs_buf_cstr(&ins));
		treqs_buf_free(&ins);
		return 0;
	}
	if (!map || !map->n) {
		/* an empty document: append */
		at = e->len;
		if (at && e->buf[at - 1] != '\n')
			treqs_buf_puts(&ins, e->eol);
		new_lines(&ins, e, parts, nparts, map && map->n ? map->col - 1 : 0, frag);
	} else {
		at = line_end(e, content_end(e, map->kids[map->n - 1]));
		if (at < e->len)
			at++; /* past the '\n' */
		else
			treqs_buf_puts(&ins, e->eol);
		new_lines(&ins, e, parts, nparts, map->kids[0]->col - 1, frag);
	}
	splice(out, e, at, at, treqs_buf_cstr(&ins));
	treqs_buf_free(&ins);
	return 0;
}

enum mode { SET_STRING, SET_RAW, BLANK };

static int do_edit(struct treqs_buf *out, const char *buf, size_t len, const char *path, const char *value,
		   enum mode mode)
{
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_ylimits lim = TREQS_YLIMITS_DEFAULT;
	struct edit e;
	char *copy = xstrdup(path), *parts[16], *save = NULL, *p;
	size_t nparts = 0, i;
	struct treqs_ynode *map, *k = NULL, *v = NULL;
	struct treqs_buf frag = TREQS_BUF_INIT;
	int ret = 0;
	const char *nl;

	memset(&e, 0, sizeof(e));
	e.buf = buf;
	e.len = len;
	nl = memchr(buf, '\n', len);
	e.eol = nl && nl > buf && nl[-1] == '\r' ? "\r\n" : "\n";
	for (p = strtok_r(copy, ".", &save); p && nparts < TREQS_ARRAY_SIZE(parts); p = strtok_r(NULL, ".", &save))
		parts[nparts++] = p;
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
		v = map ? treqs_ymap_get(map, parts[i], &k) : NULL;
		if (!v)
			break;
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
		ret = insert_into(out, &e, map, (const char *const *)parts + i, nparts - i, treqs_buf_cstr(&frag));
	} else {
		size_t from, to;

		if (v->start < k->end) {
			ret = treqs_error(TREQS_EINVALID, "cannot edit '%s': its value is an alias; edit it by hand", path);
			goto out;
		}
		if (mode == SET_STRING && v->type == TREQS_YSCALAR) {
			treqs_buf_clear(&frag);
			render_in_style(&frag, value, v->style);
		}
		if (v->type == TREQS_YSCALAR && v->style == TREQS_YPLAIN && !v->len) {
			/* "key:" with nothing: write after the colon */
			from = to = colon_after(&e, k) + 1;
			if (mode != BLANK) {
				struct treqs_buf t = TREQS_BUF_INIT;
				treqs_buf_putc(&t, ' ');
				treqs_buf_put(&t, frag.ptr, frag.len);
				treqs_buf_free(&frag);
				frag = t;
			}
		} else if (v->type != TREQS_YSCALAR && v->style == TREQS_YBLOCK) {
			from = colon_after(&e, k) + 1;
			to = content_end(&e, v);
			if (mode != BLANK) {
				struct treqs_buf t = TREQS_BUF_INIT;
				treqs_buf_putc(&t, ' ');
				treqs_buf_put(&t, frag.ptr, frag.len);
				treqs_buf_free(&frag);
				frag = t;
			}
		} else {
			from = off(&e, v->start);
			to = content_end(&e, v);
		}
		splice(out, &e, from, to, mode == BLANK ? "" : treqs_buf_cstr(&frag));
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
	treqs_ydoc_free(e.doc);
	treqs_diags_free(&diags);
	treqs_buf_free(&frag);
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
