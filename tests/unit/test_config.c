/*
 * test_config.c - .treqs/config.yaml: defaults, every key, positioned
 * errors, unknown keys, price and driver lookups.
 */
#include "unit.h"

#include "treqs/config.h"
#include "treqs/yaml.h"

/* Parses text; asserts the return code and the exact diagnostics. */
static struct treqs_config *parse(const char *text, int want, const char *diags)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_config *cfg = NULL;
	int ret = treqs_config_parse(&cfg, text, strlen(text), "config.yaml", &d);

	assert_diags(&d, diags);
	assert_int_equal(ret, want);
	assert_non_null(cfg); /* always a configuration */
	treqs_diags_free(&d);
	return cfg;
}

static void check(const char *text, int want, const char *diags)
{
	treqs_config_free(parse(text, want, diags));
}

static void assert_defaults(const struct treqs_config *cfg)
{
	assert_string_equal(cfg->id_prefix, "TR-");
	assert_int_equal(cfg->id_width, 4);
	assert_string_equal(cfg->protected_branch, "main");
	assert_string_equal(cfg->remote, "origin");
	assert_int_equal(cfg->default_reviewers.n, 0);
	assert_int_equal(cfg->nprices, 0);
	assert_true(cfg->price_tolerance == 0.25);
	assert_int_equal(cfg->approvals_required, 1);
	assert_int_equal(cfg->ngroups, 0);
	assert_int_equal(cfg->required_groups.n, 0);
	assert_true(cfg->cost_threshold_usd < 0);
	assert_null(cfg->cost_threshold_group);
	assert_int_equal(cfg->nbudgets, 0);
	assert_int_equal(cfg->admins.n, 0);
	assert_int_equal(cfg->require_signed_exec, 0);
	assert_int_equal(cfg->runners.n, 0);
	assert_int_equal(cfg->ndriver_rules, 0);
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	struct treqs_config *cfg = treqs_config_new_default();

	assert_defaults(cfg);
	assert_string_equal(cfg->source, "(defaults)");
	assert_null(cfg->doc);
	assert_true(treqs_config_price(cfg, "A100") < 0);
	assert_null(treqs_config_driver_for(cfg, "A100"));
	assert_null(treqs_config_driver_node(cfg, "slurm"));
	assert_null(treqs_config_group(cfg, "leads"));
	treqs_config_free(cfg);
	treqs_config_free(NULL);
}

static void test_empty_config_means_defaults(void **state)
{
	static const char *const empty[] = {"", "# nothing set\n", "---\n", "~\n"};
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(empty); i++) {
		struct treqs_config *cfg = parse(empty[i], 0, "");

		assert_defaults(cfg);
		assert_string_equal(cfg->source, "config.yaml");
		treqs_config_free(cfg);
	}
}

static void test_template_config(void **state)
{
	/* the file `treqs init` writes parses clean and means the defaults plus prices */
	struct treqs_buf b = TREQS_BUF_INIT;
	struct treqs_config *cfg;

	assert_int_equal(treqs_read_file(&b, TREQS_SOURCE_DIR "/.treqs-template/config.yaml", TREQS_CONFIG_MAX_BYTES), 0);
	cfg = parse(b.ptr, 0, "");
	assert_int_equal(cfg->nprices, 4);
	assert_true(treqs_config_price(cfg, "A100") == 2.5);
	assert_true(treqs_config_price(cfg, "cpu") == 0.0);
	assert_int_equal(cfg->approvals_required, 1);
	assert_int_equal(cfg->require_signed_exec, 0);
	treqs_config_free(cfg);
	treqs_buf_free(&b);
}

/* ---- every key ---- */

