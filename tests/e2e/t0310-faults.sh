#!/bin/sh
# Execution faults end to end: killed runners, racing runners, failing
# jobs, a remote that moves under the write-back, approvals gone stale.
# Each must end with exactly one launch record (or none) on
# refs/treqs/locks/ID, exactly one archive commit (or none) on main, no
# lost result and a clear message.  The world is in exec-lib.sh.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/exec-lib.sh"

# Two runners on this machine: runner and runner2, clones of their own
# with the default jobs directories (.git/treqs/jobs), so that neither
# sees the other's local jobs.
JOBS=$TRASH/runner/.git/treqs/jobs

# once ID [test|full]: ID's full run (or test run) ran exactly once.
once() {
	grep -c "^$1 ${2:-full}\$" "$TRASH/runs" >"$TRASH/n" || :
	echo 1 >"$TRASH/one"
	test_cmp "$TRASH/one" "$TRASH/n"
}

# counted S: the run: section of a TR whose job appends "ID full" (or
# "ID test") to $TRASH/runs, sleeps S seconds, and reports a metric.
counted() {
	printf 'run:\n  shell: true\n  command: \047if [ -n "$TREQS_TEST_RUN" ]; then k=test; else k=full; fi; echo "$TREQS_TR_ID $k" >>%s/runs; sleep %s; echo treqs-metric slept=%s\047\n' \
		"$TRASH" "$1" "$1"
}

test_expect_success 'setup: the world of exec-lib.sh, and a second runner clone' '
	make_world && clone runner2 runner
'

test_expect_success 'runner killed with SIGKILL while the job runs: the rerun archives it; one launch, one run' '
	tr_approved "Killed runner" "$(counted 3)" >id &&
	id=$(cat id) &&
	{ ( cd runner && runner_env && exec "$TREQS" exec --wait --interval 0.2 >"$TRASH/bg.out" 2>&1 ) & } &&
	bg=$! &&
	wait_for bg.out "^$id: launched local:" &&
	kill -9 $bg && { wait $bg 2>/dev/null || :; } &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 0 &&
	run_exec --wait --interval 0.2 &&
	! grep -q "launched" exec.out &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	once $id &&
	result $id "j[\"metrics\"]" >got && echo "{\"slept\": 3.0}" >expect && test_cmp expect got
'

test_expect_success 'runner killed during the test run: the rerun re-attaches to it, then launches once' '
	tr_approved "Killed in the test run" "$(counted 2)
  test_run: {minutes: 1}" >id &&
	id=$(cat id) &&
	{ ( cd runner && runner_env && exec "$TREQS" exec --wait --interval 0.2 >"$TRASH/bg.out" 2>&1 ) & } &&
	bg=$! &&
	wait_for bg.out "^$id: test run started" &&
	kill -9 $bg && { wait $bg 2>/dev/null || :; } &&
	test "$(launches $id)" = 0 && test "$(archives $id)" = 0 &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: test run re-attached local:$id-[0-9a-f]*-test$" exec.out &&
	test_grep "^$id: launched local:" exec.out &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	once $id test && once $id full
'

test_expect_success 'two runners (two clones) at once: each approved TR is launched exactly once' '
	for i in 1 2 3 4; do tr_approved "Race $i" "$(counted 1)" >>race || exit 1; done &&
	cat race &&
	{ ( cd runner && runner_env && exec "$TREQS" exec --wait --interval 0.2 >"$TRASH/r1.out" 2>&1 ) & } &&
	p1=$! &&
	{ ( cd runner2 && runner_env && exec "$TREQS" exec --wait --interval 0.2 >"$TRASH/r2.out" 2>&1 ) & } &&
	p2=$! &&
	{ wait $p1; s1=$?; wait $p2; s2=$?; } &&
	cat r1.out && echo ---- && cat r2.out &&
	test $s1 = 0 && test $s2 = 0 &&
	for id in $(cat race); do
		test "$(launches $id)" = 1 && test "$(archives $id)" = 1 && once $id &&
		test "$(result $id "j[\"outcome\"]")" = succeeded || exit 1
	done &&
	cat r1.out r2.out | grep -c ": launched local:" >n && echo 4 >expect && test_cmp expect n
'

