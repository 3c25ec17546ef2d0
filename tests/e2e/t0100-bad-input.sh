#!/bin/sh
# The hostile input corpus (tests/bad): every NAME.yaml there is refused by
# `treqs validate` with exit status 1 and exactly the diagnostics written in
# NAME.expected, never with a crash, a sanitizer report or a hang.
#
# NAME.expected is the expected stderr, one diagnostic per line, with the
# path written as NAME.yaml: the files are checked from a scratch copy of
# tests/bad.  Lines starting with '#' are comments (each file opens with one
# saying what the case is) and are not part of the expected output.
#
# oversize.yaml (300 KiB, over the 256 KiB cap) is not committed; it is
# generated here.
#
# No test here measures time (tests must not depend on the machine's
# speed): each run is bounded by `timeout 10` so that a hang fails instead
# of stalling, and how fast the alias bomb and deep nesting are refused is
# left to the benchmark.
. "$(dirname "$0")/lib.sh"

BAD=$TREQS_SOURCE_DIR/tests/bad

# Runs treqs under a time bound; the exit status is treqs's own, or 124
# when it had to be stopped.
run_bounded() {
	timeout -k 5 10 "$TREQS" "$@"
}

# The expected stderr of NAME, comments removed, into file $2.
want_of() {
	sed '/^#/d' "$TRASH/bad/$1.expected" >"$2"
}

# Complains about an exit status other than 1.
check_status() { # check_status RC WHAT
	case $1 in
	1) return 0 ;;
	0) echo "$2: accepted (exit 0), expected exit 1" >&2 ;;
	124) echo "$2: did not finish within 10 s (a hang?)" >&2 ;;
	*) echo "$2: exit $1, expected 1 (above 3 means a crash or a sanitizer report)" >&2 ;;
	esac
	return 1
}

check_text() { # check_text NAME
	cd "$TRASH/bad" &&
	want_of "$1" "$TRASH/$1.want" &&
	{ run_bounded validate "$1.yaml" >"$TRASH/$1.out" 2>"$TRASH/$1.err"; rc=$?; true; } &&
	if ! check_status "$rc" "treqs validate $1.yaml"; then
		cat "$TRASH/$1.err"
		return 1
	fi &&
	test_cmp "$TRASH/$1.want" "$TRASH/$1.err" &&
	test_grep -x "1 file checked: invalid, .*" "$TRASH/$1.out"
}

# The --json form says the same: valid false, and the diagnostics, printed
# the way the text form prints them, are the expected lines; every error
# has a line and a column.
check_json() { # check_json NAME
	cd "$TRASH/bad" &&
	want_of "$1" "$TRASH/$1.want" &&
	{ run_bounded validate --json "$1.yaml" >"$TRASH/$1.json" 2>"$TRASH/$1.jerr"; rc=$?; true; } &&
	if ! check_status "$rc" "treqs validate --json $1.yaml"; then
		cat "$TRASH/$1.jerr"
		return 1
	fi &&
	if test -s "$TRASH/$1.jerr"; then
		echo "unexpected stderr with --json:" >&2
		cat "$TRASH/$1.jerr"
		return 1
	fi &&
	python3 - "$TRASH/$1.json" "$TRASH/$1.want" <<-'EOF'
	import json, sys
	j = json.load(open(sys.argv[1]))
	want = open(sys.argv[2]).read().splitlines()
	assert j["valid"] is False, "valid is not false"
	diags = j["diagnostics"]
	errors = [d for d in diags if d["severity"] == "error"]
	assert errors, "no diagnostic with severity error"
	assert j["errors"] == len(errors), "errors count disagrees with the list"
	for d in errors:
	    for k in ("line", "column"):
	        assert isinstance(d.get(k), int) and d[k] >= 1, "error without a %s: %r" % (k, d)
	got = []
	for d in diags:
	    s = d["path"]
	    if "line" in d:
	        s += ":%d" % d["line"]
	        if "column" in d:
	            s += ":%d" % d["column"]
	    s += ": "
	    if d["severity"] == "warning":
	        s += "warning: "
	    if d["field"] is not None:
	        s += d["field"] + ": "
	    got.append(s + d["message"])
	if got != want:
	    print("--json diagnostics differ from the expected lines:")
	    print("\n".join("-" + w for w in want))
	    print("\n".join("+" + g for g in got))
	    sys.exit(1)
	EOF
}

# oversize.yaml: a valid-looking TR whose notes take it to 300 KiB.
make_oversize() {
	python3 - <<-'EOF'
	head = ('id: TR-0042\ntitle: "Over the size cap"\nobjective: "Files are at most 256 KiB"\n'
	        'resources: {gpu_type: A100, hours: 1}\ncost_estimate_usd: 0\nnotes: "')
	size = 300 * 1024
	open("oversize.yaml", "w").write(head + "x" * (size - len(head) - 2) + '"\n')
	EOF
}

# Every NAME.yaml has a NAME.expected and the other way round; 40 or more.
check_corpus() {
	n=0
	for f in *.yaml; do
		n=$((n + 1))
		if ! test -f "${f%.yaml}.expected"; then
			echo "$f has no ${f%.yaml}.expected" >&2
			return 1
		fi
	done
	for f in *.expected; do
		if ! test -f "${f%.expected}.yaml"; then
			echo "$f has no ${f%.expected}.yaml" >&2
			return 1
		fi
	done
	echo "$n cases"
	test "$n" -ge 40
}

# One process over the whole directory: exit 1, and every expected line
# is there (ids shared between files add lines of their own).
check_all_at_once() {
	cd "$TRASH/bad" &&
	{ run_bounded validate . >"$TRASH/all.out" 2>"$TRASH/all.err"; rc=$?; true; } &&
	if ! check_status "$rc" "treqs validate ."; then
		cat "$TRASH/all.err"
		return 1
	fi &&
	cat ./*.expected | sed -e '/^#/d' -e 's|^|./|' >"$TRASH/all.want" &&
	if grep -v -x -F -f "$TRASH/all.err" "$TRASH/all.want" >"$TRASH/all.missing"; then
		echo "lines missing from one run over the directory:" >&2
		cat "$TRASH/all.missing"
		return 1
	fi
}

test_expect_success 'set up a scratch copy of the corpus' '
	cp -R "$BAD" "$TRASH/bad" &&
	cd "$TRASH/bad" &&
	make_oversize &&
	test $(wc -c <oversize.yaml) -eq 307200
'

test_expect_success 'the corpus has 40 or more cases, each with its expected output' '
	cd "$TRASH/bad" && check_corpus
'

for exp in "$BAD"/*.expected; do
	name=$(basename "$exp" .expected)
	test_expect_success "refuses $name.yaml with the expected message" "check_text $name"
	test_expect_success "refuses $name.yaml in --json form" "check_json $name"
done

test_expect_success 'refuses the whole corpus in one run' 'check_all_at_once'

test_done
