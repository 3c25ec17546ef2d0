# review-lib.sh - helpers for the review and hook tests (t02xx), sourced
# after lib.sh.  Not a test itself (the test runner picks t[0-9]*.sh).
#
# The cast: each has an ed25519 key in $KEYS (ssh-keygen -N ''); every one
# but mallory is listed in .treqs/allowed_signers on main.
#   author   submits TRs (lib.sh's default identity, author@example.org)
#   lead     a reviewer
#   lead2    a second reviewer
#   other    listed in allowed_signers, but a reviewer of nothing
#   admin    the only admin: may change config.yaml and allowed_signers
#   mallory  an attacker whose key nobody trusts

KEYS=$TRASH/keys
mkdir -p "$KEYS"
for k in author lead lead2 other admin mallory; do
	ssh-keygen -q -t ed25519 -N '' -C "$k@example.org" -f "$KEYS/$k" || exit 1
done

# Advances the fixed dates by a minute, so that events have distinct,
# ordered times (as git's test_tick).  Bodies run in subshells: the clock
# lives in a file.
test_tick() {
	t=$(cat "$TRASH/.tick" 2>/dev/null || echo 1700000000)
	t=$((t + 60))
	echo "$t" >"$TRASH/.tick"
	export GIT_AUTHOR_DATE="$t +0000" GIT_COMMITTER_DATE="$t +0000"
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

# The allowed_signers line of WHO's key (for principal PRINCIPAL, default
# WHO@example.org).
signer_line() {
	printf '%s namespaces="git" %s\n' "${2:-$1@example.org}" "$(cut -d" " -f1,2 "$KEYS/$1.pub")"
}

fingerprint() {
	ssh-keygen -l -E sha256 -f "$KEYS/$1.pub" | cut -d" " -f2
}

# make_world NAME [CMD...]: $TRASH/NAME/remote.git (bare, treqs hook
# installed) and $TRASH/NAME/work (author's clone) whose first push to main
# brings .treqs with every key but mallory's listed and admin as admin.
# CMD runs in work before that commit, to adjust config.yaml.
make_world() {
	w=$TRASH/$1
	shift
	mkdir -p "$w" &&
	git init -q --bare "$w/remote.git" &&
	treqs hook install "$w/remote.git" >/dev/null &&
	git init -q "$w/work" &&
	(
		cd "$w/work" &&
		git remote add origin ../remote.git &&
		treqs init >/dev/null &&
		for k in author lead lead2 other admin; do signer_line $k || exit 1; done >>.treqs/allowed_signers &&
		sed -i "s/^admins: \[\]/admins: [admin@example.org]/" .treqs/config.yaml &&
		{ [ $# -eq 0 ] || "$@"; } &&
		git commit -q -am "treqs: reviewers and admins" &&
		git push -q origin main
	)
}

# clone_as NAME WHO [KEY]: $TRASH/NAME/WHO, a clone of the world's remote
# that works as WHO@example.org and signs with KEY's key (default WHO's).
clone_as() {
	git clone -q "$TRASH/$1/remote.git" "$TRASH/$1/$2" &&
	(
		cd "$TRASH/$1/$2" &&
		treqs init >/dev/null &&
		git fetch -q &&
		git config user.name "$2" &&
		git config user.email "$2@example.org" &&
		git config gpg.format ssh &&
		git config user.signingkey "$KEYS/${3:-$2}"
	)
}

# new_tr [treqs new options...]: a new TR by author in the current
# directory, pushed for review; prints its id.
new_tr() {
	as author treqs new --objective "See whether it helps" "$@" >"$TRASH/new.id" &&
	as author treqs submit "$(cat "$TRASH/new.id")" >/dev/null 2>&1 &&
	cat "$TRASH/new.id"
}

# state ID: the state treqs show --json reports here; the whole answer is
# left in $TRASH/show.json.
state() {
	treqs show "$1" --json >"$TRASH/show.json" &&
	json_get "$TRASH/show.json" 'j["state"]'
}

# fsck_all NAME: every repository of the world is clean.
fsck_all() {
	for r in "$TRASH/$1"/*; do
		[ -d "$r" ] || continue
		git -C "$r" fsck --strict --no-progress >"$TRASH/fsck.out" 2>&1 || {
			echo "git fsck --strict failed in $r:" >&2
			cat "$TRASH/fsck.out" >&2
			return 1
		}
	done
}

# review_msg ID ACTION DIGEST: the message treqs writes for a review.
review_msg() {
	printf '%s: %s\n\nTReqs-Id: %s\nTReqs-Action: %s\nTReqs-Digest: %s\n' "$1" "$2" "$1" "$2" "$3"
}

# commit_as WHO KEY MSG: commits what is staged (possibly nothing) by hand
# as WHO@example.org, signed with KEY's ssh key, or unsigned when KEY is -.
commit_as() {
	if [ "$2" = - ]; then
		as "$1" git commit -q --allow-empty --no-gpg-sign -m "$3"
	else
		as "$1" git -c gpg.format=ssh -c user.signingkey="$KEYS/$2" commit -q --allow-empty -S -m "$3"
	fi
}

# set_status ID WORD: writes status: WORD into the checked-out TR file and
# stages it.
set_status() {
	sed -i "s/^status: .*/status: $2/" ".treqs/requests/$1.yaml" &&
	git add ".treqs/requests/$1.yaml"
}

# on_branch ID: checks out treqs/ID at the remote's tip (fetched).
on_branch() {
	git fetch -q &&
	git checkout -q -B "treqs/$1" "origin/treqs/$1"
}

# push_rejected TEXT PUSH-ARGS...: "git push origin PUSH-ARGS" must fail,
# the hook must have printed TEXT (a fixed string, in one of the lines git
# shows as "remote: ...") and said that it refused, and no ref of the
# remote may have moved.  The hook's lines are left in $TRASH/hook.out.
push_rejected() {
	want=$1
	shift
	url=$(git remote get-url origin) &&
	git -C "$url" for-each-ref >"$TRASH/refs.before" &&
	if git push origin "$@" >"$TRASH/push.out" 2>&1; then
		echo "the push was accepted:" >&2
		cat "$TRASH/push.out" >&2
		return 1
	fi
	cat "$TRASH/push.out" &&
	sed -n "s/^remote: //p" "$TRASH/push.out" | sed "s/ *\$//" >"$TRASH/hook.out" &&
	test_grep -F -- "$want" "$TRASH/hook.out" &&
	test_grep "^treqs: push refused ([0-9]* problems\{0,1\})$" "$TRASH/hook.out" &&
	test_grep -F "[remote rejected]" "$TRASH/push.out" &&
	git -C "$url" for-each-ref >"$TRASH/refs.after" &&
	test_cmp "$TRASH/refs.before" "$TRASH/refs.after"
}
