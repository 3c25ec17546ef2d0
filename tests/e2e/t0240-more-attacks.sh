#!/bin/sh
# More attacks on the review policy, the launch locks, the archive and the
# trust files, end to end against a bare remote with the installed
# pre-receive hook (t0210's sequel).  The attacker can push to every ref
# but holds no admin or reviewer key, or holds a listed key of someone who
# reviews nothing.  Every attack must fail: the push is refused (the hook
# says why, and no ref of the remote moves) or what it forges does not
# count.
#
# The cast and the helpers are in review-lib.sh.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/review-lib.sh"

# observe ID: the state of ID as an honest clone sees it after git fetch.
observe() {
	(cd "$TRASH/a/obs" && git fetch -q && state "$1")
}

# The content digest of ID on the remote.
digest_of() {
	(cd "$TRASH/a/obs" && git fetch -q && treqs show "$1" --json >"$TRASH/digest.json" &&
	 json_get "$TRASH/digest.json" 'j["digest"]')
}

# fresh: into the author's clone, on main, with nothing left over from an
# earlier test.
fresh() {
	cd "$TRASH/a/work" && git reset -q --hard && git checkout -q main
}

# quick_tr TITLE: a TR by author whose run is "true" (seconds, on the
# local driver), reviewed by lead; prints its id.
quick_tr() {
	_id=$(new_tr --title "$1" --reviewer lead@example.org) &&
	on_branch "$_id" >/dev/null &&
	sed -i "s/^  command: .*/  command: [\"true\"]/" ".treqs/requests/$_id.yaml" &&
	test_tick && git commit -q -am "$_id: a quick run" && git push -q origin "treqs/$_id" &&
	git checkout -q main && echo "$_id"
}

# lead_approves ID: the reviewer approves ID and pushes.
lead_approves() {
	(cd "$TRASH/a/lead" && git fetch -q && test_tick && as lead treqs approve "$1" --push >/dev/null)
}

# run_exec ARGS...: treqs exec ARGS in the runner's clone, in real time
# (launch locks are judged by their age).
run_exec() {
	(
		cd "$TRASH/a/runner" && unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE &&
		as runner timeout 120 "$TREQS" exec "$@"
	) >"$TRASH/exec.out" 2>&1
	_rc=$?
	cat "$TRASH/exec.out"
	return $_rc
}

# lock_commit ID PARENT TREE: prints a hand-made launch lock of ID naming
# the remote's digest of ID, old enough for any runner to take it over.
lock_commit() {
	_d=$(digest_of "$1") &&
	printf "%s: launch lock\n\nTaken by nowhere (pid 1).\n\nTReqs-Id: %s\nTReqs-Action: launch\nTReqs-Digest: %s\n" \
		"$1" "$1" "$_d" |
	GIT_AUTHOR_DATE="1000000000 +0000" GIT_COMMITTER_DATE="1000000000 +0000" git commit-tree "$3" -p "$2"
}

test_expect_success 'setup: the remote, the trust files on main, everyone'"'"'s clone' '
	make_world a &&
	clone_as a lead && clone_as a lead2 && clone_as a admin && clone_as a obs lead &&
	git clone -q a/remote.git a/runner && (cd a/runner && treqs init >/dev/null && git fetch -q)
'

