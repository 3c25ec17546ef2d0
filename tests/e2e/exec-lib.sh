# exec-lib.sh - helpers for the execution tests (t03xx), sourced after
# lib.sh.  Not a test itself (the test runner picks t[0-9]*.sh).
#
# The world ($TRASH/remote.git and clones next to it):
#   remote.git  bare, with treqs' pre-receive hook installed
#   work        the author's clone: submits TRs (author@example.org)
#   lead        the reviewer's clone: approves them (signed, ed25519)
#   runner      a CI runner's clone: runs treqs exec
#   admin       may change .treqs/config.yaml (a key, no clone)
# main holds the real training script (tests/demo/train.py), a job that
# prints its arguments and environment (show.py), a driver "gpu" (of type
# local), and a price catalog with A100 at 3600 USD per GPU-hour, so that
# a run of a few seconds has an actual cost of a few dollars (cost =
# seconds x gpu_count).

# Launch locks are judged abandoned by their commit's age; lib.sh's fixed
# dates (2023) would make every fresh lock look ancient.  Real time, then.
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE

KEYS=$TRASH/keys
mkdir -p "$KEYS"
for k in author lead admin; do
	ssh-keygen -q -t ed25519 -N '' -C "$k@example.org" -f "$KEYS/$k" || exit 1
done

signer_line() {
	printf '%s namespaces="git" %s\n' "$1@example.org" "$(cut -d" " -f1,2 "$KEYS/$1.pub")"
}

# as WHO CMD...: runs CMD as WHO@example.org (author and committer).
as() {
	(
		who=$1
		shift
		export GIT_AUTHOR_NAME="$who" GIT_AUTHOR_EMAIL="$who@example.org"
		export GIT_COMMITTER_NAME="$who" GIT_COMMITTER_EMAIL="$who@example.org"
		"$@"
	)
}

# clone NAME [WHO]: $TRASH/NAME, a clone of the remote working as WHO
# (default NAME), signing with WHO's key when there is one.
clone() {
	git clone -q "$TRASH/remote.git" "$TRASH/$1" &&
	(
		cd "$TRASH/$1" &&
		treqs init >/dev/null &&
		git fetch -q &&
		git config user.name "${2:-$1}" &&
		git config user.email "${2:-$1}@example.org" &&
		if [ -f "$KEYS/${2:-$1}" ]; then
			git config gpg.format ssh && git config user.signingkey "$KEYS/${2:-$1}"
		fi
	)
}

make_world() {
	git init -q --bare "$TRASH/remote.git" &&
	treqs hook install "$TRASH/remote.git" >/dev/null &&
	git init -q "$TRASH/work" &&
	(
		cd "$TRASH/work" &&
		git remote add origin ../remote.git &&
		cp "$TREQS_SOURCE_DIR/tests/demo/train.py" train.py &&
		cat >show.py <<-\PY &&
		import json, os, sys
		print("argv=" + json.dumps(sys.argv[1:]))
		for k in ("TREQS_OUTPUT_DIR", "TREQS_TR_ID", "TREQS_JOB_ID"):
		    print("env %s=%s" % (k, os.environ.get(k, "")))
		print("cwd=" + os.getcwd())
		PY
		git add train.py show.py &&
		git commit -q -m "the training script" &&
		treqs init >/dev/null &&
		for k in author lead admin; do signer_line $k || exit 1; done >>.treqs/allowed_signers &&
		sed -i -e "s/^admins: \[\]/admins: [admin@example.org]/" \
			-e "s/^default_reviewers: \[\]/default_reviewers: [lead@example.org]/" \
			-e "s/^drivers: {}/drivers: {gpu: {type: local}}/" \
			-e "s/^  A100: .*/  A100: 3600.00/" .treqs/config.yaml &&
		git commit -q -am "treqs: reviewers, prices" &&
		git push -q origin main &&
		git config user.name author && git config user.email author@example.org &&
		git config gpg.format ssh && git config user.signingkey "$KEYS/author"
	) &&
	clone lead &&
	clone runner
}

