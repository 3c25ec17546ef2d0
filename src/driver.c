/*
 * driver.c - the driver registry and helpers shared by drivers.
 */
#include "treqs/driver.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "treqs/config.h"
#include "treqs/tr.h"

static const struct treqs_driver_ops *const builtin[] = {
	&treqs_driver_local,
	&treqs_driver_slurm,
	&treqs_driver_kubernetes,
	&treqs_driver_ray,
	&treqs_driver_http,
	&treqs_driver_exec,
};

const char *treqs_job_state_name(enum treqs_job_state s)
{
	switch (s) {
	case TREQS_JOB_PENDING: return "pending";
	case TREQS_JOB_RUNNING: return "running";
	case TREQS_JOB_SUCCEEDED: return "succeeded";
	case TREQS_JOB_FAILED: return "failed";
	case TREQS_JOB_CANCELLED: return "cancelled";
	case TREQS_JOB_TIMEOUT: return "timeout";
	case TREQS_JOB_LOST: return "lost";
	}
	return "unknown";
}

int treqs_job_state_final(enum treqs_job_state s)
{
	return s != TREQS_JOB_PENDING && s != TREQS_JOB_RUNNING;
}

const struct treqs_driver_ops *treqs_driver_ops_find(const char *type)
{
	size_t i;

	for (i = 0; i < TREQS_ARRAY_SIZE(builtin); i++)
		if (!strcmp(builtin[i]->type, type))
			return builtin[i];
	return NULL;
}

int treqs_driver_open(struct treqs_driver **out, const struct treqs_config *cfg, const char *name)
{
	const struct treqs_ynode *conf = treqs_config_driver_node(cfg, name);
	const char *type = conf ? treqs_driver_conf_str(conf, "type", NULL) : name;
	const struct treqs_driver_ops *ops;
	int ret;

	*out = NULL;
	if (!type)
		return treqs_error(TREQS_EINVALID, "driver '%s' has no type in %s", name, cfg->source);
	if (!(ops = treqs_driver_ops_find(type)))
		return treqs_error(conf ? TREQS_EINVALID : TREQS_ENOTFOUND,
				   conf ? "driver '%s' has an unknown type '%s'" : "no driver '%s' in config.yaml (drivers:)%s",
				   name, conf ? type : "");
	if (ops->version != TREQS_DRIVER_VERSION)
		return treqs_error(TREQS_EENV, "driver type '%s' speaks interface version %u, treqs %u", type, ops->version,
				   TREQS_DRIVER_VERSION);
	if ((ret = ops->open(out, name, conf)) < 0)
		return ret;
	return 0;
}

void treqs_driver_close(struct treqs_driver *d)
{
	if (d)
		d->ops->close(d);
}

const char *treqs_driver_conf_str(const struct treqs_ynode *conf, const char *key, const char *def)
{
	const struct treqs_ynode *n = treqs_ymap_get(conf, key, NULL);

	return n && n->type == TREQS_YSCALAR && n->len ? n->value : def;
}

double treqs_driver_conf_num(const struct treqs_ynode *conf, const char *key, double def)
{
	const struct treqs_ynode *n = treqs_ymap_get(conf, key, NULL);
	double v;

	if (n && n->type == TREQS_YSCALAR && treqs_parse_number(n->value, &v) == 0)
		return v;
	return def;
}

int treqs_driver_copy_outputs(const char *src, const char *dest)
{
	DIR *dir = opendir(src);
	struct dirent *de;
	int ret = 0;

	if (!dir)
		return 0; /* the job wrote nothing */
	while ((de = readdir(dir))) {
		struct treqs_buf b = TREQS_BUF_INIT;
		struct stat sb;
		char *from, *to;

		if (de->d_name[0] == '.')
			continue;
		from = xasprintf("%s/%s", src, de->d_name);
		to = xasprintf("%s/%s", dest, de->d_name);
		if (lstat(from, &sb) == 0 && S_ISREG(sb.st_mode) && treqs_read_file(&b, from, 16 << 20) == 0 &&
		    treqs_write_file(to, b.ptr ? b.ptr : "", b.len) < 0 && !ret)
			ret = treqs_error_code();
		if (!ret)
			treqs_error_clear(); /* keep the first failure's message for the caller */
		treqs_buf_free(&b);
		free(from);
		free(to);
	}
	closedir(dir);
	return ret;
}

json_t *treqs_driver_env_object(const char *const *env)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		char *k;

		if (!eq)
			continue;
		k = xstrndup(env[i], (size_t)(eq - env[i]));
		json_object_set_new(o, k, json_string(eq + 1));
		free(k);
	}
	return o;
}
