#!/bin/sh
# Reviews signed with OpenPGP (gpg.format openpgp), trusted through
# .treqs/openpgp-keys.asc on the protected branch.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/review-lib.sh"

command -v gpg >/dev/null || { test_skip 'openpgp reviews' 'gpg is not installed'; test_done; }

export GNUPGHOME="$TRASH/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg_key() { # gpg_key NAME EMAIL: a key without passphrase; prints its fingerprint
	gpg --batch --quiet --passphrase '' --quick-gen-key "$1 <$2>" ed25519 sign never >/dev/null 2>&1 &&
	gpg --batch --with-colons --list-keys "$2" | awk -F: '/^fpr:/ { f = $10 } END { print f }'
}

test_expect_success 'setup: the lead signs with gpg; the key is in openpgp-keys.asc on main' '
	gpg_key "Lee Lead" lead@example.org >lead.fpr && test -s lead.fpr &&
	gpg --batch --armor --export lead@example.org >lead.asc &&
	make_world p sh -c "cp \"$TRASH/lead.asc\" .treqs/openpgp-keys.asc && git add .treqs/openpgp-keys.asc" &&
	git -C p/remote.git show main:.treqs/openpgp-keys.asc >pgp.asc && test_grep "BEGIN PGP PUBLIC KEY BLOCK" pgp.asc &&
	clone_as p author && clone_as p lead &&
	git -C p/lead config gpg.format openpgp && git -C p/lead config user.signingkey "$(cat lead.fpr)"
'

test_expect_success 'an approval signed with OpenPGP counts; git verify-commit accepts it' '
	cd p/author && test_tick &&
	id=$(new_tr --title "Signed with gpg" --gpu-type A100 --hours 1 --reviewer lead@example.org) &&
	cd ../lead && git fetch -q && test_tick && as lead treqs approve "$id" --push >../out 2>&1 &&
	test "$(state "$id")" = approved &&
	json_get "$TRASH/show.json" "j[\"approvals\"][0][\"fingerprint\"]" >../fp &&
	test "$(cat ../fp)" = "OPENPGP:$(cat "$TRASH/lead.fpr")" &&
	git verify-commit "treqs/$id" 2>../verify && test_grep "Good signature from \"Lee Lead <lead@example.org>\"" ../verify &&
	treqs log "$id" >../log && test_grep "approve .*signed, verified (OPENPGP:" ../log
'

test_expect_success 'a gpg key that is not in openpgp-keys.asc is refused, even with the right name' '
	gpg_key "Lee Lead (a second key)" lead@example.org >other.fpr && test -s other.fpr &&
	! test_cmp lead.fpr other.fpr &&
	cd p/author && test_tick &&
	id=$(new_tr --title "Forged gpg" --gpu-type A100 --hours 1 --reviewer lead@example.org) &&
	cd ../lead && git fetch -q && git config user.signingkey "$(cat "$TRASH/other.fpr")" && test_tick &&
	as lead treqs approve "$id" >../out 2>&1 &&
	test_grep "does not verify" ../out &&
	push_rejected "the OpenPGP key is not in .treqs/openpgp-keys.asc" "treqs/$id" &&
	test "$(state "$id")" = review
'

test_expect_success 'openpgp-keys.asc is a trust file: only an admin may change it' '
	cd p/author && git fetch -q && git checkout -q -B keys origin/main &&
	gpg --batch --armor --export >>.treqs/openpgp-keys.asc && git add .treqs/openpgp-keys.asc && test_tick &&
	commit_as author author "more keys" &&
	push_rejected "changes .treqs/openpgp-keys.asc, but author@example.org is not an admin" keys:main
'

test_done
