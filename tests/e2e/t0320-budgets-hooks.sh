#!/bin/sh
# Monthly budgets per team, launching from the server's post-receive hook,
# and runners that must sign what they write (exec.require_signed).
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/exec-lib.sh"

ssh-keygen -q -t ed25519 -N '' -C runner@example.org -f "$KEYS/runner" || exit 1

# admin_config SED-EXPR [EXTRA-SIGNER]: the admin changes config.yaml on
# main (and allowed_signers), signed, and pushes.
admin_config() {
	(
		cd "$TRASH/admin" && git pull -q --ff-only origin main &&
		sed -i "$1" .treqs/config.yaml &&
		if [ -n "${2:-}" ]; then signer_line "$2" >>.treqs/allowed_signers; fi &&
		as admin git commit -q -S -am "treqs: $1" &&
		git push -q origin main
	)
}

test_expect_success 'setup: the world, an admin clone, a budget of 300 USD a month for vision' '
	make_world && clone admin &&
	admin_config "s/^  budgets: {}/  budgets: {vision: {monthly_usd: 300}}/" &&
	git -C remote.git show main:.treqs/config.yaml >cfg && test_grep "vision: {monthly_usd: 300}" cfg
'

test_expect_success 'the first TR of the month fits the budget and is approved' '
	id=$(tr_approved "Fits" "team: vision
run: {command: [python3, train.py, --epochs, \"3\"]}") && test "$id" = TR-0001 &&
	cd lead && treqs show TR-0001 --json >../s1.json && test "$(json_get ../s1.json "j[\"state\"]")" = approved
'

test_expect_success 'the second would exceed it: approved by the reviewer, it stays in review' '
	id=$(new_tr "Too much" "team: vision
run: {command: [python3, train.py, --epochs, \"3\"]}") && test "$id" = TR-0002 &&
	cd lead && git fetch -q && as lead treqs approve TR-0002 --push >../out 2>&1 &&
	test_grep "over the vision team.s monthly budget: 180.00 of 300.00 USD already committed" ../out &&
	git show origin/treqs/TR-0002:.treqs/requests/TR-0002.yaml >../tr2 && test_grep "^status: draft$" ../tr2 &&
	treqs show TR-0002 --json >../s2.json && test "$(json_get ../s2.json "j[\"state\"]")" = review &&
	json_get ../s2.json "j[\"policy_notes\"]" >../notes && test_grep "monthly budget" ../notes
'

test_expect_success 'status: approved over budget is refused by the hook' '
	cd work && git fetch -q && git checkout -q -B treqs/TR-0002 origin/treqs/TR-0002 &&
	sed -i "s/^status: .*/status: approved/" .treqs/requests/TR-0002.yaml &&
	git commit -q -am "approved, surely" &&
	test_must_fail git push origin treqs/TR-0002 >../push.out 2>&1 &&
	test_grep "status: the file says .approved. but TR-0002 is review: .*monthly budget" ../push.out &&
	git checkout -q main
'

test_expect_success 'exec launches what fits and leaves the rest' '
	run_exec >exec.out1 &&
	test "$(launches TR-0001)" = 1 && test "$(launches TR-0002)" = 0 &&
	test_grep "TR-0002: not launched" exec.out1 || ! test_grep "TR-0002: launched" exec.out1
'

test_expect_success 'actual spend replaces the estimate once a run is archived: then the next fits' '
	run_exec --wait --interval 0.2 >exec.out2 &&
	test "$(archives TR-0001)" = 1 &&
	test "$(result TR-0001 "j[\"cost_actual_usd\"] < 120")" = True &&
	test "$(launches TR-0002)" = 1 && test "$(archives TR-0002)" = 1
'

test_expect_success 'post-receive: the push that approves a TR launches it on the server' '
	treqs hook install --post-receive remote.git >out && test_grep "post-receive" out &&
	export TREQS_JOBS_DIR="$TRASH/server-jobs" &&
	id=$(tr_approved "From the hook" "run: {command: [python3, train.py, --epochs, \"3\"]}") &&
	test "$id" = TR-0003 &&
	test "$(launches TR-0003)" = 1 &&
	ls "$TRASH/server-jobs" >jobs && test_grep "^TR-0003-" jobs &&
	(cd remote.git && treqs exec --wait --interval 0.2 >../server.out 2>&1) &&
	cat server.out &&
	test "$(archives TR-0003)" = 1 &&
	test "$(launches TR-0003)" = 1
'

test_expect_success 'exec.require_signed: an unsigned runner refuses to start' '
	admin_config "s/^  require_signed: false/  require_signed: true/; s/^  runners: \[\]/  runners: [runner@example.org]/" runner &&
	id=$(tr_approved "Signed runs" "run: {command: [python3, train.py, --epochs, \"3\"]}") && test "$id" = TR-0004 &&
	git -C runner config --unset user.signingkey &&
	test_expect_code 3 run_exec >out 2>&1 &&
	test_grep "requires signed launch and archive commits" out &&
	test "$(launches TR-0004)" = 0
'

test_expect_success 'a signing runner launches and archives; the hook checks the signatures' '
	git -C runner config gpg.format ssh && git -C runner config user.signingkey "$KEYS/runner" &&
	run_exec --wait --interval 0.2 >out &&
	test_grep "TR-0004: archived as succeeded" out &&
	test "$(archives TR-0004)" = 1 &&
	git -C remote.git show main:.treqs/allowed_signers >signers &&
	git -C remote.git -c gpg.ssh.allowedSignersFile="$TRASH/signers" verify-commit main
'

test_expect_success 'an archive commit that merely imitates one is refused' '
	cd work && git fetch -q && git checkout -q -B fake origin/main &&
	mkdir -p .treqs/archive/TR-0042 &&
	git show origin/treqs/TR-0001:.treqs/requests/TR-0001.yaml | sed "s/TR-0001/TR-0042/" >.treqs/archive/TR-0042/request.yaml &&
	echo "{\"outcome\": \"succeeded\"}" >.treqs/archive/TR-0042/result.json &&
	git add .treqs/archive &&
	git commit -q -m "TR-0042: succeeded

TReqs-Id: TR-0042
TReqs-Action: archive
TReqs-Job: local:TR-0042-x" &&
	test_must_fail git push origin HEAD:main >../push.out 2>&1 &&
	test_grep "archives TR-0042, which was never launched" ../push.out &&
	test_grep "archives TR-0042 but is not signed by a runner" ../push.out &&
	git checkout -q main
'

test_expect_success 'a launched TR cannot be released or locked again' '
	cd work && git fetch -q origin "+refs/treqs/locks/*:refs/remotes/origin/treqs-locks/*" &&
	tip=$(git rev-parse origin/treqs-locks/TR-0001) &&
	rel=$(printf "TR-0001: launch released\n\nTReqs-Id: TR-0001\nTReqs-Action: release\n" |
	      as runner git -c gpg.format=ssh -c user.signingkey="$KEYS/runner" commit-tree -S "$tip^{tree}" -p "$tip") &&
	test_must_fail git push origin "$rel:refs/treqs/locks/TR-0001" >../push.out 2>&1 &&
	test_grep "TR-0001 was already launched as local:TR-0001-" ../push.out &&
	test_must_fail git push origin ":refs/treqs/locks/TR-0001" >../push.out 2>&1 &&
	test_grep "a launch lock is never deleted" ../push.out
'

test_expect_success 'nothing is left running; the server repository is clean' '
	fsck
'

test_done
