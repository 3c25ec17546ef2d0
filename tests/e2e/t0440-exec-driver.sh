#!/bin/sh
# The exec driver: treqs talks to an external program (treqs-driver-NAME)
# one JSON line each way.  tests/stub/treqs-driver-fake is a small real
# driver in Python that runs jobs on this machine; faults.json makes it
# misbehave.  The lifecycle with a test run and exec --wait, the exact
# requests, re-attaching, cancel, free resources in treqs status, and the
# failures: a missing program, an error reply, a malformed reply, a hung
# program, a crash.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/drv-lib.sh"

export FAKE_DIR="$TRASH/fake"
mkdir -p "$TRASH/bin" "$FAKE_DIR"
# on PATH as treqs-driver-fake (a wrapper: no reliance on the file's mode)
printf '#!/bin/sh\nexec python3 "%s/tests/stub/treqs-driver-fake" "$@"\n' "$TREQS_SOURCE_DIR" >"$TRASH/bin/treqs-driver-fake"
chmod +x "$TRASH/bin/treqs-driver-fake"
export PATH="$TRASH/bin:$PATH"

# faults JSON: what the fake driver does wrong next (see its header).
faults() {
	printf '%s\n' "$1" >"$FAKE_DIR/faults.json"
}

# ops: the operations the fake driver was asked for, one a line.
ops() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["request"]["op"])' "$FAKE_DIR/requests.log"
}

# request N: the Nth request (1-based) with sorted keys.
request() {
	python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])-1]
print(json.dumps(r, sort_keys=True, indent=2))' "$FAKE_DIR/requests.log" "$1"
}

names() {
	D7=$(drv_digest7 "$1") &&
	NAME="$1-$D7"
}

# TR edits for drv_tr: a test run; a job that runs for 30 s.
cat >"$TRASH/test-run.py" <<\EOF
tr = tr.replace("max_restarts: 2", 'max_restarts: 2\n  test_run: {minutes: 2, args: ["--quick"]}')
EOF
cat >"$TRASH/sleep.py" <<\EOF
tr = tr.replace('"0.1"]', '"0.1", "--sleep", "30"]')
EOF
edit() {
	echo "exec(open(\"$TRASH/$1.py\").read())"
}

test_expect_success 'setup: a world with exec drivers, and a training script on main' '
	cat >drivers.yaml <<-\EOF &&
	  fake:
	    type: exec
	    timeout_seconds: 10
	    region: lab-1
	  fake-py:
	    type: exec
	    program: python3
	    args: ["@SRC@/tests/stub/treqs-driver-fake"]
	    timeout_seconds: 2
	  nowhere:
	    type: exec
	EOF
	drv_world drivers.yaml &&
	cat >work/train.py <<-\EOF &&
	import json, os, sys, time
	args = sys.argv[1:]
	print("training with", " ".join(args), flush=True)
	time.sleep(float(args[args.index("--sleep") + 1]) if "--sleep" in args else 0)
	print("treqs-metric val_loss=0.2", flush=True)
	out = os.environ["TREQS_OUTPUT_DIR"]
	os.makedirs(out, exist_ok=True)
	json.dump({"val_accuracy": 0.91}, open(os.path.join(out, "metrics.json"), "w"))
	EOF
	(cd work && git add train.py && git commit -q -m "the trainer" && git push -q origin main)
'

