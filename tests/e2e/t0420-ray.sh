#!/bin/sh
# The ray driver against tests/stub/httpstub.py playing a Ray dashboard's
# Jobs API (no Ray cluster can be installed here): the lifecycle with exec
# --wait, the exact submission (the entrypoint quoted so that a shell gives
# back the TR's argv), re-attaching, the time limit Ray does not keep,
# cancel, and the failures.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/drv-lib.sh"

export RAY_TOKEN=ray-s3cret

names() {
	D7=$(drv_digest7 "$1") &&
	SID="$1-$D7"
}

# job STATUS [MORE]: a job's details as GET /api/jobs/{id} answers them.
job() {
	printf '{"type": "SUBMISSION", "job_id": "02000000", "submission_id": "%s", "status": "%s", "entrypoint": "python3 train.py", "start_time": 1714557600000%s}' \
		"$SID" "$1" "${2:+, $2}"
}
DONE='"end_time": 1714559400000, "message": "Job finished successfully.", "driver_exit_code": 0'
LOGS='{"logs": "step 1\ntreqs-metric val_loss=0.31\n"}'

get_404() { req_text GET "/api/jobs/$SID" 404 "Job $SID does not exist"; }
get() { req GET "/api/jobs/$SID" 200 "$(job "$@")"; }
submit() { req POST /api/jobs/ 200 "{\"submission_id\": \"$SID\", \"job_id\": null}"; }
logs() { req GET "/api/jobs/$SID/logs" 200 "$LOGS"; }

test_expect_success 'setup: a world with a ray driver on TCP and one on a unix socket' '
	echo "[]" >scenario.json && stub_start scenario.json && stub_stop &&
	cat >drivers.yaml <<-\EOF &&
	  ray:
	    type: ray
	    endpoint: http://127.0.0.1:@PORT@
	    token_env: RAY_TOKEN
	    timeout_seconds: 2
	    retries: 3
	    retry_backoff_seconds: 0.05
	  ray-sock:
	    type: ray
	    endpoint: unix:@TRASH@/ray.sock
	    working_dir: s3://lab-bucket/code/train.zip
	    num_cpus: 4
	    retries: 0
	EOF
	drv_world drivers.yaml
'

test_expect_success 'exec --wait: submit, follow, logs, archive the result' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "$(submit)" "$(get RUNNING)" "$(logs)" "$(get SUCCEEDED "$DONE")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched ray:$SID$" out &&
	test_grep "^$id: archived as succeeded" out &&
	drv_archive_msg >msg &&
	test_grep "^TReqs-Job: ray:$SID$" msg &&
	drv_result "$id" >result.json &&
	test "$(json_get result.json "j[\"metrics\"][\"val_loss\"]")" = 0.31 &&
	test "$(json_get result.json "j[\"exit_status\"]")" = 0 &&
	test "$(json_get result.json "j[\"duration_seconds\"]")" = 1800.0 &&
	stub_requests >requests &&
	cat >expect <<-EOF &&
	GET /api/jobs/$SID
	POST /api/jobs/
	GET /api/jobs/$SID
	GET /api/jobs/$SID/logs
	GET /api/jobs/$SID
	GET /api/jobs/$SID/logs
	EOF
	test_cmp expect requests &&
	stub_header 2 authorization >auth && echo "Bearer ray-s3cret" >expect && test_cmp expect auth
'

test_expect_success 'the submission: exactly the expected body' '
	id=TR-0001 && names "$id" &&
	digest=$(json_get show.json "j[\"digest\"]") &&
	out_dir="$TRASH/runner/.git/treqs/jobs/$SID/output" &&
	stub_body 2 >got &&
	cat >want.json <<-EOF &&
	{"entrypoint": "python3 train.py --lr 0.1",
	 "submission_id": "$SID",
	 "entrypoint_num_gpus": 2,
	 "runtime_env": {"env_vars": {"SEED": "7", "TREQS_OUTPUT_DIR": "$out_dir", "TREQS_TR_ID": "$id",
	                              "TREQS_JOB_ID": "$SID"}},
	 "metadata": {"treqs_tr_id": "$id", "treqs_digest": "$digest", "treqs_name": "$SID",
	              "treqs_time_limit": "1800"}}
	EOF
	json_canon want.json >want &&
	test_cmp want got
