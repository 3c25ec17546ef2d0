/*
 * new.c - treqs new: write a TR on its own branch without touching the
 * checkout.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "treqs/catalog.h"
#include "treqs/config.h"
#include "treqs/edit.h"
#include "treqs/repo.h"
#include "treqs/run.h"
#include "treqs/sign.h"
#include "treqs/template.h"
#include "treqs/tr.h"

static const struct cli_cmd_info info = {
	"new",
	"[--title T] [--objective O] [--gpu-type G] [--gpu-count N] [--hours H] [--cost USD]\n"
	"       [--dataset D]... [--metric M]... [--reviewer EMAIL]... [--team NAME] [--from TR-ID]",
	"Writes a new Training Request .treqs/requests/<ID>.yaml from the template (or from\n"
	"an existing TR with --from) on a new branch treqs/<ID>, validates it and commits it.\n"
	"The id is the next one free on every branch, remote-tracking branch and in the\n"
	"archive.  The current checkout and uncommitted work are not touched.  Without\n"
	"--title on a terminal, opens the editor (GIT_EDITOR, core.editor, VISUAL, EDITOR)\n"
	"on the new TR.  --from copies a TR, names it as the baseline and keeps its\n"
	"reviewers.  Prints the id.",
};

static int edit_str(struct treqs_buf *text, const char *path, const char *value)
{
	struct treqs_buf out = TREQS_BUF_INIT;
	int ret = treqs_edit_set_string(&out, text->ptr, text->len, path, value);

	if (ret == 0) {
		treqs_buf_free(text);
		*text = out;
	} else {
		treqs_buf_free(&out);
	}
	return ret;
}

static int edit_raw(struct treqs_buf *text, const char *path, const char *frag)
{
	struct treqs_buf out = TREQS_BUF_INIT;
	int ret = treqs_edit_set_raw(&out, text->ptr, text->len, path, frag);

	if (ret == 0) {
		treqs_buf_free(text);
		*text = out;
	} else {
		treqs_buf_free(&out);
	}
	return ret;
}

static int edit_list(struct treqs_buf *text, const char *path, const struct treqs_strv *v)
{
	struct treqs_buf frag = TREQS_BUF_INIT;
	int ret;

	treqs_yaml_flow_list(&frag, v->v, v->n);
	ret = edit_raw(text, path, treqs_buf_cstr(&frag));
	treqs_buf_free(&frag);
	return ret;
}

static int edit_num(struct treqs_buf *text, const char *path, double v)
{
	char num[64];

	snprintf(num, sizeof(num), "%.10g", v);
	return edit_raw(text, path, num);
}

/* The template: the protected branch's, else HEAD's, else the built-in one. */
static void load_template(struct treqs_buf *out, git_repository *repo, const struct treqs_config *cfg)
{
	char *pref = NULL;
	const struct treqs_template_file *t;

	if (treqs_repo_protected_ref(&pref, repo, cfg) == 0 &&
	    treqs_repo_read(out, NULL, repo, pref, ".treqs/templates/default.yaml") == 0) {
		free(pref);
		return;
	}
	free(pref);
	if (treqs_repo_read(out, NULL, repo, "HEAD", ".treqs/templates/default.yaml") == 0)
		return;
	treqs_error_clear();
	for (t = treqs_template_files; t->path; t++)
		if (!strcmp(t->path, "templates/default.yaml")) {
			treqs_buf_clear(out);
			treqs_buf_put(out, t->data, t->len);
		}
}