static const char full[] = "id_prefix: EXP_\n"
			   "id_width: 6\n"
			   "protected_branch: release/v1\n"
			   "remote: upstream\n"
			   "default_reviewers: [ml-lead@example.org, \"r2@example.org\"]\n"
			   "prices:\n"
			   "  A100: 2.50\n"
			   "  H100: 4\n"
			   "  L4: 0.80\n"
			   "  cpu: 0\n"
			   "price_tolerance: 0.1\n"
			   "policy:\n"
			   "  approvals_required: 2\n"
			   "  groups:\n"
			   "    leads: [ml-lead@example.org, research-lead@example.org]\n"
			   "    finance: [cfo@example.org]\n"
			   "  required_groups: [leads]\n"
			   "  cost_threshold: {usd: 1000, group: finance}\n"
			   "  budgets:\n"
			   "    vision: {monthly_usd: 20000}\n"
			   "    nlp: 5000.5\n"
			   "admins: [ml-lead@example.org]\n"
			   "exec:\n"
			   "  require_signed: true\n"
			   "  runners: [ci-runner@example.org]\n"
			   "drivers:\n"
			   "  slurm:\n"
			   "    type: slurm\n"
			   "    endpoint: unix:/run/slurmrestd.sock\n"
			   "    partition: gpu\n"
			   "  k8s: {type: kubernetes, namespace: ml}\n"
			   "driver_rules:\n"
			   "  A100: slurm\n"
			   "  h100: k8s\n"
			   "  L4: local\n";

static void test_full_config(void **state)
{
	struct treqs_config *cfg = parse(full, 0, "");
	const struct treqs_group *g;
	const struct treqs_ynode *n;

	assert_string_equal(cfg->source, "config.yaml");
	assert_string_equal(cfg->id_prefix, "EXP_");
	assert_int_equal(cfg->id_width, 6);
	assert_string_equal(cfg->protected_branch, "release/v1");
	assert_string_equal(cfg->remote, "upstream");
	assert_int_equal(cfg->default_reviewers.n, 2);
	assert_string_equal(cfg->default_reviewers.v[1], "r2@example.org");

	assert_int_equal(cfg->nprices, 4);
	assert_string_equal(cfg->prices[0].gpu_type, "A100");
	assert_true(cfg->prices[0].usd_per_gpu_hour == 2.5);
	assert_true(cfg->prices[1].usd_per_gpu_hour == 4.0);
	assert_true(cfg->price_tolerance == 0.1);

	assert_int_equal(cfg->approvals_required, 2);
	assert_int_equal(cfg->ngroups, 2);
	g = treqs_config_group(cfg, "leads");
	assert_non_null(g);
	assert_int_equal(g->members.n, 2);
	assert_string_equal(g->members.v[1], "research-lead@example.org");
	g = treqs_config_group(cfg, "finance");
	assert_string_equal(g->members.v[0], "cfo@example.org");
	assert_null(treqs_config_group(cfg, "Leads")); /* group names are exact */
	assert_int_equal(cfg->required_groups.n, 1);
	assert_string_equal(cfg->required_groups.v[0], "leads");
	assert_true(cfg->cost_threshold_usd == 1000);
	assert_string_equal(cfg->cost_threshold_group, "finance");
	assert_int_equal(cfg->nbudgets, 2);
	assert_string_equal(cfg->budgets[0].team, "vision");
	assert_true(cfg->budgets[0].monthly_usd == 20000);
	assert_string_equal(cfg->budgets[1].team, "nlp");
	assert_true(cfg->budgets[1].monthly_usd == 5000.5);

	assert_int_equal(cfg->admins.n, 1);
	assert_int_equal(cfg->require_signed_exec, 1);
	assert_int_equal(cfg->runners.n, 1);
	assert_string_equal(cfg->runners.v[0], "ci-runner@example.org");

	assert_int_equal(cfg->ndriver_rules, 3);
	n = treqs_config_driver_node(cfg, "slurm");
	assert_non_null(n);
	assert_string_equal(treqs_ymap_get(n, "partition", NULL)->value, "gpu");
	assert_string_equal(treqs_ymap_get(treqs_config_driver_node(cfg, "k8s"), "namespace", NULL)->value, "ml");
	assert_null(treqs_config_driver_node(cfg, "local"));
	assert_null(treqs_config_driver_node(cfg, "nope"));
	treqs_config_free(cfg);
}

