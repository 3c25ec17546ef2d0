/*
 * repo.h - the git side of libtreqs: opening repositories, reading files
 * at refs, identities from git's configuration and environment, and
 * writing commits without touching the work tree.
 *
 * Every git object and ref is read and written through libgit2.  Commits
 * are written with git_commit_create_buffer and, when signed,
 * git_commit_create_with_signature; refs are moved with a compare-and-swap
 * on their old value so concurrent writers never lose each other's work.
 */
#ifndef TREQS_REPO_H
#define TREQS_REPO_H

#include <git2.h>

#include "treqs/common.h"

struct treqs_config;
struct treqs_diags;

/* Directory names inside the repository. */
#define TREQS_DIR ".treqs"
#define TREQS_REQUESTS_DIR ".treqs/requests"
#define TREQS_ARCHIVE_DIR ".treqs/archive"
#define TREQS_CONFIG_PATH ".treqs/config.yaml"
#define TREQS_SIGNERS_PATH ".treqs/allowed_signers"
#define TREQS_OPENPGP_KEYS_PATH ".treqs/openpgp-keys.asc"
#define TREQS_NOTES_REF "refs/notes/treqs"
#define TREQS_LOCKS_PREFIX "refs/treqs/locks/"
#define TREQS_BRANCH_PREFIX "treqs/"

/* Initialises libgit2 once per process (idempotent). */
void treqs_git_init(void);

/*
 * Opens the repository containing the current directory (or, with
 * from_env, the one named by GIT_DIR and friends, as hooks need: pushed
 * objects are then visible through GIT_QUARANTINE_PATH).  *out is freed
 * with git_repository_free.  Outside a repository: TREQS_ENOTFOUND with
 * the message "not a git repository".
 */
int treqs_repo_open(git_repository **out, int from_env);

/*
 * Reads path in the tree of the commit that spec names (a ref name, a
 * short branch name or an object id).  Returns TREQS_ENOTFOUND when the
 * spec or the path does not exist.  *blob_id, when not NULL, receives the
 * blob's id.
 */
int treqs_repo_read(struct treqs_buf *out, git_oid *blob_id, git_repository *repo, const char *spec,
		    const char *path);
/* Reads a blob by id, refusing blobs larger than max bytes (0 = no cap). */
int treqs_repo_read_blob(struct treqs_buf *out, git_repository *repo, const git_oid *id, size_t max);

/* Resolves spec (ref, branch or id) to a commit id. */
int treqs_repo_resolve(git_oid *out, git_repository *repo, const char *spec);

/*
 * The name of the protected branch's tip to read trusted files from, in
 * order: refs/heads/<branch>, refs/remotes/<remote>/<branch>.  Returns
 * TREQS_ENOTFOUND when neither exists.  *ref is freed by the caller.
 */
int treqs_repo_protected_ref(char **ref, git_repository *repo, const struct treqs_config *cfg);

/*
 * Loads the configuration that governs repo: .treqs/config.yaml from the
 * protected branch (refs/heads/main, then <remote>/main, unless the config
 * there names another protected branch, which is then read instead).  When
 * no branch has one, the work tree's copy is used for non-trust settings,
 * and failing that the defaults.  *out always receives a configuration.
 * Problems in the file go to diags (may be NULL: they are then dropped).
 */
int treqs_config_load_repo(struct treqs_config **out, git_repository *repo, struct treqs_diags *diags);

/*
 * An identity for a commit, as git would pick it: GIT_{AUTHOR,COMMITTER}_
 * {NAME,EMAIL,DATE} from the environment, else user.name/user.email from
 * git's configuration; the date is "now" unless the environment fixes it
 * (formats "@<unix> [+zzzz]", "<unix> +zzzz", and ISO 8601).  committer
 * selects the COMMITTER variables.  Free with git_signature_free.
 */
int treqs_signature(git_signature **out, git_repository *repo, int committer);

/* One change to a tree: a file's new content, or its removal (data NULL). */
struct treqs_tree_change {
	const char *path;
	const char *data;
	size_t len;
};

struct treqs_commit_opts {
	const char *refname;       /* ref to move (created if missing); may be NULL */
	const git_oid *expected;   /* refname's current value, or NULL if it must not exist */
	int update_ref;            /* move refname (compare-and-swap on expected) */
	int sign;                  /* sign as git would (see sign.h); required if set */
	const git_oid *parents[2]; /* first parent, second parent (merge); may be NULL */
	const git_oid *base_tree;  /* tree to apply changes to; default: first parent's */
	const char *reflog;        /* reflog message */
};

/*
 * Writes a commit whose tree is base_tree (or the first parent's) with
 * changes applied, with message, author and committer from
 * treqs_signature().  With update_ref, refname is moved from expected to
 * the new commit atomically: TREQS_ECONFLICT when it moved meanwhile.
 */
int treqs_repo_commit(git_oid *out, git_repository *repo, const struct treqs_commit_opts *opts,
		      const struct treqs_tree_change *changes, size_t nchanges, const char *message);

/* Returns 1 when refname exists, 0 when not; *out receives its target. */
int treqs_repo_ref_get(git_oid *out, git_repository *repo, const char *refname);

/*
 * Runs git (args[0] is git's command, NULL-terminated) in the repository,
 * capturing its output into out (may be NULL).  Returns 0 on success,
 * TREQS_EENV when git failed (its exit status in *status when not NULL).
 * Used for the network (fetch, push) so that the user's credential
 * helpers, ssh configuration and the remote's hooks apply.
 */
int treqs_repo_git(git_repository *repo, const char *const *args, struct treqs_buf *out, int *status);

/*
 * git push --porcelain <remote> <specs...>.  Returns 0; TREQS_EINVALID
 * when the remote's hook refused it; TREQS_ECONFLICT when a ref moved
 * meanwhile (someone else was first); TREQS_EENV otherwise.  The lines
 * the server printed ("remote: ...") are appended to remote_msgs (may be
 * NULL).
 */
int treqs_repo_push(git_repository *repo, const char *remote, const char *const *specs, size_t n,
		    struct treqs_buf *remote_msgs);

/* Reads the value of git config key into *out (freed by caller); ENOTFOUND when unset. */
int treqs_repo_config_string(char **out, git_repository *repo, const char *key);

#endif
