#!/bin/sh
# The kubernetes driver against tests/stub/httpstub.py playing the API
# server (no Kubernetes can be installed here): the whole lifecycle of an
# approved TR with exec --wait, the exact Job it creates, re-attaching,
# cancel, the engine's failures, and what the driver does when the API
# server misbehaves.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/drv-lib.sh"

export K8S_TOKEN=s3cret-token
JOBS=/apis/batch/v1/namespaces/ml/jobs

# The names of the TR's job: NAME (the spec's) and JOB (the Kubernetes Job).
names() {
	D7=$(drv_digest7 "$1") &&
	NAME="$1-$D7" &&
	JOB=$(echo "$NAME" | tr "A-Z" "a-z")
}

# k8s_job STATUS-JSON [ANNOTATION-NAME]: a Job object as GET returns it.
k8s_job() {
	printf '{"kind": "Job", "metadata": {"name": "%s", "namespace": "ml", "annotations": {"treqs/name": "%s"}}, "status": %s}' \
		"$JOB" "${2:-$NAME}" "$1"
}
RUNNING='{"active": 1, "ready": 1, "startTime": "2024-05-01T10:00:00Z"}'
COMPLETE='{"succeeded": 1, "startTime": "2024-05-01T10:00:00Z", "completionTime": "2024-05-01T10:30:00Z",
 "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": "2024-05-01T10:30:00Z"}]}'
