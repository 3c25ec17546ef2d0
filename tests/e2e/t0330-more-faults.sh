#!/bin/sh
# More execution faults end to end, on the local driver: jobs that leave
# daemons behind, a monitor that dies or whose pid is taken by a stranger
# (a reboot), a job that fills the disk, metrics.json as Python writes it,
# a TR that sets treqs' own variables, a healthy log line that mentions
# NaN.  Each must end with the right outcome, no lost result, nothing left
# running and no stranger signalled.  The world is in exec-lib.sh.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/exec-lib.sh"

JOBS=$TRASH/runner/.git/treqs/jobs

# job_dir ID: the local job directory of ID's (recorded) job.
job_dir() {
	_job=$(git -C "$TRASH/remote.git" log -1 --format="%(trailers:key=TReqs-Job,valueonly,separator=)" "refs/treqs/locks/$1") &&
	echo "$JOBS/${_job#local:}"
}

# alive PID: the process runs (and is no zombie).
alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q "^State:.*Z" "/proc/$1/status" 2>/dev/null
}

test_expect_success 'setup: the world of exec-lib.sh' '
	make_world
'

test_expect_success 'a job that leaves a daemon in a session of its own: the daemon goes when the job ends' '
	tr_approved "Daemon" "run:
  command: [python3, -c, \"import subprocess; p = subprocess.Popen([\x27sleep\x27, \x27300\x27], start_new_session=True); open(\x27$TRASH/daemon.pid\x27, \x27w\x27).write(str(p.pid)); print(\x27treqs-metric started=1\x27)\"]" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as succeeded" exec.out &&
	pid=$(cat daemon.pid) && test -n "$pid" &&
	n=0 && while alive "$pid" && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done &&
	! alive "$pid" &&
	result $id "j[\"metrics\"]" >got && echo "{\"started\": 1.0}" >expect && test_cmp expect got
'

test_expect_success 'a daemon that outlives a job stopped at its time limit goes too' '
	TR_HOURS=0.001 tr_approved "Daemon, too slow" "run:
  shell: true
  command: \"setsid sleep 300 & echo \$! >$TRASH/daemon2.pid; sleep 60\"" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as failed" exec.out &&
	result $id "j[\"state\"]" >got && echo timeout >expect && test_cmp expect got &&
	pid=$(cat daemon2.pid) &&
	n=0 && while alive "$pid" && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done &&
	! alive "$pid"
'

test_expect_success 'the monitor dies while the job runs: archived as lost, and the job does not run on unwatched' '
	tr_approved "Monitor dies" "run: {command: [sleep, \"120\"]}" >id &&
	id=$(cat id) &&
	run_exec --interval 0.2 &&
	dir=$(job_dir $id) &&
	mon=$(sed -n 1p "$dir/job") && job=$(sed -n 2p "$dir/job") &&
	alive "$job" &&
	kill -9 "$mon" &&
	n=0 && while alive "$mon" && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as failed" exec.out &&
	result $id "[j[\"outcome\"], j[\"state\"]]" >got && echo "[\"failed\", \"lost\"]" >expect && test_cmp expect got &&
	result $id "j[\"message\"]" >msg && test_grep "monitor process $mon is gone" msg && test_grep "was stopped" msg &&
	n=0 && while alive "$job" && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done &&
	! alive "$job"
'

# reboot ID: as if the machine rebooted while ID's job ran: monitor and
# job are gone, and a stranger (a process group of its own) now has the
# pids the job file names; prints the stranger's pid.
reboot() {
	_dir=$(job_dir "$1") &&
	_mon=$(sed -n 1p "$_dir/job") && _job=$(sed -n 2p "$_dir/job") &&
	kill -9 "$_mon" && kill -9 -"$_job" &&
	rm -f "$TRASH/stranger.pid" &&
	{ python3 -c "import os, sys, time
os.setsid()
open(sys.argv[1] + \".tmp\", \"w\").write(str(os.getpid()))
os.rename(sys.argv[1] + \".tmp\", sys.argv[1])
time.sleep(120)" "$TRASH/stranger.pid" </dev/null >/dev/null 2>&1 & } &&
	_n=0 && while [ ! -s "$TRASH/stranger.pid" ] && [ $_n -lt 50 ]; do sleep 0.1; _n=$((_n + 1)); done &&
	_s=$(cat "$TRASH/stranger.pid") &&
	{ echo "$_s"; echo "$_s"; sed -n "3,\$p" "$_dir/job"; } >"$_dir/job.new" &&
	mv "$_dir/job.new" "$_dir/job" &&
	echo "$_s"
}

test_expect_success 'after a reboot, a stranger with the monitor'"'"'s pid: exec --wait does not wait for it' '
	tr_approved "Rebooted" "run: {command: [sleep, \"120\"]}" >id &&
	id=$(cat id) &&
	run_exec --interval 0.2 &&
	stranger=$(reboot $id) && echo "$stranger" >>strangers && alive "$stranger" &&
	(cd runner && as runner timeout 30 "$TREQS" exec --wait --interval 0.2) >out 2>&1; rc=$? &&
	cat out && test $rc = 0 &&
	test_grep "^$id: archived as failed" out &&
	result $id "j[\"state\"]" >got && echo lost >expect && test_cmp expect got &&
	alive "$stranger" && kill "$stranger"
'

test_expect_success 'after a reboot, treqs cancel does not signal the stranger that has the job'"'"'s pid' '
	tr_approved "Rebooted, cancelled" "run: {command: [sleep, \"120\"]}" >id &&
	id=$(cat id) &&
	run_exec --interval 0.2 &&
	stranger=$(reboot $id) && echo "$stranger" >>strangers && alive "$stranger" &&
	(cd runner && as runner timeout 60 "$TREQS" cancel $id) >out 2>&1; rc=$? &&
	cat out && test $rc = 0 &&
	test_grep "^$id: archived as" out &&
	sleep 0.3 && alive "$stranger" && kill "$stranger"
'

test_expect_success 'a job that fills the disk of the jobs directory: its outcome and metrics still come back' '
	if [ "$(id -u)" != 0 ] || ! { mkdir -p small && mount -t tmpfs -o size=2m tmpfs small; } 2>/dev/null; then
		echo "skipped: needs root to mount a small file system"; exit 0
	fi &&
	tr_approved "Disk full" "run:
  shell: true
  command: \"echo {\\\\\\\"acc\\\\\\\": 0.7} >\$TREQS_OUTPUT_DIR/metrics.json && { cat /dev/zero >\$TREQS_OUTPUT_DIR/filler 2>/dev/null; true; }\"" >id &&
	id=$(cat id) &&
	(cd runner && TREQS_JOBS_DIR="$TRASH/small/jobs" && export TREQS_JOBS_DIR &&
	 as runner treqs exec --wait --interval 0.2) >out 2>&1; rc=$? &&
	df small >df.out; umount small; cat out df.out && test $rc = 0 &&
	test_grep "100%" df.out &&
	test_grep "^$id: archived as succeeded" out &&
	result $id "[j[\"state\"], j[\"exit_status\"], j[\"metrics\"]]" >got &&
	echo "[\"succeeded\", 0, {\"acc\": 0.7}]" >expect && test_cmp expect got
'

test_expect_success 'metrics.json as Python writes it (NaN, Infinity) and with a long history: the numbers are kept' '
	tr_approved "Python metrics" "run:
  command: [python3, -c, \"import json, os; json.dump({\x27acc\x27: 0.91, \x27ppl\x27: float(\x27inf\x27), \x27loss\x27: float(\x27nan\x27), \x27history\x27: [0.123456789] * 150000}, open(os.environ[\x27TREQS_OUTPUT_DIR\x27] + \x27/metrics.json\x27, \x27w\x27))\"]" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^$id: archived as succeeded" exec.out &&
	result $id "j[\"metrics\"]" >got && echo "{\"acc\": 0.91}" >expect && test_cmp expect got
'

test_expect_success 'a TR that sets TREQS_OUTPUT_DIR: the job sees treqs'"'"' value only, and exec says so' '
	tr_approved "Own variables" "run:
  command: [env]
  env: {TREQS_OUTPUT_DIR: /tmp/elsewhere, TREQS_TEST_RUN: \"1\", SEED: \"7\"}" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	test_grep "^treqs: $id: warning: run.env.TREQS_OUTPUT_DIR is set by treqs" exec.err &&
	git -C remote.git show main:.treqs/archive/$id/log.txt >log &&
	grep "^TREQS_OUTPUT_DIR=" log >dirs &&
	echo "TREQS_OUTPUT_DIR=$(job_dir $id)/output" >expect && test_cmp expect dirs &&
	! grep -q "^TREQS_TEST_RUN=" log &&
	test_grep "^SEED=7$" log
'

test_expect_success 'a healthy log line that mentions NaN next to the loss does not stop the run' '
	tr_approved "Counts NaNs" "run:
  shell: true
  command: \"echo step 1 loss=0.42 nan_grads=0 skipped_inf=0; sleep 2; echo treqs-metric loss=0.42\"" >id &&
	id=$(cat id) &&
	run_exec --wait --interval 0.2 &&
	! grep -q "watcher fired" exec.out &&
	test_grep "^$id: archived as succeeded" exec.out &&
	result $id "[j[\"watcher\"], j[\"metrics\"]]" >got && echo "[null, {\"loss\": 0.42}]" >expect && test_cmp expect got
'

test_expect_success 'a relative TREQS_JOBS_DIR: the job launches, and its metrics.json is found' '
	tr_approved "Relative jobs directory" "run:
  shell: true
  command: \"echo {\\\\\\\"acc\\\\\\\": 0.6} >\$TREQS_OUTPUT_DIR/metrics.json\"" >id &&
	id=$(cat id) &&
	(cd runner && TREQS_JOBS_DIR=ci-jobs && export TREQS_JOBS_DIR && as runner treqs exec --wait --interval 0.2) >out 2>&1 &&
	cat out &&
	test_grep "^$id: launched local:" out &&
	test_grep "^$id: archived as succeeded" out &&
	test -d runner/ci-jobs &&
	result $id "j[\"metrics\"]" >got && echo "{\"acc\": 0.6}" >expect && test_cmp expect got
'

test_expect_success 'no collect directories are left behind; nothing of the jobs runs; git fsck --strict' '
	for s in $(cat strangers 2>/dev/null); do kill "$s" 2>/dev/null || :; done &&
	ls -a "$JOBS" >dirs && ! grep "collect" dirs &&
	for f in "$JOBS"/*/job; do
		pid=$(sed -n 2p "$f") && ! alive "$pid" || { echo "$f still runs" >&2; exit 1; }
	done &&
	fsck
'

for s in $(cat "$TRASH/strangers" 2>/dev/null); do kill "$s" 2>/dev/null; done
test_done
