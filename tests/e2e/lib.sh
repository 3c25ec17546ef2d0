# lib.sh - the end-to-end test harness, in the manner of git's t/test-lib.sh.
#
# A test script sources this file, then calls test_expect_success (and
# friends) with a title and a body; the body runs in a shell with -e
# semantics emulated by chaining with &&.  Every script runs in its own
# scratch directory with HOME pointed there, fixed dates, EDITOR=: and no
# user or system git configuration; the scratch directory is kept when a
# test fails (its path is printed) and removed otherwise.
#
# Environment: TREQS (the binary under test), TREQS_SOURCE_DIR (the
# source tree), TREQS_KEEP=1 keeps the scratch directory, TREQS_VERBOSE=1
# prints each test's output.

set -u

: "${TREQS_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TREQS:=$TREQS_SOURCE_DIR/build/release/treqs}"
case "$TREQS" in /*) ;; *) TREQS=$(pwd)/$TREQS ;; esac
export TREQS TREQS_SOURCE_DIR

test_name=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/treqs-$test_name.XXXXXX")
export HOME="$TRASH/home"
mkdir -p "$HOME"
cd "$TRASH" || exit 1

# A known, isolated environment.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CONFIG_PARAMETERS
unset VISUAL EMAIL TREQS_DRIVER
export LC_ALL=C TZ=UTC
export GIT_CONFIG_NOSYSTEM=1
export EDITOR=: GIT_EDITOR=:
export GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL="author@example.org"
export GIT_COMMITTER_NAME="C O Mitter" GIT_COMMITTER_EMAIL="committer@example.org"
export GIT_AUTHOR_DATE="1700000000 +0000" GIT_COMMITTER_DATE="1700000000 +0000"
export GIT_TERMINAL_PROMPT=0
# libgit2's regex code in Debian's 1.5 leaks a match block per call; our own
# leaks are still reported.
export LSAN_OPTIONS="suppressions=$TREQS_SOURCE_DIR/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98"
git config --global init.defaultBranch main
git config --global user.name "A U Thor"
git config --global user.email "author@example.org"
git config --global advice.detachedHead false
git config --global protocol.file.allow always

treqs() {
	"$TREQS" "$@"
}

test_count=0
test_failed=0
test_skipped=0

say() {
	printf '%s\n' "$*"
}

test_expect_success() {
	test_count=$((test_count + 1))
	title=$1
	body=$2
	out="$TRASH/.test-$test_count.out"
	if ( eval "$body" ) >"$out" 2>&1; then
		say "ok $test_count - $title"
		[ -n "${TREQS_VERBOSE:-}" ] && sed 's/^/    /' "$out"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $title"
		sed 's/^/#    /' "$out"
		say "#  body:"
		printf '%s\n' "$body" | sed 's/^/#    /'
	fi
	check_sanitizers "$out"
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # skip $1 ($2)"
}

# Sanitizer reports fail the script even when the body's own checks passed.
check_sanitizers() {
	if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$1" 2>/dev/null; then
		test_failed=$((test_failed + 1))
		say "not ok - sanitizer report in test $test_count:"
		grep -A30 -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$1" | sed 's/^/#    /'
	fi
}

test_done() {
	if [ "$test_failed" -ne 0 ]; then
		say "# failed $test_failed of $test_count; scratch data kept in $TRASH"
		exit 1
	fi
	say "# passed all $test_count tests${test_skipped:+ ($test_skipped skipped)}"
	if [ -z "${TREQS_KEEP:-}" ]; then
		cd / && rm -rf "$TRASH"
	fi
	exit 0
}

# --- assertions (print what differs and fail) ---

test_cmp() {
	diff -u "$1" "$2"
}

# test_must_fail STATUS cmd...: cmd must exit with exactly STATUS.
test_expect_code() {
	want=$1
	shift
	"$@"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got from: $*" >&2
		return 1
	fi
	return 0
}

test_must_fail() {
	"$@"
	got=$?
	if [ "$got" -eq 0 ]; then
		echo "expected failure, got success from: $*" >&2
		return 1
	fi
	if [ "$got" -gt 3 ] && [ "$got" -ne 128 ] && [ "$got" -ne 129 ]; then
		echo "unexpected exit $got (crash?) from: $*" >&2
		return 1
	fi
	return 0
}

test_grep() {
	if ! grep "$@"; then
		echo "grep $* found nothing in:" >&2
		eval "last=\${$#}"
		[ -f "$last" ] && sed 's/^/| /' "$last" >&2
		return 1
	fi
	return 0
}

# json_get FILE EXPR: prints the Python expression EXPR evaluated on the JSON in FILE as j.
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); r=eval(sys.argv[2]); print(r if not isinstance(r,(dict,list)) else json.dumps(r, sort_keys=True))' "$1" "$2"
}

# A repository with treqs initialised and a bare remote "origin" holding main.
setup_repo() {
	git init -q --bare "$TRASH/remote.git" &&
	git init -q "$TRASH/${1:-work}" &&
	( cd "$TRASH/${1:-work}" &&
	  git remote add origin "$TRASH/remote.git" &&
	  treqs init >/dev/null &&
	  git push -q origin main )
}
