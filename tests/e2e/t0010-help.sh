#!/bin/sh
# The man pages agree with --help (as git's t0450 checks -h against the
# documented synopsis): every command has a page, man/treqs-<command>.1;
# for every such page whose command exists, the options documented in the
# page are exactly those --help lists; the page's SYNOPSIS names the
# command; -h works outside a git repository.  treqs.1 lists every
# command, the treqs pages named by .Xr exist, and every page in man/ is
# clean under mandoc -T lint.
#
# What the pages must look like for this test to read them (see
# man/treqs-validate.1 for one of each):
#
#   - man/treqs-<command>.1 documents `treqs <command>`, and its SYNOPSIS
#     starts with
#         .Nm treqs Cm <command>
#   - Every option is one .It line of a .Bl -tag list in the DESCRIPTION
#     (or an OPTIONS) section, written
#         .It Fl \-name                  a flag
#         .It Fl \-name Ar value         an option that takes a value
#         .It Fl x , Fl \-name ...       the same, with a short name
#     -h and --help included (.It Fl h , Fl \-help).  No other .It line of
#     those sections starts with Fl.
#
# Both sides are reduced to lines such as "-q, --quiet", "--title ARG" and
# "--help", sorted, and compared with diff -u: the long names, the short
# names and whether a value is taken must agree.
. "$(dirname "$0")/lib.sh"

MAN=$TREQS_SOURCE_DIR/man

# help_opts FILE: the options of a --help output.  They follow the
# "options:" line; a command whose table is empty prints only the -h line,
# without that header, so that line is read wherever it is.
help_opts() {
	awk '
	/^options:/ { on = 1; next }
	/^    -h, --help  / { on = 1 }
	on && /^ +-/ {
		line = $0
		sub(/^ +/, "", line)
		# The left column is padded to 28 characters and followed by
		# the help text; when it overflows only one space separates
		# them, and a value name is told by its capitals.
		fits = match(line, /  +/)
		if (fits)
			line = substr(line, 1, RSTART - 1)
		n = split(line, t, " ")
		short = ""; long = ""; arg = 0
		for (i = 1; i <= n; i++) {
			if (t[i] ~ /^-[A-Za-z0-9],$/)
				short = substr(t[i], 1, 2)
			else if (t[i] ~ /^--[A-Za-z0-9]/) {
				long = t[i]
				if (i < n && (fits || t[i + 1] ~ /^[A-Z][A-Z0-9_.-]*$/))
					arg = 1
				break
			}
		}
		print (short != "" ? short ", " : "") long (arg ? " ARG" : "")
	}' "$1" | LC_ALL=C sort
}

# man_opts FILE: the options documented in a man page.
man_opts() {
	awk '
	/^\.Sh / { on = ($2 == "DESCRIPTION" || $2 == "OPTIONS"); next }
	on && /^\.It Fl / {
		short = ""; long = ""; arg = 0
		for (i = 2; i <= NF; i++) {
			if ($i == "Fl" && i < NF) {
				f = $(i + 1)
				i++
				if (f ~ /^\\-/)
					long = "--" substr(f, 3)
				else if (f ~ /^-/)
					long = "-" f
				else
					short = "-" f
			} else if ($i == "Ar")
				arg = 1
		}
		if (long == "")
			print short (arg ? " ARG" : "")
		else
			print (short != "" ? short ", " : "") long (arg ? " ARG" : "")
	}' "$1" | LC_ALL=C sort
}

# synopsis FILE: the SYNOPSIS section of a man page.
synopsis() {
	awk '/^\.Sh / { on = ($2 == "SYNOPSIS"); next } on' "$1"
}

mkdir -p "$TRASH/probe" "$TRASH/norepo"

# The commands the program has, from its usage.
"$TREQS" --help >"$TRASH/probe/usage" 2>&1
awk '/^commands:/ { on = 1; next } on && /^    [a-z]/ { print $1 } on && /^$/ { exit }' \
	"$TRASH/probe/usage" >"$TRASH/probe/commands"

