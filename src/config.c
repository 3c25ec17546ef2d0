/*
 * config.c - .treqs/config.yaml.
 */
#include "treqs/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yval.h"

struct treqs_config *treqs_config_new_default(void)
{
	struct treqs_config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->source = xstrdup("(defaults)");
	cfg->id_prefix = xstrdup("TR-");
	cfg->id_width = 4;
	cfg->protected_branch = xstrdup("main");
	cfg->remote = xstrdup("origin");
	cfg->price_tolerance = 0.25;
	cfg->approvals_required = 1;
	cfg->cost_threshold_usd = -1;
	cfg->lock_timeout_seconds = 600;
	return cfg;
}

static const char *const top_keys[] = {"id_prefix", "id_width",   "protected_branch", "remote",
				       "default_reviewers", "prices", "price_tolerance", "policy",
				       "admins",	    "exec",	  "drivers",	      "driver_rules",
				       NULL};
static const char *const policy_keys[] = {"approvals_required", "groups", "required_groups", "cost_threshold",
					  "budgets", "require_signed_submissions", NULL};
static const char *const exec_keys[] = {"require_signed", "runners", "lock_timeout_seconds", NULL};
static const char *const cost_threshold_keys[] = {"usd", "group", NULL};
static const char *const budget_keys[] = {"monthly_usd", NULL};
static const char *const driver_types[] = {"local", "slurm", "kubernetes", "ray", "http", "exec", NULL};

/*
 * Prices and driver rules are looked up by GPU type without regard to
 * case, so "A100" and "a100" in one mapping would make one of them dead
 * (and which one wins would depend on the order): refuse the second.
 */
static int gpu_type_again(struct yctx *c, const struct treqs_ynode *m, size_t i, const char *field)
{
	size_t j;

	for (j = 0; j < i; j += 2)
		if (!strcasecmp(m->kids[j]->value, m->kids[i]->value)) {
			yval_error(c, m->kids[i], field,
				   "expected each GPU type once (case does not matter), found it again (first at line %u)",
				   m->kids[j]->line);
			return 1;
		}
	return 0;
}

static int valid_prefix(const char *s)
{
	if (!*s || strlen(s) > 16)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static int valid_branch(const char *s)
{
	if (!*s || *s == '-' || *s == '/' || strstr(s, "..") || strstr(s, "//") || strstr(s, "@{"))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || strchr("~^:?*[\\", *s) || *s == 0x7f)
			return 0;
	return 1;
}

static void load_prices(struct yctx *c, struct treqs_config *cfg, const struct treqs_ynode *m)
{
	size_t i;

	if (yval_map(c, m, "prices") < 0)
		return;
	cfg->prices = xcalloc(m->n / 2 + 1, sizeof(*cfg->prices));
	for (i = 0; i + 1 < m->n; i += 2) {
		char *f = xasprintf("prices.%s", m->kids[i]->value);
		double d;

		if (gpu_type_again(c, m, i, f)) {
			free(f);
			continue;
		}
		if (yval_number(c, m->kids[i + 1], f, &d) == 0) {
			if (d < 0)
				yval_expected(c, m->kids[i + 1], f, "a price in USD per GPU-hour of 0 or more");
			else {
				cfg->prices[cfg->nprices].gpu_type = xstrdup(m->kids[i]->value);
				cfg->prices[cfg->nprices].usd_per_gpu_hour = d;
				cfg->nprices++;
			}
		}
		free(f);
	}
}

