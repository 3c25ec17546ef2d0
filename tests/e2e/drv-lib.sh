# drv-lib.sh - helpers for the driver tests (t04x0), sourced after lib.sh.
# Not a test itself (the test runner picks t[0-9]*.sh).
#
# The world: $TRASH/remote.git (bare, main), $TRASH/work (the author's
# clone, where TRs are written), $TRASH/lead (the reviewer's clone, signing
# with an ssh key listed in allowed_signers) and $TRASH/runner (the clone
# that runs treqs exec).  No hooks on the remote: the config may change.
#
# The engine is played by tests/stub/httpstub.py (no Kubernetes, Ray or
# GPU job service can be installed on the test machines): stub_start
# starts it with a scenario, stub_stop stops it and checks that every
# request was expected and every expected request came.

STUB=$TREQS_SOURCE_DIR/tests/stub/httpstub.py
KEYS=$TRASH/keys
mkdir -p "$KEYS"
ssh-keygen -q -t ed25519 -N '' -C lead@example.org -f "$KEYS/lead" || exit 1

# drv_world FILE: the world, with FILE's YAML (indented two spaces: the
# entries of the drivers: mapping) as the config's drivers.  @PORT@ in
# FILE is replaced by the stub's port (stub_port), @TRASH@ by $TRASH and
# @SRC@ by $TREQS_SOURCE_DIR.
drv_world() {
	conf=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	git init -q --bare "$TRASH/remote.git" &&
	git init -q "$TRASH/work" &&
	(
		cd "$TRASH/work" &&
		git remote add origin ../remote.git &&
		treqs init >/dev/null &&
		printf 'lead@example.org namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$KEYS/lead.pub")" \
			>>.treqs/allowed_signers &&
		drv_set_drivers "$conf" &&
		git commit -q -am "treqs: the lead's key, drivers" &&
		git push -q origin main
	) &&
	git clone -q "$TRASH/remote.git" "$TRASH/lead" &&
	(
		cd "$TRASH/lead" && treqs init >/dev/null &&
		git config user.name lead && git config user.email lead@example.org &&
		git config gpg.format ssh && git config user.signingkey "$KEYS/lead"
	) &&
	git clone -q "$TRASH/remote.git" "$TRASH/runner" &&
	( cd "$TRASH/runner" && treqs init >/dev/null )
}

# drv_set_drivers FILE: writes FILE's drivers into .treqs/config.yaml of
# the current directory (see drv_world).
drv_set_drivers() {
	python3 - "$1" "$(stub_port)" "$TRASH" "$TREQS_SOURCE_DIR" <<-'EOF'
	import re, sys
	text = open(sys.argv[1]).read().replace("@PORT@", sys.argv[2]).replace("@TRASH@", sys.argv[3])
	text = text.replace("@SRC@", sys.argv[4])
	conf = open(".treqs/config.yaml").read()
	conf, n = re.subn(r"(?m)^drivers: \{\}$", "drivers:\n" + text.rstrip("\n"), conf)
	if n != 1:
	    sys.exit("drv_set_drivers: no 'drivers: {}' line in config.yaml")
	open(".treqs/config.yaml", "w").write(conf)
	EOF
}

# drv_tr DRIVER [PYTHON]: an approved TR run by DRIVER; prints its id.
# PYTHON, if given, edits the TR first: it is run with `tr` (the TR's text)
# and must leave the new text in `tr`.  The default TR: 2 A100 GPUs for
# half an hour, command ["python3", "train.py", "--lr", "0.1"], env
# SEED=7, max_restarts 2.
drv_tr() {
	(
		cd "$TRASH/work" &&
		id=$(treqs new --title "Driver test" --objective "Exercise the $1 driver" \
			--gpu-type A100 --gpu-count 2 --hours 0.5 --reviewer lead@example.org) &&
		git checkout -q "treqs/$id" &&
		python3 - ".treqs/requests/$id.yaml" "$1" "${2:-}" <<-'EOF' &&
		import re, sys
		path, driver, edit = sys.argv[1], sys.argv[2], sys.argv[3]
		tr = open(path).read()
		tr = re.sub(r"(?m)^  command: .*$",
		            '  command: ["python3", "train.py", "--lr", "0.1"]\n'
		            '  env: {SEED: "7"}\n'
		            '  max_restarts: 2', tr)
		tr = tr.replace("\nresources:", "\ndriver: %s\nresources:" % driver, 1)
		exec(edit)
		open(path, "w").write(tr)
		EOF
		git commit -q -am "$id: run on $1" &&
		treqs submit "$id" >"$TRASH/submit.out" 2>&1 &&
		git checkout -q main &&
		cd "$TRASH/lead" &&
		git fetch -q &&
		export GIT_AUTHOR_NAME=lead GIT_AUTHOR_EMAIL=lead@example.org \
			GIT_COMMITTER_NAME=lead GIT_COMMITTER_EMAIL=lead@example.org &&
		treqs review "$id" --approve -m "Go." --push >"$TRASH/review.out" 2>&1 &&
		echo "$id"
	)
}

