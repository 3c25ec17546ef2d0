/*
 * exec.h - launching approved TRs exactly once and writing their results
 * back (DESIGN section 6).
 *
 * The record in git, per TR:
 *   refs/treqs/locks/ID  -> L0  "TReqs-Action: launch" without a job: the
 *                               lock, created atomically (on the remote
 *                               when there is one; never forced).  L0's
 *                               parent is the commit whose approval
 *                               satisfied the policy (its tree is what
 *                               runs, whatever the branch took in since).
 *                        -> L1  child of L0 with "TReqs-Job: driver:id":
 *                               the launch record (a fast-forward);
 *                           or R "TReqs-Action: release" when no job could
 *                               start: the TR is approved again, and the
 *                               next lock is a merge of R and the approved
 *                               commit.
 *   <protected branch>   -> A   the archive commit, a merge of the branch
 *                               tip and L1, adding .treqs/archive/ID/
 *                               {request.yaml,result.json,log.txt} and
 *                               removing .treqs/requests/ID.yaml; trailers
 *                               TReqs-Action archive|fail|cancel, TReqs-Job,
 *                               TReqs-Cost-Actual.
 * Every step can be redone: a rerun finds the lock (and takes over when its
 * job is unrecorded: the driver's find() re-attaches by the job's name,
 * derived from TR id and digest), polls a recorded job, and archives a
 * finished one unless the archive already holds it.  Two runners race on
 * the lock ref; the loser leaves the TR alone.
 */
#ifndef TREQS_EXEC_H
#define TREQS_EXEC_H

#include <git2.h>
#include <stdio.h>

#include "treqs/common.h"

struct treqs_exec_opts {
	int launch;                 /* launch approved TRs (0: only follow and archive, as reconcile) */
	int wait;                   /* follow the jobs until they are archived */
	int dry_run;                /* say what would be done, change nothing */
	int progress;               /* progress lines on stderr (a terminal) */
	const struct treqs_strv *ids; /* only these TRs (NULL: all) */
	double poll_interval;       /* seconds between polls with wait (default 1) */
};

/*
 * Runs one pass (or, with wait, passes until nothing runs) over the TRs
 * of repo, printing one line per action on out.  Returns 0, or the first
 * error (the other TRs are still handled).
 */
int treqs_exec(git_repository *repo, const struct treqs_exec_opts *o, FILE *out);

/* Stops the job of a running TR and archives it as cancelled. */
int treqs_exec_cancel(git_repository *repo, const char *id, FILE *out);

/*
 * Sets TREQS_JOBS_DIR to the repository's .git/treqs/jobs unless it is
 * set: where the local driver keeps its jobs' files.
 */
void treqs_exec_default_env(git_repository *repo);

/*
 * Which known failure signature a job's output shows: "cuda-oom",
 * "nan-loss", "killed", or NULL.
 */
const char *treqs_log_watch(const char *log, size_t len);

#endif
