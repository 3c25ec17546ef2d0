/*
 * yaml.c - builds a bounded node tree from libyaml's event stream.
 */
#include "treqs/yaml.h"

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

static struct treqs_ynode *new_node(struct builder *b, enum treqs_ynode_type type, const yaml_mark_t *start,
				    const yaml_mark_t *end)
{
	struct treqs_ynode *n = xcalloc(1, sizeof(*n));

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

/* Dotted name of the key under which the current top of stack sits. */
static void field_name(struct builder *b, struct treqs_buf *out)
{
	unsigned i;

	for (i = 0; i < b->depth; i++) {
		struct treqs_ynode *p = b->stack[i];
		struct treqs_ynode *k;

		if (p->type == TREQS_YMAP && p->n % 2 == 1) {
			k = p->kids[p->n - 1];
			if (k->type == TREQS_YSCALAR) {
				if (out->len)
					treqs_buf_putc(out, '.');
				treqs_buf_puts(out, k->value);
			}
		} else if (p->type == TREQS_YSEQ) {
			treqs_buf_printf(out, "[%zu]", p->n);
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
			fail(b, n->line, n->col, "yaml", "expected a plain key, found a %s used as a key",
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
				treqs_buf_puts(&f, n->value);
				fail(b, n->line, n->col, treqs_buf_cstr(&f),
				     "expected each key once, found a duplicate of the key at line %u", k->line);
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

static int add_weight(struct builder *b, size_t w, const yaml_mark_t *m)
{
	unsigned i;

	b->total += w;
	if (b->total > b->lim->max_nodes) {
		fail(b, (unsigned)m->line + 1, (unsigned)m->column + 1, "yaml",
		     "expected at most %zu nodes with aliases expanded, found more (alias expansion refused)",
		     b->lim->max_nodes);
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

static const char *clearer_problem(struct builder *b, const yaml_parser_t *p, int *tab)
{
	/* libyaml's words for a tab in indentation are obscure; say it plainly. */
	size_t line = p->problem_mark.line, cur = 0, i;

	*tab = 0;
	for (i = 0; i < b->len && cur < line; i++)
		if (b->buf[i] == '\n')
			cur++;
	for (; i < b->len && (b->buf[i] == ' ' || b->buf[i] == '\t'); i++)
		if (b->buf[i] == '\t') {
			*tab = 1;
			break;
		}
	return p->problem ? p->problem : "unknown problem";
}

static void parser_error(struct builder *b, const yaml_parser_t *p)
{
	int tab;
	const char *problem = clearer_problem(b, p, &tab);
	unsigned line = (unsigned)p->problem_mark.line + 1, col = (unsigned)p->problem_mark.column + 1;

	if (p->error == YAML_MEMORY_ERROR) {
		fail(b, 0, 0, "yaml", "out of memory while parsing");
		return;
	}
	if (tab) {
		fail(b, line, 1, "yaml", "expected spaces for indentation, found a tab");
		return;
	}
	if (p->context)
		fail(b, line, col, "yaml", "%s %s (from line %zu, column %zu)", problem, p->context,
		     (size_t)p->context_mark.line + 1, (size_t)p->context_mark.column + 1);
	else
		fail(b, line, col, "yaml", "%s", problem);
}

int treqs_yaml_parse(struct treqs_ydoc **out, const char *buf, size_t len, const char *path,
		     const struct treqs_ylimits *lim, struct treqs_diags *diags)
{
	static const struct treqs_ylimits deflim = TREQS_YLIMITS_DEFAULT;
	struct builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t bad;
	int is_nul, ndocs = 0, done = 0;
	size_t i;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.path = path;
	b.buf = buf;
	b.len = len;
	b.lim = lim ? lim : &deflim;
	b.diags = diags;
	if (b.lim->max_depth >= TREQS_ARRAY_SIZE(b.stack))
		return treqs_error(TREQS_EUSAGE, "yaml depth limit too large");

	if (treqs_utf8_check(buf, len, &bad, &is_nul) < 0) {
		unsigned line, col;
		treqs_text_position(buf, len, bad, &line, &col);
		treqs_diag_add(diags, TREQS_ERROR, path, line, col, "yaml",
			       is_nul ? "expected text, found a NUL byte"
				      : "expected UTF-8 text, found the byte 0x%02x", (unsigned char)buf[bad]);
		return TREQS_EINVALID;
	}

	b.doc = xcalloc(1, sizeof(*b.doc));
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		b.doc->bom = 3;
	if (!yaml_parser_initialize(&parser)) {
		free(b.doc);
		return treqs_error(TREQS_EENV, "unable to initialise the YAML parser");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
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
			n->value = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			n->len = ev.data.scalar.length;
			if (ev.data.scalar.tag)
				n->tag = xstrdup((const char *)ev.data.scalar.tag);
			switch (ev.data.scalar.style) {
			case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = TREQS_YSINGLE; break;
			case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = TREQS_YDOUBLE; break;
			case YAML_LITERAL_SCALAR_STYLE: n->style = TREQS_YLITERAL; break;
			case YAML_FOLDED_SCALAR_STYLE: n->style = TREQS_YFOLDED; break;
			default: n->style = TREQS_YPLAIN; break;
			}
			if (add_weight(&b, 1, &ev.start_mark) < 0 || attach(&b, n, 0) < 0)
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
					n->tag = xstrdup((const char *)ev.data.mapping_start.tag);
			} else {
				n->style = ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE ? TREQS_YFLOW
												     : TREQS_YBLOCK;
				if (ev.data.sequence_start.tag)
					n->tag = xstrdup((const char *)ev.data.sequence_start.tag);
			}
			if (b.depth >= b.lim->max_depth) {
				fail(&b, n->line, n->col, "yaml", "expected nesting at most %u deep, found deeper",
				     b.lim->max_depth);
				break;
			}
			if (add_weight(&b, 1, &ev.start_mark) < 0 || attach(&b, n, 0) < 0)
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
				     "expected a defined anchor, found the unknown alias '*%s'",
				     (const char *)ev.data.alias.anchor);
				break;
			}
			/*
			 * An anchor whose node is still open is a recursive alias;
			 * refuse it rather than build a cycle.
			 */
			for (i = 0; i < b.depth; i++)
				if (b.stack[i] == target) {
					fail(&b, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
					     "yaml", "expected an alias to a complete node, found a recursive alias");
					break;
				}
			if (b.failed)
				break;
			if (add_weight(&b, target->weight, &ev.start_mark) < 0 || attach(&b, target, 1) < 0)
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
		free(doc->nodes[i]->tag);
		free(doc->nodes[i]->value);
		free(doc->nodes[i]->kids);
		free(doc->nodes[i]);
	}
	free(doc->nodes);
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
	char part[128];

	while (cur) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		cur = treqs_ymap_get(cur, part, keyp);
		if (!dot)
			return (struct treqs_ynode *)cur;
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
