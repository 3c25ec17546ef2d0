/*
 * gen_reviews.c - builds N TR branches, each with its TR and two signed
 * approvals, in the repository of the current directory (for bench/hook.sh).
 *
 *   bench_gen_reviews N SUBMITTER REVIEWER1 KEY1 REVIEWER2 KEY2
 *
 * Commits are written through libtreqs exactly as `treqs new` and
 * `treqs review --approve` write them (trailers, digest, a signature made
 * by ssh-keygen as git does); only the per-command start-up is saved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "treqs/edit.h"
#include "treqs/history.h"
#include "treqs/repo.h"
#include "treqs/tr.h"

static void die(const char *what)
{
	fprintf(stderr, "bench_gen_reviews: %s: %s\n", what, treqs_error_msg());
	exit(1);
}

static void set_identity(git_repository *repo, const char *email, const char *key)
{
	git_config *cfg = NULL;

	setenv("GIT_AUTHOR_EMAIL", email, 1);
	setenv("GIT_COMMITTER_EMAIL", email, 1);
	setenv("GIT_AUTHOR_NAME", email, 1);
	setenv("GIT_COMMITTER_NAME", email, 1);
	if (git_repository_config(&cfg, repo) < 0)
		die("config");
	if (key) {
		git_config_set_string(cfg, "gpg.format", "ssh");
		git_config_set_string(cfg, "user.signingkey", key);
	}
	git_config_free(cfg);
}

int main(int argc, char **argv)
{
	git_repository *repo = NULL;
	git_oid main_id;
	long n, i;
	const char *submitter, *r1, *k1, *r2, *k2;

	if (argc != 7) {
		fprintf(stderr, "usage: bench_gen_reviews N SUBMITTER REVIEWER1 KEY1 REVIEWER2 KEY2\n");
		return 2;
	}
	n = atol(argv[1]);
	submitter = argv[2];
	r1 = argv[3];
	k1 = argv[4];
	r2 = argv[5];
	k2 = argv[6];
	if (treqs_repo_open(&repo, 0) < 0 || treqs_repo_resolve(&main_id, repo, "refs/heads/main") < 0)
		die("open");
	for (i = 1; i <= n; i++) {
		char id[32], path[96], branch[96], msg[512], dhex[GIT_OID_HEXSZ + 1];
		struct treqs_buf text = TREQS_BUF_INIT, approved = TREQS_BUF_INIT;
		struct treqs_commit_opts co;
		struct treqs_tree_change ch;
		git_oid c_new, c_r1, c_r2, digest;

		snprintf(id, sizeof(id), "TR-%05ld", i);
		snprintf(path, sizeof(path), ".treqs/requests/%s.yaml", id);
		snprintf(branch, sizeof(branch), "refs/heads/treqs/%s", id);
		treqs_buf_printf(&text,
				 "# benchmark TR %ld\nid: %s\ntitle: \"Sweep point %ld\"\nobjective: \"Measure the hook\"\n"
				 "resources:\n  gpu_type: A100\n  gpu_count: %ld\n  hours: %ld\n"
				 "datasets: [\"synthetic\"]\ncost_estimate_usd: %.2f\neval_metrics: [\"val_loss\"]\n"
				 "expected:\n  val_loss: \"<= 0.5\"\nrun:\n  command: [\"python3\", \"train.py\", \"--seed\", \"%ld\"]\n"
				 "submitted_by: \"%s\"\nreviewers: [\"%s\", \"%s\"]\nstatus: draft\n",
				 i, id, i, 1 + i % 4, 1 + i % 8, (double)((1 + i % 4) * (1 + i % 8)) * 2.5, i, submitter, r1, r2);
		if (treqs_digest(&digest, text.ptr, text.len) < 0)
			die("digest");
		git_oid_tostr(dhex, sizeof(dhex), &digest);

		set_identity(repo, submitter, NULL);
		memset(&co, 0, sizeof(co));
		co.parents[0] = &main_id;
		ch.path = path;
		ch.data = text.ptr;
		ch.len = text.len;
		snprintf(msg, sizeof(msg), "%s: Sweep point %ld\n\nTReqs-Id: %s\nTReqs-Action: new\n", id, i, id);
		if (treqs_repo_commit(&c_new, repo, &co, &ch, 1, msg) < 0)
			die("new");

		set_identity(repo, r1, k1);
		memset(&co, 0, sizeof(co));
		co.parents[0] = &c_new;
		co.sign = 1;
		snprintf(msg, sizeof(msg), "%s: approve\n\nTReqs-Id: %s\nTReqs-Action: approve\nTReqs-Digest: %s\n", id, id,
			 dhex);
		if (treqs_repo_commit(&c_r1, repo, &co, NULL, 0, msg) < 0)
			die("review 1");

		set_identity(repo, r2, k2);
		if (treqs_edit_set_string(&approved, text.ptr, text.len, "status", "approved") < 0)
			die("edit");
		ch.data = approved.ptr;
		ch.len = approved.len;
		memset(&co, 0, sizeof(co));
		co.parents[0] = &c_r1;
		co.sign = 1;
		co.refname = branch;
		co.update_ref = 1;
		if (treqs_repo_commit(&c_r2, repo, &co, &ch, 1, msg) < 0)
			die("review 2");
		treqs_buf_free(&text);
		treqs_buf_free(&approved);
		if (i % 100 == 0)
			fprintf(stderr, "\r%ld/%ld TRs", i, n);
	}
	fprintf(stderr, "\n");
	git_repository_free(repo);
	git_libgit2_shutdown();
	return 0;
}
