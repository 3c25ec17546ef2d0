#!/bin/sh
# t0400-slurm.sh - the Slurm driver against a real one-node cluster
# (tests/slurm/cluster.sh, Debian's slurm-wlm and slurmrestd; needs root).
#
# TRs go through the whole lifecycle (new, submit, signed approval, treqs
# exec --wait) and run on the cluster: through slurmrestd's unix socket
# (driver "slurm", named in the TR), through sbatch/squeue/scontrol/scancel
# (driver "slurm-cli", picked by driver_rules for gpu_type L4), and on fake
# GPUs (driver "slurm-gpu", gpus: true).  Also: a rerun of exec launches
# nothing twice, a job submitted before a runner crashed is re-attached by
# name, treqs cancel, the time limit (Slurm's TIMEOUT, about 70 s: it runs
# in the background while the other tests go on), requeues beyond
# run.max_restarts, and an unreachable slurmrestd (exit 3, retried by the
# next exec).  About 100 s in all.
#
# Who runs treqs: rest_auth/local accepts the socket's peer when it is
# slurmrestd's user (treqs-slurm) or root, and the jobs run as
# treqs-slurm either way.  This test runs treqs as root, so the jobs
# directory (TREQS_JOBS_DIR) is under the cluster's SLURM_JOB_DIR with the
# group treqs-slurm set-group-ID and umask 002: the directories treqs
# makes there are writable by the jobs.  One check also runs treqs exec as
# treqs-slurm.  The cluster is stopped at the end, whatever happens.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/review-lib.sh"

CLUSTER_SH=$TREQS_SOURCE_DIR/tests/slurm/cluster.sh
CLUSTER=$TRASH/cluster
W=$TRASH/w

if [ "$(id -u)" != 0 ]; then
	test_skip "the Slurm driver on a real cluster" "tests/slurm/cluster.sh needs root"
	test_done
fi
if ! command -v setpriv >/dev/null 2>&1; then
	test_skip "the Slurm driver on a real cluster" "setpriv (util-linux) is missing"
	test_done
fi

stop_cluster() {
	"$CLUSTER_SH" stop "$CLUSTER" >"$TRASH/cluster-stop.log" 2>&1
}
trap 'stop_cluster' EXIT
trap 'stop_cluster; exit 1' INT TERM

# cluster.sh wants every parent of its directory searchable by treqs-slurm.
chmod 0755 "$TRASH"
if ! TREQS_SLURM_GPUS=1 "$CLUSTER_SH" start "$CLUSTER" >"$TRASH/cluster.env" 2>"$TRASH/cluster-start.log"; then
	sed 's/^/# /' "$TRASH/cluster-start.log"
	trap - EXIT
	stop_cluster
	test_skip "the Slurm driver on a real cluster" "the test cluster did not start: $(grep 'error' "$TRASH/cluster-start.log" | head -n 1)"
	test_done
fi
SLURMRESTD_SOCKET=$(sed -n 's/^SLURMRESTD_SOCKET=//p' "$TRASH/cluster.env")
SLURM_CONF=$(sed -n 's/^SLURM_CONF=//p' "$TRASH/cluster.env")
SLURM_USER=$(sed -n 's/^SLURM_USER=//p' "$TRASH/cluster.env")
SLURM_JOB_DIR=$(sed -n 's/^SLURM_JOB_DIR=//p' "$TRASH/cluster.env")
export SLURM_CONF

# The jobs directory: written by treqs (root), used by the jobs (treqs-slurm).
umask 002
export TREQS_JOBS_DIR="$SLURM_JOB_DIR/treqs"
mkdir -p "$TREQS_JOBS_DIR" &&
chgrp "$SLURM_USER" "$TREQS_JOBS_DIR" &&
chmod 2775 "$TREQS_JOBS_DIR" || exit 1

