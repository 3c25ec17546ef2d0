/*
 * driver.h - the compute driver interface (DESIGN section 7).
 *
 * A driver is a versioned table of functions, as libgit2's pluggable
 * backends are.  One file per driver under drivers/; the table is found by
 * its type name (treqs_driver_ops_find).  Every driver fits this header
 * unchanged: what differs between engines (endpoints, tokens, partitions)
 * comes from the driver's own mapping in .treqs/config.yaml (drivers.NAME),
 * read by the driver's open().
 *
 * The protocol, for one job:
 *   1. open()     once per driver name and process
 *   2. find()     is there already a job named spec->name?  (a runner that
 *                 crashed after submitting must re-attach, not launch again)
 *   3. submit()   start it; returns the driver's job id
 *   4. poll()     until the state is final (SUCCEEDED, FAILED, CANCELLED,
 *                 TIMEOUT or LOST)
 *   5. logs()     the tail of the job's output, any time
 *   6. collect()  brings the job's outputs (metrics.json) into a local
 *                 directory once it is final
 *   7. cancel()   stops it (idempotent: cancelling a finished job is fine)
 *   8. close()
 * Job ids are strings chosen by the driver; treqs records them as
 * "NAME:ID" in TReqs-Job trailers, NAME being the driver's name in the
 * configuration (drivers.NAME, or "local").  Every function returns 0 or a negative
 * treqs_code with the message set (TREQS_EENV for engine failures, which
 * leave the TR retriable; TREQS_ENOTFOUND from find() and poll() for a
 * job the engine does not know).
 */
#ifndef TREQS_DRIVER_H
#define TREQS_DRIVER_H

#include "treqs/common.h"
#include "treqs/yaml.h"

#define TREQS_DRIVER_VERSION 1

/* What to run, built from the TR by exec. */
struct treqs_job_spec {
	const char *tr_id;
	const char *digest;          /* the approved content digest (hex) */
	const char *name;            /* "<TR-ID>-<digest7>[-test]": unique, stable across reruns */
	const char *const *argv;     /* the program and its arguments, NULL-terminated */
	const char *workdir;         /* absolute directory the job runs in */
	const char *const *env;      /* "NAME=value" added to the job's environment, NULL-terminated */
	const char *gpu_type;
	long gpu_count;
	double time_limit;           /* seconds; the job is stopped after it */
	const char *output_dir;      /* absolute: $TREQS_OUTPUT_DIR for the job */
	const char *state_dir;       /* absolute: a directory the driver may keep files in */
	int test_run;                /* a short test run before the full run */
	long max_restarts;           /* bound on requeues the driver may allow */
};

enum treqs_job_state {
	TREQS_JOB_PENDING,
	TREQS_JOB_RUNNING,
	TREQS_JOB_SUCCEEDED,
	TREQS_JOB_FAILED,
	TREQS_JOB_CANCELLED,
	TREQS_JOB_TIMEOUT,
	TREQS_JOB_LOST,              /* the engine lost it (node gone, record expired) */
};

const char *treqs_job_state_name(enum treqs_job_state s);
int treqs_job_state_final(enum treqs_job_state s);

struct treqs_job_status {
	enum treqs_job_state state;
	int exit_code;               /* when final: the program's exit status, 128+signal, -1 unknown */
	double start_time, end_time; /* unix seconds, 0 when unknown */
	unsigned restarts;           /* requeues or restarts so far */
	double run_seconds;          /* summed over restarts when the engine reports it; 0: use end-start */
	char detail[512];            /* the engine's reason, for people */
};

struct treqs_driver;

struct treqs_driver_ops {
	unsigned version;            /* TREQS_DRIVER_VERSION */
	const char *type;            /* "local", "slurm", ... */

	/* name: the driver's name in config; conf: its mapping (NULL for none). */
	int (*open)(struct treqs_driver **out, const char *name, const struct treqs_ynode *conf);
	/* 0 and *job_id (caller frees) when a job named spec->name exists; TREQS_ENOTFOUND when not. */
	int (*find)(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id);
	int (*submit)(struct treqs_driver *d, const struct treqs_job_spec *spec, char **job_id);
	int (*poll)(struct treqs_driver *d, const char *job_id, struct treqs_job_status *st);
	/* Appends at most max bytes of the end of the job's output to out. */
	int (*logs)(struct treqs_driver *d, const char *job_id, size_t max, struct treqs_buf *out);
	int (*cancel)(struct treqs_driver *d, const char *job_id);
	/* Copies the job's output files (metrics.json and the like) into dest. */
	int (*collect)(struct treqs_driver *d, const char *job_id, const char *dest);
	/* Optional (may be NULL): free resources, one line each, for `treqs status`. */
	int (*resources)(struct treqs_driver *d, struct treqs_buf *out);
	void (*close)(struct treqs_driver *d);
};

/* Every driver embeds this first. */
struct treqs_driver {
	const struct treqs_driver_ops *ops;
	char *name;
};

/* The ops table for a driver type, or NULL. */
const struct treqs_driver_ops *treqs_driver_ops_find(const char *type);

struct treqs_config;
/*
 * Opens the driver called name: "local" unless config's drivers.NAME
 * says otherwise.  TREQS_ENOTFOUND for a name config does not define (and
 * that is not a built-in type).
 */
int treqs_driver_open(struct treqs_driver **out, const struct treqs_config *cfg, const char *name);
void treqs_driver_close(struct treqs_driver *d);

/* The built-in drivers (drivers/<type>.c). */
extern const struct treqs_driver_ops treqs_driver_local;
extern const struct treqs_driver_ops treqs_driver_slurm;
extern const struct treqs_driver_ops treqs_driver_kubernetes;
extern const struct treqs_driver_ops treqs_driver_ray;
extern const struct treqs_driver_ops treqs_driver_http;
extern const struct treqs_driver_ops treqs_driver_exec;

/*
 * Helpers for drivers.  treqs_driver_copy_outputs copies the regular files
 * of src (a job's TREQS_OUTPUT_DIR, on a filesystem this machine sees) into
 * dest, 16 MiB at most each; a missing src is no error (the job wrote
 * nothing).  Returns 0 or the first failure's code (its message kept).
 */
int treqs_driver_copy_outputs(const char *src, const char *dest);
/* spec->env ("NAME=value" entries) as a JSON object {NAME: value}; a new reference. */
struct json_t;
struct json_t *treqs_driver_env_object(const char *const *env);

/* Helpers for drivers: a string / number from the driver's mapping, or def. */
const char *treqs_driver_conf_str(const struct treqs_ynode *conf, const char *key, const char *def);
double treqs_driver_conf_num(const struct treqs_ynode *conf, const char *key, double def);

#endif