static void load_policy(struct yctx *c, struct treqs_config *cfg, const struct treqs_ynode *m)
{
	size_t i, j;

	if (yval_map(c, m, "policy") < 0)
		return;
	for (i = 0; i + 1 < m->n; i += 2) {
		const struct treqs_ynode *k = m->kids[i], *v = m->kids[i + 1];
		long n;

		if (!strcmp(k->value, "require_signed_submissions")) {
			yval_bool(c, v, "policy.require_signed_submissions", &cfg->require_signed_submissions);
		} else if (!strcmp(k->value, "approvals_required")) {
			if (yval_int(c, v, "policy.approvals_required", 1, 100, &n) == 0)
				cfg->approvals_required = (unsigned)n;
		} else if (!strcmp(k->value, "groups")) {
			if (yval_map(c, v, "policy.groups") < 0)
				continue;
			cfg->groups = xcalloc(v->n / 2 + 1, sizeof(*cfg->groups));
			for (j = 0; j + 1 < v->n; j += 2) {
				struct treqs_group *g = &cfg->groups[cfg->ngroups];
				char *f = xasprintf("policy.groups.%s", v->kids[j]->value);

				if (yval_strlist(c, v->kids[j + 1], f, 0, &g->members) == 0) {
					g->name = xstrdup(v->kids[j]->value);
					cfg->ngroups++;
				} else {
					treqs_strv_free(&g->members);
				}
				free(f);
			}
		} else if (!strcmp(k->value, "required_groups")) {
			yval_strlist(c, v, "policy.required_groups", 1, &cfg->required_groups);
		} else if (!strcmp(k->value, "cost_threshold")) {
			const struct treqs_ynode *usd = treqs_ymap_get(v, "usd", NULL);
			const struct treqs_ynode *grp = treqs_ymap_get(v, "group", NULL);
			double d;

			if (yval_map(c, v, "policy.cost_threshold") < 0)
				continue;
			for (j = 0; j + 1 < v->n; j += 2)
				if (strcmp(v->kids[j]->value, "usd") && strcmp(v->kids[j]->value, "group"))
					yval_unknown_key(c, v->kids[j], "policy.cost_threshold", cost_threshold_keys);
			if (!usd || !grp) {
				yval_error(c, v, "policy.cost_threshold",
					   "expected both 'usd' and 'group', found %s missing", !usd ? "'usd'" : "'group'");
				continue;
			}
			if (yval_number(c, usd, "policy.cost_threshold.usd", &d) == 0) {
				if (d < 0)
					yval_expected(c, usd, "policy.cost_threshold.usd", "an amount of 0 or more");
				else
					cfg->cost_threshold_usd = d;
			}
			yval_string(c, grp, "policy.cost_threshold.group", 1, &cfg->cost_threshold_group);
		} else if (!strcmp(k->value, "budgets")) {
			if (yval_map(c, v, "policy.budgets") < 0)
				continue;
			cfg->budgets = xcalloc(v->n / 2 + 1, sizeof(*cfg->budgets));
			for (j = 0; j + 1 < v->n; j += 2) {
				const struct treqs_ynode *b = v->kids[j + 1], *mu;
				char *f = xasprintf("policy.budgets.%s.monthly_usd", v->kids[j]->value);
				double d;

				if (yval_kind(b) == YK_MAP) {
					char *prefix = xasprintf("policy.budgets.%s", v->kids[j]->value);
					size_t l;

					for (l = 0; l + 1 < b->n; l += 2)
						if (strcmp(b->kids[l]->value, "monthly_usd"))
							yval_unknown_key(c, b->kids[l], prefix, budget_keys);
					free(prefix);
					mu = treqs_ymap_get(b, "monthly_usd", NULL);
				} else {
					mu = b; /* "TEAM: AMOUNT" is short for {monthly_usd: AMOUNT} */
				}
				if (mu && yval_number(c, mu, f, &d) == 0) {
					if (d < 0)
						yval_expected(c, mu, f, "an amount of 0 or more");
					else {
						cfg->budgets[cfg->nbudgets].team = xstrdup(v->kids[j]->value);
						cfg->budgets[cfg->nbudgets].monthly_usd = d;
						cfg->nbudgets++;
					}
				} else if (!mu) {
					yval_error(c, b, f, "expected a monthly budget in USD, found no 'monthly_usd'");
				}
				free(f);
			}
		} else {
			yval_unknown_key(c, k, "policy", policy_keys);
		}
	}
	for (i = 0; i < cfg->required_groups.n; i++)
		if (!treqs_config_group(cfg, cfg->required_groups.v[i]))
			yval_error(c, treqs_ymap_get(m, "required_groups", NULL), "policy.required_groups",
				   "expected a group defined under policy.groups, found '%s'",
				   cfg->required_groups.v[i]);
	if (cfg->cost_threshold_group && !treqs_config_group(cfg, cfg->cost_threshold_group))
		yval_error(c, treqs_ynode_at(m, "cost_threshold.group", NULL), "policy.cost_threshold.group",
			   "expected a group defined under policy.groups, found '%s'", cfg->cost_threshold_group);
}

static void load_driver_rules(struct yctx *c, struct treqs_config *cfg, const struct treqs_ynode *m)
{
	size_t i;

	if (yval_map(c, m, "driver_rules") < 0)
		return;
	cfg->driver_rules = xcalloc(m->n / 2 + 1, sizeof(*cfg->driver_rules));
	for (i = 0; i + 1 < m->n; i += 2) {
		char *f = xasprintf("driver_rules.%s", m->kids[i]->value);
		char *drv = NULL;

		if (gpu_type_again(c, m, i, f)) {
			free(f);
			continue;
		}
		if (yval_string(c, m->kids[i + 1], f, 1, &drv) == 0) {
			cfg->driver_rules[cfg->ndriver_rules].gpu_type = xstrdup(m->kids[i]->value);
			cfg->driver_rules[cfg->ndriver_rules].driver = drv;
			cfg->ndriver_rules++;
		}
		free(f);
	}
}