test_expect_success 'the launch record cannot be pushed: no other runner launches it again; the rerun re-attaches' '
	tr_approved "Launch record lost" "$(counted 3)" >id &&
	id=$(cat id) &&
	mkdir -p l1bin &&
	real_git=$(command -v git) &&
	cat >l1bin/git <<-EOF &&
	#!/bin/sh
	# the lock goes through; the launch record on top of it does not
	case "\$*" in
	*push*:refs/treqs/locks/*)
		if ! mkdir "$TRASH/l0-pushed" 2>/dev/null; then
			echo "fatal: unable to access the remote: Connection reset" >&2; exit 128
		fi ;;
	esac
	exec "$real_git" "\$@"
	EOF
	chmod +x l1bin/git &&
	(PATH="$TRASH/l1bin:$PATH" && export PATH && test_expect_code 3 run_exec --interval 0.2) &&
	test_grep "^treqs: $id: .*Connection reset" exec.err &&
	git -C remote.git rev-parse -q --verify refs/treqs/locks/$id &&
	test "$(launches $id)" = 0 &&
	wait_for runs "^$id full" &&
	(cd runner2 && as runner treqs exec --interval 0.2) >out 2>&1 &&
	cat out &&
	test_grep "^$id: being launched by $(uname -n) (pid [0-9]*), [0-9]* s ago" out &&
	test "$(launches $id)" = 0 &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: re-attached to local:$id-[0-9a-f]*$" exec.out &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 && once $id
'

test_expect_success 'a runner that cannot see another runner'"'"'s local job leaves it alone, and says where it runs' '
	tr_approved "Out of sight" "$(counted 3)" >id &&
	id=$(cat id) &&
	run_exec --interval 0.2 &&
	test_grep "^$id: launched local:" exec.out &&
	job=$(git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" refs/treqs/locks/$id) &&
	(cd runner2 && as runner treqs exec --wait --interval 0.2) >out 2>&1 &&
	cat out &&
	test_grep "^$id: $job runs on $(uname -n) in $JOBS, out of this runner.s sight" out &&
	(cd runner2 && as runner treqs reconcile) >out 2>&1 &&
	test_grep "^$id: $job runs on" out &&
	(cd runner2 && test_expect_code 3 as runner treqs cancel $id) >out 2>&1 &&
	cat out &&
	test_grep "^treqs: $id: $job runs on $(uname -n) in $JOBS; cancel it there" out &&
	test "$(archives $id)" = 0 &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 && once $id
'

test_expect_success 'a test run that hits NaN is stopped by the watcher; the full run never starts' '
	tr_approved "NaN in the test run" "run:
  command: [python3, train.py, --epochs, \"3\"]
  test_run: {minutes: 1, args: [--fail, nan]}" >id &&
	id=$(cat id) &&
	start=$(date +%s) &&
	run_exec --wait --interval 0.2 "$id" &&
	test $(( $(date +%s) - start )) -lt 30 &&
	test_grep "^$id: the nan-loss watcher fired; stopping local:$id-[0-9a-f]*-test$" exec.out &&
	test_grep "^$id: archived as failed" exec.out &&
	! grep -q "^$id: launched" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	result $id "[j[\"outcome\"], j[\"watcher\"], j[\"test_run\"][\"state\"]]" >got &&
	echo "[\"failed\", \"nan-loss\", \"cancelled\"]" >expect && test_cmp expect got &&
	result $id "j[\"message\"]" >msg && test_grep "nan-loss" msg && test_grep "full run was not launched" msg
'

test_expect_success 'the job exits non-zero: archived as failed, its exit status recorded' '
	tr_approved "Exits 7" "run: {command: [sh, -c, \"echo about to fail; exit 7\"]}" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as failed" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	git -C remote.git log -1 --format="%(trailers:key=TReqs-Action,valueonly,separator=)" main >action &&
	echo fail >expect && test_cmp expect action &&
	result $id "[j[\"outcome\"], j[\"state\"], j[\"exit_status\"], j[\"message\"]]" >got &&
	echo "[\"failed\", \"failed\", 7, \"exited with status 7\"]" >expect && test_cmp expect got &&
	git -C remote.git show main:.treqs/archive/$id/log.txt >log && test_grep "^about to fail$" log
'

test_expect_success 'the job exceeds its time limit: stopped, archived as failed, the detail says so' '
	TR_HOURS=0.001 tr_approved "Too slow" "run: {command: [sleep, \"60\"]}" >id &&
	id=$(cat id) &&
	start=$(date +%s) &&
	run_exec --wait --interval 0.2 &&
	test $(( $(date +%s) - start )) -lt 30 &&
	test_grep "^$id: archived as failed" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	result $id "[j[\"outcome\"], j[\"state\"]]" >got &&
	echo "[\"failed\", \"timeout\"]" >expect && test_cmp expect got &&
	result $id "j[\"message\"]" >msg && test_grep "time limit" msg &&
	result $id "3 <= j[\"duration_seconds\"] < 20" >got && echo True >expect && test_cmp expect got &&
	git -C remote.git show main:.treqs/archive/$id/log.txt >log && test_grep "time limit of 4 s reached" log
'

test_expect_success 'the command does not exist: archived as failed, the log says it cannot run' '
	tr_approved "No program" "run: {command: [no-such-program-treqs, --flag]}" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as failed" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	result $id "[j[\"outcome\"], j[\"exit_status\"]]" >got &&
	echo "[\"failed\", 127]" >expect && test_cmp expect got &&
	git -C remote.git show main:.treqs/archive/$id/log.txt >log &&
	test_grep "cannot run .no-such-program-treqs.: No such file or directory" log
'

test_expect_success 'the jobs directory cannot be created: exit 3, a clear message, nothing archived; fixed, it launches once' '
	tr_approved "Nowhere to write" "$(counted 0)" >id &&
	id=$(cat id) &&
	echo "a regular file" >blocker &&
	(cd runner && TREQS_JOBS_DIR="$TRASH/blocker/jobs" && export TREQS_JOBS_DIR &&
	 test_expect_code 3 as runner treqs exec --wait --interval 0.2) >out 2>err &&
	cat out err &&
	test_grep "^treqs: $id: cannot create the jobs directory .$TRASH/blocker/jobs. (TREQS_JOBS_DIR): Not a directory$" err &&
	test "$(launches $id)" = 0 && test "$(archives $id)" = 0 &&
	test_must_fail git -C remote.git rev-parse -q --verify refs/treqs/locks/$id &&
	! grep -qs "^$id " runs &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: launched local:" exec.out &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 && once $id
'

test_expect_success 'main moves between launch and write-back: the archive is built on the new tip, pushed once' '
	tr_approved "Moving main" "$(counted 1)" >id &&
	id=$(cat id) &&
	run_exec --interval 0.2 &&
	test_grep "^$id: launched" exec.out &&
	(cd work && git pull -q --rebase origin main && echo "notes" >NOTES && git add NOTES &&
	 git commit -q -m "unrelated work" && git push -q origin HEAD:main) &&
	unrelated=$(git -C remote.git rev-parse main) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 && once $id &&
	test "$(git -C remote.git rev-parse main^1)" = "$unrelated" &&
	git -C remote.git cat-file -e main:NOTES
'

test_expect_success 'main moves while the archive is being pushed: rebuilt on the new tip and pushed once' '
	tr_approved "Racing push" "$(counted 1)" >id &&
	id=$(cat id) &&
	mkdir -p fakebin &&
	real_git=$(command -v git) &&
	cat >fakebin/git <<-EOF &&
	#!/bin/sh
	# the first push to main: someone else pushes first
	case "\$*" in
	*push*:refs/heads/main*)
		if mkdir "$TRASH/raced" 2>/dev/null; then
			(unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE; cd "$TRASH/work" &&
			 "$real_git" pull -q --rebase origin main && echo more >>NOTES &&
			 "$real_git" commit -q -am "racing work" && "$real_git" push -q origin HEAD:main) >&2
		fi ;;
	esac
	echo "git \$*" >>"$TRASH/git.calls"
	exec "$real_git" "\$@"
	EOF
	chmod +x fakebin/git &&
	(PATH="$TRASH/fakebin:$PATH" && export PATH && run_exec --wait --interval 0.2) &&
	test -d raced &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 && once $id &&
	git -C remote.git log -1 --format=%s main^1 >parent && echo "racing work" >expect && test_cmp expect parent &&
	grep -c "push.*:refs/heads/main" git.calls >n && echo 2 >expect && test_cmp expect n
'

test_expect_success 'the write-back cannot reach the remote: exit 3, the result waits; the rerun archives it once' '
	tr_approved "Unreachable at write-back" "run:
  command: [python3, train.py, --epochs, \"3\"]
  test_run: {minutes: 1, args: [--fail, exit]}" >id &&
	id=$(cat id) &&
	mkdir -p deadbin &&
	real_git=$(command -v git) &&
	cat >deadbin/git <<-EOF &&
	#!/bin/sh
	case "\$*" in
	*push*:refs/heads/main*) echo "fatal: unable to access the remote: Connection refused" >&2; exit 128 ;;
	esac
	exec "$real_git" "\$@"
	EOF
	chmod +x deadbin/git &&
	(PATH="$TRASH/deadbin:$PATH" && export PATH && test_expect_code 3 run_exec --wait --interval 0.2) &&
	test_grep "^treqs: $id: .*Connection refused" exec.err &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 0 &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as failed" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	ls "$JOBS" >dirs && ! grep "^$id-[0-9a-f]*\$" dirs &&
	job=$(git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" refs/treqs/locks/$id) &&
	result $id "[j[\"outcome\"], j[\"exit_status\"], j[\"test_run\"][\"job\"], j[\"test_run\"][\"exit_status\"]]" >got &&
	echo "[\"failed\", 3, \"$job\", 3]" >expect && test_cmp expect got &&
	result $id "j[\"message\"]" >msg && test_grep "the test run failed (exited with status 3); the full run was not launched" msg
'

test_expect_success 'an approval made stale by an edit: exec does not launch it and says why' '
	tr_approved "Edited after approval" "$(counted 0)" >id &&
	id=$(cat id) &&
	(cd work && git fetch -q && git checkout -q -B "treqs/$id" "origin/treqs/$id" &&
	 sed -i -e "s/^  hours: .*/  hours: 0.06/" -e "s/^status: .*/status: review/" ".treqs/requests/$id.yaml" &&
	 git commit -q -am "$id: more hours" && treqs submit "$id" >/dev/null && git checkout -q main) &&
	run_exec --interval 0.2 &&
	! grep -q "^$id: launched" exec.out &&
	test_expect_code 1 run_exec --interval 0.2 "$id" &&
	test_grep "^$id: not launched: it is review" exec.out &&
	test_grep "^$id: not launched: it is review: approval by lead@example.org (commit [0-9a-f]*) does not count: it approved content [0-9a-f]*, the TR is now [0-9a-f]* (edited since)" exec.out &&
	test "$(launches $id)" = 0 && test "$(archives $id)" = 0 &&
	test_must_fail git -C remote.git rev-parse -q --verify refs/treqs/locks/$id &&
	! grep -qs "^$id " runs