# A bare server has no remote-tracking refs, but treqs looks for the
# protected branch at refs/remotes/origin/main first (a clone's view of the
# remote): pushed there, the attacker's trust files would judge the next
# push, and the server's own exec would launch by them.
test_expect_success 'refs treqs would read as something else (the remote'"'"'s trust files, locks), or in its way: refused' '
	make_world r && clone_as r obs lead && cd r/work && test_tick &&
	id=$(new_tr --title "Remote refs" --reviewer lead@example.org) && test "$id" = TR-0001 &&
	git fetch -q && git checkout -q -B evil origin/main &&
	signer_line mallory lead@example.org >>.treqs/allowed_signers &&
	sed -i "s/^admins: .*/admins: [mallory@example.org]/" .treqs/config.yaml &&
	test_tick && git commit -q -am "trust mallory" &&
	push_rejected "refs/remotes/origin/main: refs/remotes/ is where treqs reads the remote'"'"'s refs; it is not pushed to" \
		evil:refs/remotes/origin/main &&
	push_rejected "refs/remotes/origin/treqs-locks/TR-0001: refs/remotes/ is where treqs reads" \
		origin/treqs/TR-0001:refs/remotes/origin/treqs-locks/TR-0001 &&
	push_rejected "refs/remotes/x/treqs/TR-0001: refs/remotes/ is where treqs reads" \
		origin/treqs/TR-0001:refs/remotes/x/treqs/TR-0001 &&
	push_rejected "refs/heads/Treqs/TR-0001: in the way of treqs'"'"' refs refs/heads/treqs/... (or the same but for case)" \
		evil:refs/heads/Treqs/TR-0001 &&
	push_rejected "refs/heads/MAIN: differs only in case from the protected branch refs/heads/main" evil:refs/heads/MAIN &&
	push_rejected "refs/treqs/LOCKS/TR-0001: in the way of treqs'"'"' refs refs/treqs/locks/..." \
		origin/treqs/TR-0001:refs/treqs/LOCKS/TR-0001 &&
	push_rejected "refs/treqs/locks: in the way of treqs'"'"' refs refs/treqs/locks/..." evil:refs/treqs/locks &&
	push_rejected "refs/heads/treqs: in the way of treqs'"'"' refs refs/heads/treqs/..." evil:refs/heads/treqs &&
	on_branch TR-0001 && set_status TR-0001 approved && test_tick &&
	d=$(cd ../obs && git fetch -q && treqs show TR-0001 --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"digest\"])") &&
	commit_as lead mallory "$(review_msg TR-0001 approve "$d")" &&
	push_rejected "the approve by lead@example.org does not verify against .treqs/allowed_signers on main: key $(fingerprint mallory) is not in allowed_signers" \
		treqs/TR-0001 &&
	(cd ../obs && git fetch -q && test "$(state TR-0001)" = review)
'

# The digest leaves out the status line; YAML also ends lines at a lone
# CR, NEL, LS and PS, which git, diff and editors do not show as line ends.
hide_run() { # hide_run FILE SEP: the run: block moves behind the status, after SEP
	python3 - "$1" "$2" <<-\PY
	import re, sys
	p, sep = sys.argv[1], {"cr": "\r", "ls": "\u2028"}[sys.argv[2]]
	t = open(p, encoding="utf-8").read()
	t = re.sub(r"run:\n  # The program.*\n  command: .*\n", "", t)
	t = re.sub(r"(?m)^status: draft\n", "status: draft" + sep + "run: {command: [python3, train.py]}\n", t)
	open(p, "w", encoding="utf-8").write(t)
	PY
}

for sep in cr ls; do
test_expect_success "keys behind a line break only YAML sees ($sep) are in the digest" '
	fresh && test_tick &&
	id=$(new_tr --title "Hidden run, $sep" --reviewer lead@example.org) &&
	on_branch $id && f=.treqs/requests/$id.yaml &&
	hide_run $f '$sep' && test_tick && git commit -q -am "$id: tidy" && git push -q origin treqs/$id &&
	lead_approves $id && test "$(observe $id)" = approved &&
	json_get "$TRASH/show.json" "j[\"run\"][\"command\"]" >cmd && echo "[\"python3\", \"train.py\"]" >expect &&
	test_cmp expect cmd &&
	on_branch $id && grep -c "status: approved" $f &&
	sed -i "s/\[python3, train.py\]/[sh, -c, \"echo pwned\"]/" $f && test_tick &&
	git commit -q -am "$id: a small fix" &&
	push_rejected "status: the file says '"'"'approved'"'"' but $id is review: approval by lead@example.org" treqs/$id &&
	test_grep -F "(edited since)" "$TRASH/hook.out" &&
	test "$(observe $id)" = approved &&
	json_get "$TRASH/show.json" "j[\"run\"][\"command\"]" >cmd && test_cmp expect cmd
'
done