int treqs_config_parse(struct treqs_config **out, const char *buf, size_t len, const char *path,
		       struct treqs_diags *diags)
{
	struct treqs_config *cfg = treqs_config_new_default();
	struct treqs_ydoc *doc = NULL;
	const struct treqs_ynode *root;
	struct yctx c = {path, diags};
	size_t nerr = diags->nerrors, i;

	*out = cfg;
	free(cfg->source);
	cfg->source = xstrdup(path);
	if (len > TREQS_CONFIG_MAX_BYTES) {
		treqs_diag_add(diags, TREQS_ERROR, path, 1, 1, "file", "expected at most %d bytes (%d KiB), found %zu bytes",
			       TREQS_CONFIG_MAX_BYTES, TREQS_CONFIG_MAX_BYTES / 1024, len);
		return TREQS_EINVALID;
	}
	if (treqs_yaml_parse(&doc, buf, len, path, NULL, diags) < 0)
		return TREQS_EINVALID;
	cfg->doc = doc;
	root = doc->root;
	if (!root || treqs_yscalar_is_null(root))
		return 0; /* an empty config means the defaults */
	if (yval_map(&c, root, "document") < 0)
		return TREQS_EINVALID;

	for (i = 0; i + 1 < root->n; i += 2) {
		const struct treqs_ynode *k = root->kids[i], *v = root->kids[i + 1];
		const char *key = k->value;
		long n;

		if (!strcmp(key, "id_prefix")) {
			char *s = NULL;
			if (yval_string(&c, v, "id_prefix", 1, &s) == 0) {
				if (valid_prefix(s)) {
					free(cfg->id_prefix);
					cfg->id_prefix = s;
				} else {
					yval_expected(&c, v, "id_prefix", "letters, digits, '-' or '_' (at most 16)");
					free(s);
				}
			}
		} else if (!strcmp(key, "id_width")) {
			if (yval_int(&c, v, "id_width", 1, 9, &n) == 0)
				cfg->id_width = (unsigned)n;
		} else if (!strcmp(key, "protected_branch")) {
			char *s = NULL;
			if (yval_string(&c, v, "protected_branch", 1, &s) == 0) {
				if (valid_branch(s)) {
					free(cfg->protected_branch);
					cfg->protected_branch = s;
				} else {
					yval_expected(&c, v, "protected_branch", "a branch name");
					free(s);
				}
			}
		} else if (!strcmp(key, "remote")) {
			char *s = NULL;
			if (yval_string(&c, v, "remote", 1, &s) == 0) {
				if (valid_branch(s) && !strchr(s, '/')) {
					free(cfg->remote);
					cfg->remote = s;
				} else {
					yval_expected(&c, v, "remote", "a remote name");
					free(s);
				}
			}
		} else if (!strcmp(key, "default_reviewers")) {
			yval_strlist(&c, v, "default_reviewers", 1, &cfg->default_reviewers);
		} else if (!strcmp(key, "prices")) {
			load_prices(&c, cfg, v);
		} else if (!strcmp(key, "price_tolerance")) {
			double d;
			if (yval_number(&c, v, "price_tolerance", &d) == 0) {
				if (d < 0 || d > 100)
					yval_expected(&c, v, "price_tolerance", "a fraction such as 0.25");
				else
					cfg->price_tolerance = d;
			}
		} else if (!strcmp(key, "policy")) {
			load_policy(&c, cfg, v);
		} else if (!strcmp(key, "admins")) {
			yval_strlist(&c, v, "admins", 1, &cfg->admins);
		} else if (!strcmp(key, "exec")) {
			size_t j;
			if (yval_map(&c, v, "exec") < 0)
				continue;
			for (j = 0; j + 1 < v->n; j += 2) {
				const struct treqs_ynode *ek = v->kids[j], *ev = v->kids[j + 1];
				if (!strcmp(ek->value, "require_signed"))
					yval_bool(&c, ev, "exec.require_signed", &cfg->require_signed_exec);
				else if (!strcmp(ek->value, "runners"))
					yval_strlist(&c, ev, "exec.runners", 1, &cfg->runners);
				else if (!strcmp(ek->value, "lock_timeout_seconds")) {
					if (yval_int(&c, ev, "exec.lock_timeout_seconds", 1, 7 * 24 * 3600, &n) == 0)
						cfg->lock_timeout_seconds = n;
				}
				else
					yval_unknown_key(&c, ek, "exec", exec_keys);
			}
		} else if (!strcmp(key, "drivers")) {
			size_t j;
			if (yval_map(&c, v, "drivers") < 0)
				continue;
			for (j = 0; j + 1 < v->n; j += 2) {
				char *f = xasprintf("drivers.%s", v->kids[j]->value);
				const struct treqs_ynode *t;
				if (yval_map(&c, v->kids[j + 1], f) == 0) {
					size_t l;

					t = treqs_ymap_get(v->kids[j + 1], "type", NULL);
					for (l = 0; t && driver_types[l]; l++)
						if (yval_kind(t) == YK_STR && !strcmp(t->value, driver_types[l]))
							break;
					if (!t) {
						yval_error(&c, v->kids[j + 1], f,
							   "expected a 'type' (local, slurm, kubernetes, ray, http or exec), found none");
					} else if (!driver_types[l]) {
						/* a typo here would only show when a TR is launched */
						char *tf = xasprintf("%s.type", f);
						yval_expected(&c, t, tf, "one of local, slurm, kubernetes, ray, http or exec");
						free(tf);
					}
				}
				free(f);
			}
		} else if (!strcmp(key, "driver_rules")) {
			load_driver_rules(&c, cfg, v);
		} else {
			yval_unknown_key(&c, k, "", top_keys);
		}
	}
	/*
	 * A rule naming a driver that is not configured would only fail when
	 * a TR is launched, long after the config was accepted.  Checked once
	 * everything is read, as drivers may come after driver_rules.
	 */
	for (i = 0; i < cfg->ndriver_rules; i++) {
		const char *drv = cfg->driver_rules[i].driver;

		if (strcmp(drv, "local") && !treqs_config_driver_node(cfg, drv)) {
			char *f = xasprintf("driver_rules.%s", cfg->driver_rules[i].gpu_type);
			const struct treqs_ynode *rules = treqs_ymap_get(root, "driver_rules", NULL);

			yval_error(&c, treqs_ymap_get(rules, cfg->driver_rules[i].gpu_type, NULL), f,
				   "expected 'local' or a driver defined under drivers, found '%s'", drv);
			free(f);
		}
	}
	return diags->nerrors > nerr ? TREQS_EINVALID : 0;
}