static void test_price_lookup(void **state)
{
	struct treqs_config *cfg = parse(full, 0, "");

	assert_true(treqs_config_price(cfg, "A100") == 2.5);
	assert_true(treqs_config_price(cfg, "a100") == 2.5);
	assert_true(treqs_config_price(cfg, "h100") == 4.0);
	assert_true(treqs_config_price(cfg, "CPU") == 0.0); /* free is a price, not "unknown" */
	assert_true(treqs_config_price(cfg, "V100") < 0);
	assert_true(treqs_config_price(cfg, "A10") < 0);
	assert_true(treqs_config_price(cfg, "") < 0);
	assert_true(treqs_config_price(cfg, NULL) < 0);
	assert_true(treqs_config_price(NULL, "A100") < 0);
	treqs_config_free(cfg);
}

static void test_driver_for(void **state)
{
	struct treqs_config *cfg = parse(full, 0, "");

	assert_string_equal(treqs_config_driver_for(cfg, "A100"), "slurm");
	assert_string_equal(treqs_config_driver_for(cfg, "a100"), "slurm");
	assert_string_equal(treqs_config_driver_for(cfg, "H100"), "k8s");
	assert_string_equal(treqs_config_driver_for(cfg, "l4"), "local");
	assert_null(treqs_config_driver_for(cfg, "V100"));
	assert_null(treqs_config_driver_for(cfg, NULL));
	assert_null(treqs_config_driver_for(NULL, "A100"));
	treqs_config_free(cfg);
}

/* ---- errors, with positions ---- */