test_expect_success 'exec --wait: the test run, then the full run; results and metrics.json come back' '
	id=$(drv_tr fake "$(edit test-run)") &&
	names "$id" &&
	: >"$FAKE_DIR/requests.log" &&
	drv_exec --wait "$id" >out 2>err &&
	cat out &&
	test_grep "^$id: test run started fake:fake-$NAME-test$" out &&
	test_grep "^$id: test run passed$" out &&
	test_grep "^$id: launched fake:fake-$NAME$" out &&
	test_grep "^$id: archived as succeeded" out &&
	drv_archive_msg >msg &&
	test_grep "^TReqs-Job: fake:fake-$NAME$" msg &&
	drv_result "$id" >result.json &&
	test "$(json_get result.json "j[\"metrics\"]")" = "{\"val_accuracy\": 0.91, \"val_loss\": 0.2}" &&
	test "$(json_get result.json "j[\"exit_status\"]")" = 0 &&
	test "$(json_get result.json "j[\"test_run\"][\"state\"]")" = succeeded &&
	ops >ops.out &&
	head -2 ops.out >first && printf "find\nsubmit\n" >expect && test_cmp expect first &&
	tail -3 ops.out >last && printf "poll\nlogs\ncollect\n" >expect && test_cmp expect last
'

test_expect_success 'the requests: exactly the expected submit of the test run and of the full run' '
	id=TR-0001 && names "$id" &&
	digest=$(json_get show.json "j[\"digest\"]") &&
	jobs="$TRASH/runner/.git/treqs/jobs" &&
	n=$(ops | grep -n "^submit$" | head -1 | cut -d: -f1) &&
	request "$n" >got &&
	cat >want.json <<-EOF &&
	{"argv": ["submit"], "driver_env": "fake",
	 "request": {"protocol": 1, "op": "submit", "driver": "fake",
	  "config": {"type": "exec", "timeout_seconds": "10", "region": "lab-1"},
	  "spec": {"tr_id": "$id", "digest": "$digest", "name": "$NAME-test",
	    "argv": ["python3", "train.py", "--lr", "0.1", "--quick"],
	    "workdir": "$jobs/$NAME-test/src",
	    "env": {"SEED": "7", "TREQS_OUTPUT_DIR": "$jobs/$NAME-test/output", "TREQS_TR_ID": "$id",
	            "TREQS_JOB_ID": "$NAME-test", "TREQS_TEST_RUN": "1"},
	    "gpu_type": "A100", "gpu_count": 2, "time_limit_seconds": 120.0,
	    "output_dir": "$jobs/$NAME-test/output", "state_dir": "$jobs/$NAME-test",
	    "test_run": true, "max_restarts": 2}}}
	EOF
	json_canon want.json >want &&
	test_cmp want got &&
	n=$(ops | grep -n "^submit$" | sed -n 2p | cut -d: -f1) &&
	request "$n" >got &&
	json_get got "[j[\"request\"][\"spec\"][k] for k in (\"name\", \"argv\", \"time_limit_seconds\", \"test_run\")]" >fields &&
	echo "[\"$NAME\", [\"python3\", \"train.py\", \"--lr\", \"0.1\"], 1800.0, false]" >expect &&
	test_cmp expect fields &&
	n=$(ops | grep -n "^logs$" | tail -1 | cut -d: -f1) &&
	request "$n" >got &&
	json_get got "[j[\"request\"][k] for k in (\"job_id\", \"max_bytes\")]" >fields &&
	echo "[\"fake-$NAME\", 65536]" >expect && test_cmp expect fields
'

test_expect_success 'program and args from config (no treqs-driver-fake-py on PATH); re-attach when find knows the job' '
	id=$(drv_tr fake-py) && names "$id" &&
	drv_exec "$id" >out 2>err &&
	test_grep "^$id: launched fake-py:fake-$NAME$" out &&
	git -C remote.git update-ref -d "refs/treqs/locks/$id" &&
	: >"$FAKE_DIR/requests.log" &&
	drv_exec --wait "$id" >out 2>err &&
	test_grep "^$id: re-attached to fake-py:fake-$NAME$" out &&
	test_grep "^$id: archived as succeeded" out &&
	! ops | grep -q submit &&
	request 1 >got && json_get got "j[\"argv\"]" >argv &&
	echo "[\"find\"]" >expect && test_cmp expect argv
'

test_expect_success 'treqs status shows the resources the program reports; treqs cancel stops the job' '
	id=$(drv_tr fake "$(edit sleep)") && names "$id" &&
	drv_exec "$id" >out 2>err &&
	test_grep "^$id: launched fake:fake-$NAME$" out &&
	(cd runner && treqs status "$id") >status &&
	test_grep "^state:    running$" status &&
	sed -n "/^resources:/,\$p" status >res &&
	printf "resources:\n  localhost: 1/1 fake GPU free\n" >expect &&
	test_cmp expect res &&
	(cd runner && treqs cancel "$id") >out 2>err &&
	test_grep "archived as cancelled" out &&
	drv_result "$id" >result.json &&
	test "$(json_get result.json "j[\"state\"]")" = cancelled
'

test_expect_success 'a program that is not there: exit 3, the message says what to do' '
	id=$(drv_tr nowhere) &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "exec driver .nowhere.: unable to run .treqs-driver-nowhere.: No such file or directory (put treqs-driver-nowhere on PATH, or set program: in config.yaml)" err
'

test_expect_success 'an error reply on submit: exit 3 with its message; the TR is launched by a later exec' '
	id=$(drv_tr fake) && names "$id" &&
	faults "[{\"op\": \"submit\", \"reply\": {\"ok\": false, \"error\": \"quota exceeded for team ml\", \"code\": \"failed\"}}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "exec driver .fake.: treqs-driver-fake submit: quota exceeded for team ml" err &&
	drv_exec --wait "$id" >out 2>err &&
	test_grep "^$id: launched fake:fake-$NAME$" out &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'malformed replies: the problem and the field are named' '
	id=$(drv_tr fake) && names "$id" &&
	faults "[{\"op\": \"find\", \"raw\": \"Traceback: oops\\n\"}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "treqs-driver-fake find: malformed reply: the reply is not JSON (.*; it starts .Traceback: oops.)" err &&
	faults "[{\"op\": \"find\", \"raw\": \"debug: starting\\n{\\\"ok\\\": false, \\\"code\\\": \\\"not_found\\\"}\\n\"}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "find: malformed reply: 2 lines on standard output, expected one line of JSON" err &&
	faults "[{\"op\": \"find\", \"reply\": {\"job_id\": \"x\"}}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "find: malformed reply: .ok. is missing" err &&
	faults "[{\"op\": \"submit\", \"reply\": {\"ok\": true, \"job_id\": 42}}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "submit: malformed reply: .job_id. is an integer, expected a string" err &&
	faults "[{\"op\": \"poll\", \"reply\": {\"ok\": true, \"status\": {\"state\": \"exploded\"}}}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "poll: malformed reply: .status.state. is .exploded., expected pending, running, succeeded, failed, cancelled, timeout or lost" err &&
	faults "[{\"op\": \"poll\", \"reply\": {\"ok\": true, \"status\": {\"state\": \"running\", \"start_time\": \"now\"}}}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "poll: malformed reply: .status.start_time. is a string, expected a number" err &&
	drv_exec --wait "$id" >out 2>err &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'a program that hangs is stopped after timeout_seconds' '
	id=$(drv_tr fake-py) &&
	faults "[{\"op\": \"find\", \"sleep\": 30}]" &&
	start=$(date +%s) &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test $(( $(date +%s) - start )) -lt 20 &&
	test_grep "treqs-driver-fake find: no reply within 2 s (stopped)" err
'

test_expect_success 'a program that crashes: its exit status and last line of stderr' '
	id=$(drv_tr fake) &&
	faults "[{\"op\": \"find\", \"stderr\": \"Traceback (most recent call last):\\nKeyError: spec\", \"exit\": 1}]" &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "treqs-driver-fake find exited with status 1 without a reply: KeyError: spec" err
'

test_done