test_expect_success 'treqs --help lists commands' '
	test -s "$TRASH/probe/commands"
'

test_expect_success 'treqs -h works outside a git repository' '
	cd "$TRASH/norepo" &&
	test_must_fail git rev-parse --git-dir 2>/dev/null &&
	treqs -h >out 2>err &&
	test_grep "^usage: treqs " out &&
	test ! -s err
'

for page in "$MAN"/treqs-*.1; do
	[ -f "$page" ] || continue
	name=$(basename "$page" .1)
	cmd=${name#treqs-}
	probe="$TRASH/probe/$cmd"

	# A page written ahead of its command is skipped; a command that
	# exists but cannot print its help is a failure.
	if ! "$TREQS" "$cmd" --help >"$probe.help" 2>"$probe.err"; then
		if grep -q "is not a treqs command" "$probe.err"; then
			test_skip "man/$name.1 matches treqs $cmd --help" "no command '$cmd' yet"
			continue
		fi
	fi

	test_expect_success "treqs $cmd --help exits 0 and prints its usage" '
		test_expect_code 0 treqs "$cmd" --help >help 2>err &&
		test_grep "^usage: treqs $cmd\( \|$\)" help &&
		test ! -s err
	'

	test_expect_success "man/$name.1 documents the options of treqs $cmd --help" '
		help_opts "$probe.help" >options-in-help &&
		man_opts "$page" >options-in-man &&
		test -s options-in-help &&
		test_cmp options-in-help options-in-man
	'

	test_expect_success "man/$name.1: SYNOPSIS names treqs $cmd" '
		synopsis "$page" >syn &&
		test_grep -e "^\.Nm treqs Cm $cmd\( \|$\)" -e "^\.Nm treqs $cmd\( \|$\)" syn
	'

	test_expect_success "treqs $cmd -h works outside a git repository" '
		cd "$TRASH/norepo" &&
		test_expect_code 0 treqs "$cmd" -h >out 2>err &&
		test ! -s err &&
		test_cmp "$probe.help" out
	'
done

# Every command has its page: writing it is step 4 of the checklist in
# src/cli/cli.h, and a command without one fails here.
while read -r cmd; do
	test_expect_success "treqs $cmd has a man page" '
		test -f "$MAN/treqs-$cmd.1" ||
		{ echo "man/treqs-$cmd.1 is missing (see src/cli/cli.h)" >&2; exit 1; }
	'
done <"$TRASH/probe/commands"

test_expect_success 'treqs.1 lists every command' '
	while read -r cmd; do
		grep -q "^\.It Cm $cmd\$" "$MAN/treqs.1" ||
		{ echo "man/treqs.1 has no \".It Cm $cmd\"" >&2; exit 1; }
	done <"$TRASH/probe/commands"
'

# Every treqs page a page refers to (.Xr treqs-name N) is in man/.
test_expect_success 'the treqs pages named by .Xr exist' '
	status=0
	for page in "$MAN"/*.[1-9]; do
		awk '"'"'$1 == ".Xr" && $2 ~ /^treqs(-|$)/ { print $2 "." $3 }'"'"' "$page" |
		sort -u >xrefs
		while read -r ref; do
			[ -f "$MAN/$ref" ] && continue
			echo "$(basename "$page") refers to $ref, which is not in man/" >&2
			status=1
		done <xrefs
	done
	exit $status
'

if command -v mandoc >/dev/null 2>&1; then
	for page in "$MAN"/*.[1-9]; do
		[ -f "$page" ] || continue
		test_expect_success "mandoc -T lint -W warning: man/$(basename "$page")" '
			mandoc -T lint -W warning "$page" >lint 2>&1
			status=$?
			cat lint &&
			test ! -s lint &&
			test "$status" -eq 0
		'
	done
else
	test_skip "mandoc -T lint -W warning: man/*" "mandoc is not installed"
fi

test_done