static void test_wrong_types(void **state)
{
	struct treqs_config *cfg;

	check("id_width: x\n", TREQS_EINVALID,
	      "config.yaml:1:11: id_width: expected a whole number from 1 to 9, found the string \"x\"\n");
	check("id_width: 10\n", TREQS_EINVALID,
	      "config.yaml:1:11: id_width: expected a whole number from 1 to 9, found the number 10\n");
	check("id_prefix: \"TR/\"\n", TREQS_EINVALID,
	      "config.yaml:1:12: id_prefix: expected letters, digits, '-' or '_' (at most 16), found the string "
	      "\"TR/\"\n");
	check("protected_branch: \"a..b\"\n", TREQS_EINVALID,
	      "config.yaml:1:19: protected_branch: expected a branch name, found the string \"a..b\"\n");
	check("protected_branch: -main\n", TREQS_EINVALID,
	      "config.yaml:1:19: protected_branch: expected a branch name, found the string \"-main\"\n");
	check("remote: a/b\n", TREQS_EINVALID,
	      "config.yaml:1:9: remote: expected a remote name, found the string \"a/b\"\n");
	check("default_reviewers: [1]\n", TREQS_EINVALID,
	      "config.yaml:1:21: default_reviewers[0]: expected a non-empty string, found the number 1\n");
	check("prices: [A100]\n", TREQS_EINVALID,
	      "config.yaml:1:9: prices: expected a mapping, found a list of 1 item\n");
	check("prices:\n  A100: cheap\n  H100: -1\n", TREQS_EINVALID,
	      "config.yaml:2:9: prices.A100: expected a number, found the string \"cheap\"\n"
	      "config.yaml:3:9: prices.H100: expected a price in USD per GPU-hour of 0 or more, found the number -1\n");
	check("price_tolerance: -0.5\n", TREQS_EINVALID,
	      "config.yaml:1:18: price_tolerance: expected a fraction such as 0.25, found the number -0.5\n");
	check("policy:\n  approvals_required: 0\n", TREQS_EINVALID,
	      "config.yaml:2:23: policy.approvals_required: expected a whole number from 1 to 100, found the number 0\n");
	check("policy:\n  groups:\n    leads: jane@example.org\n", TREQS_EINVALID,
	      "config.yaml:3:12: policy.groups.leads: expected a list of strings, found the string "
	      "\"jane@example.org\"\n");
	check("policy:\n  cost_threshold: {usd: 10}\n", TREQS_EINVALID,
	      "config.yaml:2:19: policy.cost_threshold: expected both 'usd' and 'group', found 'group' missing\n");
	check("policy:\n  groups: {f: [a@x]}\n  cost_threshold: {usd: -1, group: f}\n", TREQS_EINVALID,
	      "config.yaml:3:25: policy.cost_threshold.usd: expected an amount of 0 or more, found the number -1\n");
	check("policy:\n  budgets:\n    vision: {monthly_us: 5}\n", TREQS_EINVALID,
	      "config.yaml:3:14: warning: policy.budgets.vision.monthly_us: unknown field (did you mean "
	      "'policy.budgets.vision.monthly_usd'?)\n"
	      "config.yaml:3:13: policy.budgets.vision.monthly_usd: expected a monthly budget in USD, found no "
	      "'monthly_usd'\n");
	check("policy:\n  budgets:\n    vision: -5\n", TREQS_EINVALID,
	      "config.yaml:3:13: policy.budgets.vision.monthly_usd: expected an amount of 0 or more, found the number "
	      "-5\n");
	check("exec:\n  require_signed: yes\n", TREQS_EINVALID,
	      "config.yaml:2:19: exec.require_signed: expected true or false, found the string \"yes\"\n");
	check("exec: [a]\n", TREQS_EINVALID, "config.yaml:1:7: exec: expected a mapping, found a list of 1 item\n");
	check("drivers:\n  slurm: {endpoint: x}\n", TREQS_EINVALID,
	      "config.yaml:2:10: drivers.slurm: expected a 'type' (local, slurm, kubernetes, ray, http or exec), "
	      "found none\n");
	check("drivers:\n  slurm: {type: pbs}\n", TREQS_EINVALID,
	      "config.yaml:2:17: drivers.slurm.type: expected one of local, slurm, kubernetes, ray, http or exec, "
	      "found the string \"pbs\"\n");
	check("driver_rules:\n  A100: [slurm]\n", TREQS_EINVALID,
	      "config.yaml:2:9: driver_rules.A100: expected a non-empty string, found a list of 1 item\n");

	/* the wrong value leaves the default in place */
	cfg = parse("id_width: 0\nremote: \"\"\n", TREQS_EINVALID,
		    "config.yaml:1:11: id_width: expected a whole number from 1 to 9, found the number 0\n"
		    "config.yaml:2:9: remote: expected a non-empty string, found the string \"\"\n");
	assert_defaults(cfg);
	treqs_config_free(cfg);
}

static void test_not_a_mapping_or_not_yaml(void **state)
{
	struct treqs_config *cfg;

	check("- a\n", TREQS_EINVALID, "config.yaml:1:1: document: expected a mapping, found a list of 1 item\n");
	cfg = parse("id_width: 5\nid_width: 6\n", TREQS_EINVALID,
		    "config.yaml:2:1: id_width: expected each key once, found it again (first at line 1, column 1)\n");
	assert_defaults(cfg); /* nothing of a file that is not YAML is used */
	assert_null(cfg->doc);
	treqs_config_free(cfg);
}

static void test_too_big(void **state)
{
	struct treqs_diags d = TREQS_DIAGS_INIT;
	struct treqs_config *cfg = NULL;
	char *big = xcalloc(TREQS_CONFIG_MAX_BYTES + 2, 1);

	memset(big, '#', TREQS_CONFIG_MAX_BYTES + 1);
	assert_int_equal(treqs_config_parse(&cfg, big, TREQS_CONFIG_MAX_BYTES + 1, "config.yaml", &d), TREQS_EINVALID);
	assert_diags(&d, "config.yaml:1:1: file: expected at most 262144 bytes (256 KiB), found 262145 bytes\n");
	assert_defaults(cfg);
	treqs_config_free(cfg);
	treqs_diags_free(&d);
	free(big);
}