'

# The files of the quoting test: a TR edit giving it a nasty argv, the
# entrypoint expected, a script printing what sh makes of $E, and the argv
# expected back.
quoting_files() {
	cat >"$TRASH/edit.py" <<-\EOF
	tr = tr.replace('command: ["python3", "train.py", "--lr", "0.1"]',
	                'command: ["python3", "train.py", "--note", "it\'s $HOME; rm -rf / `id`", "--lr=0.1", "a=b"]')
	EOF
	cat >"$TRASH/entry.expect" <<-\EOF
	python3 train.py --note 'it'\''s $HOME; rm -rf / `id`' --lr=0.1 a=b
	EOF
	cat >"$TRASH/argv.sh" <<-\EOF
	eval "set -- $E"
	for a; do printf "[%s]\n" "$a"; done
	EOF
	cat >"$TRASH/argv.expect" <<-\EOF
	[python3]
	[train.py]
	[--note]
	[it's $HOME; rm -rf / `id`]
	[--lr=0.1]
	[a=b]
	EOF
}

test_expect_success 'the entrypoint is quoted for the shell Ray runs it with: sh gives back the argv' '
	quoting_files &&
	id=$(drv_tr ray-sock "exec(open(\"$TRASH/edit.py\").read())") && names "$id" &&
	scenario "$(get_404)" "$(submit)" &&
	stub_start scenario.json --unix "$TRASH/ray.sock" &&
	drv_exec "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched ray-sock:$SID$" out &&
	stub_body 2 >body.json &&
	json_get body.json "j[\"entrypoint\"]" >entry &&
	test_cmp entry.expect entry &&
	E=$(cat entry) sh argv.sh >argv &&
	test_cmp argv.expect argv &&
	json_get body.json "[j[\"runtime_env\"][\"working_dir\"], j[\"entrypoint_num_cpus\"]]" >extra &&
	echo "[\"s3://lab-bucket/code/train.zip\", 4.0]" >expect && test_cmp expect extra &&
	stub_header 1 authorization >auth && echo "(none)" >expect && test_cmp expect auth
'

test_expect_success 're-attach: the submission id is known already (find)' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get RUNNING)" "$(get SUCCEEDED "$DONE")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: re-attached to ray:$SID$" out &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 're-attach: POST says the submission id already exists (HTTP 400)' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" \
		"$(req_text POST /api/jobs/ 400 "Traceback (most recent call last):\\nValueError: Job with submission_id $SID already exists. Please use a different submission_id.\\n")" \
		"$(get SUCCEEDED "$DONE")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched ray:$SID$" out &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'Ray keeps no time limit: poll stops a job past it, and it ends as a timeout' '
	id=$(drv_tr ray) && names "$id" &&
	meta="\"metadata\": {\"treqs_time_limit\": \"1800\"}" &&
	scenario "$(get_404)" "$(submit)" "$(get RUNNING "$meta")" \
		"$(req POST "/api/jobs/$SID/stop" 200 "{\"stopped\": true}")" "$(logs)" \
		"$(get STOPPED "$meta, \"end_time\": 1714559401000, \"message\": \"Job was intentionally stopped.\"")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as failed" out &&
	drv_result "$id" >result.json &&
	test "$(json_get result.json "j[\"state\"]")" = timeout &&
	test "$(json_get result.json "j[\"message\"]")" = "stopped at its time limit"
'

test_expect_success 'a failed job: its exit code and Ray message' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "$(submit)" \
		"$(get FAILED "\"end_time\": 1714557700000, \"message\": \"Job entrypoint command failed with exit code 2\", \"driver_exit_code\": 2")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as failed" out &&
	drv_result "$id" >result.json &&
	test "$(json_get result.json "j[\"exit_status\"]")" = 2 &&
	test "$(json_get result.json "j[\"message\"]")" = "Job entrypoint command failed with exit code 2"
'

