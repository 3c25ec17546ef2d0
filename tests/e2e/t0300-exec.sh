#!/bin/sh
# Execution end to end, the happy paths: a bare remote with the installed
# pre-receive hook, real signed approvals, the local driver and the real
# training script (tests/demo/train.py).  The world and the helpers are in
# exec-lib.sh.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/exec-lib.sh"

JOBS=$TRASH/runner/.git/treqs/jobs

test_expect_success 'setup: a remote with the hook, the training script on main, a runner clone' '
	make_world &&
	git -C remote.git show main:train.py >/dev/null &&
	test -x remote.git/hooks/pre-receive
'

test_expect_success 'exec launches an approved TR and returns while the job runs' '
	TR_GPUS=2 tr_approved "Baseline" "expected: {val_loss: \"<= 0.5\", val_accuracy: \">= 0.99\", f1: \">= 0.1\"}
run: {command: [python3, train.py, --epochs, \"4\", --sleep, \"1\"]}" >id &&
	test "$(cat id)" = TR-0001 &&
	run_exec --interval 0.2 &&
	test_grep "^TR-0001: launched local:TR-0001-[0-9a-f]\{7\}$" exec.out &&
	test "$(launches TR-0001)" = 1 &&
	test "$(archives TR-0001)" = 0 &&
	git -C remote.git log -1 --format=%B refs/treqs/locks/TR-0001 >lock &&
	test_grep "^TReqs-Action: launch$" lock &&
	test_grep "^TReqs-Job: local:TR-0001-" lock &&
	(cd runner && treqs status TR-0001 --json) >st.json &&
	test "$(json_get st.json "j[\"state\"]")" = running &&
	test "$(json_get st.json "j[\"job_state\"]")" = running &&
	# within its first second: the elapsed time is still not negative
	test "$(json_get st.json "0 <= j[\"elapsed_seconds\"] < 30")" = True
'

test_expect_success 'status shows the running job, its elapsed time and its last lines; --json parses' '
	cd runner &&
	n=0 && while ! grep -q "epoch 1 " out 2>/dev/null && [ $n -lt 100 ]; do
		treqs status TR-0001 >out; n=$((n + 1)); sleep 0.1
	done &&
	cat out &&
	test_grep "^TR-0001: running$" out &&
	test_grep "^job:      local:TR-0001-[0-9a-f]\{7\}$" out &&
	test_grep "^state:    running$" out &&
	test_grep "^elapsed:  00:00:[0-5][0-9]$" out &&
	test_grep "^output:$" out &&
	test_grep "^epoch 1 loss=0\.[0-9]*$" out &&
	treqs status TR-0001 --json --lines 1 >st.json &&
	json_get st.json "j[\"job\"]" >job && grep -q "^local:TR-0001-" job &&
	json_get st.json "j[\"job_state\"] == \"running\" and j[\"exit_status\"] is None" >ok &&
	json_get st.json "0 <= j[\"elapsed_seconds\"] < 60 and j[\"log_tail\"].startswith(\"epoch \")" >>ok &&
	json_get st.json "j[\"log_tail\"].count(chr(10)) <= 1" >>ok &&
	treqs status TR-0001 --json --lines 0 >st0.json &&
	json_get st0.json "j[\"log_tail\"] == \"\"" >>ok &&
	printf "True\nTrue\nTrue\nTrue\n" >expect && test_cmp expect ok
'

test_expect_success 'a second exec while it runs launches nothing again' '
	run_exec --interval 0.2 &&
	! grep -q launched exec.out &&
	test "$(launches TR-0001)" = 1 && test "$(archives TR-0001)" = 0
'

test_expect_success 'exec --wait archives it: the archive commit on main has the treqs trailers' '
	run_exec --wait --interval 0.2 &&
	test_grep "^TR-0001: archived as succeeded in commit [0-9a-f]\{7\} (local:TR-0001-[0-9a-f]\{7\}, cost [0-9.]* USD)$" exec.out &&
	test "$(launches TR-0001)" = 1 && test "$(archives TR-0001)" = 1 &&
	git -C remote.git log -1 --format=%B main | git interpret-trailers --parse >trailers &&
	cat trailers &&
	job=$(git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" refs/treqs/locks/TR-0001) &&
	test_grep "^TReqs-Id: TR-0001$" trailers &&
	test_grep "^TReqs-Action: archive$" trailers &&
	test_grep "^TReqs-Job: $job$" trailers &&
	test_grep "^TReqs-Cost-Actual: [0-9]*\.[0-9][0-9]$" trailers &&
	git -C remote.git log -1 --format="%(trailers:key=TReqs-Cost-Actual,valueonly,separator=)" main >cost &&
	result TR-0001 "\"%.2f\" % j[\"cost_actual_usd\"]" >expect &&
	test_cmp expect cost &&
	git -C remote.git log -1 --format=%P main >parents && test "$(wc -w <parents)" = 2 &&
	test "$(cut -d" " -f2 parents)" = "$(git -C remote.git rev-parse refs/treqs/locks/TR-0001)"
'

test_expect_success 'the archive holds request.yaml (the approved content), result.json and log.txt' '
	git -C remote.git ls-tree --name-only main .treqs/archive/TR-0001/ >files &&
	printf ".treqs/archive/TR-0001/log.txt\n.treqs/archive/TR-0001/request.yaml\n.treqs/archive/TR-0001/result.json\n" >expect &&
	test_cmp expect files &&
	test_must_fail git -C remote.git cat-file -e main:.treqs/requests/TR-0001.yaml &&
	git -C remote.git show treqs/TR-0001:.treqs/requests/TR-0001.yaml >approved &&
	git -C remote.git show main:.treqs/archive/TR-0001/request.yaml >archived &&
	test_cmp approved archived &&
	git -C remote.git show main:.treqs/archive/TR-0001/log.txt >log &&
	test_grep "^epoch 4 loss=" log &&
	test_grep "^treqs-metric val_loss=" log
'

test_expect_success 'result.json: outcome, exit status, times, GPU-hours, cost from the price catalog' '
	result TR-0001 "[j[\"outcome\"], j[\"state\"], j[\"exit_status\"], j[\"tr\"], j[\"gpu_type\"], j[\"gpu_count\"]]" >got &&
	echo "[\"succeeded\", \"succeeded\", 0, \"TR-0001\", \"A100\", 2]" >expect &&
	test_cmp expect got &&
	job=$(git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" refs/treqs/locks/TR-0001) &&
	test "$(result TR-0001 "j[\"job\"]")" = "$job" &&
	result TR-0001 "j[\"started\"] <= j[\"ended\"]" >ok &&
	result TR-0001 "all(__import__(\"re\").match(r\"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$\", j[k]) for k in (\"started\", \"ended\"))" >>ok &&
	result TR-0001 "3 <= j[\"duration_seconds\"] < 60" >>ok &&
	result TR-0001 "abs(j[\"gpu_hours\"] - 2 * j[\"duration_seconds\"] / 3600) < 0.0001" >>ok &&
	# A100 costs 3600 USD per GPU-hour in this world: 2 USD per second on two GPUs
	result TR-0001 "abs(j[\"cost_actual_usd\"] - 2 * j[\"duration_seconds\"]) <= 0.02" >>ok &&
	result TR-0001 "j[\"cost_estimate_usd\"] == 180 and j[\"watcher\"] is None" >>ok &&
	printf "True\nTrue\nTrue\nTrue\nTrue\nTrue\n" >expect && test_cmp expect ok
'

test_expect_success 'result.json: metrics from metrics.json, a verdict for each expected entry' '
	result TR-0001 "sorted(j[\"metrics\"])" >got &&
	echo "[\"throughput\", \"val_accuracy\", \"val_loss\"]" >expect && test_cmp expect got &&
	git -C remote.git show main:.treqs/archive/TR-0001/log.txt >log &&
	sed -n "s/^treqs-metric val_loss=//p" log >expect &&
	result TR-0001 "j[\"metrics\"][\"val_loss\"]" >got && test_cmp expect got &&
	result TR-0001 "[(e[\"metric\"], e[\"condition\"], e[\"verdict\"]) for e in j[\"expected\"]]" >got &&
	echo "[[\"val_loss\", \"<= 0.5\", \"met\"], [\"val_accuracy\", \">= 0.99\", \"not met\"], [\"f1\", \">= 0.1\", \"not reported\"]]" >expect &&
	test_cmp expect got &&
	result TR-0001 "[e[\"value\"] for e in j[\"expected\"]][2]" >got && echo None >expect && test_cmp expect got &&
	git -C remote.git log -1 --format=%B main >msg &&
	test_grep "^val_accuracy >= 0.99: not met$" msg &&
	test_grep "^f1 >= 0.1: not reported$" msg
'

test_expect_success 'metrics from treqs-metric lines and metrics.json; shell: true with a string command' '
	tr_approved "Shell" "expected: {from_log: \"== 1.5\", from_file: \">= 2\"}
run:
  shell: true
  command: >-
    echo \"id=\$TREQS_TR_ID\" | tr A-Z a-z && echo \"treqs-metric from_log=1.5\" &&
    echo \"{\\\"from_file\\\": 2.5, \\\"note\\\": \\\"text\\\"}\" > \"\$TREQS_OUTPUT_DIR/metrics.json\"" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 "$id" &&
	test_grep "^$id: archived as succeeded" exec.out &&
	git -C remote.git show "main:.treqs/archive/$id/log.txt" >log &&
	test_grep "^id=tr-0002$" log &&
	result "$id" "j[\"metrics\"]" >got &&
	echo "{\"from_file\": 2.5, \"from_log\": 1.5}" >expect && test_cmp expect got &&
	result "$id" "[e[\"verdict\"] for e in j[\"expected\"]]" >got &&
	echo "[\"met\", \"met\"]" >expect && test_cmp expect got
'

test_expect_success 'a TR with a baseline is judged with the baseline TR'"'"'s results alongside' '
	tr_approved "Against the baseline" "baseline: TR-0001
expected: {val_loss: \"<= 0.5\", f1: \">= 0.1\"}
run: {command: [python3, train.py, --epochs, \"8\"]}" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as succeeded" exec.out &&
	result "$id" "j[\"baseline\"][\"tr\"]" >got && echo TR-0001 >expect && test_cmp expect got &&
	result TR-0001 "j[\"metrics\"]" >expect &&
	result "$id" "j[\"baseline\"][\"metrics\"]" >got && test_cmp expect got &&
	result TR-0001 "j[\"metrics\"][\"val_loss\"]" >expect &&
	result "$id" "j[\"expected\"][0][\"baseline\"]" >got && test_cmp expect got &&
	result "$id" "j[\"expected\"][1][\"baseline\"]" >got && echo None >expect && test_cmp expect got &&
	result "$id" "j[\"expected\"][0][\"value\"] < j[\"baseline\"][\"metrics\"][\"val_loss\"]" >got &&
	echo True >expect && test_cmp expect got
'

test_expect_success 'git log of main shows the request, its review, its launch and its results' '
	cd runner && git fetch -q &&
	git merge-base --is-ancestor origin/treqs/TR-0001 origin/main &&
	git log --format="%(trailers:key=TReqs-Id,valueonly,separator=) %(trailers:key=TReqs-Action,valueonly,separator=)" \
		origin/main | grep "^TR-0001 " >actions &&
	printf "TR-0001 archive\nTR-0001 launch\nTR-0001 launch\nTR-0001 approve\nTR-0001 new\n" >expect &&
	test_cmp expect actions &&
	git log --format=%s origin/main >subjects &&
	test_grep "^TR-0001: Baseline$" subjects &&
	test_grep "^TR-0001: the run$" subjects &&
	test_grep "^TR-0001: approve$" subjects &&
	test_grep "^TR-0001: launched as local:TR-0001-[0-9a-f]*$" subjects &&
	test_grep "^TR-0001: succeeded (local:TR-0001-[0-9a-f]*)$" subjects
'

test_expect_success 'show --json carries the outcome, status --json the whole result.json' '
	cd runner &&
	treqs show TR-0001 --json >show.json &&
	json_get show.json "[j[\"state\"], j[\"outcome\"]]" >got &&
	echo "[\"archived\", \"succeeded\"]" >expect && test_cmp expect got &&
	treqs status TR-0001 --json >st.json &&
	json_get st.json "j[\"state\"]" >got && echo archived >expect && test_cmp expect got &&
	git show origin/main:.treqs/archive/TR-0001/result.json >r.json &&
	json_get r.json "j" >expect && json_get st.json "j[\"result\"]" >got && test_cmp expect got &&
	treqs status TR-0001 >out &&
	test_grep "^outcome:  succeeded$" out &&
	test_grep "^cost:     [0-9]*\.[0-9][0-9] USD$" out
'

test_expect_success 'test_run: the test run goes first, then the full run; result.json has test_run' '
	tr_approved "With a test run" "run:
  command: [python3, train.py, --epochs, \"3\"]
  test_run: {minutes: 1, args: [--max-steps, \"1\"]}" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 "$id" &&
	test_grep "^$id: test run started local:$id-[0-9a-f]\{7\}-test$" exec.out &&
	test_grep "^$id: test run passed$" exec.out &&
	test_grep "^$id: launched local:$id-[0-9a-f]\{7\}$" exec.out &&
	test_grep "^$id: archived as succeeded" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	git -C remote.git log -1 --format="%(trailers:key=TReqs-Test-Job,valueonly,separator=)" "refs/treqs/locks/$id" >tj &&
	test_grep "^local:$id-[0-9a-f]\{7\}-test$" tj &&
	result "$id" "[j[\"test_run\"][\"state\"], j[\"test_run\"][\"exit_status\"]]" >got &&
	echo "[\"succeeded\", 0]" >expect && test_cmp expect got &&
	result "$id" "j[\"test_run\"][\"job\"]" >got && test_cmp tj got &&
	# the test run did one epoch, the full run three
	grep -c "^epoch" "$JOBS/$(sed "s/^local://" tj)/output.log" >n && echo 1 >expect && test_cmp expect n &&
	git -C remote.git show "main:.treqs/archive/$id/log.txt" >log &&
	grep -c "^epoch" log >n && echo 3 >expect && test_cmp expect n
'

test_expect_success 'a failing test run archives the TR as failed with its log; the full run never starts' '
	tr_approved "Broken test run" "run:
  command: [python3, train.py, --epochs, \"3\"]
  test_run: {minutes: 1, args: [--fail, exit]}" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 "$id" &&
	test_grep "^$id: test run started" exec.out &&
	! grep -q "^$id: launched" exec.out &&
	test_grep "^$id: archived as failed" exec.out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" "refs/treqs/locks/$id" >job &&
	test_grep "^local:$id-[0-9a-f]\{7\}-test$" job &&
	git -C remote.git log -1 --format="%(trailers:key=TReqs-Action,valueonly,separator=)" main >action &&
	echo fail >expect && test_cmp expect action &&
	result "$id" "j[\"test_run\"][\"job\"]" >got && test_cmp job got &&
	result "$id" "[j[\"outcome\"], j[\"exit_status\"], j[\"test_run\"][\"state\"], j[\"test_run\"][\"exit_status\"]]" >got &&
	echo "[\"failed\", 3, \"failed\", 3]" >expect && test_cmp expect got &&
	result "$id" "j[\"message\"]" >msg &&
	test_grep "test run failed" msg && test_grep "full run was not launched" msg &&
	git -C remote.git show "main:.treqs/archive/$id/log.txt" >log &&
	test_grep "^simulated failure$" log &&
	ls "$JOBS" >dirs && ! grep "^$id-[0-9a-f]*\$" dirs &&
	(cd runner && treqs show "$id" --json) >show.json &&
	test "$(json_get show.json "j[\"state\"]")" = failed
'

test_expect_success 'treqs run ID (the alias) launches and archives the named TR only' '
	tr_approved "Run alias" "run: {command: [python3, train.py, --epochs, \"2\"]}" >id &&
	tr_approved "Left alone" "run: {command: [python3, train.py, --epochs, \"3\", --sleep, \"20\"]}" >other &&
	id=$(cat id) && other=$(cat other) &&
	(cd runner && as runner treqs run "$id" --wait --interval 0.2) >out &&
	cat out &&
	test_grep "^$id: launched" out &&
	test_grep "^$id: archived as succeeded" out &&
	! grep -q "$other" out &&
	test "$(launches $other)" = 0 &&
	(cd runner && test_expect_code 2 treqs run 2>err) &&
	test_grep "name the TRs" runner/err
'

test_expect_success 'exec --dry-run says what it would do and changes nothing' '
	other=$(cat other) &&
	git -C remote.git for-each-ref >remote.before &&
	git -C runner for-each-ref >runner.before &&
	ls "$JOBS" >jobs.before &&
	run_exec --dry-run &&
	test_grep "^$other: would launch (approved, content [0-9a-f]\{7\})$" exec.out &&
	run_exec --dry-run --wait "$other" &&
	test_grep "^$other: would launch" exec.out &&
	git -C remote.git for-each-ref >remote.after &&
	git -C runner for-each-ref >runner.after &&
	ls "$JOBS" >jobs.after &&
	test_cmp remote.before remote.after &&
	test_cmp runner.before runner.after &&
	test_cmp jobs.before jobs.after
'

test_expect_success 'treqs cancel stops a running job and archives it as cancelled' '
	id=$(cat other) &&
	run_exec &&
	test_grep "^$id: launched" exec.out &&
	job=$(git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" refs/treqs/locks/$id) &&
	(cd runner && treqs status $id --json) >st.json && test "$(json_get st.json "j[\"job_state\"]")" = running &&
	pid=$(sed -n 2p "$JOBS/${job#local:}/job") && kill -0 "$pid" &&
	(cd runner && as runner treqs cancel $id) >out &&
	cat out &&
	test_grep "^$id: cancelling $job$" out &&
	test_grep "^$id: archived as cancelled" out &&
	! kill -0 "$pid" 2>/dev/null &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	git -C remote.git log -1 --format="%(trailers:key=TReqs-Action,valueonly,separator=)" main >action &&
	echo cancel >expect && test_cmp expect action &&
	result $id "[j[\"outcome\"], j[\"watcher\"]]" >got &&
	echo "[\"cancelled\", null]" >expect && test_cmp expect got &&
	(cd runner && treqs show $id --json) >show.json && test "$(json_get show.json "j[\"state\"]")" = cancelled &&
	(cd runner && test_expect_code 1 treqs cancel $id 2>err) && test_grep "not running" runner/err
'

test_expect_success 'reconcile archives a finished job whose runner died before writing back' '
	tr_approved "Orphan" "run: {command: [python3, train.py, --epochs, \"3\", --sleep, \"0.5\"]}" >id &&
	id=$(cat id) &&
	{ ( cd runner && runner_env && exec "$TREQS" exec --wait --interval 0.2 "$id" >"$TRASH/bg.out" 2>&1 ) & } &&
	bg=$! &&
	wait_for bg.out "^$id: launched" &&
	kill -9 $bg && { wait $bg 2>/dev/null || :; } &&
	tr_approved "Not for reconcile" "run: {command: [python3, train.py, --epochs, \"1\"]}" >other &&
	job=$(git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" refs/treqs/locks/$id) &&
	wait_for "$JOBS/${job#local:}/exit" " " &&
	test "$(archives $id)" = 0 &&
	(cd runner && as runner treqs reconcile) >out 2>&1 &&
	cat out &&
	test_grep "^$id: archived as succeeded" out &&
	! grep -q "$(cat other)" out &&
	test "$(launches $id)" = 1 && test "$(archives $id)" = 1 &&
	test "$(launches $(cat other))" = 0 &&
	result $id "j[\"metrics\"][\"val_loss\"] > 0" >got && echo True >expect && test_cmp expect got
'

test_expect_success 'the local driver execs argv directly: no shell sees the arguments' '
	tr_approved "Arguments" "run: {command: [python3, show.py, \"; rm -rf /\", \"\$HOME\", \"a  b\", \"*\", \"\`id\`\"]}" >argid &&
	id=$(cat argid) &&
	run_exec --wait --interval 0.2 "$id" &&
	test_grep "^$id: archived as succeeded" exec.out &&
	git -C remote.git show "main:.treqs/archive/$id/log.txt" >log &&
	cat log &&
	echo "argv=[\"; rm -rf /\", \"\$HOME\", \"a  b\", \"*\", \"\`id\`\"]" >expect &&
	grep "^argv=" log >got && test_cmp expect got
'

test_expect_success 'code merged into the TR branch after its approval does not run: the approved commit does' '
	tr_approved "Approved code" "run: {command: [python3, show.py, approved]}" >codeid &&
	id=$(cat codeid) &&
	(
		cd work && git fetch -q && git checkout -q main && git pull -q --ff-only origin main &&
		printf "print(\"argv=changed after the approval\")\n" >show.py &&
		git commit -q -am "show.py changed" && git push -q origin main &&
		git checkout -q -B "treqs/$id" "origin/treqs/$id" &&
		git merge -q --no-edit main &&
		git push -q origin "treqs/$id" &&
		git checkout -q main
	) &&
	(cd lead && git fetch -q && treqs show "$id" --json >../code.json) &&
	test "$(json_get code.json "j[\"state\"]")" = approved &&
	run_exec --wait --interval 0.2 "$id" &&
	git -C remote.git show "main:.treqs/archive/$id/log.txt" >log &&
	test_grep "^argv=\[\"approved\"\]$" log &&
	! grep -q "changed after the approval" log
'

test_expect_success 'the job sees TREQS_OUTPUT_DIR, TREQS_TR_ID and TREQS_JOB_ID' '
	id=$(cat argid) &&
	job=$(git -C remote.git log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" refs/treqs/locks/$id) &&
	git -C remote.git show "main:.treqs/archive/$id/log.txt" >log &&
	test_grep "^env TREQS_TR_ID=$id$" log &&
	test_grep "^env TREQS_JOB_ID=${job#local:}$" log &&
	test_grep "^env TREQS_OUTPUT_DIR=$JOBS/${job#local:}/output$" log &&
	test -d "$JOBS/${job#local:}/output" &&
	test_grep "^cwd=$JOBS/${job#local:}/src$" log
'

test_expect_success 'log watchers stop a NaN loss and a CUDA OOM early and say which fired' '
	tr_approved "NaN" "run: {command: [python3, train.py, --epochs, \"5\", --fail, nan]}" >nan &&
	tr_approved "OOM" "run: {command: [python3, train.py, --epochs, \"5\", --fail, oom]}" >oom &&
	start=$(date +%s) &&
	run_exec --wait --interval 0.2 "$(cat nan)" "$(cat oom)" &&
	test $(( $(date +%s) - start )) -lt 40 &&
	test_grep "^$(cat nan): the nan-loss watcher fired; stopping local:" exec.out &&
	test_grep "^$(cat oom): the cuda-oom watcher fired; stopping local:" exec.out &&
	result "$(cat nan)" "[j[\"outcome\"], j[\"watcher\"]]" >got &&
	echo "[\"failed\", \"nan-loss\"]" >expect && test_cmp expect got &&
	result "$(cat oom)" "[j[\"outcome\"], j[\"watcher\"]]" >got &&
	echo "[\"failed\", \"cuda-oom\"]" >expect && test_cmp expect got &&
	result "$(cat nan)" "j[\"duration_seconds\"] < 30" >got && echo True >expect && test_cmp expect got &&
	git -C remote.git log -2 --format=%B main >msgs &&
	test_grep "^Stopped early: nan-loss\.$" msgs &&
	test_grep "^Stopped early: cuda-oom\.$" msgs &&
	test "$(archives $(cat nan))" = 1 && test "$(archives $(cat oom))" = 1
'

test_expect_success 'nothing is left running; the server repository passes git fsck --strict' '
	(cd runner && as runner treqs reconcile --wait --interval 0.2) &&
	for f in "$JOBS"/*/job; do
		pid=$(sed -n 2p "$f") && ! kill -0 "$pid" 2>/dev/null || { echo "$f still runs" >&2; exit 1; }
	done &&
	fsck
'

test_done
