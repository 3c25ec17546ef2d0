/*
 * tr.c - loading and checking Training Request files (DESIGN section 2).
 */
#include "treqs/tr.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "treqs/config.h"
#include "yval.h"

static const struct {
	enum treqs_state state;
	const char *name;
} state_names[] = {
	{TREQS_STATE_DRAFT, "draft"},
	{TREQS_STATE_REVIEW, "review"},
	{TREQS_STATE_CHANGES_REQUESTED, "changes-requested"},
	{TREQS_STATE_APPROVED, "approved"},
	{TREQS_STATE_REJECTED, "rejected"},
	{TREQS_STATE_WITHDRAWN, "withdrawn"},
	{TREQS_STATE_RUNNING, "running"},
	{TREQS_STATE_EXECUTED, "executed"},
	{TREQS_STATE_FAILED, "failed"},
	{TREQS_STATE_CANCELLED, "cancelled"},
	{TREQS_STATE_ARCHIVED, "archived"},
};

const char *treqs_state_name(enum treqs_state s)
{
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(state_names); i++)
		if (state_names[i].state == s)
			return state_names[i].name;
	return "unknown";
}

enum treqs_state treqs_state_parse(const char *word, const char **variant)
{
	size_t i;

	*variant = NULL;
	for (i = 0; i < TREQS_ARRAY_SIZE(state_names); i++)
		if (!strcmp(state_names[i].name, word))
			return state_names[i].state;
	if (!strcmp(word, "pending") || !strcmp(word, "in review") || !strcmp(word, "reviewed")) {
		*variant = "review";
		return TREQS_STATE_REVIEW;
	}
	return TREQS_STATE_UNKNOWN;
}

static const char *cfg_prefix(const struct treqs_config *cfg)
{
	return cfg && cfg->id_prefix ? cfg->id_prefix : "TR-";
}

static unsigned cfg_width(const struct treqs_config *cfg)
{
	return cfg && cfg->id_width ? cfg->id_width : 4;
}

int treqs_tr_id_valid(const char *s, const struct treqs_config *cfg)
{
	const char *prefix = cfg_prefix(cfg);
	size_t plen = strlen(prefix), digits = 0;

	if (!s || strncmp(s, prefix, plen))
		return 0;
	for (s += plen; *s; s++, digits++)
		if (*s < '0' || *s > '9')
			return 0;
	return digits >= cfg_width(cfg) && digits <= 9;
}

long treqs_tr_id_number(const char *id, const struct treqs_config *cfg)
{
	if (!treqs_tr_id_valid(id, cfg))
		return -1;
	return strtol(id + strlen(cfg_prefix(cfg)), NULL, 10);
}

char *treqs_tr_id_format(long n, const struct treqs_config *cfg)
{
	return xasprintf("%s%0*ld", cfg_prefix(cfg), (int)cfg_width(cfg), n);
}

int treqs_expect_met(const struct treqs_expect *e, double v)
{
	if (!strcmp(e->op, "<"))
		return v < e->value;
	if (!strcmp(e->op, "<="))
		return v <= e->value;
	if (!strcmp(e->op, ">"))
		return v > e->value;
	if (!strcmp(e->op, ">="))
		return v >= e->value;
	if (!strcmp(e->op, "=="))
		return v == e->value;
	if (!strcmp(e->op, "!="))
		return v != e->value;
	return 0;
}

/* ---- checking ---- */

struct loader {
	struct yctx c;
	const struct treqs_config *cfg;
	struct treqs_tr *tr;
	const struct treqs_ynode *root;
	/* positions kept for cross-field checks */
	const struct treqs_ynode *n_gpu_type, *n_hours, *n_cost, *n_gpu_count, *n_command, *n_shell;
	const struct treqs_ynode *k_submitted_by, *k_submitter;
};

/* C0 controls, DEL, and C1 controls (U+0080..U+009F, UTF-8 0xc2 0x80..0x9f). */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f))
			return 1;
	return 0;
}

static void want_id(struct loader *l, const struct treqs_ynode *n, const char *field, char **out)
{
	char *s = NULL;
	char what[128];

	snprintf(what, sizeof(what), "an id of the form %s followed by %u or more digits", cfg_prefix(l->cfg),
		 cfg_width(l->cfg));
	if (yval_kind(n) != YK_STR || !treqs_tr_id_valid(n->value, l->cfg)) {
		yval_expected(&l->c, n, field, what);
		return;
	}
	yval_string(&l->c, n, field, 1, &s);
	free(*out);
	*out = s;
}