test_expect_success 'a launch lock with other files than the approved commit'"'"'s: refused' '
	fresh && test_tick && id=$(quick_tr "Locked") &&
	lead_approves $id && test "$(observe $id)" = approved &&
	git fetch -q && head=$(git rev-parse origin/treqs/$id) &&
	git checkout -q -B evil origin/treqs/$id &&
	sed -i "s/^  command: .*/  command: [sh, -c, \"echo PWNED\"]/; s/^  gpu_count: .*/  gpu_count: 64/" \
		.treqs/requests/$id.yaml &&
	test_tick && git commit -q -am "$id: what runs" && evil=$(git rev-parse HEAD) &&
	lock=$(lock_commit $id "$evil" "$evil^{tree}") &&
	push_rejected "refs/treqs/locks/$id: the lock'"'"'s parent $(git rev-parse --short=7 $evil) is not a commit of treqs/$id (its head is $(git rev-parse --short=7 $head))" \
		"$lock:refs/treqs/locks/$id" &&
	lock=$(lock_commit $id "$head" "$evil^{tree}") &&
	push_rejected "refs/treqs/locks/$id: the lock'"'"'s files are not those of the commit $(git rev-parse --short=7 $head) it launches" \
		"$lock:refs/treqs/locks/$id" &&
	lock=$(printf "$id: launch lock\n\nTReqs-Id: $id\nTReqs-Action: launch\nTReqs-Digest: %s\n" "$(digest_of $id)" |
	       git commit-tree "$head^{tree}" -p "$evil" -p "$head") &&
	push_rejected "refs/treqs/locks/$id: a lock has one parent, the approved head of treqs/$id" \
		"$lock:refs/treqs/locks/$id" &&
	run_exec --wait --interval 0.2 $id && test_grep "^$id: archived as succeeded" "$TRASH/exec.out" &&
	git -C ../remote.git show main:.treqs/archive/$id/request.yaml >req &&
	test_grep "^  command: \[\"true\"\]$" req &&
	git -C ../remote.git show main:.treqs/archive/$id/log.txt >log && ! grep PWNED log
'

test_expect_success 'a launch record that changes the lock'"'"'s files: refused' '
	fresh && test_tick && id=$(quick_tr "Recorded") &&
	lead_approves $id && git fetch -q && head=$(git rev-parse origin/treqs/$id) &&
	lock=$(lock_commit $id "$head" "$head^{tree}") &&
	git push -q origin "$lock:refs/treqs/locks/$id" &&
	git checkout -q -B evil "$lock" &&
	sed -i "s/^  command: .*/  command: [sh, -c, \"echo PWNED\"]/" .treqs/requests/$id.yaml && git add -u &&
	tree=$(git write-tree) &&
	rec=$(printf "$id: launched as local:x\n\nTReqs-Id: $id\nTReqs-Action: launch\nTReqs-Digest: %s\nTReqs-Job: local:x\n" \
	      "$(digest_of $id)" | git commit-tree "$tree" -p "$lock") &&
	push_rejected "refs/treqs/locks/$id: a launch record keeps the lock'"'"'s files and TReqs-Digest; this one changes them" \
		"$rec:refs/treqs/locks/$id" &&
	rec=$(printf "$id: launched as local:x\n\nTReqs-Id: $id\nTReqs-Action: launch\nTReqs-Digest: %s\nTReqs-Job: local:x\n" \
	      "$(git rev-parse HEAD:.treqs/requests/$id.yaml)" | git commit-tree "$lock^{tree}" -p "$lock") &&
	push_rejected "a launch record keeps the lock'"'"'s files and TReqs-Digest" "$rec:refs/treqs/locks/$id" &&
	git reset -q --hard && git checkout -q main
'

test_expect_success 'a branch that a runner'"'"'s fetch takes for a launch lock: refused' '
	fresh && test_tick && id=$(quick_tr "Tracked") && lead_approves $id &&
	git fetch -q && head=$(git rev-parse origin/treqs/$id) &&
	git checkout -q -B evil origin/treqs/$id &&
	sed -i "s/^  command: .*/  command: [sh, -c, \"echo PWNED\"]/" .treqs/requests/$id.yaml &&
	test_tick && git commit -q -am "$id: what runs" && evil=$(git rev-parse HEAD) &&
	lock=$(lock_commit $id "$evil" "$evil^{tree}") &&
	push_rejected "refs/heads/treqs-locks/$id: a runner'"'"'s clone would take this branch for the launch lock refs/treqs/locks/$id" \
		"$lock:refs/heads/treqs-locks/$id" &&
	push_rejected "in the way of treqs'"'"' refs refs/heads/treqs-locks/..." "$lock:refs/heads/Treqs-Locks/$id" &&
	push_rejected "in the way of treqs'"'"' refs refs/heads/treqs-locks/..." "$lock:refs/heads/treqs-locks" &&
	run_exec --wait --interval 0.2 $id && test_grep "^$id: archived as succeeded" "$TRASH/exec.out" &&
	git -C ../remote.git show main:.treqs/archive/$id/log.txt >log && ! grep PWNED log &&
	! grep -r PWNED ../runner/.git/treqs/jobs/
