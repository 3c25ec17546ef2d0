/*
 * kubernetes.h - internal: the pure parts of the kubernetes driver
 * (names, the Job it creates, reading a Job's and its pods' status),
 * exposed for tests/unit/test_drivers.c.  Errors name the field that was
 * wrong (see http.h).
 */
#ifndef TREQS_DRIVERS_KUBERNETES_H
#define TREQS_DRIVERS_KUBERNETES_H

#include <jansson.h>

#include "treqs/driver.h"

/*
 * The Job's name for a job spec's name: a DNS-1123 label (lowercase
 * letters, digits and '-', starting and ending with a letter or digit, at
 * most 63 characters).  Names that had to be shortened end in 8 hex
 * digits of a hash of the whole name, so that two long names stay apart.
 * Caller frees.
 */
char *treqs_k8s_job_name(const char *name);

struct treqs_k8s_opts {
	const char *namespace;
	const char *image;
	const char *gpu_resource;        /* "nvidia.com/gpu" */
	const char *image_pull_policy;   /* or NULL */
	const char *service_account;     /* or NULL */
	const char *working_dir;         /* or NULL */
	const char *node_label;          /* nodeSelector key for GPU jobs, or NULL */
	const char *node_value;          /* its value (the TR's gpu_type, or its mapping) */
};

/* The batch/v1 Job to POST for spec, named job (new reference). */
json_t *treqs_k8s_job_body(const struct treqs_job_spec *spec, const char *job, const struct treqs_k8s_opts *o);

/*
 * A Job object (GET .../jobs/NAME) to a status: Complete -> SUCCEEDED;
 * Failed with reason DeadlineExceeded -> TIMEOUT, otherwise FAILED;
 * being deleted -> CANCELLED; pods ready (or active, on clusters that do
 * not count ready pods) -> RUNNING; else PENDING.  The exit code is 0 for
 * SUCCEEDED and -1 otherwise (the pods know it: treqs_k8s_last_pod).
 */
int treqs_k8s_job_status(const json_t *job, struct treqs_job_status *st);

/*
 * The newest pod of a PodList (by creationTimestamp): *pod borrowed from
 * list, NULL when the list is empty.  *exit_code: its first container's
 * exit code once terminated, else -1; reason (n bytes) its reason
 * ("OOMKilled", "Error"), else "".
 */
int treqs_k8s_last_pod(const json_t *list, const char **pod, int *exit_code, char *reason, size_t n);

#endif