static void want_line(struct loader *l, const struct treqs_ynode *n, const char *field, char **out)
{
	if (yval_string(&l->c, n, field, 1, out) < 0)
		return;
	if (has_control(*out)) {
		yval_expected(&l->c, n, field,
			      strpbrk(*out, "\r\n") ? "a single line of text" : "text without control characters");
		free(*out);
		*out = NULL;
	}
}

static void want_name(struct loader *l, const struct treqs_ynode *n, const char *field, char **out)
{
	const char *p;

	if (yval_string(&l->c, n, field, 1, out) < 0)
		return;
	for (p = *out; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
			break;
	if (*p || strlen(*out) > 64) {
		yval_expected(&l->c, n, field, "a name of letters, digits, '-', '_' or '.' (at most 64)");
		free(*out);
		*out = NULL;
	}
}

static void want_gpu_type(struct loader *l, const struct treqs_ynode *n, const char *field)
{
	const char *p;

	if (yval_kind(n) == YK_INT) {
		/* "gpu_type: 4090" is a plausible mistake; take it as a name */
		free(l->tr->gpu_type);
		l->tr->gpu_type = xstrdup(n->value);
		l->n_gpu_type = n;
		return;
	}
	if (yval_string(&l->c, n, field, 1, &l->tr->gpu_type) < 0)
		return;
	for (p = l->tr->gpu_type; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_. ", *p))
			break;
	if (*p || strlen(l->tr->gpu_type) > 64) {
		yval_expected(&l->c, n, field, "a GPU type of letters, digits, '-', '_', '.' or spaces (at most 64)");
		free(l->tr->gpu_type);
		l->tr->gpu_type = NULL;
		return;
	}
	l->n_gpu_type = n;
}

static void want_hours(struct loader *l, const struct treqs_ynode *n, const char *field)
{
	double v;

	if (yval_number(&l->c, n, field, &v) < 0)
		return;
	if (!(v > 0) || v > 100000) {
		yval_expected(&l->c, n, field, "a number of hours greater than 0 (at most 100000)");
		return;
	}
	l->tr->hours = v;
	l->n_hours = n;
}

static void want_gpu_count(struct loader *l, const struct treqs_ynode *n, const char *field)
{
	if (yval_int(&l->c, n, field, 1, 100000, &l->tr->gpu_count) == 0)
		l->n_gpu_count = n;
}

static const char *const resources_keys[] = {"gpu_type", "gpu_count", "hours", "memory_gb", "cpus", NULL};

static void load_resources(struct loader *l, const struct treqs_ynode *map)
{
	size_t i;

	if (yval_map(&l->c, map, "resources") < 0)
		return;
	for (i = 0; i + 1 < map->n; i += 2) {
		const struct treqs_ynode *k = map->kids[i], *v = map->kids[i + 1];
		double d;

		if (!strcmp(k->value, "gpu_type"))
			want_gpu_type(l, v, "resources.gpu_type");
		else if (!strcmp(k->value, "gpu_count"))
			want_gpu_count(l, v, "resources.gpu_count");
		else if (!strcmp(k->value, "hours"))
			want_hours(l, v, "resources.hours");
		else if (!strcmp(k->value, "memory_gb") || !strcmp(k->value, "cpus")) {
			char *f = xasprintf("resources.%s", k->value);
			if (yval_number(&l->c, v, f, &d) == 0 && d <= 0)
				yval_expected(&l->c, v, f, "a number greater than 0");
			free(f);
		} else
			yval_unknown_key(&l->c, k, "resources", resources_keys);
	}
}

static int parse_condition(const char *s, struct treqs_expect *e)
{
	static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
	size_t i;
	char num[64];
	size_t n;

	while (*s == ' ')
		s++;
	for (i = 0; i < TREQS_ARRAY_SIZE(ops); i++)
		if (!strncmp(s, ops[i], strlen(ops[i])))
			break;
	if (i == TREQS_ARRAY_SIZE(ops))
		return -1;
	strcpy(e->op, ops[i]);
	s += strlen(ops[i]);
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	if (!n || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (treqs_parse_number(num, &e->value) < 0 || !isfinite(e->value))
		return -1;
	return 0;
}

static void load_expected(struct loader *l, const struct treqs_ynode *map)
{
	size_t i;

	if (yval_map(&l->c, map, "expected") < 0)
		return;
	l->tr->expected = xcalloc(map->n / 2 + 1, sizeof(*l->tr->expected));
	for (i = 0; i + 1 < map->n; i += 2) {
		const struct treqs_ynode *k = map->kids[i], *v = map->kids[i + 1];
		struct treqs_expect *e = &l->tr->expected[l->tr->nexpected];
		char *f = xasprintf("expected.%s", k->value);

		if (yval_kind(k) != YK_STR || has_control(k->value) || !k->len)
			yval_expected(&l->c, k, f, "a metric name");
		else if (yval_kind(v) != YK_STR || parse_condition(v->value, e) < 0)
			yval_expected(&l->c, v, f, "a condition such as \"<= 0.47\" (one of <, <=, >, >=, ==, != and a number)");
		else {
			e->metric = xstrdup(k->value);
			e->text = xstrdup(v->value);
			l->tr->nexpected++;
		}
		free(f);
	}
}

static const char *const run_keys[] = {"command", "shell", "workdir", "env", "test_run", "max_restarts", NULL};
static const char *const test_run_keys[] = {"minutes", "args", NULL};

static void load_run(struct loader *l, const struct treqs_ynode *map)
{
	size_t i, j;

	if (yval_map(&l->c, map, "run") < 0)
		return;
	for (i = 0; i + 1 < map->n; i += 2) {
		const struct treqs_ynode *k = map->kids[i], *v = map->kids[i + 1];

		if (!strcmp(k->value, "command")) {
			l->n_command = v;
			if (yval_kind(v) == YK_STR) {
				if (yval_string(&l->c, v, "run.command", 1, NULL) == 0)
					treqs_strv_push(&l->tr->command, v->value);
			} else if (yval_kind(v) == YK_SEQ && v->n == 0) {
				yval_expected(&l->c, v, "run.command", "a program and its arguments");
			} else {
				yval_strlist(&l->c, v, "run.command", 0, &l->tr->command);
			}
		} else if (!strcmp(k->value, "shell")) {
			l->n_shell = v;
			yval_bool(&l->c, v, "run.shell", &l->tr->shell);
		} else if (!strcmp(k->value, "workdir")) {
			if (yval_string(&l->c, v, "run.workdir", 1, &l->tr->workdir) == 0 &&
			    (l->tr->workdir[0] == '/' || strstr(l->tr->workdir, "..") || has_control(l->tr->workdir))) {
				yval_expected(&l->c, v, "run.workdir", "a path inside the repository, without '..'");
				free(l->tr->workdir);
				l->tr->workdir = NULL;
			}
		} else if (!strcmp(k->value, "env")) {
			if (yval_map(&l->c, v, "run.env") < 0)
				continue;
			l->tr->env = xcalloc(v->n / 2 + 1, sizeof(*l->tr->env));
			for (j = 0; j + 1 < v->n; j += 2) {
				const struct treqs_ynode *ek = v->kids[j], *ev = v->kids[j + 1];
				char *f = xasprintf("run.env.%s", ek->value);
				const char *p = ek->value;
				enum ykind kind = yval_kind(ev);
				int name_ok = isalpha((unsigned char)*p) || *p == '_';

				while (name_ok && *p && (isalnum((unsigned char)*p) || *p == '_'))
					p++;
				if (!name_ok || *p)
					yval_expected(&l->c, ek, f, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
				else if (kind != YK_STR && kind != YK_INT && kind != YK_FLOAT && kind != YK_BOOL)
					yval_expected(&l->c, ev, f, "a string value");
				else {
					l->tr->env[l->tr->nenv].name = xstrdup(ek->value);
					l->tr->env[l->tr->nenv].value = xstrdup(ev->value);
					l->tr->nenv++;
				}
				free(f);
			}
		} else if (!strcmp(k->value, "test_run")) {
			if (yval_map(&l->c, v, "run.test_run") < 0)
				continue;
			for (j = 0; j + 1 < v->n; j += 2) {
				const struct treqs_ynode *tk = v->kids[j], *tv = v->kids[j + 1];
				double d;

				if (!strcmp(tk->value, "minutes")) {
					if (yval_number(&l->c, tv, "run.test_run.minutes", &d) == 0) {
						if (d > 0 && d <= 24 * 60)
							l->tr->test_minutes = d;
						else
							yval_expected(&l->c, tv, "run.test_run.minutes",
								      "a number of minutes greater than 0 (at most 1440)");
					}
				} else if (!strcmp(tk->value, "args")) {
					yval_strlist(&l->c, tv, "run.test_run.args", 0, &l->tr->test_args);
				} else {
					yval_unknown_key(&l->c, tk, "run.test_run", test_run_keys);
				}
			}
			if (!treqs_ymap_get(v, "minutes", NULL))
				yval_error(&l->c, v, "run.test_run.minutes",
					   "expected the test run's length in minutes, found no 'minutes' field");
		} else if (!strcmp(k->value, "max_restarts")) {
			yval_int(&l->c, v, "run.max_restarts", 0, 100, &l->tr->max_restarts);
		} else {
			yval_unknown_key(&l->c, k, "run", run_keys);
		}
	}
	if (l->n_command && yval_kind(l->n_command) == YK_STR && !l->tr->shell)
		yval_expected(&l->c, l->n_command, "run.command",
			      "a list such as [\"python\", \"train.py\"] (a string needs 'shell: true')");
}

static const char *const top_keys[] = {
	"id",	       "title",	    "objective",	 "hypothesis", "baseline", "resources",
	"datasets",    "cost_estimate_usd", "eval_metrics", "expected",   "run",	   "submitted_by",
	"reviewers",   "status",    "notes",		 "driver",     "team",	   NULL,
};

static void variant(struct loader *l, const struct treqs_ynode *k, const char *canonical,
		    const struct treqs_ynode *other)
{
	if (other)
		yval_error(&l->c, k, k->value, "expected one of '%s' and '%s', found both ('%s' at line %u)", k->value,
			   canonical, canonical, other->line);
	else
		yval_warn(&l->c, k, k->value, "accepted variant; the canonical form is '%s'", canonical);
}

static void check_cost(struct loader *l)
{
	struct treqs_tr *tr = l->tr;
	double price, expect;

	if (!l->n_cost || !l->n_hours || !tr->gpu_type || tr->cost < 0)
		return;
	price = treqs_config_price(l->cfg, tr->gpu_type);
	if (price < 0)
		return;
	expect = (double)tr->gpu_count * tr->hours * price;
	if (fabs(tr->cost - expect) > (l->cfg ? l->cfg->price_tolerance : 0.25) * expect + 0.005)
		yval_warn(&l->c, l->n_cost, "cost_estimate_usd",
			  "expected about %.2f (%ld x %g h x %.2f USD per %s GPU-hour), found %s", expect,
			  tr->gpu_count, tr->hours, price, tr->gpu_type, l->n_cost->value);
}

static void missing(struct loader *l, const struct treqs_ynode *at, const char *field, const char *what)
{
	yval_error(&l->c, at, field, "expected %s, found no '%s' field", what, field);
}

int treqs_tr_load(struct treqs_tr **out, const char *buf, size_t len, const char *path,
		  const struct treqs_config *cfg, struct treqs_diags *diags)
{
	struct treqs_ydoc *doc = NULL;
	struct loader l;
	struct treqs_tr *tr;
	const struct treqs_ynode *root, *k_top_gpu = NULL, *k_top_hours = NULL, *k_top_count = NULL;
	const struct treqs_ynode *k_resources = NULL, *res;
	size_t nerr = diags->nerrors, i;

	*out = NULL;
	if (len > TREQS_TR_MAX_BYTES) {
		treqs_diag_add(diags, TREQS_ERROR, path, 1, 1, "file",
			       "expected at most %d bytes (%d KiB), found %zu bytes", TREQS_TR_MAX_BYTES,
			       TREQS_TR_MAX_BYTES / 1024, len);
		return TREQS_EINVALID;
	}
	if (treqs_yaml_parse(&doc, buf, len, path, NULL, diags) < 0)
		return TREQS_EINVALID;

	tr = xcalloc(1, sizeof(*tr));
	tr->path = xstrdup(path);
	tr->doc = doc;
	tr->gpu_count = 1;
	tr->cost = -1;
	*out = tr;
	memset(&l, 0, sizeof(l));
	l.c.path = path;
	l.c.diags = diags;
	l.cfg = cfg;
	l.tr = tr;
	root = l.root = doc->root;

	if (!root) {
		/* libyaml has refused anything but blanks and comments by now */
		for (i = doc->bom; i < len; i++)
			if (!isspace((unsigned char)buf[i]))
				break;
		treqs_diag_add(diags, TREQS_ERROR, path, 1, 1, "document", "expected a mapping of TR fields, found %s",
			       i < len ? "only comments" : "an empty file");
		return TREQS_EINVALID;
	}
	if (root->type != TREQS_YMAP) {
		yval_expected(&l.c, root, "document", "a mapping of TR fields");
		return TREQS_EINVALID;
	}

	for (i = 0; i + 1 < root->n; i += 2) {
		const struct treqs_ynode *k = root->kids[i], *v = root->kids[i + 1];
		const char *key = k->value;

		if (!strcmp(key, "id"))
			want_id(&l, v, "id", &tr->id);
		else if (!strcmp(key, "title"))
			want_line(&l, v, "title", &tr->title);
		else if (!strcmp(key, "objective"))
			yval_string(&l.c, v, "objective", 1, &tr->objective);
		else if (!strcmp(key, "hypothesis"))
			yval_string(&l.c, v, "hypothesis", 0, &tr->hypothesis);
		else if (!strcmp(key, "notes"))
			yval_string(&l.c, v, "notes", 0, &tr->notes);
		else if (!strcmp(key, "baseline"))
			want_id(&l, v, "baseline", &tr->baseline);
		else if (!strcmp(key, "resources")) {
			k_resources = k;
			load_resources(&l, v);
		} else if (!strcmp(key, "datasets"))
			yval_strlist(&l.c, v, "datasets", 1, &tr->datasets);
		else if (!strcmp(key, "eval_metrics"))
			yval_strlist(&l.c, v, "eval_metrics", 1, &tr->eval_metrics);
		else if (!strcmp(key, "reviewers"))
			yval_strlist(&l.c, v, "reviewers", 1, &tr->reviewers);
		else if (!strcmp(key, "cost_estimate_usd")) {
			double d;
			if (yval_number(&l.c, v, "cost_estimate_usd", &d) == 0) {
				if (d < 0)
					yval_expected(&l.c, v, "cost_estimate_usd", "a cost in USD of 0 or more");
				else {
					tr->cost = d;
					l.n_cost = v;
				}
			}
		} else if (!strcmp(key, "expected"))
			load_expected(&l, v);
		else if (!strcmp(key, "run"))
			load_run(&l, v);
		else if (!strcmp(key, "submitted_by")) {
			l.k_submitted_by = k;
			want_line(&l, v, "submitted_by", &tr->submitted_by);
		} else if (!strcmp(key, "submitter")) {
			l.k_submitter = k;
		} else if (!strcmp(key, "status")) {
			const char *var;
			if (yval_string(&l.c, v, "status", 1, &tr->status_word) < 0)
				continue;
			tr->status = treqs_state_parse(tr->status_word, &var);
			if (tr->status == TREQS_STATE_UNKNOWN) {
				char *d = yval_describe(v);
				yval_error(&l.c, v, "status",
					   "expected one of draft, review, changes-requested, approved, rejected, "
					   "withdrawn, running, executed, failed, cancelled, archived, found %s",
					   d);
				free(d);
			} else if (var)
				yval_warn(&l.c, v, "status", "accepted variant '%s'; the canonical word is '%s'",
					  tr->status_word, var);
		} else if (!strcmp(key, "driver")) {
			want_name(&l, v, "driver", &tr->driver);
			/*
			 * A driver the configuration does not define would fail
			 * only at launch, after approval; say so now.  Without a
			 * configuration file (the defaults) there is nothing to
			 * check against.
			 */
			if (tr->driver && cfg && cfg->doc && strcmp(tr->driver, "local") &&
			    !treqs_config_driver_node(cfg, tr->driver))
				yval_expected(&l.c, v, "driver", "local or a driver defined under 'drivers:' in config.yaml");
		}
		else if (!strcmp(key, "team"))
			want_name(&l, v, "team", &tr->team);
		else if (!strcmp(key, "gpu_type"))
			k_top_gpu = k;
		else if (!strcmp(key, "hours"))
			k_top_hours = k;
		else if (!strcmp(key, "gpu_count"))
			k_top_count = k;
		else if (yval_kind(k) != YK_STR)
			yval_expected(&l.c, k, "document", "a field name");
		else
			yval_unknown_key(&l.c, k, "", top_keys);
	}

	/* Variants: accepted with a warning naming the canonical form. */
	if (l.k_submitter) {
		variant(&l, l.k_submitter, "submitted_by", l.k_submitted_by);
		if (!l.k_submitted_by)
			want_line(&l, treqs_ymap_get(root, "submitter", NULL), "submitter", &tr->submitted_by);
	}
	if (k_top_gpu) {
		const struct treqs_ynode *other = NULL;
		treqs_ynode_at(root, "resources.gpu_type", (struct treqs_ynode **)&other);
		variant(&l, k_top_gpu, "resources.gpu_type", other);
		if (!other)
			want_gpu_type(&l, treqs_ymap_get(root, "gpu_type", NULL), "gpu_type");
	}
	if (k_top_hours) {
		const struct treqs_ynode *other = NULL;
		treqs_ynode_at(root, "resources.hours", (struct treqs_ynode **)&other);
		variant(&l, k_top_hours, "resources.hours", other);
		if (!other)
			want_hours(&l, treqs_ymap_get(root, "hours", NULL), "hours");
	}
	if (k_top_count) {
		const struct treqs_ynode *other = NULL;
		treqs_ynode_at(root, "resources.gpu_count", (struct treqs_ynode **)&other);
		variant(&l, k_top_count, "resources.gpu_count", other);
		if (!other)
			want_gpu_count(&l, treqs_ymap_get(root, "gpu_count", NULL), "gpu_count");
	}
	/*
	 * Required fields: report the missing ones (wrong ones were reported).
	 * A field missing under resources is reported at resources:, and not
	 * at all when resources itself is not a mapping (that was reported).
	 */
	if (!treqs_ymap_get(root, "id", NULL))
		missing(&l, root, "id", "the TR's id");
	if (!treqs_ymap_get(root, "title", NULL))
		missing(&l, root, "title", "a one-line title");
	if (!treqs_ymap_get(root, "objective", NULL))
		missing(&l, root, "objective", "what the run is for");
	if (!treqs_ymap_get(root, "cost_estimate_usd", NULL))
		missing(&l, root, "cost_estimate_usd", "a cost estimate in USD");
	res = treqs_ymap_get(root, "resources", NULL);
	if (!res || yval_kind(res) == YK_MAP) {
		const struct treqs_ynode *at = k_resources ? k_resources : root;
		if (!treqs_ymap_get(res, "gpu_type", NULL) && !k_top_gpu)
			missing(&l, at, "resources.gpu_type", "the GPU type");
		if (!treqs_ymap_get(res, "hours", NULL) && !k_top_hours)
			missing(&l, at, "resources.hours", "the hours the run needs");
	}

	check_cost(&l);
	return diags->nerrors > nerr ? TREQS_EINVALID : 0;
}

int treqs_tr_load_file(struct treqs_tr **out, const char *path, const struct treqs_config *cfg,
		       struct treqs_diags *diags)
{
	struct treqs_buf b = TREQS_BUF_INIT;
	int ret;

	*out = NULL;
	ret = treqs_read_file(&b, path, TREQS_TR_MAX_BYTES);
	if (ret == TREQS_EINVALID) {
		struct stat st;
		/* the size, when it is known, tells the user how far over it is */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			treqs_diag_add(diags, TREQS_ERROR, path, 1, 1, "file",
				       "expected at most %d bytes (%d KiB), found %jd bytes", TREQS_TR_MAX_BYTES,
				       TREQS_TR_MAX_BYTES / 1024, (intmax_t)st.st_size);
		else
			treqs_diag_add(diags, TREQS_ERROR, path, 1, 1, "file",
				       "expected at most %d bytes (%d KiB), found more", TREQS_TR_MAX_BYTES,
				       TREQS_TR_MAX_BYTES / 1024);
	} else if (ret == 0) {
		ret = treqs_tr_load(out, b.ptr ? b.ptr : "", b.len, path, cfg, diags);
	}
	treqs_buf_free(&b);
	return ret;
}

void treqs_tr_free(struct treqs_tr *tr)
{
	size_t i;

	if (!tr)
		return;
	free(tr->path);
	treqs_ydoc_free(tr->doc);
	free(tr->id);
	free(tr->title);
	free(tr->objective);
	free(tr->hypothesis);
	free(tr->baseline);
	free(tr->notes);
	free(tr->submitted_by);
	free(tr->team);
	free(tr->driver);
	free(tr->gpu_type);
	treqs_strv_free(&tr->datasets);
	treqs_strv_free(&tr->eval_metrics);
	treqs_strv_free(&tr->reviewers);
	for (i = 0; i < tr->nexpected; i++) {
		free(tr->expected[i].metric);
		free(tr->expected[i].text);
	}
	free(tr->expected);
	treqs_strv_free(&tr->command);
	free(tr->workdir);
	for (i = 0; i < tr->nenv; i++) {
		free(tr->env[i].name);
		free(tr->env[i].value);
	}
	free(tr->env);
	treqs_strv_free(&tr->test_args);
	free(tr->status_word);
	free(tr);
}