static void test_unknown_keys_warned(void **state)
{
	struct treqs_config *cfg;

	cfg = parse("polcy: {}\nid_prefx: X\nzzz: 1\n"
		    "policy:\n  aprovals_required: 2\n  cost_threshold: {usd: 1, group: g, grp: h}\n  groups: {g: []}\n"
		    "exec:\n  runner: [a]\n",
		    0,
		    "config.yaml:1:1: warning: polcy: unknown field (did you mean 'policy'?)\n"
		    "config.yaml:2:1: warning: id_prefx: unknown field (did you mean 'id_prefix'?)\n"
		    "config.yaml:3:1: warning: zzz: unknown field, ignored\n"
		    "config.yaml:5:3: warning: policy.aprovals_required: unknown field (did you mean "
		    "'policy.approvals_required'?)\n"
		    "config.yaml:6:38: warning: policy.cost_threshold.grp: unknown field (did you mean "
		    "'policy.cost_threshold.group'?)\n"
		    "config.yaml:9:3: warning: exec.runner: unknown field (did you mean 'exec.runners'?)\n");
	/* unknown keys change nothing */
	assert_int_equal(cfg->approvals_required, 1);
	assert_int_equal(cfg->runners.n, 0);
	assert_string_equal(cfg->id_prefix, "TR-");
	treqs_config_free(cfg);
}

static void test_undefined_groups(void **state)
{
	check("policy:\n  groups:\n    leads: [a@example.org]\n  required_groups: [leads, finance]\n", TREQS_EINVALID,
	      "config.yaml:4:20: policy.required_groups: expected a group defined under policy.groups, found "
	      "'finance'\n");
	/* groups after required_groups count too */
	check("policy:\n  required_groups: [leads]\n  groups:\n    leads: [a@example.org]\n", 0, "");
	check("policy:\n  required_groups: leads\n", TREQS_EINVALID,
	      "config.yaml:2:20: warning: policy.required_groups: a single string is accepted; the canonical form "
	      "is a list: [\"leads\"]\n"
	      "config.yaml:2:20: policy.required_groups: expected a group defined under policy.groups, found "
	      "'leads'\n");
	check("policy:\n  cost_threshold: {usd: 10, group: finance}\n", TREQS_EINVALID,
	      "config.yaml:2:36: policy.cost_threshold.group: expected a group defined under policy.groups, found "
	      "'finance'\n");
}

static void test_undefined_drivers(void **state)
{
	check("driver_rules:\n  A100: slurm\n", TREQS_EINVALID,
	      "config.yaml:2:9: driver_rules.A100: expected 'local' or a driver defined under drivers, found "
	      "'slurm'\n");
	check("driver_rules:\n  A100: slurm\ndrivers:\n  slurm: {type: slurm}\n", 0, "");
}

static void test_duplicate_gpu_types(void **state)
{
	/* prices and rules are looked up without regard to case: one entry a type */
	check("prices:\n  A100: 2\n  a100: 3\n", TREQS_EINVALID,
	      "config.yaml:3:3: prices.a100: expected each GPU type once (case does not matter), found it again "
	      "(first at line 2)\n");
	check("driver_rules:\n  A100: local\n  a100: local\n", TREQS_EINVALID,
	      "config.yaml:3:3: driver_rules.a100: expected each GPU type once (case does not matter), found it "
	      "again (first at line 2)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_config_means_defaults),
		cmocka_unit_test(test_template_config),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_price_lookup),
		cmocka_unit_test(test_driver_for),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_not_a_mapping_or_not_yaml),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_unknown_keys_warned),
		cmocka_unit_test(test_undefined_groups),
		cmocka_unit_test(test_undefined_drivers),
		cmocka_unit_test(test_duplicate_gpu_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
