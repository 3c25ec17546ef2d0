/*
 * slurm.h - the pieces of the Slurm driver (drivers/slurm.c) that need no
 * cluster: the batch script, the submission body, and the parsing of
 * slurmrestd's answers and of `scontrol -o show job`.  Internal to
 * libtreqs; exposed for tests/unit/test_slurm.c.
 *
 * The parsers accept the shapes of slurmrestd v0.0.38 (job_state a
 * string, exit_code the raw wait status, times plain integers) and of
 * v0.0.39 and later (job_state an array of base state and flags,
 * exit_code an object {status, return_code, signal}, numbers possibly
 * objects {set, infinite, number}).  They never trust the body: a missing
 * or ill-typed field is an error naming it, set with treqs_error().
 */
#ifndef TREQS_DRIVERS_SLURM_H
#define TREQS_DRIVERS_SLURM_H

#include <jansson.h>

#include "treqs/driver.h"

/* What the submission body depends on besides the job spec. */
struct treqs_slurm_opts {
	const char *api;             /* "v0.0.38": selects the environment's shape */
	const char *partition;       /* NULL: the cluster's default */
	const char *account, *qos;   /* NULL: none */
	int gpus;                    /* the cluster has GPU gres: request gpu_count GPUs */
	const char *gres_type;       /* gres type for the TR's gpu_type; NULL or "": untyped "gpu:N" */
	const char *const *base_env; /* "NAME=value" sent before spec->env (PATH...), NULL-terminated, may be NULL */
	const char *log_path;        /* standard_output and standard_error */
};

/* Appends s to out single-quoted for sh: every byte literal, ' as '\''. */
void treqs_slurm_quote(struct treqs_buf *out, const char *s);

/*
 * The batch script for spec: cd to spec->workdir (failing with 127 if it
 * cannot), then exec argv with every argument single-quoted.  Nothing of
 * the spec is interpreted by the shell.  TREQS_EINVALID for an empty argv
 * or a program name starting with '-' (bash's exec would read it as an
 * option).  Caller frees *out with treqs_buf_free.
 */
int treqs_slurm_script(struct treqs_buf *out, const struct treqs_job_spec *spec);

/* spec->time_limit (seconds) as Slurm minutes: rounded up, at least 1; 0 for no limit. */
long treqs_slurm_minutes(double seconds);

/* The "gres" value for spec under o, or NULL when no GPU is to be requested; caller frees. */
char *treqs_slurm_gres(const struct treqs_job_spec *spec, const struct treqs_slurm_opts *o);

/* The comment stored with the job (read back by poll for max_restarts); caller frees. */
char *treqs_slurm_comment(const struct treqs_job_spec *spec);
/* max_restarts from a comment written by treqs_slurm_comment, or -1. */
long treqs_slurm_comment_restarts(const char *comment);

/*
 * The body of POST /slurm/<api>/job/submit: {"script": ..., "job": {...}}.
 * Caller owns *out (json_decref).
 */
int treqs_slurm_submit_body(json_t **out, const struct treqs_job_spec *spec, const struct treqs_slurm_opts *o);

/*
 * A job record (an element of "jobs" in GET /job/{id} or GET /jobs) into
 * st.  *max_restarts receives the bound from the job's comment (-1 when
 * none), stdout_path (if not NULL) the record's standard_output (caller
 * frees; NULL when absent).  what names the request for messages.
 * TREQS_EENV for a malformed record, naming the field.
 */
int treqs_slurm_parse_job(struct treqs_job_status *st, long *max_restarts, char **stdout_path, const json_t *job,
			  const char *what);

/*
 * The record of job_id in a {"jobs": [...]} answer.  TREQS_ENOTFOUND when
 * the list does not hold it; TREQS_EENV when the body is malformed.
 */
int treqs_slurm_job_from_response(const json_t **job, const json_t *resp, const char *job_id, const char *what);

/*
 * The job named name in a GET /jobs answer: among the jobs of that name
 * that treqs submitted (their comment is treqs_slurm_comment's) as user
 * (when not NULL), the one still pending or running, else the newest that
 * is not a refused submission (FAILED without ever starting, e.g.
 * BadConstraints).  *job_id is the caller's.  TREQS_ENOTFOUND when there
 * is none.
 */
int treqs_slurm_find_in_jobs(char **job_id, const json_t *resp, const char *name, const char *user, const char *what);

/*
 * The errors array of a slurmrestd answer as one line ("Invalid job id
 * specified (2017): Unable to find JobId=9; ...") appended to out.
 * Returns the first Slurm error number found, 0 when there is none.
 * *notfound is set when one of them says the job id is unknown.
 */
int treqs_slurm_errors(struct treqs_buf *out, const json_t *resp, int *notfound);

/* `scontrol -o show job ID` output into st (times are local time as scontrol prints them). */
int treqs_slurm_parse_scontrol(struct treqs_job_status *st, long *max_restarts, char **stdout_path, const char *text);

/*
 * The job named name in `squeue -h --states=all --name=NAME -o '%i %T %r %k'`
 * output (id, state, reason, comment), by the same rule as
 * treqs_slurm_find_in_jobs.
 */
int treqs_slurm_find_in_squeue(char **job_id, const char *text, const char *name);

#endif