# new_tr TITLE [YAML-LINES]: in work, a new TR whose file ends with the given
# lines after the required fields (run:, expected:, ...), pushed for
# review; prints its id.  TR_GPUS and TR_HOURS set resources (1, 0.05).
new_tr() {
	(
		cd "$TRASH/work" &&
		id=$(treqs new --title "$1" --objective "See" --gpu-type A100 --hours "${TR_HOURS:-0.05}" \
			--reviewer lead@example.org) &&
		git checkout -q "treqs/$id" &&
		{
			printf 'id: %s\ntitle: "%s"\nobjective: "See"\n' "$id" "$1"
			printf 'resources:\n  gpu_type: A100\n  gpu_count: %s\n  hours: %s\n' "${TR_GPUS:-1}" "${TR_HOURS:-0.05}"
			printf 'cost_estimate_usd: 180\nreviewers: [lead@example.org]\nstatus: draft\n'
			printf '%s\n' "${2:-run: {command: [python3, train.py, --epochs, \"5\"]\}}"
		} >".treqs/requests/$id.yaml" &&
		git commit -q -am "$id: the run" &&
		treqs submit "$id" >/dev/null 2>"$TRASH/submit.err" &&
		git checkout -q main &&
		echo "$id"
	)
}

# approve ID: the lead approves ID and pushes the signed review.
approve() {
	(cd "$TRASH/lead" && git fetch -q && as lead treqs approve "$1" --push >/dev/null)
}

# tr_approved TITLE [YAML-LINES]: new_tr, then approve; prints the id.
tr_approved() {
	_id=$(new_tr "$@") && approve "$_id" && echo "$_id"
}

# runner_env: the runner's identity in the environment (for exec).
runner_env() {
	export GIT_AUTHOR_NAME=runner GIT_AUTHOR_EMAIL=runner@example.org
	export GIT_COMMITTER_NAME=runner GIT_COMMITTER_EMAIL=runner@example.org
}

# run_exec ARGS...: treqs exec ARGS in the runner clone (stdout in
# $TRASH/exec.out, stderr in $TRASH/exec.err, both shown).
run_exec() {
	(cd "$TRASH/runner" && as runner treqs exec "$@" >"$TRASH/exec.out" 2>"$TRASH/exec.err")
	_rc=$?
	cat "$TRASH/exec.out" "$TRASH/exec.err"
	return $_rc
}

# launches ID: how many launch records of ID (launch commits with a
# TReqs-Job) the remote's lock of ID holds.
launches() {
	git -C "$TRASH/remote.git" log \
		--format='%(trailers:key=TReqs-Id,valueonly,separator=) %(trailers:key=TReqs-Action,valueonly,separator=) %(trailers:key=TReqs-Job,valueonly,separator=)' \
		"refs/treqs/locks/$1" -- 2>/dev/null | grep -c "^$1 launch ." || true
}

# archives ID: how many archive commits (archive, fail or cancel) for ID
# the remote's main holds.
archives() {
	git -C "$TRASH/remote.git" log --format='%(trailers:key=TReqs-Id,valueonly,separator=) %(trailers:key=TReqs-Action,valueonly,separator=)' \
		main | grep -c "^$1 \(archive\|fail\|cancel\)\$" || true
}

# result ID EXPR: EXPR (python, on j) of ID's result.json on the remote's main.
result() {
	git -C "$TRASH/remote.git" show "main:.treqs/archive/$1/result.json" >"$TRASH/result.json" &&
	json_get "$TRASH/result.json" "$2"
}

# wait_for FILE TEXT [SECONDS]: until FILE contains TEXT (default 20 s).
wait_for() {
	_n=$(( ${3:-20} * 10 ))
	while [ $_n -gt 0 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	echo "timed out waiting for '$2' in $1" >&2
	[ -f "$1" ] && sed 's/^/| /' "$1" >&2
	return 1
}

# fsck: the server repository is clean.
fsck() {
	git -C "$TRASH/remote.git" fsck --strict --no-progress
}