test_expect_success 'treqs cancel stops the job and archives it cancelled' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "$(submit)" "$(entry_times 1 0 "$(get RUNNING)")" \
		"$(req POST "/api/jobs/$SID/stop" 200 "{\"stopped\": true}")" \
		"$(get STOPPED "\"end_time\": 1714557700000")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec "$id" >out 2>err &&
	(cd runner && treqs cancel "$id") >out 2>err &&
	stub_stop &&
	test_grep "archived as cancelled" out &&
	drv_archive_msg >msg && test_grep "^TReqs-Action: cancel$" msg &&
	n=$(stub_index "POST /api/jobs/$SID/stop") &&
	stub_header "$n" content-length >len && echo 0 >expect && test_cmp expect len &&
	stub_header "$n" content-type >type && echo "(none)" >expect && test_cmp expect type
'

test_expect_success 'a request that times out is retried' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "{\"method\": \"POST\", \"path\": \"/api/jobs/\", \"delay\": 3, \"response\": {}}" \
		"$(submit)" "$(get SUCCEEDED "$DONE")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as succeeded" out &&
	test "$(stub_requests | grep -c "^POST /api/jobs/$")" = 2
'

test_expect_success 'HTTP 400 (not "already exists"): exit 3 at once, Ray says why' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "$(req_text POST /api/jobs/ 400 "TypeError: runtime_env.env_vars must be a dict")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test "$(stub_requests | grep -c POST)" = 1 &&
	test_grep "POST /api/jobs/ at .*: HTTP 400: TypeError: runtime_env.env_vars must be a dict" err
'

test_expect_success 'HTTP 503 three times, then the submission: retried, and it goes on' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "{\"method\": \"POST\", \"path\": \"/api/jobs/\", \"status\": 503, \"response_text\": \"busy\", \"times\": 3}" \
		"$(submit)" "$(get SUCCEEDED "$DONE")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as succeeded" out &&
	test "$(stub_requests | grep -c "^POST /api/jobs/$")" = 4
'

test_expect_success 'HTTP 500 on every attempt: exit 3 after the retries, the TR launchable later' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "{\"method\": \"POST\", \"path\": \"/api/jobs/\", \"status\": 500, \"response_text\": \"Internal Server Error\", \"times\": 4}" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "ray driver .ray.: POST /api/jobs/ at http://127.0.0.1:[0-9]*: HTTP 500: Internal Server Error" err &&
	scenario "$(get_404)" "$(submit)" "$(get SUCCEEDED "$DONE")" "$(logs)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'connection refused: exit 3 and a clear message' '
	id=$(drv_tr ray) && names "$id" &&
	stub_kill &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "^treqs: $id: ray driver .ray.: GET /api/jobs/$SID at http://127.0.0.1:$(stub_port): .*[Cc]onnect" err
'

test_expect_success 'HTTP 401: exit 3, one request, the token named' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(req GET "/api/jobs/$SID" 401 "{\"detail\": \"invalid token\"}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test "$(stub_requests | wc -l)" = 1 &&
	test_grep "HTTP 401: the server refused the token from \$RAY_TOKEN" err
'

test_expect_success 'an unset token variable: exit 3 before any request, naming it' '
	id=$(drv_tr ray) &&
	(unset RAY_TOKEN && test_expect_code 3 drv_exec --wait "$id" >out 2>err) &&
	test_grep "ray driver .ray.: the environment variable RAY_TOKEN (token_env) is not set" err
'

test_expect_success 'garbage answers: a clear error naming the field' '
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "$(submit)" "$(req GET "/api/jobs/$SID" 200 "{\"status\": 7}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "ray driver .ray.: GET /api/jobs/$SID at .*: unexpected answer: .status. is an integer, expected a string" err &&
	scenario "$(get DANCING)" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "unexpected answer: .status. is .DANCING., expected PENDING, RUNNING, SUCCEEDED, FAILED or STOPPED" err &&
	id=$(drv_tr ray) && names "$id" &&
	scenario "$(get_404)" "$(req POST /api/jobs/ 200 "{\"job_id\": \"x\"}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "POST /api/jobs/ at .*: unexpected answer: .submission_id. is missing" err
'

stub_kill
test_done
