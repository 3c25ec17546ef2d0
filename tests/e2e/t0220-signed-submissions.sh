#!/bin/sh
# policy.require_signed_submissions: who wrote a TR must be provable, so
# that a reviewer cannot write their own TR under another name and approve
# it.  Without the setting, authorship comes from unsigned author lines
# (see t0210's known hole); with it, content commits must be signed by
# their author, and the hook and the policy both insist.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/review-lib.sh"

require_signed() {
	sed -i 's/^  approvals_required: 1$/  approvals_required: 1\n  require_signed_submissions: true/' .treqs/config.yaml
}

test_expect_success 'setup: a world that requires signed submissions' '
	make_world s require_signed &&
	git -C s/remote.git show main:.treqs/config.yaml >cfg && test_grep "require_signed_submissions: true" cfg &&
	clone_as s author && clone_as s lead && clone_as s lead2
'

test_expect_success 'treqs new signs the TR when the author signs; it can be approved' '
	cd s/author && test_tick &&
	id=$(new_tr --title "Signed" --gpu-type A100 --hours 1 --reviewer lead@example.org) &&
	test "$id" = TR-0001 &&
	signer_line author >"$TRASH/author.signers" &&
	git -c gpg.ssh.allowedSignersFile="$TRASH/author.signers" verify-commit treqs/TR-0001 &&
	cd ../lead && git fetch -q && test_tick && as lead treqs approve TR-0001 --push >out 2>&1 &&
	test "$(state TR-0001)" = approved
'

test_expect_success 'an unsigned TR is refused by the hook' '
	cd s/author && git fetch -q && test_tick &&
	git config --unset user.signingkey &&
	treqs new --title "Unsigned" --objective o --gpu-type A100 --hours 1 --reviewer lead@example.org >id &&
	test "$(cat id)" = TR-0002 &&
	push_rejected "commit $(git rev-parse --short=7 treqs/TR-0002) changes .treqs/requests/TR-0002.yaml but is not signed by its author author@example.org (policy.require_signed_submissions)" treqs/TR-0002 &&
	git config user.signingkey "$KEYS/author"
'

test_expect_success 'a reviewer writing their own TR under another name cannot get it approved' '
	cd s/lead2 && git fetch -q && git checkout -q -B forged origin/main && test_tick &&
	mkdir -p .treqs/requests &&
	cat >.treqs/requests/TR-0003.yaml <<-\EOT &&
	id: TR-0003
	title: "Forged"
	objective: "Run on the lab budget"
	resources: {gpu_type: A100, hours: 1}
	cost_estimate_usd: 2.5
	submitted_by: "lead@example.org"
	reviewers: ["lead2@example.org"]
	status: draft
	EOT
	git add .treqs/requests/TR-0003.yaml &&
	as lead git commit -q --no-gpg-sign -m "TR-0003: Forged" &&
	push_rejected "is not signed by its author lead@example.org (policy.require_signed_submissions)" HEAD:refs/heads/treqs/TR-0003
'

test_expect_success 'signed under their own name, the forgery is plain self-approval' '
	cd s/lead2 && test_tick &&
	as lead2 git commit -q --amend --no-edit -S --reset-author &&
	git push -q origin HEAD:refs/heads/treqs/TR-0003 &&
	as lead2 treqs approve TR-0003 >out 2>&1; test $? = 1 &&
	test_grep "you (lead2@example.org) wrote part of TR-0003" out &&
	test "$(state TR-0003)" = review
'

test_expect_success 'every repository is clean' '
	fsck_all s
'

test_done
