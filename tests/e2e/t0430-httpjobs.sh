#!/bin/sh
# The http driver (a generic GPU job service) against
# tests/stub/httpstub.py playing the service: the lifecycle with exec
# --wait behind an endpoint with a path prefix, the exact submission,
# treqs status with the free resources, re-attaching, cancel, and the
# failures.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/drv-lib.sh"

API=/lab/api

names() {
	D7=$(drv_digest7 "$1") &&
	NAME="$1-$D7"
}

# job ID STATUS [MORE]: a job as GET /api/jobs/{id} answers it.
job() {
	printf '{"id": "%s", "name": "%s", "status": "%s"%s}' "$1" "$NAME" "$2" "${3:+, $3}"
}
DONE='"exit_code": 0, "started_at": "2024-05-01T10:00:00Z", "finished_at": "2024-05-01T11:00:00+00:00"'
LOGS='{"logs": "epoch 1\ntreqs-metric val_loss=0.42\n"}'

none() { req GET "$API/jobs?name=$NAME" 200 '{"jobs": []}'; }
submit() { req POST "$API/jobs" 201 "{\"id\": \"$1\"}"; }
get() { req GET "$API/jobs/$1" 200 "$(job "$@")"; }
logs() { req GET "$API/jobs/$1/logs" 200 "$LOGS"; }

test_expect_success 'setup: a world with an http driver (token from a file, endpoint with a prefix)' '
	echo "[]" >scenario.json && stub_start scenario.json && stub_stop &&
	echo lab-token-1 >lab.token &&
	cat >drivers.yaml <<-\EOF &&
	  gpulab:
	    type: http
	    endpoint: http://127.0.0.1:@PORT@/lab/
	    repo: git@git.example.org:ml/project.git
	    gpu_memory_min_gb: 40
	    token_file: @TRASH@/lab.token
	    timeout_seconds: 2
	    retries: 3
	    retry_backoff_seconds: 0.05
	  gpulab-main:
	    type: http
	    endpoint: http://127.0.0.1:@PORT@/lab
	    repo: https://git.example.org/ml/project.git
	    branch: release/{tr_id}
	    prefer_resource: node-a100-7
	EOF
	drv_world drivers.yaml
'