static int run_editor(struct treqs_buf *text, git_repository *repo, const char *id)
{
	char *editor = NULL, *dir = NULL, *file = NULL;
	const char *env;
	struct treqs_cmd cmd;
	const char *argv[4];
	int ret;

	if ((env = getenv("GIT_EDITOR")) && *env)
		editor = xstrdup(env);
	else if (treqs_repo_config_string(&editor, repo, "core.editor") == 0)
		;
	else if ((env = getenv("VISUAL")) && *env)
		editor = xstrdup(env);
	else if ((env = getenv("EDITOR")) && *env)
		editor = xstrdup(env);
	else
		editor = xstrdup("vi");
	if ((ret = treqs_tmpdir(&dir)) < 0)
		goto out;
	file = xasprintf("%s/%s.yaml", dir, id);
	if ((ret = treqs_write_file(file, text->ptr, text->len)) < 0)
		goto out;
	memset(&cmd, 0, sizeof(cmd));
	/* like git, the editor setting may carry arguments: run it through sh -c */
	argv[0] = "sh";
	argv[1] = "-c";
	{
		char *script = xasprintf("%s \"$1\"", editor);
		const char *av[] = {"sh", "-c", script, "editor", file, NULL};
		cmd.argv = av;
		cmd.tty = 1;
		ret = treqs_cmd_run(&cmd);
		free(script);
	}
	(void)argv;
	if (ret == 0 && cmd.status != 0)
		ret = treqs_error(TREQS_EINVALID, "the editor '%s' failed (exit %d)", editor, cmd.status);
	if (ret == 0)
		ret = treqs_read_file(text, file, TREQS_TR_MAX_BYTES);
	treqs_cmd_clear(&cmd);
out:
	if (dir)
		treqs_rmtree(dir);
	free(dir);
	free(file);
	free(editor);
	return ret;
}

