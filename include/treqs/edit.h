/*
 * edit.h - surgical edits of a person's YAML file.
 *
 * The tool never reformats what a person wrote.  To change a field it
 * parses the text, finds the bytes of the value at the position libyaml
 * reports, and splices new bytes in; every other byte (comments, key order,
 * quoting, indentation, CRLF line endings) is kept.  After splicing, the
 * result is parsed again and checked to hold the new value; an edit that
 * would not round-trip is refused rather than written.
 *
 * Paths are dotted mapping keys from the top ("status",
 * "resources.gpu_type").  A missing key is added: at the end of its
 * mapping, with the indentation of its siblings (block style) or before the
 * closing brace (flow style); a missing parent mapping is created.
 */
#ifndef TREQS_EDIT_H
#define TREQS_EDIT_H

#include "treqs/common.h"

/*
 * Sets path to the string value.  An existing scalar keeps its quoting
 * style when the value can be written in it (a plain scalar stays plain
 * unless the value needs quotes, then it is double-quoted).
 * out receives the whole new text (it is cleared first).
 * Returns 0, TREQS_EINVALID when buf is not a YAML mapping or a parent on
 * the path is not a mapping, or TREQS_EENV if the edit does not round-trip.
 */
int treqs_edit_set_string(struct treqs_buf *out, const char *buf, size_t len, const char *path,
			  const char *value);
/*
 * Sets path to a YAML fragment already rendered on one line (a number,
 * "true", a flow list such as ["a", "b"]).  The value is replaced whatever
 * its style; a block list or mapping becomes the fragment after the colon.
 */
int treqs_edit_set_raw(struct treqs_buf *out, const char *buf, size_t len, const char *path,
		       const char *fragment);
/*
 * Removes the bytes of the value at path, leaving "key:" (used to
 * normalise the status for the content digest).  A missing key leaves the
 * text unchanged.
 */
int treqs_edit_blank(struct treqs_buf *out, const char *buf, size_t len, const char *path);

/* Appends s as a YAML scalar: plain when that reads back as the same string, else double-quoted. */
void treqs_yaml_quote(struct treqs_buf *b, const char *s);
/* Appends s double-quoted with YAML escapes. */
void treqs_yaml_dquote(struct treqs_buf *b, const char *s);
/* Appends a flow list of quoted strings: ["a", "b"]. */
void treqs_yaml_flow_list(struct treqs_buf *b, char *const *v, size_t n);

#endif
