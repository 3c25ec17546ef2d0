/*
 * config.h - .treqs/config.yaml: ids, reviewers, the protected branch, the
 * price catalog, the approval policy, runners and drivers.
 *
 * The configuration that governs trust (policy, admins, runners) is always
 * read from the protected branch; see treqs_config_load_repo() in repo.h.
 */
#ifndef TREQS_CONFIG_H
#define TREQS_CONFIG_H

#include "treqs/common.h"
#include "treqs/yaml.h"

#define TREQS_CONFIG_MAX_BYTES (256 * 1024)

struct treqs_price {
	char *gpu_type;
	double usd_per_gpu_hour;
};

struct treqs_group {
	char *name;
	struct treqs_strv members; /* emails (principals) */
};

struct treqs_budget {
	char *team;
	double monthly_usd;
};

struct treqs_driver_rule {
	char *gpu_type;
	char *driver;
};

struct treqs_config {
	char *source;             /* where it was read from, for messages */
	struct treqs_ydoc *doc;   /* kept for drivers' own keys; may be NULL */

	char *id_prefix;          /* "TR-" */
	unsigned id_width;        /* 4 */
	char *protected_branch;   /* "main" */
	char *remote;             /* "origin" */
	struct treqs_strv default_reviewers;

	struct treqs_price *prices;
	size_t nprices;
	double price_tolerance;   /* relative, 0.25 = 25% */

	/* policy */
	unsigned approvals_required;        /* 1 */
	int require_signed_submissions;     /* content commits signed by their author */
	struct treqs_group *groups;
	size_t ngroups;
	struct treqs_strv required_groups;  /* each must approve */
	double cost_threshold_usd;          /* < 0: none */
	char *cost_threshold_group;         /* extra approval from this group */
	struct treqs_budget *budgets;
	size_t nbudgets;
	struct treqs_strv admins;           /* may change config/allowed_signers */

	/* execution */
	int require_signed_exec;
	long lock_timeout_seconds;          /* a lock without a job is abandoned after it (600) */
	struct treqs_strv runners;          /* principals allowed to write launch/archive */
	struct treqs_driver_rule *driver_rules;
	size_t ndriver_rules;
};

/* A configuration holding the defaults; free with treqs_config_free. */
struct treqs_config *treqs_config_new_default(void);
/*
 * Parses config text.  *out always receives a configuration (defaults for
 * whatever was missing or wrong).  Problems go to diags, positioned in
 * path.  Returns 0, or TREQS_EINVALID when diags received errors.
 */
int treqs_config_parse(struct treqs_config **out, const char *buf, size_t len, const char *path,
		       struct treqs_diags *diags);
void treqs_config_free(struct treqs_config *cfg);

/* Price per GPU-hour for gpu_type (case-insensitive); -1 when unknown. */
double treqs_config_price(const struct treqs_config *cfg, const char *gpu_type);
/* The group named name, or NULL. */
const struct treqs_group *treqs_config_group(const struct treqs_config *cfg, const char *name);
/* The driver for a gpu_type from driver_rules, or NULL. */
const char *treqs_config_driver_for(const struct treqs_config *cfg, const char *gpu_type);
/* The mapping node drivers.NAME, or NULL. */
const struct treqs_ynode *treqs_config_driver_node(const struct treqs_config *cfg, const char *name);

#endif