int cmd_new(int argc, char **argv)
{
	const char *title = NULL, *objective = NULL, *gpu_type = NULL, *from = NULL, *team = NULL;
	long gpu_count = 0;
	double hours = 0, cost = 0;
	struct treqs_strv datasets = TREQS_STRV_INIT, metrics = TREQS_STRV_INIT, reviewers = TREQS_STRV_INIT;
	struct cli_opt opts[] = {
		{"title", 0, CLI_STRING, &title, "T", "one-line title", 0},
		{"objective", 0, CLI_STRING, &objective, "O", "what the run is for", 0},
		{"gpu-type", 0, CLI_STRING, &gpu_type, "G", "GPU type (resources.gpu_type)", 0},
		{"gpu-count", 0, CLI_INT, &gpu_count, "N", "number of GPUs (resources.gpu_count)", 0},
		{"hours", 0, CLI_NUMBER, &hours, "H", "hours the run needs (resources.hours)", 0},
		{"cost", 0, CLI_NUMBER, &cost, "USD", "cost estimate (default: from the price catalog)", 0},
		{"dataset", 0, CLI_LIST, &datasets, "D", "a dataset the run reads", 0},
		{"metric", 0, CLI_LIST, &metrics, "M", "an evaluation metric", 0},
		{"reviewer", 0, CLI_LIST, &reviewers, "EMAIL", "a reviewer (default: the config's)", 0},
		{"team", 0, CLI_STRING, &team, "NAME", "the team whose budget pays", 0},
		{"from", 0, CLI_STRING, &from, "TR-ID", "start from a copy of this TR", 0},
		{NULL, 0, CLI_END, NULL, NULL, NULL, 0},
	};
	struct cli_opt *o_count = &opts[3], *o_hours = &opts[4], *o_cost = &opts[5];
	git_repository *repo = NULL;
	struct treqs_config *cfg = NULL;
	struct treqs_catalog *cat = NULL;
	struct treqs_buf text = TREQS_BUF_INIT, msg = TREQS_BUF_INIT;
	struct treqs_diags diags = TREQS_DIAGS_INIT;
	struct treqs_tr *tr = NULL;
	git_signature *me = NULL;
	char *id = NULL, *path = NULL, *branch = NULL, *base_ref = NULL;
	git_oid base, commit;
	int ret, attempt, use_editor = 0;

	if ((ret = cli_parse(argc, argv, &info, opts, NULL)) != 0)
		return ret > 0 ? 0 : 2;
	if (!title) {
		if (isatty(0) && isatty(2))
			use_editor = 1;
		else {
			ret = cli_die(2, "new: --title is required when not on a terminal");
			goto out;
		}
	}
	if ((ret = cli_open_repo(&repo)) < 0) {
		ret = cli_fail(ret == TREQS_ENOTFOUND ? TREQS_EINVALID : ret);
		goto out;
	}
	treqs_config_load_repo(&cfg, repo, NULL);
	if ((ret = treqs_signature(&me, repo, 0)) < 0) {
		ret = cli_fail(ret);
		goto out;
	}

	/* the text */
	if (from) {
		const struct treqs_entry *e;
		const struct treqs_loc *l;
		if ((ret = treqs_catalog_scan(&cat, repo, cfg)) < 0) {
			ret = cli_fail(ret);
			goto out;
		}
		if (!(e = treqs_catalog_find(cat, from)) || !(l = treqs_entry_best(repo, e))) {
			ret = cli_die(1, "new: --from: no TR '%s' on any branch or in the archive", from);
			goto out;
		}
		if ((ret = treqs_repo_read_blob(&text, repo, &l->blob, TREQS_TR_MAX_BYTES)) < 0) {
			ret = cli_fail(ret);
			goto out;
		}
		treqs_catalog_free(cat);
		cat = NULL;
	} else {
		load_template(&text, repo, cfg);
	}

#define EDIT(call)                                      \
	do {                                                \
		if ((ret = (call)) < 0) {                       \
			ret = cli_fail(ret);                        \
			goto out;                                   \
		}                                               \
	} while (0)

	EDIT(edit_str(&text, "status", "draft"));
	EDIT(edit_str(&text, "submitted_by", me->email));
	if (title)
		EDIT(edit_str(&text, "title", title));
	if (objective)
		EDIT(edit_str(&text, "objective", objective));
	if (gpu_type)
		EDIT(edit_str(&text, "resources.gpu_type", gpu_type));
	if (o_count->seen)
		EDIT(edit_num(&text, "resources.gpu_count", (double)gpu_count));
	if (o_hours->seen)
		EDIT(edit_num(&text, "resources.hours", hours));
	if (datasets.n)
		EDIT(edit_list(&text, "datasets", &datasets));
	if (metrics.n)
		EDIT(edit_list(&text, "eval_metrics", &metrics));
	if (team)
		EDIT(edit_str(&text, "team", team));
	if (reviewers.n)
		EDIT(edit_list(&text, "reviewers", &reviewers));
	else if (!from && cfg->default_reviewers.n)
		EDIT(edit_list(&text, "reviewers", &cfg->default_reviewers));
	if (from)
		EDIT(edit_str(&text, "baseline", from));
	if (o_cost->seen) {
		EDIT(edit_num(&text, "cost_estimate_usd", cost));
	} else {
		/* estimate from the catalog when the numbers are known */
		struct treqs_diags d = TREQS_DIAGS_INIT;
		struct treqs_tr *t = NULL;
		double price;
		treqs_tr_load(&t, text.ptr, text.len, "-", cfg, &d);
		if (t && t->gpu_type && t->hours > 0 && (price = treqs_config_price(cfg, t->gpu_type)) >= 0) {
			char num[64];
			snprintf(num, sizeof(num), "%.2f", (double)t->gpu_count * t->hours * price);
			ret = edit_raw(&text, "cost_estimate_usd", num);
		}
		treqs_tr_free(t);
		treqs_diags_free(&d);
	}

	/* base: the protected branch, else HEAD */
	if (treqs_repo_protected_ref(&base_ref, repo, cfg) < 0 || treqs_repo_resolve(&base, repo, base_ref) < 0) {
		if (treqs_repo_resolve(&base, repo, "HEAD") < 0) {
			ret = cli_die(1, "new: the repository has no commits; run 'treqs init' first");
			goto out;
		}
	}
	treqs_error_clear();

	for (attempt = 0; attempt < 20; attempt++) {
		struct treqs_commit_opts co;
		struct treqs_tree_change ch;
		struct treqs_buf final = TREQS_BUF_INIT;

		if ((ret = treqs_catalog_scan(&cat, repo, cfg)) < 0) {
			ret = cli_fail(ret);
			goto out;
		}
		free(id);
		id = treqs_tr_id_format(cat->max_number < 0 ? 1 : cat->max_number + 1 + attempt, cfg);
		treqs_catalog_free(cat);
		cat = NULL;
		EDIT(edit_str(&text, "id", id));

		if (use_editor && attempt == 0) {
			if ((ret = run_editor(&text, repo, id)) < 0) {
				ret = cli_fail(ret);
				goto out;
			}
		}
		free(path);
		path = xasprintf("%s/%s.yaml", TREQS_REQUESTS_DIR, id);
		treqs_diags_free(&diags);
		treqs_tr_free(tr);
		tr = NULL;
		if (treqs_tr_load(&tr, treqs_buf_cstr(&text), text.len, path, cfg, &diags) < 0 || !tr || !tr->id ||
		    strcmp(tr->id, id)) {
			if (tr && tr->id && strcmp(tr->id, id))
				treqs_diag_add(&diags, TREQS_ERROR, path, 1, 1, "id",
					       "expected '%s' (the id allocated for it), found '%s'", id, tr->id);
			treqs_diags_print(stderr, &diags);
			if (use_editor) {
				char *keep = xasprintf("%s/treqs-new-%s.yaml", git_repository_path(repo), id);
				if (treqs_write_file(keep, text.ptr, text.len) == 0)
					fprintf(stderr, "treqs: new: your text is saved in %s\n", keep);
				free(keep);
			}
			ret = cli_die(1, "new: the TR is not valid; nothing was committed");
			goto out;
		}
		treqs_diags_print(stderr, &diags);

		free(branch);
		branch = xasprintf("refs/heads/%s%s", TREQS_BRANCH_PREFIX, id);
		treqs_buf_clear(&msg);
		treqs_buf_printf(&msg, "%s: %s\n\nTReqs-Id: %s\nTReqs-Action: new\n", id, tr->title, id);
		memset(&co, 0, sizeof(co));
		co.refname = branch;
		co.update_ref = 1;
		co.parents[0] = &base;
		co.reflog = "treqs new";
		/* signed when the user signs (and required by policy.require_signed_submissions) */
		co.sign = treqs_sign_configured(repo);
		ch.path = path;
		ch.data = treqs_buf_cstr(&text);
		ch.len = text.len;
		ret = treqs_repo_commit(&commit, repo, &co, &ch, 1, treqs_buf_cstr(&msg));
		treqs_buf_free(&final);
		if (ret == TREQS_ECONFLICT)
			continue; /* someone took this id meanwhile: take the next */
		if (ret < 0) {
			ret = cli_fail(ret);
			goto out;
		}
		break;
	}
	if (ret < 0) {
		ret = cli_fail(ret);
		goto out;
	}
	printf("%s\n", id);
	if (isatty(2))
		fprintf(stderr, "treqs: created branch %s%s; open the review with: treqs submit %s\n", TREQS_BRANCH_PREFIX,
			id, id);
	ret = 0;
out:
	treqs_tr_free(tr);
	treqs_diags_free(&diags);
	treqs_catalog_free(cat);
	treqs_buf_free(&text);
	treqs_buf_free(&msg);
	git_signature_free(me);
	treqs_config_free(cfg);
	git_repository_free(repo);
	treqs_strv_free(&datasets);
	treqs_strv_free(&metrics);
	treqs_strv_free(&reviewers);
	free(id);
	free(path);
	free(branch);
	free(base_ref);
	return ret;
}