'

test_expect_success 'an archive commit archives one TR, once' '
	fresh && test_tick && id=$(quick_tr "Archived") &&
	test_tick && other=$(new_tr --title "Bystander" --reviewer lead@example.org) &&
	lead_approves $id && run_exec $id && test_grep "^$id: launched local:" "$TRASH/exec.out" &&
	git fetch -q && git fetch -q origin "+refs/treqs/locks/*:refs/remotes/origin/treqs-locks/*" &&
	job=$(git log -1 --format="%(trailers:key=TReqs-Job,valueonly)" origin/treqs-locks/$id) &&
	git checkout -q -B fake origin/main && mkdir -p .treqs/archive/$id .treqs/archive/$other &&
	git show origin/treqs/$id:.treqs/requests/$id.yaml >.treqs/archive/$id/request.yaml &&
	git show origin/treqs/$other:.treqs/requests/$other.yaml >.treqs/archive/$other/request.yaml &&
	echo "{\"outcome\": \"succeeded\"}" >.treqs/archive/$id/result.json &&
	echo "{\"outcome\": \"failed\"}" >.treqs/archive/$other/result.json &&
	git add .treqs/archive && test_tick &&
	git commit -q -m "$id: succeeded

TReqs-Id: $id
TReqs-Action: archive
TReqs-Job: $job" &&
	push_rejected "refs/heads/main: commit $(git rev-parse --short=7 HEAD) archives $id and also changes .treqs/archive/$other/request.yaml; an archive commit archives one TR" \
		HEAD:main &&
	test "$(observe $other)" = review &&
	run_exec --wait --interval 0.2 $id && test_grep "^$id: archived as succeeded" "$TRASH/exec.out" &&
	test "$(observe $id)" = archived &&
	git fetch -q && git checkout -q -B fake origin/main &&
	echo "{\"outcome\": \"failed\", \"cost_actual_usd\": 0}" >.treqs/archive/$id/result.json &&
	test_tick && git commit -q -am "$id: failed after all

TReqs-Id: $id
TReqs-Action: fail
TReqs-Job: $job" &&
	push_rejected "changes .treqs/archive/$id/result.json, but $id is archived already; an archive is written once" \
		HEAD:main &&
	git checkout -q main && test "$(observe $id)" = archived
'

test_expect_success 'a merge back to an older main (trust files, archives): refused' '
	cd a/admin && git pull -q --ff-only origin main &&
	sed -i "s/^  approvals_required: 1$/  approvals_required: 2/" .treqs/config.yaml &&
	test_tick && as admin git commit -q -S -am "two approvals" && git push -q origin main &&
	fresh && git fetch -q &&
	git checkout -q -B back origin/main~1 && test_tick && git merge -q -s ours --no-edit origin/main &&
	push_rejected "refs/heads/main: the push changes .treqs/config.yaml, but none of its commits does: a merge takes it back to an older version" \
		back:main &&
	before=$(git log -1 --format=%H --grep="^TR-[0-9]*: succeeded" origin/main)^ &&
	git checkout -q -B back "$before" && test_tick && git merge -q -s ours --no-edit origin/main &&
	push_rejected "the push changes .treqs/archive/" back:main &&
	test_grep "request.yaml, but none of its commits does" "$TRASH/hook.out" &&
	test_grep -F "the push changes .treqs/config.yaml" "$TRASH/hook.out" &&
	git -C ../remote.git show main:.treqs/config.yaml >cfg && test_grep "approvals_required: 2" cfg &&
	cd ../admin && sed -i "s/^  approvals_required: 2$/  approvals_required: 1/" .treqs/config.yaml &&
	test_tick && as admin git commit -q -S -am "one approval again" && git push -q origin main
