/*
 * yaml.h - a bounded YAML document tree built from libyaml's events.
 *
 * Every node keeps where it came from (line, column, and libyaml's
 * character index of its start and end) so that messages can point at it
 * and edit.c can splice bytes there.
 *
 * The tree is built under limits that make hostile input cheap to refuse:
 * a byte cap (checked by the caller when reading), a nesting depth, and a
 * cap on the number of nodes the document would have with every alias
 * expanded.  Aliases are never copied: an alias node points at its anchor's
 * node and contributes that node's expanded size to the total, so an alias
 * bomb is refused after a handful of events.
 */
#ifndef TREQS_YAML_H
#define TREQS_YAML_H

#include "treqs/common.h"

enum treqs_ynode_type { TREQS_YSCALAR, TREQS_YSEQ, TREQS_YMAP };

enum treqs_ystyle {
	TREQS_YPLAIN,
	TREQS_YSINGLE,
	TREQS_YDOUBLE,
	TREQS_YLITERAL,
	TREQS_YFOLDED,
	TREQS_YFLOW,  /* flow collection: [a, b] or {a: b} */
	TREQS_YBLOCK, /* block collection */
};

struct treqs_ynode {
	enum treqs_ynode_type type;
	enum treqs_ystyle style;
	unsigned line, col;      /* 1-based, of the first character */
	unsigned end_line, end_col;
	size_t start, end;       /* libyaml character indexes, end exclusive */
	char *tag;               /* explicit tag as written, or NULL */
	char *value;             /* scalars: the value (NUL-terminated) */
	size_t len;              /* scalars: length of value in bytes */
	/*
	 * Collections: children.  For a mapping, kids[2*i] is the i-th key and
	 * kids[2*i+1] its value; n counts nodes, so a mapping has n/2 pairs.
	 * A child may be shared with another parent (an alias).
	 */
	struct treqs_ynode **kids;
	size_t n, cap;
	int from_alias;          /* reached through an alias (as a child) */
	size_t weight;           /* size with aliases expanded */
};

struct treqs_ylimits {
	unsigned max_depth;   /* deepest nesting accepted */
	size_t max_nodes;     /* nodes after alias expansion */
};
#define TREQS_YLIMITS_DEFAULT {32, 5000}

/* A parsed document: owns every node, freed at once by treqs_ydoc_free(). */
struct treqs_ydoc {
	struct treqs_ynode *root;      /* NULL for an empty document */
	struct treqs_ynode **nodes;    /* every node, for freeing their kids arrays */
	size_t nnodes, capnodes;
	size_t bom;                    /* bytes of byte order mark skipped */
	/*
	 * Nodes and their strings come from a few large blocks, freed at
	 * once: a TR has a hundred nodes, and `treqs list` reads thousands
	 * of TRs, so one allocation each would dominate.
	 */
	struct treqs_yblock *blocks;
};

/*
 * Parses buf[0..len) as exactly one YAML document.  On success *out is a
 * new document (free with treqs_ydoc_free) and 0 is returned.  On a
 * problem, positioned errors naming path are added to diags, *out is NULL
 * and TREQS_EINVALID is returned.  Rejected: NUL bytes, invalid UTF-8,
 * several documents, duplicate mapping keys, depth or expanded size past
 * the limits, and everything libyaml rejects.
 */
int treqs_yaml_parse(struct treqs_ydoc **out, const char *buf, size_t len, const char *path,
		     const struct treqs_ylimits *lim, struct treqs_diags *diags);
void treqs_ydoc_free(struct treqs_ydoc *doc);

/* Mapping lookup: the value node for key, or NULL.  *keyp gets the key node. */
struct treqs_ynode *treqs_ymap_get(const struct treqs_ynode *map, const char *key,
				   struct treqs_ynode **keyp);
/*
 * Dotted path lookup from a mapping ("resources.hours").  Returns NULL
 * when any step is missing or not a mapping.
 */
struct treqs_ynode *treqs_ynode_at(const struct treqs_ynode *root, const char *path,
				   struct treqs_ynode **keyp);

/* Converts a libyaml character index into a byte offset of buf. */
size_t treqs_yaml_byte_offset(const char *buf, size_t len, size_t bom, size_t char_index);

/* Is this scalar a YAML null (plain "", "~", "null", "Null", "NULL")? */
int treqs_yscalar_is_null(const struct treqs_ynode *n);

#endif