PODS='{"kind": "PodList", "items": [
 {"metadata": {"name": "POD-old", "creationTimestamp": "2024-05-01T10:00:00Z"}},
 {"metadata": {"name": "POD-new", "creationTimestamp": "2024-05-01T10:05:00Z"},
  "status": {"containerStatuses": [{"name": "job", "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}]}}]}'
LOG='epoch 1 loss=0.5\ntreqs-metric val_loss=0.25\ntreqs-metric val_accuracy=0.93\n'

# get_404, get_job STATUS, post STATUS [BODY], pods, log LINES: scenario entries.
get_404() { printf '{"method": "GET", "path": "%s/%s", "status": 404, "response": {"kind": "Status", "reason": "NotFound"}}' "$JOBS" "$JOB"; }
get_job() { printf '{"method": "GET", "path": "%s/%s", "response": %s}' "$JOBS" "$JOB" "$(k8s_job "$1")"; }
post() { printf '{"method": "POST", "path": "%s", "status": %s, "response": %s}' "$JOBS" "$1" "${2:-$(k8s_job '{}')}"; }
pods() {
	printf '{"method": "GET", "path": "/api/v1/namespaces/ml/pods?labelSelector=job-name%%3D%s", "response": %s}' \
		"$JOB" "$(echo "$PODS" | sed "s/POD-/$JOB-/g")"
}
log() { printf '{"method": "GET", "path": "/api/v1/namespaces/ml/pods/%s-new/log?tailLines=%s", "response_text": "%s"}' "$JOB" "$1" "$LOG"; }

test_expect_success 'setup: a world whose config has two kubernetes drivers' '
	echo "[]" >scenario.json && stub_start scenario.json && stub_stop &&
	mkdir -p sa && echo sa-token >sa/token && echo team-ns >sa/namespace && : >sa/ca.crt &&
	cat >drivers.yaml <<-\EOF &&
	  k8s:
	    type: kubernetes
	    endpoint: http://127.0.0.1:@PORT@
	    namespace: ml
	    image: registry.example.org/lab/train:1.4
	    token_env: K8S_TOKEN
	    timeout_seconds: 2
	    retries: 3
	    retry_backoff_seconds: 0.05
	  k8s-pod:
	    type: kubernetes
	    endpoint: http://127.0.0.1:@PORT@
	    in_cluster: true
	    service_account_dir: @TRASH@/sa
	    image: registry.example.org/lab/train:1.4
	    retries: 0
	EOF
	drv_world drivers.yaml
'

test_expect_success 'exec --wait: find, create the Job, follow it, read its pod log, archive the result' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(get_404)" "$(post 201)" "$(get_job "$RUNNING")" "$(pods)" "$(log 256)" \
		"$(get_job "$COMPLETE")" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	cat out &&
	test_grep "^$id: launched k8s:$JOB$" out &&
	test_grep "^$id: archived as succeeded" out &&
	drv_archive_msg >msg &&
	test_grep "^TReqs-Job: k8s:$JOB$" msg &&
	test_grep "^TReqs-Action: archive$" msg &&
	drv_result "$id" >result.json &&
	json_get result.json "j[\"metrics\"]" >metrics &&
	echo "{\"val_accuracy\": 0.93, \"val_loss\": 0.25}" >expect && test_cmp expect metrics &&
	test "$(json_get result.json "j[\"exit_status\"]")" = 0 &&
	stub_requests >requests &&
	cat >expect <<-EOF &&
	GET $JOBS/$JOB
	POST $JOBS
	GET $JOBS/$JOB
	GET /api/v1/namespaces/ml/pods?labelSelector=job-name%3D$JOB
	GET /api/v1/namespaces/ml/pods/$JOB-new/log?tailLines=256
	GET $JOBS/$JOB
	GET /api/v1/namespaces/ml/pods?labelSelector=job-name%3D$JOB
	GET /api/v1/namespaces/ml/pods/$JOB-new/log?tailLines=1024
	EOF
	test_cmp expect requests
'

test_expect_success 'the Job it created: exactly the expected body, sent with the bearer token' '
	id=TR-0001 && names "$id" &&
	digest=$(json_get show.json "j[\"digest\"]") &&
	out_dir="$TRASH/runner/.git/treqs/jobs/$NAME/output" &&
	stub_body 2 >got &&
	cat >want.json <<-EOF &&
	{"apiVersion": "batch/v1", "kind": "Job",
	 "metadata": {"name": "$JOB", "namespace": "ml",
	   "labels": {"app.kubernetes.io/managed-by": "treqs"},
	   "annotations": {"treqs/tr-id": "$id", "treqs/digest": "$digest", "treqs/name": "$NAME"}},
	 "spec": {"backoffLimit": 2, "activeDeadlineSeconds": 1800,
	   "template": {
	     "metadata": {"labels": {"app.kubernetes.io/managed-by": "treqs"},
	       "annotations": {"treqs/tr-id": "$id", "treqs/digest": "$digest", "treqs/name": "$NAME"}},
	     "spec": {"restartPolicy": "Never",
	       "containers": [{"name": "job", "image": "registry.example.org/lab/train:1.4",
	         "command": ["python3", "train.py", "--lr", "0.1"],
	         "env": [{"name": "SEED", "value": "7"},
	                 {"name": "TREQS_OUTPUT_DIR", "value": "$out_dir"},
	                 {"name": "TREQS_TR_ID", "value": "$id"},
	                 {"name": "TREQS_JOB_ID", "value": "$NAME"}],
	         "resources": {"limits": {"nvidia.com/gpu": "2"}}}]}}}}
	EOF
	json_canon want.json >want &&
	test_cmp want got &&
	stub_header 1 authorization >auth && echo "Bearer s3cret-token" >expect && test_cmp expect auth &&
	stub_header 2 content-type >ctype && echo "application/json" >expect && test_cmp expect ctype
'

test_expect_success 're-attach: find sees the Job (a runner died after creating it); nothing is created' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(get_job "$RUNNING")" "$(get_job "$COMPLETE")" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: re-attached to k8s:$JOB$" out &&
	test_grep "^$id: archived as succeeded" out &&
	! stub_requests | grep -q POST
'

test_expect_success 're-attach: POST answers 409 (it exists already)' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(get_404)" "$(post 409 "{\"kind\": \"Status\", \"reason\": \"AlreadyExists\"}")" \
		"$(get_job "$COMPLETE")" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched k8s:$JOB$" out &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'a Job of that name that treqs did not make is not taken over' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(printf "{\"method\": \"GET\", \"path\": \"%s/%s\", \"response\": %s}" "$JOBS" "$JOB" \
		"$(k8s_job "$RUNNING" someone-else)")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec "$id" >out 2>err &&
	stub_stop &&
	test_grep "a Job .$JOB. exists in namespace .ml. but was not made by treqs for $NAME" err
'

test_expect_success 'treqs cancel deletes the Job (propagationPolicy=Background) and archives it cancelled' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(get_404)" "$(post 201)" "$(entry_times 2 1 "$(get_job "$RUNNING")")" \
		"{\"method\": \"DELETE\", \"path\": \"$JOBS/$JOB?propagationPolicy=Background\", \"response\": {\"kind\": \"Status\"}}" \
		"$(get_404)" \
		"{\"method\": \"GET\", \"path\": \"/api/v1/namespaces/ml/pods?labelSelector=job-name%3D$JOB\", \"response\": {\"items\": []}}" &&
	stub_start scenario.json &&
	drv_exec "$id" >out 2>err &&
	test_grep "^$id: launched k8s:$JOB$" out &&
	(cd runner && treqs cancel "$id") >out 2>err &&
	stub_stop &&
	test_grep "cancelling k8s:$JOB" out &&
	test_grep "archived as cancelled" out &&
	drv_archive_msg >msg &&
	test_grep "^TReqs-Action: cancel$" msg
'

test_expect_success 'a Job that fails: BackoffLimitExceeded, restarts and the pod exit code' '
	id=$(drv_tr k8s) && names "$id" &&
	FAILED="{\"failed\": 3, \"startTime\": \"2024-05-01T10:00:00Z\", \"conditions\": [
	  {\"type\": \"Failed\", \"status\": \"True\", \"reason\": \"BackoffLimitExceeded\",
	   \"message\": \"Job has reached the specified backoff limit\", \"lastTransitionTime\": \"2024-05-01T10:10:00Z\"}]}" &&
	scenario "$(get_404)" "$(post 201)" "$(get_job "$FAILED")" "$(pods)" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as failed" out &&
	drv_result "$id" >result.json &&
	test "$(json_get result.json "j[\"exit_status\"]")" = 3 &&
	json_get result.json "j" >all &&
	test_grep "BackoffLimitExceeded: Job has reached the specified backoff limit; pod $JOB-new exited with 3 Error" all
'

test_expect_success 'a Job past its deadline (DeadlineExceeded) ends as a timeout' '
	id=$(drv_tr k8s) && names "$id" &&
	DEADLINE="{\"startTime\": \"2024-05-01T10:00:00Z\", \"conditions\": [
	  {\"type\": \"Failed\", \"status\": \"True\", \"reason\": \"DeadlineExceeded\",
	   \"message\": \"Job was active longer than specified deadline\", \"lastTransitionTime\": \"2024-05-01T10:30:00Z\"}]}" &&
	scenario "$(get_404)" "$(post 201)" "$(get_job "$DEADLINE")" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as failed" out &&
	drv_result "$id" >result.json &&
	json_get result.json "j" >all &&
	test_grep "stopped at its time limit (DeadlineExceeded: Job was active longer than specified deadline)" all &&
	test "$(json_get result.json "j[\"state\"]")" = timeout
'

test_expect_success 'HTTP 500 three times, then 201: retried with backoff, and it goes on' '
	id=$(drv_tr k8s) && names "$id" &&
	err500="{\"method\": \"POST\", \"path\": \"$JOBS\", \"status\": 500, \"response\": {\"message\": \"etcd leader changed\"}, \"times\": 3}" &&
	scenario "$(get_404)" "$err500" "$(post 201)" "$(get_job "$COMPLETE")" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as succeeded" out &&
	test "$(stub_requests | grep -c "^POST $JOBS$")" = 4
'

test_expect_success 'a request that times out is retried' '
	id=$(drv_tr k8s) && names "$id" &&
	slow="{\"method\": \"GET\", \"path\": \"$JOBS/$JOB\", \"status\": 404, \"response\": {}, \"delay\": 3}" &&
	scenario "$slow" "$(get_404)" "$(post 201)" "$(get_job "$COMPLETE")" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'connection refused: exit 3, a clear message, the lock released (approved again), launched by a later exec' '
	id=$(drv_tr k8s) && names "$id" &&
	stub_kill &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	cat err &&
	test_grep "^treqs: $id: kubernetes driver .k8s.: GET $JOBS/$JOB at http://127.0.0.1:$(stub_port): .*[Cc]onnect" err &&
	test_grep "^$id: not launched, the lock is released: " out &&
	test "$(drv_state "$id")" = approved &&
	json_get show.json "j.get(\"job\")" >job && echo None >expect && test_cmp expect job &&
	scenario "$(get_404)" "$(post 201)" "$(get_job "$COMPLETE")" "$(pods)" "$(log 1024)" &&
	stub_start scenario.json &&
	drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched k8s:$JOB$" out &&
	test_grep "^$id: archived as succeeded" out
'

test_expect_success 'HTTP 401: exit 3 at once (one request), the message names the token that was refused' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "{\"method\": \"GET\", \"path\": \"$JOBS/$JOB\", \"status\": 401, \"response\": {\"message\": \"Unauthorized\"}}" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test "$(stub_requests | wc -l)" = 1 &&
	test_grep "HTTP 401: the server refused the token from \$K8S_TOKEN" err
'

test_expect_success 'HTTP 403 on create: no retry, the credential named' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(get_404)" "{\"method\": \"POST\", \"path\": \"$JOBS\", \"status\": 403, \"response\": {\"message\": \"jobs.batch is forbidden\"}}" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test "$(stub_requests | grep -c POST)" = 1 &&
	test_grep "POST $JOBS at .*: HTTP 403: the server refused the token from \$K8S_TOKEN" err
'

test_expect_success 'HTTP 422 on create: no retry, the server says why' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(get_404)" "{\"method\": \"POST\", \"path\": \"$JOBS\", \"status\": 422, \"response\": {\"kind\": \"Status\", \"message\": \"Job.batch is invalid: spec.template.spec.containers[0].image: Required value\"}}" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "POST $JOBS at .*: HTTP 422: Job.batch is invalid: spec.template.spec.containers\[0\].image: Required value" err
'

test_expect_success 'a garbage answer: a clear error naming the field, no crash' '
	id=$(drv_tr k8s) && names "$id" &&
	scenario "$(get_404)" "$(post 201)" "$(get_job "{\"active\": \"two\"}")" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "kubernetes driver .k8s.: GET $JOBS/$JOB at .*: unexpected answer: .status.active. is a string, expected an integer" err &&
	scenario "{\"method\": \"GET\", \"path\": \"$JOBS/$JOB\", \"response_text\": \"<html>502 Bad Gateway</html>\"}" &&
	stub_start scenario.json &&
	test_expect_code 3 drv_exec --wait "$id" >out 2>err &&
	stub_stop &&
	test_grep "unexpected answer: the answer is not a JSON object (it starts .<html>502 Bad Gateway</html>.)" err
'

test_expect_success 'in_cluster: the service account token and namespace from service_account_dir' '
	id=$(drv_tr k8s-pod) && names "$id" &&
	scenario "{\"method\": \"GET\", \"path\": \"/apis/batch/v1/namespaces/team-ns/jobs/$JOB\", \"status\": 404, \"response\": {}, \"headers\": {\"Authorization\": \"Bearer sa-token\"}}" \
		"{\"method\": \"POST\", \"path\": \"/apis/batch/v1/namespaces/team-ns/jobs\", \"status\": 201, \"response\": {}, \"body\": {\"metadata\": {\"namespace\": \"team-ns\"}}}" &&
	stub_start scenario.json &&
	drv_exec "$id" >out 2>err &&
	stub_stop &&
	test_grep "^$id: launched k8s-pod:$JOB$" out
'

stub_kill
test_done
