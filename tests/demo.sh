#!/bin/sh
# tests/demo.sh TREQS - the main job: the treqs lifecycle in a scratch
# repository, narrated.  Leaves the scratch directory for inspection.
set -eu
TREQS=$1
case "$TREQS" in /*) ;; *) TREQS=$(pwd)/$TREQS ;; esac
treqs() { "$TREQS" "$@"; }
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

D=$(mktemp -d "${TMPDIR:-/tmp}/treqs-demo.XXXXXX")
export HOME="$D/home" GIT_CONFIG_NOSYSTEM=1 EDITOR=:
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global user.name "Jane Researcher"
git config --global user.email jane@example.org
cd "$D"
git init -q --bare remote.git
git init -q work
cd work
git remote add origin "$D/remote.git"

step treqs init
treqs init
git push -q origin main

step treqs new --title "Larger batch with linear LR scaling" ...
id=$(treqs new --title "Larger batch with linear LR scaling" \
	--objective "Same validation loss in half the wall time" \
	--gpu-type A100 --gpu-count 2 --hours 12 --dataset imagenet_v3 \
	--metric val_loss --reviewer ml-lead@example.org)
echo "$id"

step treqs validate
git worktree add -q "$D/tr" "treqs/$id"
(cd "$D/tr" && treqs validate)

step git push origin treqs/$id
git push -q origin "treqs/$id"
git fetch -q origin

step treqs list
treqs list

step treqs show $id
treqs show "$id"

echo
echo "scratch repository: $D/work"