test_expect_success 'exec --wait: find by name, submit, follow, logs, archive' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "$(submit j-42)" "$(get j-42 running)" "$(logs j-42)" "$(get j-42 succeeded "$DONE")" \
		"$(logs j-42)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched gpulab:j-42$" out &&
	test_grep "^$id: archived as succeeded" out &&
	drv_archive_msg >msg && test_grep "^TReqs-Job: gpulab:j-42$" msg &&
	drv_result "$id" >result.json &&
	test "$(json_get result.json "j[\"metrics\"]")" = "{\"val_loss\": 0.42}" &&
	test "$(json_get result.json "j[\"duration_seconds\"]")" = 3600.0 &&
	test "$(json_get result.json "j[\"exit_status\"]")" = 0 &&
	stub_requests >requests &&
	cat >expect <<-EOF &&
	GET $API/jobs?name=$NAME
	POST $API/jobs
	GET $API/jobs/j-42
	GET $API/jobs/j-42/logs
	GET $API/jobs/j-42
	GET $API/jobs/j-42/logs
	EOF
	test_cmp expect requests &&
	stub_header 2 authorization >auth && echo "Bearer lab-token-1" >expect && test_cmp expect auth
'

test_expect_success 'the submission: exactly the expected body' '
	id=TR-0001 && names "$id" &&
	out_dir="$TRASH/runner/.git/treqs/jobs/$NAME/output" &&
	stub_body 2 >got &&
	cat >want.json <<-EOF &&
	{"name": "$NAME", "repo": "git@git.example.org:ml/project.git", "branch": "treqs/$id",
	 "script": "python3", "args": ["train.py", "--lr", "0.1"],
	 "env": {"SEED": "7", "TREQS_OUTPUT_DIR": "$out_dir", "TREQS_TR_ID": "$id", "TREQS_JOB_ID": "$NAME"},
	 "gpu_count": 2, "gpu_memory_min_gb": 40.0, "time_limit_hours": 0.5, "prefer_resource": "A100"}
	EOF
	json_canon want.json >want &&
	test_cmp want got
'

test_expect_success 'branch template, prefer_resource from config, no token: what is sent' '
	id=$(drv_tr gpulab-main) && names "$id" &&
	scenario "$(none)" "$(submit 7)" &&
	stub_start scenario.json &&
	drv_exec "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched gpulab-main:7$" out &&
	stub_body 2 >body.json &&
	json_get body.json "[j[\"repo\"], j[\"branch\"], j[\"prefer_resource\"], j[\"gpu_memory_min_gb\"]]" >got &&
	echo "[\"https://git.example.org/ml/project.git\", \"release/$id\", \"node-a100-7\", null]" >expect &&
	test_cmp expect got &&
	stub_header 2 authorization >auth && echo "(none)" >expect && test_cmp expect auth
'

test_expect_success 'treqs status shows the job and the free GPUs (GET /api/resources)' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "$(submit j-43)" "$(get j-43 running "\"started_at\": 1714557600")" "$(logs j-43)" \
		"$(req GET "$API/resources" 200 "{\"resources\": [
		  {\"name\": \"node-a100-7\", \"gpu_type\": \"A100\", \"gpus_free\": 3, \"gpus_total\": 8, \"gpu_memory_gb\": 80},
		  {\"name\": \"node-l4-2\", \"gpus_free\": 0}]}")" &&
	stub_start scenario.json &&
	drv_exec "$id" >out 2>err &&
	(cd runner && treqs status "$id") >status &&
	stub_stop &&
	cat status &&
	test_grep "^job:      gpulab:j-43$" status &&
	test_grep "^state:    running$" status &&
	test_grep "^treqs-metric val_loss=0.42$" status &&
	sed -n "/^resources:/,\$p" status >res &&
	cat >expect <<-\EOF &&
	resources:
	  node-a100-7: 3/8 A100 free (80 GB each)
	  node-l4-2: 0 free
	EOF
	test_cmp expect res
'

test_expect_success 're-attach: the service lists a job of that name (exact name only, integer id)' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(req GET "$API/jobs?name=$NAME" 200 "{\"jobs\": [{\"id\": 90, \"name\": \"$NAME-test\"}, {\"id\": 91, \"name\": \"$NAME\"}]}")" \
		"$(get 91 succeeded "$DONE")" "$(logs 91)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: re-attached to gpulab:91$" out &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 're-attach: POST answers 409, the job is found by name' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "$(req POST "$API/jobs" 409 "{\"error\": \"a job with this name exists\"}")" \
		"$(req GET "$API/jobs?name=$NAME" 200 "[{\"id\": \"j-50\", \"name\": \"$NAME\"}]")" \
		"$(get j-50 succeeded "$DONE")" "$(logs j-50)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched gpulab:j-50$" out &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'treqs cancel: POST /api/jobs/{id}/cancel, archived cancelled' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "$(submit j-60)" "$(entry_times 1 0 "$(get j-60 running)")" "$(req POST "$API/jobs/j-60/cancel" 202)" \
		"$(get j-60 cancelled "\"exit_code\": null, \"message\": \"cancelled by user\"")" "$(logs j-60)" &&
	stub_start scenario.json &&
	drv_exec "$id" >out 2>err &&
	(cd runner && treqs cancel "$id") >out 2>err &&
	stub_stop &&
	test_grep "archived as cancelled" out &&
	drv_archive_msg >msg && test_grep "^TReqs-Action: cancel$" msg
'

test_expect_success 'HTTP 502 three times then an answer: retried' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "{\"method\": \"GET\", \"path\": \"$API/jobs?name=$NAME\", \"status\": 502, \"response_text\": \"Bad Gateway\", \"times\": 3}" \
		"$(none)" "$(submit j-70)" "$(get j-70 succeeded "$DONE")" "$(logs j-70)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'a dropped POST: looked up by name first (not there), then retried' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "{\"method\": \"POST\", \"path\": \"$API/jobs\", \"drop\": true}" "$(none)" "$(submit j-71)" \
		"$(get j-71 succeeded "$DONE")" "$(logs j-71)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched gpulab:j-71$" out
'

test_expect_success 'a dropped POST that created the job all the same: re-attached, not submitted twice' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "{\"method\": \"POST\", \"path\": \"$API/jobs\", \"drop\": true}" \
		"$(req GET "$API/jobs?name=$NAME" 200 "{\"jobs\": [{\"id\": \"j-73\", \"name\": \"$NAME\", \"status\": \"running\"}]}")" \
		"$(get j-73 succeeded "$DONE")" "$(logs j-73)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched gpulab:j-73$" out
'

test_expect_success 'a request that times out is retried' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "$(submit j-72)" "{\"method\": \"GET\", \"path\": \"$API/jobs/j-72\", \"delay\": 3, \"response\": {}}" \
		"$(get j-72 succeeded "$DONE")" "$(logs j-72)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'connection refused: exit 3, the message names the endpoint' '
	id=$(drv_tr gpulab) && names "$id" &&
	stub_kill &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	test_grep "^treqs: $id: http driver .gpulab.: GET /api/jobs?name=$NAME at http://127.0.0.1:$(stub_port)/lab/: .*[Cc]onnect" err
'

test_expect_success 'HTTP 403: exit 3, one request, the token file named' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(req GET "$API/jobs?name=$NAME" 403 "{\"error\": \"token expired\"}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test "$(stub_requests | wc -l)" = 1 &&
	test_grep "HTTP 403: the server refused the token in $TRASH/lab.token" err
'

test_expect_success 'HTTP 400 on submit: exit 3, the service says why' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(none)" "$(req POST "$API/jobs" 400 "{\"error\": \"unknown repo\"}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "POST /api/jobs at http://127.0.0.1:[0-9]*/lab/: HTTP 400: unknown repo" err
'

test_expect_success 'garbage: the field is named' '
	id=$(drv_tr gpulab) && names "$id" &&
	scenario "$(req GET "$API/jobs?name=$NAME" 200 "{\"jobs\": \"none\"}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "unexpected answer: .jobs. is a string, expected an array" err &&
	scenario "$(none)" "$(req POST "$API/jobs" 201 "{\"job\": 1}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "POST /api/jobs at .*: unexpected answer: .id. is missing" err &&
	scenario "$(none)" "$(submit j-80)" "$(get j-80 running "\"exit_code\": \"zero\"")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "GET /api/jobs/j-80 at .*: unexpected answer: .exit_code. is a string, expected an integer" err &&
	scenario "$(req GET "$API/jobs/j-80" 200 "{\"status\": \"exploded\"}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "unexpected answer: .status. is .exploded., expected queued, running, succeeded, failed, cancelled, timeout or lost" err
'

stub_kill
test_done
