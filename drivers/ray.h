/*
 * ray.h - internal: the pure parts of the ray driver (the entrypoint's
 * shell quoting, the submission, reading a job's details), exposed for
 * tests/unit/test_drivers.c.  Errors name the field that was wrong (see
 * http.h).
 */
#ifndef TREQS_DRIVERS_RAY_H
#define TREQS_DRIVERS_RAY_H

#include <jansson.h>

#include "treqs/driver.h"

/*
 * argv as one POSIX shell command line (Ray runs entrypoints with a
 * shell): words made only of [A-Za-z0-9_@%+=:,./-] stay as they are (the
 * first word without '=', which would make it an assignment), every other
 * word is single-quoted, a ' inside as '\''.  Caller frees.
 */
char *treqs_ray_quote(const char *const *argv);

/* The submission id for a job spec's name: [A-Za-z0-9_.-], others as '-'.  Caller frees. */
char *treqs_ray_submission_id(const char *name);

struct treqs_ray_opts {
	const char *working_dir;  /* runtime_env.working_dir (a URI the cluster fetches), or NULL */
	double num_cpus;          /* entrypoint_num_cpus, or <= 0: not sent */
};

/* The POST /api/jobs/ body (new reference); the time limit rides along in metadata. */
json_t *treqs_ray_submit_body(const struct treqs_job_spec *spec, const char *submission_id,
			      const struct treqs_ray_opts *o);

/*
 * A GET /api/jobs/{id} answer to a status.  *deadline: unix seconds after
 * which the job is over its time limit (from the metadata submit wrote),
 * 0 when it has none.  Ray has no time limit of its own: a STOPPED job
 * whose end is past the deadline is TIMEOUT (the driver stopped it).
 */
int treqs_ray_job_status(const json_t *job, struct treqs_job_status *st, double *deadline);

#endif
