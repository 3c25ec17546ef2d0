#!/bin/sh
# Drivers at their edges: job ids the engine chose with '/' or "..", two
# engines numbering their jobs alike, an exec driver that leaves a
# background process on its output, an engine message cut inside a UTF-8
# character, sbatch reading a TR's env as its own options, and a log
# answer too large to read.  The exec driver here is a small program of
# this test (treqs-driver-edge); the http service is tests/stub/httpstub.py
# and sbatch a script that records what it was given.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/drv-lib.sh"

mkdir -p "$TRASH/bin"
export PATH="$TRASH/bin:$PATH"

# treqs-driver-edge: an engine that finished every job at once.  From its
# config: job_id (the id it answers), metrics (the text it writes as
# metrics.json on collect), detail (its message), end_time (the job's end;
# it started at 1714557600), metrics_fifo (1: metrics.json is a FIFO, as
# "cp -a" of a job's output directory would copy one), background (1:
# leave a process holding stdout and stderr, as "job &" in a driver script
# would).
cat >"$TRASH/bin/treqs-driver-edge" <<\EOF
#!/usr/bin/env python3
import json, os, subprocess, sys
req = json.loads(sys.stdin.readline())
conf, op = req["config"], req["op"]
if conf.get("background") == "1":
    p = subprocess.Popen(["sleep", "30"])  # inherits stdout and stderr
    with open(os.path.join(os.environ["EDGE_DIR"], "background.pids"), "a") as f:
        f.write("%d\n" % p.pid)
def reply(o):
    sys.stdout.write(json.dumps(o) + "\n")
    sys.stdout.flush()
if op == "find":
    reply({"ok": False, "code": "not_found", "error": "none yet"})
elif op == "submit":
    reply({"ok": True, "job_id": conf["job_id"]})
elif op == "poll":
    reply({"ok": True, "status": {"state": "succeeded", "exit_code": 0, "start_time": 1714557600,
                                  "end_time": float(conf.get("end_time", 1714557660)),
                                  "detail": conf.get("detail", "")}})
elif op == "logs":
    reply({"ok": True, "logs": "treqs-metric from_log=1\n"})
elif op == "collect":
    try:
        if conf.get("metrics_fifo") == "1":
            os.mkfifo(os.path.join(req["dest"], "metrics.json"))
        elif "metrics" in conf:
            with open(os.path.join(req["dest"], "metrics.json"), "w") as f:
                f.write(conf["metrics"])
        reply({"ok": True})
    except OSError as e:
        reply({"ok": False, "error": str(e)})
else:
    reply({"ok": True})
EOF
chmod +x "$TRASH/bin/treqs-driver-edge"
export EDGE_DIR="$TRASH"

# sbatch, squeue: no cluster; sbatch keeps its environment and its script.
cat >"$TRASH/bin/sbatch" <<EOF
#!/bin/sh
env >"$TRASH/sbatch.env"
cat >"$TRASH/sbatch.script"
echo 4242
EOF
printf '#!/bin/sh\nexit 0\n' >"$TRASH/bin/squeue"
chmod +x "$TRASH/bin/sbatch" "$TRASH/bin/squeue"

JOBS=$TRASH/runner/.git/treqs/jobs