# drv_digest7 ID: the first 7 hex digits of ID's approved content digest.
drv_digest7() {
	( cd "$TRASH/runner" && git fetch -q && treqs show "$1" --json >"$TRASH/show.json" ) &&
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["digest"][:7])' "$TRASH/show.json"
}

# drv_state ID: the TR's state as the runner sees it.
drv_state() {
	( cd "$TRASH/runner" && git fetch -q && treqs show "$1" --json >"$TRASH/show.json" ) &&
	json_get "$TRASH/show.json" 'j["state"]'
}

# drv_exec ARGS...: treqs exec in the runner's clone, quick polls.
drv_exec() {
	( cd "$TRASH/runner" && treqs exec --interval 0.1 "$@" )
}

# drv_archive_msg: the message of the newest commit on the remote's main.
drv_archive_msg() {
	git -C "$TRASH/remote.git" log -1 --format=%B main
}

# drv_result ID: the archived result.json of ID, from the remote's main.
drv_result() {
	git -C "$TRASH/remote.git" show "main:.treqs/archive/$1/result.json"
}

# stub_port: the stub's port (0 before its first start).
stub_port() {
	cat "$TRASH/stub.port.kept" 2>/dev/null || echo 0
}

# stub_start SCENARIO [more httpstub.py options]: starts the stub on
# 127.0.0.1 (on a port chosen at the first start and reused after, so that
# the config's endpoint stays valid), logging to $TRASH/stub.log.
stub_start() {
	scenario=$1
	shift
	stub_kill
	rm -f "$TRASH/stub.port" "$TRASH/stub.log"
	python3 "$STUB" serve --scenario "$scenario" --port "$(stub_port)" --port-file "$TRASH/stub.port" \
		--log "$TRASH/stub.log" --lifetime 150 "$@" >"$TRASH/stub.out" 2>&1 &
	echo $! >"$TRASH/stub.pid"
	i=0
	while [ ! -s "$TRASH/stub.port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ ! -s "$TRASH/stub.port" ]; then
		echo "the stub did not start:" >&2
		cat "$TRASH/stub.out" >&2
		return 1
	fi
	case $(cat "$TRASH/stub.port") in
	/*) ;; # a unix socket
	*) cp "$TRASH/stub.port" "$TRASH/stub.port.kept" ;;
	esac
}

# stub_kill: stops the stub started last, if it still runs (by its pid).
stub_kill() {
	if [ -s "$TRASH/stub.pid" ]; then
		pid=$(cat "$TRASH/stub.pid")
		kill "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		rm -f "$TRASH/stub.pid"
	fi
	return 0
}

# stub_stop: stops the stub and checks its log: no unexpected request,
# none of the scenario's requests left unasked (unless --partial).
stub_stop() {
	stub_kill
	python3 "$STUB" check --log "$TRASH/stub.log" "$@"
}

# stub_requests: the requests the stub received, one "METHOD PATH" a line.
stub_requests() {
	python3 "$STUB" requests --log "$TRASH/stub.log"
}

# stub_body N: the JSON body of the Nth request (1-based), pretty-printed
# with sorted keys.
stub_body() {
	python3 "$STUB" body --log "$TRASH/stub.log" "$1"
}

# stub_header N NAME: the value of header NAME (lowercase) of the Nth
# request, or "(none)".
stub_header() {
	python3 - "$TRASH/stub.log" "$1" "$2" <<-'EOF'
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
	reqs = [r for r in reqs if r["event"] == "request"]
	print(reqs[int(sys.argv[2]) - 1]["headers"].get(sys.argv[3], "(none)"))
	EOF
}

# json_canon FILE: FILE's JSON as stub_body prints bodies (sorted keys).
json_canon() {
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True, indent=2))' "$1"
}

# scenario ENTRY...: the stub's scenario, the entries (JSON objects) in
# this order, in $TRASH/scenario.json.
scenario() {
	{
		echo "["
		sep=
		for e in "$@"; do printf '%s%s\n' "$sep" "$e"; sep=,; done
		echo "]"
	} >"$TRASH/scenario.json"
}

# req METHOD PATH STATUS [JSON]: a scenario entry answering STATUS with
# JSON (default {}).
req() {
	r=${4-}
	[ -n "$r" ] || r='{}'
	printf '{"method": "%s", "path": "%s", "status": %s, "response": %s}' "$1" "$2" "$3" "$r"
}

# req_text METHOD PATH STATUS TEXT: a scenario entry answering TEXT (JSON
# string escapes allowed) as text/plain.
req_text() {
	printf '{"method": "%s", "path": "%s", "status": %s, "response_text": "%s"}' "$1" "$2" "$3" "$4"
}

# entry_times N MIN ENTRY: ENTRY answering up to N requests in a row, of which
# MIN are required (0: the entry is optional).  For requests the runner
# may or may not make (a poll before a cancel).
entry_times() {
	printf '%s, "times": %s, "min_times": %s}' "${3%\}}" "$1" "$2"
}

# stub_index TEXT: the number of the first request whose "METHOD PATH" is TEXT.
stub_index() {
	stub_requests | grep -n -x -F "$1" | head -1 | cut -d: -f1
}
