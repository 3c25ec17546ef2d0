#!/bin/sh
# tests/slurm/rest-smoke.sh -- exercise slurmrestd v0.0.38 of a cluster started
# by cluster.sh, with curl over the unix socket, as the unprivileged user.
#
#   tests/slurm/rest-smoke.sh DIR      (after: tests/slurm/cluster.sh start DIR)
#
# Checks ping, diag, submit (job runs, output written, COMPLETED, exit 0),
# lookup by name in /jobs, exit code of a failing job, cancel of a running
# job, and the error shapes API-NOTES.md documents. Needs curl and jq.
# Prints one line per check and "N passed, N failed"; exit 0 if none failed.
# shellcheck disable=SC2015  # ok/bad always succeed, so A && B || C is fine here
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
ENV=$("$HERE/cluster.sh" status "$1") || { echo "cluster in $1 is not running" >&2; exit 1; }
SOCK=$(echo "$ENV" | sed -n 's/^SLURMRESTD_SOCKET=//p')
SUSER=$(echo "$ENV" | sed -n 's/^SLURM_USER=//p')
JOBS=$(echo "$ENV" | sed -n 's/^SLURM_JOB_DIR=//p')
API=http://localhost/slurm/v0.0.38
PASS=0 FAIL=0
TAG=smoke-$$

ok()  { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION JQ-EXPR  (on $BODY)
    if echo "$BODY" | jq -e "$2" >/dev/null 2>&1; then ok "$1"; else bad "$1: $(echo "$BODY" | head -c 600)"; fi
}
# req METHOD PATH [JSON]: sets CODE and BODY; runs curl as the unprivileged user
req() {
    if [ $# -ge 3 ]; then
        set -- "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"
    fi
    _m=$1 _p=$2; shift 2
    _out=$(setpriv --reuid="$SUSER" --regid="$SUSER" --init-groups -- \
        curl -s --max-time 10 -w '\n%{http_code}' --unix-socket "$SOCK" -X "$_m" "$@" "$API$_p")
    CODE=$(echo "$_out" | tail -n 1)
    BODY=$(echo "$_out" | sed '$d')
}
job_body() { # job_body NAME SCRIPT
    printf '{"script":"%s","job":{"name":"%s","current_working_directory":"%s","environment":{"PATH":"/usr/bin:/bin"},"time_limit":5,"standard_output":"%s/%s.out","standard_error":"%s/%s.err"}}' \
        "$2" "$1" "$JOBS" "$JOBS" "$1" "$JOBS" "$1"
}
wait_state() { # wait_state ID STATE...: poll GET /job/ID up to 30 s
    _id=$1; shift
    _i=0
    while [ "$_i" -lt 150 ]; do
        req GET "/job/$_id"
        _st=$(echo "$BODY" | jq -r '.jobs[0].job_state // empty' 2>/dev/null)
        for _s in "$@"; do [ "$_st" = "$_s" ] && return 0; done
        sleep 0.2; _i=$((_i + 1))
    done
    return 1
}

req GET /ping
[ "$CODE" = 200 ] && check "GET /ping" '.errors == [] and .pings[0].ping == "UP"' || bad "GET /ping: HTTP $CODE"
req GET /diag
[ "$CODE" = 200 ] && check "GET /diag" '.errors == [] and (.statistics.jobs_submitted | type) == "number"' || bad "GET /diag: HTTP $CODE"

req POST /job/submit "$(job_body "$TAG-ok" '#!/bin/sh\necho hello; sleep 2')"
check "POST /job/submit" '.errors == [] and (.job_id | type) == "number"'
ID=$(echo "$BODY" | jq -r '.job_id // empty')
if [ -n "$ID" ]; then
    wait_state "$ID" RUNNING COMPLETED && ok "job $ID started" || bad "job $ID never started"
    req GET /jobs
    check "GET /jobs finds the job by name" \
        "[.jobs[] | select(.name == \"$TAG-ok\") | .job_id] == [$ID]"
    wait_state "$ID" COMPLETED && ok "job $ID COMPLETED" || bad "job $ID not COMPLETED"
    check "completed job fields" '.jobs[0] | .exit_code == 0 and .start_time > 0 and .end_time >= .start_time'
    [ "$(cat "$JOBS/$TAG-ok.out" 2>/dev/null)" = hello ] && ok "job output written" || bad "job output missing"
fi

req POST /job/submit "$(job_body "$TAG-fail" '#!/bin/sh\nexit 3')"
ID=$(echo "$BODY" | jq -r '.job_id // empty')
if [ -n "$ID" ] && wait_state "$ID" FAILED; then
    check "failing job: FAILED, exit_code 768 (= 3 << 8)" '.jobs[0] | .exit_code == 768 and .state_reason == "NonZeroExitCode"'
else
    bad "failing job did not end FAILED"
fi

req POST /job/submit "$(job_body "$TAG-cancel" '#!/bin/sh\nsleep 120')"
ID=$(echo "$BODY" | jq -r '.job_id // empty')
if [ -n "$ID" ] && wait_state "$ID" RUNNING; then
    req DELETE "/job/$ID"
    [ "$CODE" = 200 ] && check "DELETE /job/$ID" '.errors == []' || bad "DELETE: HTTP $CODE"
    wait_state "$ID" CANCELLED && ok "job $ID CANCELLED" || bad "job $ID not CANCELLED"
    req DELETE "/job/$ID"
    [ "$CODE" = 200 ] && ok "DELETE again is HTTP 200" || bad "second DELETE: HTTP $CODE"
else
    bad "job to cancel never ran"
fi

req GET /job/999999
[ "$CODE" = 500 ] && check "GET unknown job: 500, error_number 2017" '.errors[0].error_number == 2017' || bad "GET unknown job: HTTP $CODE"
req POST /job/submit '{"script":"#!/bin/sh\ntrue","job":{"name":"x","current_working_directory":"/tmp"}}'
[ "$CODE" = 400 ] && check "submit without environment: 400" '.errors[0].error == "environment must be set"' || bad "no environment: HTTP $CODE"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