test_expect_success 'setup: a world with exec drivers of odd engines, a sbatch-only Slurm, an http service' '
	echo "[]" >scenario.json && stub_start scenario.json && stub_stop &&
	cat >drivers.yaml <<-\EOF &&
	  edge-slash:
	    type: exec
	    program: treqs-driver-edge
	    job_id: lab/7
	    metrics: "{\"acc\": 0.7}"
	  edge-escape:
	    type: exec
	    program: treqs-driver-edge
	    job_id: ../../escape
	    metrics: "{\"acc\": 0.8}"
	  edge-a:
	    type: exec
	    program: treqs-driver-edge
	    job_id: "1"
	    metrics: "{\"acc\": 0.5}"
	  edge-b:
	    type: exec
	    program: treqs-driver-edge
	    job_id: "1"
	  edge-fifo:
	    type: exec
	    program: treqs-driver-edge
	    job_id: f-1
	    metrics_fifo: "1"
	  edge-ms:
	    type: exec
	    program: treqs-driver-edge
	    job_id: ms-1
	    end_time: "1714557660000"
	  edge-bg:
	    type: exec
	    program: treqs-driver-edge
	    job_id: bg-1
	    background: "1"
	    timeout_seconds: 20
	  slurm-cli:
	    type: slurm
	    endpoint: cli
	  gpulab:
	    type: http
	    endpoint: http://127.0.0.1:@PORT@
	    repo: git@git.example.org:ml/project.git
	    timeout_seconds: 20
	    retries: 0
	  edge-utf8:
	    type: exec
	    program: treqs-driver-edge
	    job_id: u-1
	EOF
	python3 -c "import sys; print(\"    detail: \\\"%s\\\"\" % (\"\\u00e9\" * 300))" >>drivers.yaml &&
	drv_world drivers.yaml
'

test_expect_success 'an engine'"'"'s job id with a slash: its metrics.json is collected' '
	id=$(drv_tr edge-slash) &&
	drv_exec --wait "$id" >out 2>err &&
	cat out err &&
	test_grep "^$id: archived as succeeded in commit [0-9a-f]* (edge-slash:lab/7," out &&
	drv_result "$id" >r.json &&
	json_get r.json "j[\"metrics\"]" >got && echo "{\"acc\": 0.7, \"from_log\": 1.0}" >expect && test_cmp expect got
'

test_expect_success 'a job id with "..": nothing is created outside the jobs directory' '
	id=$(drv_tr edge-escape) &&
	drv_exec --wait "$id" >out 2>err &&
	cat out err &&
	test_grep "^$id: archived as succeeded" out &&
	! test -e runner/.git/escape.collected && ! test -e runner/escape.collected &&
	drv_result "$id" >r.json &&
	json_get r.json "j[\"metrics\"][\"acc\"]" >got && echo 0.8 >expect && test_cmp expect got
'

test_expect_success 'two engines that both call their job "1": the second job does not get the first one'"'"'s metrics' '
	a=$(drv_tr edge-a) && b=$(drv_tr edge-b) &&
	drv_exec --wait "$a" >out 2>err && test_grep "^$a: archived as succeeded" out &&
	drv_exec --wait "$b" >out 2>err && test_grep "^$b: archived as succeeded" out &&
	drv_result "$a" >a.json && drv_result "$b" >b.json &&
	json_get a.json "j[\"metrics\"]" >got && echo "{\"acc\": 0.5, \"from_log\": 1.0}" >expect && test_cmp expect got &&
	json_get b.json "j[\"metrics\"]" >got && echo "{\"from_log\": 1.0}" >expect && test_cmp expect got &&
	ls -a "$JOBS" >dirs && ! grep collect dirs
'

test_expect_success 'a metrics.json that is a FIFO: not read (no hang), said, the log'"'"'s metrics kept' '
	id=$(drv_tr edge-fifo) &&
	(cd runner && timeout 60 "$TREQS" exec --wait --interval 0.1 "$id") >out 2>err; rc=$? &&
	cat out err && test $rc = 0 &&
	test_grep "^$id: archived as succeeded" out &&
	test_grep "^treqs: $id: metrics.json: .* is not a regular file (its metrics are not used)$" err &&
	drv_result "$id" >r.json &&
	json_get r.json "j[\"metrics\"]" >got && echo "{\"from_log\": 1.0}" >expect && test_cmp expect got
'

test_expect_success 'an exec driver that leaves a process on its output: its replies count at once' '
	id=$(drv_tr edge-bg) &&
	start=$(date +%s) &&
	drv_exec --wait "$id" >out 2>err; rc=$? &&
	cat out err && test $rc = 0 &&
	test $(( $(date +%s) - start )) -lt 15 &&
	test_grep "^$id: launched edge-bg:bg-1$" out &&
	test_grep "^$id: archived as succeeded" out &&
	for p in $(cat background.pids); do kill -0 $p && kill $p || exit 1; done