'

test_expect_success 'a request for changes whose message has a Markdown rule (---) still counts' '
	fresh && test_tick &&
	id=$(new_tr --title "Rule" --reviewer lead@example.org --reviewer lead2@example.org) &&
	cd ../lead && git fetch -q && test_tick &&
	as lead treqs review $id --request-changes -m "Two problems:
---
the data set is the wrong one" --push >out 2>&1 &&
	! grep "will not count" out &&
	git log -1 --format="%(trailers:key=TReqs-Action,valueonly,separator=)" origin/treqs/$id >act &&
	echo request-changes >expect && test_cmp expect act &&
	test "$(observe $id)" = changes-requested &&
	cd ../lead2 && git fetch -q && test_tick && as lead2 treqs approve $id --push >out 2>&1 &&
	test_grep "state: changes-requested" out &&
	test "$(observe $id)" = changes-requested &&
	json_get "$TRASH/show.json" "j[\"policy_notes\"]" >notes &&
	test_grep "lead@example.org requested changes and has not approved since" notes
'

test_expect_success 'a TR branch with a hundred thousand commits is read in seconds' '
	fresh && test_tick &&
	id=$(as author treqs new --title "Long" --objective o --reviewer lead@example.org) &&
	git rev-parse "treqs/$id" >tip &&
	python3 - "$(cat tip)" "$id" >fi <<-\PY &&
	import sys
	out = sys.stdout
	for i in range(100000):
	    msg = "c%d\n" % i
	    out.write("commit refs/heads/treqs/%s\ncommitter A <author@example.org> 1700000000 +0000\ndata %d\n%s" % (sys.argv[2], len(msg), msg))
	    if i == 0:
	        out.write("from %s\n" % sys.argv[1])
	    out.write("\n")
	PY
	git fast-import --quiet --force <fi &&
	start=$(date +%s) && treqs show $id >out && end=$(date +%s) &&
	echo "treqs show took $((end - start)) s" && test $((end - start)) -lt 10
'

test_expect_success 'every repository passes git fsck --strict' '
	fsck_all a && fsck_all r
'

# OpenPGP: gpg writes the signer's user id into its status lines.
if ! command -v gpg >/dev/null; then
	test_skip 'an OpenPGP user id that names another key in gpg'"'"'s status words' 'gpg is not installed'
	test_done
fi
export GNUPGHOME="$TRASH/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg_key() { # gpg_key USERID: a key without passphrase; prints its fingerprint
	gpg --batch --quiet --passphrase '' --quick-gen-key "$1" ed25519 sign never >/dev/null 2>&1 &&
	gpg --batch --with-colons --list-keys "=$1" | awk -F: '/^fpr:/ { f = $10 } END { print f }'
}

test_expect_success 'an OpenPGP user id that names another key in gpg'"'"'s status words: not the other key' '
	gpg_key "Lee Lead <lead@example.org>" >lead.fpr && test -s lead.fpr &&
	gpg_key "Mal Other [GNUPG:] VALIDSIG 0 1 2 3 4 5 6 7 8 $(cat lead.fpr)" >mal.fpr && test -s mal.fpr &&
	gpg --batch --armor --export "$(cat lead.fpr)" "$(cat mal.fpr)" >keys.asc &&
	make_world p sh -c "cp \"$TRASH/keys.asc\" .treqs/openpgp-keys.asc && git add .treqs/openpgp-keys.asc" &&
	clone_as p author && cd p/author && test_tick &&
	id=$(new_tr --title "Signed with gpg" --gpu-type A100 --hours 1 --reviewer lead@example.org) &&
	on_branch "$id" && set_status "$id" approved && test_tick &&
	d=$(treqs show "$id" --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"digest\"])") &&
	as lead git -c gpg.format=openpgp -c user.signingkey="$(cat "$TRASH/mal.fpr")" commit -q -S \
		-m "$(review_msg "$id" approve "$d")" &&
	push_rejected "the approve by lead@example.org does not verify against .treqs/allowed_signers on main: OpenPGP key $(cat "$TRASH/mal.fpr") has no user id for lead@example.org" \
		"treqs/$id" &&
	git fetch -q && test "$(state "$id")" = review
'

test_done
