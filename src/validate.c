/*
 * validate.c - validating sets of TR files.
 */
#include "treqs/validate.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "treqs/config.h"
#include "treqs/tr.h"

struct seen {
	char *id;
	const char *path;
	unsigned line, col;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && !strcmp(s + n - m, suf);
}

static int expand(const char *path, struct treqs_strv *files, struct treqs_diags *diags)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	size_t first = files->n;

	if (stat(path, &st) < 0) {
		treqs_diag_add(diags, TREQS_ERROR, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
		return errno == ENOENT ? TREQS_ENOTFOUND : TREQS_EENV;
	}
	if (!S_ISDIR(st.st_mode)) {
		treqs_strv_push(files, path);
		return 0;
	}
	if (!(d = opendir(path))) {
		treqs_diag_add(diags, TREQS_ERROR, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
		return TREQS_EENV;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !(has_suffix(de->d_name, ".yaml") || has_suffix(de->d_name, ".yml")))
			continue;
		treqs_strv_push_owned(files, xasprintf("%s%s%s", path, has_suffix(path, "/") ? "" : "/", de->d_name));
	}
	closedir(d);
	if (files->n > first)
		qsort(files->v + first, files->n - first, sizeof(char *), cmp_str);
	return 0;
}

void treqs_validate_name(const char *path, const char *id, unsigned line, unsigned col,
			 struct treqs_diags *diags)
{
	const char *base = strrchr(path, '/');
	const char *dir_end = base;
	size_t idlen = strlen(id);

	base = base ? base + 1 : path;
	/* only files directly under a directory named "requests" */
	if (!dir_end || dir_end - path < 8 || strncmp(dir_end - 8, "requests", 8) ||
	    (dir_end - path > 8 && dir_end[-9] != '/'))
		return;
	if (strncmp(base, id, idlen) || strcmp(base + idlen, ".yaml"))
		treqs_diag_add(diags, TREQS_ERROR, path, line, col, "id",
			       "expected the file to be named '%s.yaml' after its id, found '%s'", id, base);
}

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(x->path, y->path);
}

int treqs_validate_paths(const struct treqs_strv *paths, const struct treqs_config *cfg,
			 struct treqs_diags *diags, size_t *nfiles)
{
	struct treqs_strv files = TREQS_STRV_INIT;
	struct seen *seen = NULL;
	size_t nseen = 0, capseen = 0, i;
	int ret = 0, r;

	for (i = 0; i < paths->n; i++)
		if ((r = expand(paths->v[i], &files, diags)) < 0 && !ret)
			ret = r;
	*nfiles = files.n;
	for (i = 0; i < files.n; i++) {
		struct treqs_tr *tr = NULL;

		treqs_tr_load_file(&tr, files.v[i], cfg, diags);
		if (tr && tr->id) {
			const struct treqs_ynode *n = treqs_ymap_get(tr->doc->root, "id", NULL);
			treqs_validate_name(files.v[i], tr->id, n ? n->line : 1, n ? n->col : 1, diags);
			xgrow(&seen, &capseen, nseen + 1, sizeof(*seen));
			seen[nseen].id = xstrdup(tr->id);
			seen[nseen].path = files.v[i];
			seen[nseen].line = n ? n->line : 1;
			seen[nseen].col = n ? n->col : 1;
			nseen++;
		}
		treqs_tr_free(tr);
	}
	if (nseen)
		qsort(seen, nseen, sizeof(*seen), cmp_seen);
	for (i = 1; i < nseen; i++)
		if (!strcmp(seen[i].id, seen[i - 1].id)) {
			treqs_diag_add(diags, TREQS_ERROR, seen[i].path, seen[i].line, seen[i].col, "id",
				       "expected a unique id, found '%s' also used by %s:%u:%u", seen[i].id,
				       seen[i - 1].path, seen[i - 1].line, seen[i - 1].col);
		}
	for (i = 0; i < nseen; i++) {
		free(seen[i].id);
	}
	free(seen);
	treqs_strv_free(&files);
	if (!ret && diags->nerrors)
		ret = TREQS_EINVALID;
	return ret;
}