'

test_expect_success 'an engine message cut inside a UTF-8 character: result.json keeps the message' '
	id=$(drv_tr edge-utf8) &&
	drv_exec --wait "$id" >out 2>err &&
	test_grep "^$id: archived as succeeded" out &&
	drv_result "$id" >r.json &&
	json_get r.json "j[\"message\"][:3] == \"\\u00e9\" * 3 and j[\"message\"].endswith(\"?\")" >got &&
	echo True >expect && test_cmp expect got
'

test_expect_success 'an engine that reports its end in milliseconds: the cost is bounded by the time since the launch' '
	id=$(drv_tr edge-ms) &&
	(unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE && drv_exec --wait "$id") >out 2>err &&
	cat out err &&
	test_grep "^$id: archived as succeeded" out &&
	test_grep "^treqs: $id: warning: the engine reports 1712843102400 s of run time, more than the [0-9]* s since it was launched; counting [0-9]* s$" err &&
	drv_result "$id" >r.json &&
	json_get r.json "3600 <= j[\"duration_seconds\"] < 3700 and j[\"cost_actual_usd\"] < 10" >got &&
	echo True >expect && test_cmp expect got &&
	drv_archive_msg >msg && test_grep "^TReqs-Cost-Actual: [0-9]\.[0-9][0-9]$" msg
'

test_expect_success 'sbatch never sees a TR'"'"'s env as its own options (SBATCH_*); the job still gets it' '
	id=$(drv_tr slurm-cli "tr = tr.replace(\"[\\\"python3\\\", \\\"train.py\\\", \\\"--lr\\\", \\\"0.1\\\"]\", \"[\\\"env\\\"]\").replace(\"env: {SEED: \\\"7\\\"}\", \"env: {SEED: \\\"7\\\", SBATCH_ARRAY_INX: \\\"0-99\\\", SBATCH_GPUS: \\\"8\\\", SBATCH_WAIT: \\\"1\\\", QUOTED: \\\"it'"'"'s; \$(touch x)\\\"}\")") &&
	drv_exec "$id" >out 2>err &&
	cat out err &&
	test_grep "^$id: launched slurm-cli:4242$" out &&
	! grep "^SBATCH_" sbatch.env &&
	! grep "^SEED=" sbatch.env &&
	cat sbatch.script &&
	head -2 sbatch.script >head && test_grep "^# treqs job $id-" head &&
	sh sbatch.script >job.env &&
	! test -e x && ! test -e "$JOBS/$id"-*/src/x &&
	test_grep "^SBATCH_ARRAY_INX=0-99$" job.env &&
	test_grep "^SBATCH_GPUS=8$" job.env &&
	test_grep "^SEED=7$" job.env &&
	test_grep "^QUOTED=it.s; \$(touch x)$" job.env &&
	test_grep "^TREQS_TR_ID=$id$" job.env
'

test_expect_success 'a log answer larger than 64 MiB: the archive says the log could not be read' '
	id=$(drv_tr gpulab) &&
	D7=$(drv_digest7 "$id") && NAME="$id-$D7" &&
	python3 - "$NAME" >scenario.json <<-\EOF &&
	import json, sys
	name = sys.argv[1]
	done = {"id": "j-1", "name": name, "status": "succeeded", "exit_code": 0}
	print(json.dumps([
	    {"method": "GET", "path": "/api/jobs?name=" + name, "response": {"jobs": []}},
	    {"method": "POST", "path": "/api/jobs", "status": 201, "response": {"id": "j-1"}},
	    {"method": "GET", "path": "/api/jobs/j-1", "response": done},
	    {"method": "GET", "path": "/api/jobs/j-1/logs", "response": {"logs": "x" * (65 << 20)}},
	]))
	EOF
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	cat out err &&
	test_grep "^$id: archived as succeeded" out &&
	test_grep "^treqs: $id: http driver .gpulab.: GET /api/jobs/j-1/logs at .*: the answer is larger than 64 MiB; not read (results without the job.s output)$" err
'

stub_kill
test_done
