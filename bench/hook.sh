#!/bin/sh
# bench/hook.sh [N] - the pre-receive hook on a push of N TRs (default
# 1000), each with two signed approvals, measured against
# `git rev-list --objects` over the same push, in the same run.
#
#   TREQS=path/to/treqs  BENCH_GEN=path/to/bench_gen_reviews  sh bench/hook.sh 1000
#
# Prints: the real push with the hook installed vs the same push to a
# server without it, and the hook alone (run on the pushed objects) vs
# rev-list alone; best of 3 for the hook and rev-list.
set -eu
N=${1:-1000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
TREQS=${TREQS:-$SRC/build/release/treqs}
BENCH_GEN=${BENCH_GEN:-$(dirname "$TREQS")/bench_gen_reviews}
case "$TREQS" in /*) ;; *) TREQS=$(pwd)/$TREQS ;; esac
case "$BENCH_GEN" in /*) ;; *) BENCH_GEN=$(pwd)/$BENCH_GEN ;; esac

D=$(mktemp -d "${TMPDIR:-/tmp}/treqs-bench-hook.XXXXXX")
trap 'rm -rf "$D"' EXIT
export HOME="$D/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global user.name bench
git config --global user.email submitter@example.org
cd "$D"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$1" "$2"; }
lt() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$1" "$2"; }
best() { # best COMMAND...: the least wall time of 3 runs, in seconds
	b=
	for _ in 1 2 3; do
		s=$(now)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
		t=$(elapsed "$s" "$(now)")
		if [ -z "$b" ] || lt "$t" "$b"; then b=$t; fi
	done
	echo "$b"
}

ssh-keygen -q -t ed25519 -N '' -C r1 -f "$D/r1.key"
ssh-keygen -q -t ed25519 -N '' -C r2 -f "$D/r2.key"
git init -q --bare hooked.git
git init -q --bare plain.git
git init -q --bare objects.git
"$TREQS" hook install --pre-receive hooked.git >/dev/null
git init -q work
cd work
"$TREQS" init >/dev/null
{
	echo "r1@example.org namespaces=\"git\" $(cat "$D/r1.key.pub")"
	echo "r2@example.org namespaces=\"git\" $(cat "$D/r2.key.pub")"
} >>.treqs/allowed_signers
sed -i 's/^  approvals_required: 1/  approvals_required: 2/' .treqs/config.yaml
git commit -q -a -m "bench: reviewers"
for r in hooked plain objects; do git push -q "../$r.git" main; done

s=$(now)
"$BENCH_GEN" "$N" submitter@example.org r1@example.org "$D/r1.key" r2@example.org "$D/r2.key"
gen=$(elapsed "$s" "$(now)")

# the real pushes: with the hook, and without
s=$(now)
git push -q ../hooked.git 'refs/heads/treqs/*:refs/heads/treqs/*'
push_hook=$(elapsed "$s" "$(now)")
s=$(now)
git push -q ../plain.git 'refs/heads/treqs/*:refs/heads/treqs/*'
push_plain=$(elapsed "$s" "$(now)")

# the hook alone, on the same objects, and rev-list over the same push
git push -q ../objects.git 'refs/heads/treqs/*:refs/bench/*'
cd "$D/objects.git"
zero=0000000000000000000000000000000000000000
git for-each-ref --format="$zero %(objectname) %(refname)" 'refs/bench/' |
	sed 's|refs/bench/|refs/heads/treqs/|' >"$D/hook-input"
git for-each-ref --format='%(objectname)' 'refs/bench/' >"$D/tips"
run_hook() { GIT_DIR="$D/objects.git" "$TREQS" exec --hook pre-receive <"$D/hook-input"; }
run_revlist() { git rev-list --objects --stdin --not refs/heads/main <"$D/tips"; }
run_hook || { echo "the hook refused the benchmark's push:" >&2; run_hook 2>&1 | head >&2; exit 1; }
hook=$(best run_hook)
revlist=$(best run_revlist)
objects=$(run_revlist | wc -l)
rss=$( { /usr/bin/time -f %M sh -c "GIT_DIR='$D/objects.git' '$TREQS' exec --hook pre-receive <'$D/hook-input'" >/dev/null; } 2>&1 | tail -1)

printf '\npush of %s TRs, %s signed approvals, %s objects (generated in %.1f s)\n' "$N" "$((2 * N))" "$objects" "$gen"
printf '  git push, server with the treqs hook   %8.3f s\n' "$push_hook"
printf '  git push, server without hooks         %8.3f s\n' "$push_plain"
printf '  treqs exec --hook pre-receive alone    %8.3f s   (best of 3; peak RSS %s KiB)\n' "$hook" "$rss"
printf '  git rev-list --objects, same push      %8.3f s   (best of 3)\n' "$revlist"
printf '  ratio hook / rev-list                  %8.1f x\n' "$(python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$hook" "$revlist")"
printf '  target: the hook well under 5 s: %s\n' "$(lt "$hook" 5 && echo met || echo MISSED)"