void treqs_config_free(struct treqs_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	free(cfg->source);
	treqs_ydoc_free(cfg->doc);
	free(cfg->id_prefix);
	free(cfg->protected_branch);
	free(cfg->remote);
	treqs_strv_free(&cfg->default_reviewers);
	for (i = 0; i < cfg->nprices; i++)
		free(cfg->prices[i].gpu_type);
	free(cfg->prices);
	for (i = 0; i < cfg->ngroups; i++) {
		free(cfg->groups[i].name);
		treqs_strv_free(&cfg->groups[i].members);
	}
	free(cfg->groups);
	treqs_strv_free(&cfg->required_groups);
	free(cfg->cost_threshold_group);
	for (i = 0; i < cfg->nbudgets; i++)
		free(cfg->budgets[i].team);
	free(cfg->budgets);
	treqs_strv_free(&cfg->admins);
	treqs_strv_free(&cfg->runners);
	for (i = 0; i < cfg->ndriver_rules; i++) {
		free(cfg->driver_rules[i].gpu_type);
		free(cfg->driver_rules[i].driver);
	}
	free(cfg->driver_rules);
	free(cfg);
}

double treqs_config_price(const struct treqs_config *cfg, const char *gpu_type)
{
	size_t i;

	if (!cfg || !gpu_type)
		return -1;
	for (i = 0; i < cfg->nprices; i++)
		if (!strcasecmp(cfg->prices[i].gpu_type, gpu_type))
			return cfg->prices[i].usd_per_gpu_hour;
	return -1;
}

const struct treqs_group *treqs_config_group(const struct treqs_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg && i < cfg->ngroups; i++)
		if (!strcmp(cfg->groups[i].name, name))
			return &cfg->groups[i];
	return NULL;
}

const char *treqs_config_driver_for(const struct treqs_config *cfg, const char *gpu_type)
{
	size_t i;

	for (i = 0; cfg && gpu_type && i < cfg->ndriver_rules; i++)
		if (!strcasecmp(cfg->driver_rules[i].gpu_type, gpu_type))
			return cfg->driver_rules[i].driver;
	return NULL;
}

const struct treqs_ynode *treqs_config_driver_node(const struct treqs_config *cfg, const char *name)
{
	const struct treqs_ynode *d;

	if (!cfg || !cfg->doc || !cfg->doc->root)
		return NULL;
	d = treqs_ymap_get(cfg->doc->root, "drivers", NULL);
	d = treqs_ymap_get(d, name, NULL);
	return d && d->type == TREQS_YMAP ? d : NULL;
}
