#!/bin/sh
# tests/demo.sh TREQS - the main job: the whole treqs lifecycle on the local
# driver, in a scratch directory, narrated.
#
#   a bare "server" repository with treqs' hooks installed
#   a researcher (Jane) and a lead (Lee), each with a throwaway ssh key
#   treqs init, new, submit (push), review --approve (a signed commit)
#   treqs exec --wait: the approved TR's training job runs (a real logistic
#   regression in Python's standard library), its results come back as an
#   archive commit, and git log is the audit trail.
#
# The scratch directory is kept for inspection; its path is printed last.
set -eu
TREQS=$1
case "$TREQS" in /*) ;; *) TREQS=$(pwd)/$TREQS ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
treqs() { "$TREQS" "$@"; }
if [ -t 1 ]; then B=$(printf '\033[1m'); N=$(printf '\033[0m'); else B=; N=; fi
step() { printf '\n%s$ %s%s\n' "$B" "$*" "$N"; }
say() { printf '\n%s# %s%s\n' "$B" "$*" "$N"; }

D=$(mktemp -d "${TMPDIR:-/tmp}/treqs-demo.XXXXXX")
export HOME="$D/home" GIT_CONFIG_NOSYSTEM=1 EDITOR=: TREQS_JOBS_DIR="$D/jobs"
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
cd "$D"

say "throwaway keys for the researcher and the lead"
ssh-keygen -q -t ed25519 -N '' -C jane@example.org -f "$D/jane.key"
ssh-keygen -q -t ed25519 -N '' -C lee@example.org -f "$D/lee.key"

say "the server: a bare repository with treqs' hooks"
git init -q --bare server.git
step treqs hook install --pre-receive server.git
treqs hook install --pre-receive server.git

say "Jane sets up treqs in the project"
git clone -q server.git jane 2>/dev/null
cd jane
git config user.name "Jane Researcher"
git config user.email jane@example.org
git config gpg.format ssh
git config user.signingkey "$D/jane.key"
cp "$SRC/tests/demo/train.py" train.py
git add train.py
git commit -q -m "Logistic regression trainer"
step treqs init
treqs init
{
	echo "jane@example.org namespaces=\"git\" $(cat "$D/jane.key.pub")"
	echo "lee@example.org namespaces=\"git\" $(cat "$D/lee.key.pub")"
} >>.treqs/allowed_signers
sed -i 's/^admins: \[\]/admins: [lee@example.org]/; s/^default_reviewers: \[\]/default_reviewers: [lee@example.org]/' \
	.treqs/config.yaml
git commit -q -a -m "treqs: reviewers' keys, admins"
step git push origin main
git push -q origin main

say "Jane writes a Training Request (on its own branch; her checkout is untouched)"
step treqs new --title "Logistic regression baseline" ...
id=$(treqs new --title "Logistic regression baseline" \
	--objective "Establish the validation loss of plain logistic regression" \
	--gpu-type A100 --gpu-count 1 --hours 0.05 --dataset synthetic-8d --metric val_loss --metric val_accuracy \
	--reviewer lee@example.org)
echo "$id"
git worktree add -q "$D/tr" "treqs/$id"
(
	cd "$D/tr"
	sed -i 's/^expected: {}/expected: {val_loss: "<= 0.35", val_accuracy: ">= 0.9"}/' ".treqs/requests/$id.yaml"
	sed -i 's/^  command: .*/  command: ["python3", "train.py", "--epochs", "40"]/' ".treqs/requests/$id.yaml"
	sed -i 's/^  # test_run: .*/  test_run: {minutes: 1, args: ["--max-steps", "2"]}/' ".treqs/requests/$id.yaml"
	git commit -q -a -m "$id: expectations, command, test run"
	step treqs validate ".treqs/requests/$id.yaml"
	treqs validate ".treqs/requests/$id.yaml"
	step cat ".treqs/requests/$id.yaml"
	grep -v '^#' ".treqs/requests/$id.yaml"
)
step treqs submit "$id"
treqs submit "$id"

say "Lee reviews it in his own clone, with a signed commit"
cd "$D"
git clone -q server.git lee
cd lee
git config user.name "Lee Lead"
git config user.email lee@example.org
git config gpg.format ssh
git config user.signingkey "$D/lee.key"
step treqs list
treqs list
step treqs show "$id"
treqs show "$id"
step treqs review "$id" --approve -m "Good baseline; go." --push
treqs review "$id" --approve -m "Good baseline; go." --push
step git verify-commit "treqs/$id"
git -c gpg.ssh.allowedSignersFile="$D/lee/.treqs/allowed_signers" verify-commit "treqs/$id"

say "A runner (CI) executes approved TRs and writes the results back"
cd "$D"
git clone -q server.git runner
cd runner
git config user.name "treqs runner"
git config user.email runner@example.org
step treqs exec --wait
treqs exec --wait

say "The audit trail"
git fetch -q origin
step git log --format='%h %s' origin/main
git log --format='%h %s' origin/main
step git log -1 --format=%B origin/main
git log -1 --format=%B origin/main
step treqs log "$id"
treqs log "$id"
step treqs show "$id"
treqs show "$id"
step "git show origin/main:.treqs/archive/$id/result.json"
git show "origin/main:.treqs/archive/$id/result.json"
step git fsck --strict
git -C "$D/server.git" fsck --strict --no-progress && echo "server repository: fsck clean"

echo
echo "scratch directory: $D"