'

test_expect_success 'a TR whose driver was removed from the config after approval: exit 1, a clear message, no lock' '
	# last: it stays approved, and every later pass fails on it
	tr_approved "Driver gone" "driver: gpu
$(counted 0)" >id &&
	id=$(cat id) &&
	(cd work && git checkout -q main && git pull -q --rebase origin main &&
	 sed -i "s/^drivers: {gpu: {type: local}}/drivers: {}/" .treqs/config.yaml &&
	 as admin git -c gpg.format=ssh -c user.signingkey="$KEYS/admin" commit -q -S -am "treqs: no gpu driver" &&
	 git push -q origin main) &&
	test_expect_code 1 run_exec --interval 0.2 &&
	test_grep "^treqs: $id: no driver .gpu. in config.yaml" exec.err &&
	test_must_fail git -C remote.git rev-parse -q --verify refs/treqs/locks/$id &&
	(cd runner && treqs status $id) >out && test_grep "^$id: approved$" out &&
	! grep -qs "^$id " runs
'

test_expect_success 'nothing is left running; the server repository passes git fsck --strict' '
	for f in "$JOBS"/*/job runner2/.git/treqs/jobs/*/job; do
		[ -f "$f" ] || continue
		pid=$(sed -n 2p "$f") && ! kill -0 "$pid" 2>/dev/null || { echo "$f still runs" >&2; exit 1; }
	done &&
	fsck
'

test_done