# The job: prints who and where it runs and its arguments, writes metrics.
write_job_files() {
	cat >train.sh <<-'EOF' &&
	#!/bin/sh
	echo "hello from $(id -un)"
	for a in "$@"; do printf 'arg=[%s]\n' "$a"; done
	echo "gpus=${CUDA_VISIBLE_DEVICES:-none}"
	echo "slurm job $SLURM_JOB_ID named $SLURM_JOB_NAME"
	printf '{"loss": 0.25}\n' >"$TREQS_OUTPUT_DIR/metrics.json"
	echo "treqs-metric accuracy=0.9"
	if [ -n "${SLEEP:-}" ]; then sleep "$SLEEP"; fi
	exit "${EXIT:-0}"
	EOF
	git add train.sh &&
	cat >drivers.yaml <<-EOF &&
	drivers:
	  slurm:
	    type: slurm
	    endpoint: unix:$SLURMRESTD_SOCKET
	    partition: debug
	  slurm-gpu:
	    type: slurm
	    endpoint: unix:$SLURMRESTD_SOCKET
	    gpus: true
	    gpu_types: {A100: ""}
	  slurm-cli:
	    type: slurm
	    endpoint: cli
	    slurm_conf: $SLURM_CONF
	    partition: debug
	  slurm-down:
	    type: slurm
	    endpoint: unix:$TRASH/no-slurmrestd.sock
	    retries: 2
	    backoff_ms: 50
	driver_rules:
	  L4: slurm-cli
	EOF
	sed -i -e '/^drivers: {}$/d' -e '/^driver_rules: {}$/d' .treqs/config.yaml &&
	cat drivers.yaml >>.treqs/config.yaml &&
	rm drivers.yaml
}

# approved_tr TITLE COMMAND RUN-LINES TOP-LINES [treqs new options...]:
# a TR by author with that run.command (a YAML flow list, no '|' or '&'),
# extra lines under run: and at the top level, approved by lead and pushed.
# Prints its id.
approved_tr() {
	title=$1 cmd=$2 runx=$3 top=$4
	shift 4
	(
		cd "$W/work" &&
		id=$(as author treqs new --title "$title" --objective "Slurm driver test" --reviewer lead@example.org \
			--hours 0.1 "$@") &&
		git worktree add -q "$TRASH/wt-$id" "treqs/$id" &&
		(
			cd "$TRASH/wt-$id" &&
			f=.treqs/requests/$id.yaml &&
			sed -i "s|^  command: .*|  command: $cmd${runx:+\\n$runx}|" "$f" &&
			{ [ -z "$top" ] || printf '%s\n' "$top" >>"$f"; } &&
			treqs validate "$f" >&2 &&
			as author git commit -q -am "$id: the job"
		) &&
		git worktree remove "$TRASH/wt-$id" &&
		as author treqs submit "$id" >/dev/null 2>&1 &&
		cd "$W/lead" && git fetch -q &&
		as lead treqs review "$id" --approve -m "go" --push >/dev/null 2>&1 &&
		echo "$id"
	)
}

# A runner clone: runner NAME.
runner() {
	git clone -q "$W/remote.git" "$W/$1" &&
	git -C "$W/$1" config user.name "treqs runner" &&
	git -C "$W/$1" config user.email runner@example.org
}

# result ID EXPR: EXPR evaluated on the archived result.json (as j).
result() {
	git -C "$W/work" fetch -q &&
	git -C "$W/work" show "origin/main:.treqs/archive/$1/result.json" >"$TRASH/result-$1.json" &&
	json_get "$TRASH/result-$1.json" "$2"
}

