/*
 * validate.c - treqs validate [--json] [PATH...]
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/tr.h"
#include <sys/stat.h>
#include "treqs/repo.h"
#include "treqs/validate.h"

static const struct cli_cmd_info info = {
	"validate", "[--json] [--quiet] [PATH...]",
	"Checks TR files: every file named, every *.yaml file in every directory named,\n"
	"or else .treqs/requests/ of the work tree, or, when the work tree has none, the TR\n"
	"on each local branch treqs/ID.  Prints one line per problem as\n"
	"path:line:column: field: what was expected, what was found.\n"
	"Exit status: 0 valid (warnings allowed), 1 invalid or missing, 2 usage, 3 unreadable.",
};

/* The path of the repository's .treqs/requests relative to the current directory. */
static char *default_dir(git_repository *repo)
{
	char cwd[PATH_MAX], top[PATH_MAX];
	const char *wd = git_repository_workdir(repo);
	struct treqs_buf b = TREQS_BUF_INIT;
	const char *rest;

	if (!wd || !getcwd(cwd, sizeof(cwd)) || !realpath(wd, top))
		return xasprintf("%s%s", wd ? wd : "", TREQS_REQUESTS_DIR);
	if (strncmp(cwd, top, strlen(top)))
		return xasprintf("%s/%s", top, TREQS_REQUESTS_DIR);
	for (rest = cwd + strlen(top); *rest; rest++)
		if (*rest == '/')
			treqs_buf_puts(&b, "../");
	treqs_buf_puts(&b, TREQS_REQUESTS_DIR);
	return treqs_buf_detach(&b);
}

/* The TR of every local branch treqs/ID, read from git. */
static int validate_branches(git_repository *repo, const struct treqs_config *cfg, struct treqs_diags *diags,
			     size_t *nfiles)
{
	struct treqs_catalog *cat = NULL;
	size_t i;
	int ret;

	if ((ret = treqs_catalog_scan(&cat, repo, cfg)) < 0) {
		treqs_diag_add(diags, TREQS_ERROR, ".", 0, 0, NULL, "%s", treqs_error_msg());
		return ret;
	}
	for (i = 0; i < cat->n; i++) {
		const struct treqs_loc *l = treqs_entry_at(&cat->v[i], TREQS_AT_OWN_LOCAL);
		struct treqs_buf b = TREQS_BUF_INIT;
		struct treqs_tr *tr = NULL;
		char *where;

		if (!l)
			continue;
		where = xasprintf("%s:%s", l->ref + strlen("refs/heads/"), l->path);
		if (treqs_repo_read_blob(&b, repo, &l->blob, TREQS_TR_MAX_BYTES) == 0) {
			treqs_tr_load(&tr, treqs_buf_cstr(&b), b.len, where, cfg, diags);
			if (tr && tr->id && strcmp(tr->id, cat->v[i].id))
				treqs_diag_add(diags, TREQS_ERROR, where, 1, 1, "id",
					       "expected '%s' (the branch's id), found '%s'", cat->v[i].id, tr->id);
		} else {
			treqs_diag_add(diags, TREQS_ERROR, where, 0, 0, NULL, "%s", treqs_error_msg());
		}
		(*nfiles)++;
		treqs_tr_free(tr);
		treqs_buf_free(&b);
		free(where);
	}
	treqs_catalog_free(cat);
	return diags->nerrors ? TREQS_EINVALID : 0;
}

int cmd_validate(int argc, char **argv)
{
	int json = 0, quiet = 0, ret;
	struct cli_opt opts[] = {
		{"json", 0, CLI_FLAG, &json, NULL, "print the result as one JSON object", 0},
		{"quiet", 'q', CLI_FLAG, &quiet, NULL, "print only problems", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct treqs_strv paths = TREQS_STRV_INIT;
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_config *cfg = NULL;
	git_repository *repo = NULL;
	size_t nfiles = 0;

	if ((ret = cli_parse(argc, argv, &info, opts, &paths)) != 0)
		return ret > 0 ? 0 : 2;
	if (treqs_repo_open(&repo, 0) == 0) {
		struct treqs_diags cdiags = TREQS_DIAGS_INIT;
		treqs_config_load_repo(&cfg, repo, &cdiags);
		if (cdiags.nerrors)
			treqs_diags_print(stderr, &cdiags);
		treqs_diags_free(&cdiags);
	} else {
		cfg = treqs_config_new_default();
	}
	treqs_error_clear();
	if (!paths.n) {
		char *dir;
		struct stat sb;
		if (!repo) {
			ret = cli_die(1, "validate: not in a git repository; name the files to check");
			goto out;
		}
		dir = default_dir(repo);
		if (stat(dir, &sb) == 0) {
			treqs_strv_push_owned(&paths, dir);
		} else {
			free(dir);
			ret = validate_branches(repo, cfg, &diags, &nfiles);
			goto report;
		}
	}
	ret = treqs_validate_paths(&paths, cfg, &diags, &nfiles);
report:
	if (json) {
		json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:o}", "valid", diags.nerrors == 0, "files", (json_int_t)nfiles,
				      "errors", (json_int_t)diags.nerrors, "warnings", (json_int_t)diags.nwarnings,
				      "diagnostics", cli_diags_json(&diags));
		cli_print_json(o);
	} else {
		treqs_diags_print(stderr, &diags);
		if (!quiet)
			printf("%zu file%s checked: %s, %zu error%s, %zu warning%s\n", nfiles, nfiles == 1 ? "" : "s",
			       diags.nerrors ? "invalid" : "valid", diags.nerrors, diags.nerrors == 1 ? "" : "s",
			       diags.nwarnings, diags.nwarnings == 1 ? "" : "s");
	}
	ret = ret == 0 ? 0 : ret == TREQS_EINVALID || ret == TREQS_ENOTFOUND ? 1 : 3;
	if (ret == 0 && diags.nerrors)
		ret = 1;
out:
	treqs_diags_free(&diags);
	treqs_strv_free(&paths);
	treqs_config_free(cfg);
	git_repository_free(repo);
	return ret;
}