# job_field ID KEY: a field of `scontrol -o show job ID`.
job_field() {
	scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# wait_job_state ID STATE [SECONDS]: until Slurm reports STATE for job ID.
wait_job_state() {
	i=0
	while [ "$i" -lt "${3:-30}0" ]; do
		[ "$(job_field "$1" JobState)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "job $1 never reached $2: $(scontrol -o show job "$1" 2>&1)" >&2
	return 1
}

# wait_job_output ID COUNT: until the job's output file holds COUNT "hello"
# lines (the job really runs: Slurm refuses to relaunch a job requeued while
# it was still being launched).
wait_job_output() {
	i=0
	while [ "$i" -lt 300 ]; do
		[ "$(grep -c "^hello from" "$(job_field "$1" StdOut)" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "job $1 did not print hello $2 times: $(scontrol -o show job "$1" 2>&1)" >&2
	return 1
}

# slurm_id ID: the Slurm job id recorded on the TR's lock (TReqs-Job: DRIVER:N).
slurm_id() {
	git -C "$W/work" fetch -q origin "+refs/treqs/locks/$1:refs/tmp-lock" &&
	git -C "$W/work" log -1 --format=%B refs/tmp-lock | sed -n 's/^TReqs-Job: [a-z-]*:\([0-9]*\)$/\1/p'
}

test_expect_success 'setup: a world whose config names the cluster' '
	make_world w write_job_files &&
	clone_as w lead &&
	runner runner && runner runner-tl
'

# The time limit takes Slurm about 70 s (1 minute, enforced every 30 s):
# its TR is launched first, in the background, and checked at the end.
TL=$(approved_tr "Time limit" '["sleep", "600"]' "" "driver: slurm" --hours 0.001)
if [ -n "$TL" ]; then
	(cd "$W/runner-tl" && treqs exec --wait --interval 2 "$TL" >"$TRASH/tl.out" 2>&1; echo $? >"$TRASH/tl.rc") &
fi

test_expect_success 'a TR with driver: slurm runs on the cluster through slurmrestd, test run first' '
	id=$(approved_tr "Through slurmrestd" "[\"sh\", \"train.sh\", \"\$(touch pwned)\", \"it'"'"'s; rm -rf /\", \"a b\"]" \
		"  test_run: {minutes: 1, args: [\"--quick\"]}" "driver: slurm") &&
	test -n "$id" &&
	cd "$W/runner" &&
	start=$(date +%s) &&
	treqs exec --wait "$id" >out 2>err &&
	cat out err &&
	echo "exec --wait took $(( $(date +%s) - start )) s" &&
	test_grep "test run started slurm:[0-9]" out &&
	test_grep "test run passed" out &&
	test_grep "launched slurm:[0-9]" out &&
	test_grep "archived as succeeded" out &&
	git fetch -q &&
	git log -1 --format=%B origin/main >msg &&
	test_grep "^TReqs-Job: slurm:[0-9][0-9]*$" msg &&
	test_grep "^TReqs-Action: archive$" msg &&
	job=$(sed -n "s/^TReqs-Job: slurm://p" msg) &&
	test "$(result "$id" "j[\"outcome\"]")" = succeeded &&
	test "$(result "$id" "j[\"state\"]")" = succeeded &&
	test "$(result "$id" "j[\"exit_status\"]")" = 0 &&
	test "$(result "$id" "j[\"metrics\"][\"loss\"]")" = 0.25 &&
	test "$(result "$id" "j[\"test_run\"][\"state\"]")" = succeeded &&
	git show "origin/main:.treqs/archive/$id/log.txt" >log &&
	test_grep "^hello from $SLURM_USER$" log &&
	test_grep -F "arg=[\$(touch pwned)]" log &&
	test_grep -F "arg=[it'"'"'s; rm -rf /]" log &&
	test_grep -F "arg=[a b]" log &&
	test_grep "^gpus=none$" log &&
	test_grep "named $id-[0-9a-f]\{7\}$" log &&
	! find "$TREQS_JOBS_DIR" -name pwned | grep . &&
	test "$(job_field "$job" JobState)" = COMPLETED &&
	test "$(job_field "$job" UserId)" = "$SLURM_USER($(id -u "$SLURM_USER"))" &&
	test "$(job_field "$job" Partition)" = debug &&
	test "$(job_field "$job" TimeLimit)" = 00:06:00 &&
	echo "$id" >"$TRASH/rest.id"
'

test_expect_success 'exec again: nothing launched twice, the archive is not rewritten' '
	id=$(cat "$TRASH/rest.id") &&
	cd "$W/runner" &&
	git fetch -q && before=$(git rev-parse origin/main) &&
	jobs_before=$(squeue -h --states=all -o %i | wc -l) &&
	treqs exec --wait "$id" >out 2>&1 && cat out &&
	git fetch -q && test "$(git rev-parse origin/main)" = "$before" &&
	test "$(squeue -h --states=all -o %i | wc -l)" = "$jobs_before"
'

test_expect_success 'a job submitted before a runner crashed is found by name and re-attached' '
	id=$(approved_tr "Crashed runner" "[\"sh\", \"train.sh\"]" "" "driver: slurm") &&
	test -n "$id" &&
	cd "$W/runner" && git fetch -q &&
	treqs show "$id" --json >show.json &&
	name="$id-$(json_get show.json "j[\"digest\"][:7]")" &&
	mkdir -p "$TREQS_JOBS_DIR/$name" &&
	job=$(setpriv --reuid="$SLURM_USER" --regid="$SLURM_USER" --init-groups -- \
		sbatch --parsable -J "$name" --comment="treqs;max_restarts=0" -D "$TREQS_JOBS_DIR" \
		-o "$TREQS_JOBS_DIR/$name/output.log" --wrap "echo submitted before the crash") &&
	treqs exec --wait "$id" >out 2>&1 && cat out &&
	test_grep "re-attached to slurm:$job$" out &&
	test_grep "archived as succeeded" out &&
	git show "origin/main:.treqs/archive/$id/log.txt" >log &&
	test_grep "^submitted before the crash$" log &&
	test "$(squeue -h --states=all -o %j | grep -c "^$id-")" = 1
'

test_expect_success 'driver_rules send gpu_type L4 to the command-line driver (sbatch, scontrol)' '
	id=$(approved_tr "Through sbatch" "[\"sh\", \"train.sh\", \"x;y\"]" "  env: {EXIT: \"3\"}" "" --gpu-type L4) &&
	test -n "$id" &&
	cd "$W/runner" &&
	test_expect_code 0 treqs exec --wait "$id" >out 2>&1 && cat out &&
	test_grep "launched slurm-cli:[0-9]" out &&
	test_grep "archived as failed" out &&
	git fetch -q && git log -1 --format=%B origin/main >msg &&
	test_grep "^TReqs-Job: slurm-cli:[0-9][0-9]*$" msg &&
	test "$(result "$id" "j[\"state\"]")" = failed &&
	test "$(result "$id" "j[\"exit_status\"]")" = 3 &&
	test "$(result "$id" "j[\"metrics\"][\"loss\"]")" = 0.25 &&
	git show "origin/main:.treqs/archive/$id/log.txt" >log &&
	test_grep -F "arg=[x;y]" log &&
	job=$(sed -n "s/^TReqs-Job: slurm-cli://p" msg) &&
	test "$(job_field "$job" JobState)" = FAILED &&
	test "$(job_field "$job" ExitCode)" = 3:0
'

test_expect_success 'gpus: true asks Slurm for the GPUs (fake gres), the job sees them' '
	id=$(approved_tr "On a GPU" "[\"sh\", \"train.sh\"]" "" "driver: slurm-gpu") &&
	test -n "$id" &&
	cd "$W/runner" &&
	treqs exec --wait "$id" >out 2>&1 && cat out &&
	test_grep "archived as succeeded" out &&
	git show "origin/main:.treqs/archive/$id/log.txt" >log &&
	test_grep "^gpus=0$" log &&
	job=$(slurm_id "$id") &&
	scontrol -o show job "$job" | grep -o "TresPerNode=[^ ]*" >tres &&
	test_grep "gres:gpu:1" tres
'

test_expect_success 'treqs cancel stops the Slurm job and archives the TR as cancelled' '
	id=$(approved_tr "To be cancelled" "[\"sh\", \"train.sh\"]" "  env: {SLEEP: \"300\"}" "driver: slurm") &&
	test -n "$id" &&
	cd "$W/runner" &&
	treqs exec "$id" >out 2>&1 && cat out &&
	test_grep "launched slurm:[0-9]" out &&
	job=$(slurm_id "$id") && test -n "$job" &&
	wait_job_state "$job" RUNNING &&
	treqs status "$id" >status 2>&1 && cat status &&
	treqs cancel "$id" >out 2>&1 && cat out &&
	test_grep "cancelling slurm:$job" out &&
	test_grep "archived as cancelled" out &&
	test "$(job_field "$job" JobState)" = CANCELLED &&
	test "$(result "$id" "j[\"outcome\"]")" = cancelled &&
	git log -1 --format=%B origin/main >msg &&
	test_grep "^TReqs-Action: cancel$" msg
'

test_expect_success 'a job requeued more often than run.max_restarts allows is cancelled and fails' '
	id=$(approved_tr "Requeued" "[\"sh\", \"train.sh\"]" "  env: {SLEEP: \"300\"}\n  max_restarts: 1" "driver: slurm") &&
	test -n "$id" &&
	cd "$W/runner" &&
	treqs exec "$id" >out 2>&1 && cat out &&
	job=$(slurm_id "$id") && test -n "$job" &&
	test "$(job_field "$job" Requeue)" = 1 &&
	wait_job_output "$job" 1 &&
	scontrol requeue "$job" &&
	wait_job_state "$job" PENDING &&
	treqs exec "$id" >out 2>&1 && cat out &&
	test "$(job_field "$job" Restarts)" = 1 &&
	# slurmd refuses a relaunch in the second its credential was revoked
	sleep 2 &&
	scontrol update JobId="$job" StartTime=now &&
	wait_job_output "$job" 2 &&
	scontrol requeue "$job" &&
	wait_job_state "$job" PENDING &&
	treqs exec --wait "$id" >out 2>&1 && cat out &&
	test_grep "archived as failed" out &&
	test "$(job_field "$job" JobState)" = CANCELLED &&
	test "$(result "$id" "j[\"restarts\"]")" = 2 &&
	test "$(result "$id" "j[\"state\"]")" = failed
'

test_expect_success 'slurmrestd unreachable: exit 3, a clear message, retried by the next exec' '
	id=$(approved_tr "Nobody home" "[\"true\"]" "" "driver: slurm-down") &&
	test -n "$id" &&
	cd "$W/runner" &&
	test_expect_code 3 treqs exec "$id" >out 2>err &&
	cat out err &&
	test_grep "slurm driver .slurm-down.: .*no-slurmrestd.sock" err &&
	test_grep "3 attempts" err &&
	# nothing was recorded, and the next exec tries again
	test -z "$(slurm_id "$id")" &&
	test_expect_code 3 treqs exec "$id" >out 2>err &&
	cat out err &&
	test_grep "slurm driver .slurm-down.: .*no-slurmrestd.sock" err &&
	! grep "being launched" out &&
	! squeue -h --states=all -o %j | grep "^$id-"
'

test_expect_success 'treqs exec as the Slurm user works too (rest_auth/local)' '
	id=$(approved_tr "As treqs-slurm" "[\"sh\", \"train.sh\"]" "" "driver: slurm") &&
	test -n "$id" &&
	# its own copy of the remote: git and libgit2 refuse repositories of other users
	A=$TRASH/as-slurm && mkdir "$A" &&
	cp -a "$W/remote.git" "$A/remote.git" &&
	git clone -q "$A/remote.git" "$A/runner" &&
	git -C "$A/runner" config user.name "treqs runner" &&
	git -C "$A/runner" config user.email runner@example.org &&
	chown -R "$SLURM_USER" "$A" &&
	cd "$A/runner" &&
	{
		setpriv --reuid="$SLURM_USER" --regid="$SLURM_USER" --init-groups -- \
			env TREQS_JOBS_DIR="$SLURM_JOB_DIR/as-slurm" "$TREQS" exec --wait "$id" >"$TRASH/out" 2>&1
		rc=$?
		cat "$TRASH/out"
		test "$rc" = 0
	} &&
	test_grep "archived as succeeded" "$TRASH/out" &&
	git -C "$A/remote.git" -c safe.directory="*" show "main:.treqs/archive/$id/result.json" >res.json &&
	test "$(json_get res.json "j[\"exit_status\"]")" = 0 &&
	test "$(job_field "$(json_get res.json "j[\"job\"]" | sed "s/^slurm://")" UserId)" = "$SLURM_USER($(id -u "$SLURM_USER"))"
'

test_expect_success 'the time limit: Slurm stops the job, the TR is archived as failed (timeout)' '
	test -n "$TL" &&
	i=0 && while [ ! -s "$TRASH/tl.rc" ] && [ "$i" -lt 150 ]; do sleep 1; i=$((i + 1)); done &&
	cat "$TRASH/tl.out" &&
	test "$(cat "$TRASH/tl.rc")" = 0 &&
	test_grep "archived as failed" "$TRASH/tl.out" &&
	test "$(result "$TL" "j[\"state\"]")" = timeout &&
	job=$(slurm_id "$TL") &&
	test "$(job_field "$job" JobState)" = TIMEOUT &&
	test "$(job_field "$job" TimeLimit)" = 00:01:00
'

test_expect_success 'the repositories are clean' '
	fsck_all w
'

test_expect_success 'the cluster stops and leaves no process behind' '
	stop_cluster && cat "$TRASH/cluster-stop.log" &&
	! "$CLUSTER_SH" status "$CLUSTER" 2>/dev/null &&
	! ps -eo args | grep -F "$CLUSTER/" | grep -v grep
'
trap - EXIT INT TERM
test_done
