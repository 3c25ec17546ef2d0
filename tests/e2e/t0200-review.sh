#!/bin/sh
# Reviews end to end, the happy paths: real ed25519 keys, a bare remote
# with the installed pre-receive hook, real git push and fetch.
# The cast and the helpers are in review-lib.sh.
. "$(dirname "$0")/lib.sh"
. "$TREQS_SOURCE_DIR/tests/e2e/review-lib.sh"

test_expect_success 'setup: a remote with the hook, trust files on main, a reviewer clone' '
	make_world w &&
	git -C w/remote.git rev-parse --verify -q refs/heads/main &&
	git -C w/remote.git show main:.treqs/allowed_signers >signers &&
	test_grep "^lead@example.org namespaces=\"git\" ssh-ed25519 " signers &&
	git -C w/remote.git show main:.treqs/config.yaml >config &&
	test_grep "^admins: \[admin@example.org\]" config &&
	clone_as w lead && clone_as w lead2
'

test_expect_success 'submit opens the review: the branch is on the remote, state review' '
	test_tick && cd w/work &&
	id=$(new_tr --title "Larger batch" --reviewer lead@example.org) &&
	test "$id" = TR-0001 &&
	git -C ../remote.git rev-parse --verify -q refs/heads/treqs/TR-0001 &&
	test "$(state TR-0001)" = review &&
	json_get "$TRASH/show.json" "j[\"approvals\"]" >approvals &&
	echo "[]" >expect && test_cmp expect approvals &&
	cd ../lead && git fetch -q && test "$(state TR-0001)" = review
'

test_expect_success 'review without signing configured fails with exit 3 and names user.signingkey' '
	git clone -q w/remote.git nosign && cd nosign &&
	git config user.email lead@example.org &&
	git rev-parse refs/remotes/origin/treqs/TR-0001 >before &&
	test_expect_code 3 as lead treqs review TR-0001 --approve 2>err &&
	test_grep "^treqs: review: an approval must be signed; .*git config user.signingkey" err &&
	git -C ../w/remote.git rev-parse refs/heads/treqs/TR-0001 >after &&
	test_cmp before after &&
	test_must_fail git rev-parse -q --verify refs/heads/treqs/TR-0001
'

test_expect_success 'approve: state approved, the approval names the key' '
	test_tick && cd w/lead &&
	as lead treqs approve TR-0001 --push >out &&
	test_grep "TR-0001: approve by lead@example.org (commit [0-9a-f]*); state: approved" out &&
	git rev-parse refs/heads/treqs/TR-0001 >mine &&
	git -C ../remote.git rev-parse refs/heads/treqs/TR-0001 >theirs &&
	test_cmp mine theirs &&
	test "$(state TR-0001)" = approved &&
	json_get "$TRASH/show.json" "len(j[\"approvals\"])" >n && echo 1 >expect && test_cmp expect n &&
	json_get "$TRASH/show.json" "j[\"approvals\"][0][\"signer\"]" >signer &&
	echo lead@example.org >expect && test_cmp expect signer &&
	json_get "$TRASH/show.json" "j[\"approvals\"][0][\"fingerprint\"]" >fp &&
	fingerprint lead >expect && test_cmp expect fp &&
	json_get "$TRASH/show.json" "j[\"approvals\"][0][\"commit\"]" >commit &&
	test_cmp theirs commit
'

test_expect_success 'git verify-commit accepts the review commit' '
	cd w/lead &&
	signer_line lead >../../lead.signers &&
	git -c gpg.ssh.allowedSignersFile="$TRASH/lead.signers" verify-commit treqs/TR-0001 2>err &&
	test_grep "Good \"git\" signature for lead@example.org with ED25519 key $(fingerprint lead)" err &&
	signer_line lead2 >../../lead2.signers &&
	test_must_fail git -c gpg.ssh.allowedSignersFile="$TRASH/lead2.signers" verify-commit treqs/TR-0001
'

test_expect_success 'the review commit carries TReqs-Id, TReqs-Action and TReqs-Digest' '
	cd w/lead &&
	git log -1 --format="%(trailers:only,unfold)" treqs/TR-0001 >trailers &&
	json_get "$TRASH/show.json" "j[\"digest\"]" >digest &&
	cat >expect <<-EOF &&
	TReqs-Id: TR-0001
	TReqs-Action: approve
	TReqs-Digest: $(cat digest)

	EOF
	test_cmp expect trailers &&
	git log -1 --format=%B treqs/TR-0001 | git interpret-trailers --parse >parsed &&
	sed "/^\$/d" expect >expect.parse &&
	test_cmp expect.parse parsed
'

test_expect_success 'the same commit changes status to approved and nothing else' '
	cd w/lead &&
	git diff --name-only treqs/TR-0001^ treqs/TR-0001 >files &&
	echo .treqs/requests/TR-0001.yaml >expect && test_cmp expect files &&
	git diff -U0 treqs/TR-0001^ treqs/TR-0001 | grep "^[-+]" | grep -v "^[-+][-+]" >changed &&
	printf "%s\n" "-status: draft" "+status: approved" >expect &&
	test_cmp expect changed &&
	git show treqs/TR-0001:.treqs/requests/TR-0001.yaml >file &&
	test_grep "^# Written by treqs; the true state is derived from git.$" file
'

test_expect_success 'the note on the head has one JSON line per event' '
	cd w/lead &&
	git notes --ref=treqs show treqs/TR-0001 >note &&
	test $(wc -l <note) -eq 2 &&
	git rev-parse treqs/TR-0001 >head && git rev-parse treqs/TR-0001^ >first &&
	json_get "$TRASH/show.json" "j[\"digest\"]" >digest &&
	cat >check.py <<-\EOF &&
	import json, sys
	head, first, digest, fp = sys.argv[1:]
	ev = [json.loads(line) for line in sys.stdin]
	assert [e["action"] for e in ev] == ["new", "approve"], ev
	assert all(e["tr"] == "TR-0001" for e in ev), ev
	assert ev[0]["commit"] == first and ev[0]["author"] == "author@example.org", ev[0]
	a = ev[1]
	assert a["commit"] == head and a["reviewer"] == "lead@example.org", a
	assert a["digest"] == digest and a["verified"] is True and a["key"] == fp, a
	EOF
	python3 check.py "$(cat head)" "$(cat first)" "$(cat digest)" "$(fingerprint lead)" <note
'

test_expect_success 'notes travel with plain git fetch; the submitter sees approved' '
	cd w/work &&
	git fetch -q &&
	git notes --ref=treqs show origin/treqs/TR-0001 >note &&
	git -C ../lead notes --ref=treqs show treqs/TR-0001 >expect &&
	test_cmp expect note &&
	test "$(state TR-0001)" = approved &&
	git clone -q ../remote.git ../fresh && cd ../fresh && treqs init >/dev/null && git fetch -q &&
	git notes --ref=treqs show origin/treqs/TR-0001 >note && test_cmp ../work/note note
'

test_expect_success 'treqs log shows the signer and that the signature verified' '
	cd w/work &&
	treqs log TR-0001 >log &&
	test_grep "^TR-0001: Larger batch \[approved\]$" log &&
	test_grep "approve  *lead@example.org  *[0-9a-f]\{7\}  signed, verified ($(fingerprint lead))$" log &&
	test_grep "new  *author@example.org" log &&
	treqs log TR-0001 --json >log.json &&
	json_get log.json "[(e[\"action\"], e.get(\"signer\"), e.get(\"verified\")) for e in j[\"events\"]]" >events &&
	echo "[[\"new\", null, false], [\"approve\", \"lead@example.org\", true]]" >expect &&
	test_cmp expect events
'

test_expect_success 'request-changes, an edit, then the same reviewer approves' '
	test_tick && cd w/work &&
	id=$(new_tr --title "Warmup" --reviewer lead@example.org) && test "$id" = TR-0002 &&
	cd ../lead && git fetch -q &&
	test_tick &&
	as lead treqs review TR-0002 --request-changes -m "hours look low" --push >out &&
	test_grep "state: changes-requested" out &&
	test "$(state TR-0002)" = changes-requested &&
	git show origin/treqs/TR-0002:.treqs/requests/TR-0002.yaml >file &&
	test_grep "^status: changes-requested$" file &&
	cd ../work && git fetch -q &&
	test "$(state TR-0002)" = changes-requested &&
	git checkout -q treqs/TR-0002 && git merge -q --ff-only origin/treqs/TR-0002 &&
	sed -i "s/^  hours: 1$/  hours: 4/; s/^cost_estimate_usd: .*/cost_estimate_usd: 10/" .treqs/requests/TR-0002.yaml &&
	test_tick && git commit -q -am "TR-0002: four hours" && git push -q origin treqs/TR-0002 &&
	git checkout -q main &&
	test "$(state TR-0002)" = changes-requested &&
	cd ../lead && git fetch -q && test_tick &&
	as lead treqs review TR-0002 --approve --push >out &&
	test_grep "state: approved" out &&
	test "$(state TR-0002)" = approved &&
	json_get "$TRASH/show.json" "[a[\"signer\"] for a in j[\"approvals\"]]" >signers &&
	echo "[\"lead@example.org\"]" >expect && test_cmp expect signers &&
	cd ../work && git fetch -q && test "$(state TR-0002)" = approved
'

test_expect_success 'comments with --field and --line are threaded in treqs log --json' '
	test_tick && cd w/work &&
	id=$(new_tr --title "Comments" --reviewer lead@example.org) && test "$id" = TR-0003 &&
	cd ../lead && git fetch -q &&
	test_tick && as lead treqs review TR-0003 --comment --field resources.hours --line 13 -m "why one hour?" --push &&
	test_tick && as lead treqs review TR-0003 --comment -m "looks sane overall" --push &&
	cd ../work && git fetch -q &&
	test_tick && as author treqs review TR-0003 --comment --field resources.hours --line 13 -m "a smoke test" --push &&
	test "$(state TR-0003)" = review &&
	treqs log TR-0003 --json >log.json &&
	json_get log.json "sorted(j[\"comments\"].keys())" >keys &&
	echo "[\"(general)\", \"resources.hours\"]" >expect && test_cmp expect keys &&
	json_get log.json "[(c[\"email\"], c[\"line\"], c[\"message\"]) for c in j[\"comments\"][\"resources.hours\"]]" >thread &&
	echo "[[\"lead@example.org\", 13, \"why one hour?\"], [\"author@example.org\", 13, \"a smoke test\"]]" >expect &&
	test_cmp expect thread &&
	json_get log.json "[(c[\"email\"], c[\"message\"]) for c in j[\"comments\"][\"(general)\"]]" >general &&
	echo "[[\"lead@example.org\", \"looks sane overall\"]]" >expect && test_cmp expect general &&
	treqs log TR-0003 >log &&
	test_grep "^comments on resources.hours:$" log &&
	test_grep "lead@example.org (line 13): why one hour?" log
'

test_expect_success 'a comment signed with a key nobody listed is kept, shown as not verified' '
	clone_as w guest mallory && cd w/guest &&
	test_tick && as guest treqs review TR-0003 --comment -m "drive-by remark" --push >out &&
	git -C ../remote.git rev-parse treqs/TR-0003 >theirs && git rev-parse treqs/TR-0003 >mine && test_cmp mine theirs &&
	git -C ../remote.git cat-file commit treqs/TR-0003 >commit && test_grep "^gpgsig -----BEGIN SSH SIGNATURE-----" commit &&
	cd ../work && git fetch -q &&
	test "$(state TR-0003)" = review &&
	treqs log TR-0003 >log &&
	test_grep "comment  *guest@example.org  *[0-9a-f]\{7\}  signed, NOT verified$" log &&
	test_grep "(key $(fingerprint mallory) is not in allowed_signers)" log &&
	treqs log TR-0003 --json >log.json &&
	json_get log.json "[(c[\"email\"], c[\"verified\"]) for c in j[\"comments\"][\"(general)\"]]" >general &&
	echo "[[\"lead@example.org\", true], [\"guest@example.org\", false]]" >expect && test_cmp expect general
'

test_expect_success 'self-review is refused with exit 1' '
	test_tick && cd w/work &&
	id=$(new_tr --title "Self" --reviewer author@example.org --reviewer lead@example.org) &&
	test "$id" = TR-0004 &&
	git config gpg.format ssh && git config user.signingkey "$KEYS/author" &&
	git rev-parse treqs/TR-0004 >before &&
	test_expect_code 1 as author treqs review TR-0004 --approve 2>err &&
	test_grep "you (author@example.org) submitted TR-0004; you cannot review it yourself" err &&
	test_expect_code 1 as author treqs approve TR-0004 --push 2>err &&
	git rev-parse treqs/TR-0004 >after && test_cmp before after &&
	git -C ../remote.git rev-parse treqs/TR-0004 >remote && test_cmp before remote &&
	test "$(state TR-0004)" = review
'

test_expect_success 'deleted notes are rebuilt from the commits by the next review' '
	cd w/lead && git fetch -q &&
	git update-ref -d refs/notes/treqs &&
	test_must_fail git notes --ref=treqs show origin/treqs/TR-0002 &&
	test_tick && as lead treqs review TR-0002 --comment -m "thanks" --push &&
	git notes --ref=treqs show treqs/TR-0002 >note &&
	python3 -c "import json,sys; print(\" \".join(json.loads(l)[\"action\"] for l in sys.stdin))" <note >actions &&
	echo "new request-changes edit approve comment" >expect && test_cmp expect actions &&
	test "$(state TR-0002)" = approved &&
	cd ../work && git fetch -q &&
	git notes --ref=treqs show origin/treqs/TR-0002 >note && test_cmp ../lead/note note &&
	git notes --ref=treqs show origin/treqs/TR-0001 >note1 &&
	test_grep "\"action\":\"approve\"" note1
'

test_expect_success 'every repository of the scenario passes git fsck --strict' '
	fsck_all w
'

# --- policy settings ---

two_approvals() {
	sed -i "s/^  approvals_required: 1$/  approvals_required: 2/" .treqs/config.yaml
}

test_expect_success 'approvals_required: 2 needs two distinct reviewers' '
	make_world p2 two_approvals && clone_as p2 lead && clone_as p2 lead2 &&
	test_tick && cd p2/work &&
	id=$(new_tr --title "Two" --reviewer lead@example.org --reviewer lead2@example.org) &&
	cd ../lead && git fetch -q && test_tick &&
	as lead treqs approve TR-0001 --push >out && test_grep "state: review" out &&
	test "$(state TR-0001)" = review &&
	json_get "$TRASH/show.json" "j[\"policy_notes\"]" >notes &&
	test_grep "1 of 2 approvals" notes &&
	test_tick && as lead treqs approve TR-0001 --push >out && test_grep "state: review" out &&
	test "$(state TR-0001)" = review &&
	json_get "$TRASH/show.json" "len(j[\"approvals\"])" >n && echo 1 >expect && test_cmp expect n &&
	cd ../lead2 && git fetch -q && test_tick &&
	as lead2 treqs approve TR-0001 --push >out && test_grep "state: approved" out &&
	test "$(state TR-0001)" = approved &&
	json_get "$TRASH/show.json" "sorted(a[\"signer\"] for a in j[\"approvals\"])" >signers &&
	echo "[\"lead2@example.org\", \"lead@example.org\"]" >expect && test_cmp expect signers &&
	cd .. && fsck_all p2
'

required_group() {
	sed -i "s/^  groups: {}$/  groups: {safety: [lead2@example.org]}/; s/^  required_groups: \[\]$/  required_groups: [safety]/" \
		.treqs/config.yaml
}

test_expect_success 'required_groups: an approval from each group is needed' '
	make_world rg required_group && clone_as rg lead && clone_as rg lead2 &&
	git -C rg/remote.git show main:.treqs/config.yaml >cfg && test_grep "required_groups: \[safety\]" cfg &&
	test_tick && cd rg/work &&
	id=$(new_tr --title "Groups" --reviewer lead@example.org --reviewer lead2@example.org) &&
	cd ../lead && git fetch -q && test_tick &&
	as lead treqs approve TR-0001 --push >out && test_grep "state: review" out &&
	test "$(state TR-0001)" = review &&
	json_get "$TRASH/show.json" "j[\"policy_notes\"]" >notes &&
	test_grep "an approval from group .safety. is needed" notes &&
	cd ../lead2 && git fetch -q && test_tick &&
	as lead2 treqs approve TR-0001 --push >out && test_grep "state: approved" out &&
	test "$(state TR-0001)" = approved &&
	cd .. && fsck_all rg
'

cost_threshold() {
	sed -i "s/^  groups: {}$/  groups: {leads: [lead2@example.org]}/; s/^  # cost_threshold: .*/  cost_threshold: {usd: 100, group: leads}/" \
		.treqs/config.yaml
}

test_expect_success 'cost_threshold: above it, one more approval from the group' '
	make_world ct cost_threshold && clone_as ct lead && clone_as ct lead2 &&
	test_tick && cd ct/work &&
	cheap=$(new_tr --title "Cheap" --cost 50 --reviewer lead@example.org --reviewer lead2@example.org) &&
	dear=$(new_tr --title "Dear" --cost 500 --reviewer lead@example.org --reviewer lead2@example.org) &&
	test "$cheap $dear" = "TR-0001 TR-0002" &&
	cd ../lead && git fetch -q && test_tick &&
	as lead treqs approve TR-0001 --push >out && test_grep "state: approved" out &&
	test "$(state TR-0001)" = approved &&
	as lead treqs approve TR-0002 --push >out && test_grep "state: review" out &&
	test "$(state TR-0002)" = review &&
	json_get "$TRASH/show.json" "j[\"policy_notes\"]" >notes &&
	test_grep "above 100.00 USD: an approval from group .leads. is needed" notes &&
	cd ../lead2 && git fetch -q && test_tick &&
	as lead2 treqs approve TR-0002 --push >out && test_grep "state: approved" out &&
	test "$(state TR-0002)" = approved &&
	cd .. && fsck_all ct
'

# --- hook install ---

test_expect_success 'hook install is idempotent and chains an existing pre-receive hook' '
	git init -q --bare hk.git &&
	cat >hk.git/hooks/pre-receive <<-EOF &&
	#!/bin/sh
	cat >>"$TRASH/old-hook.log"
	echo "old hook ran"
	EOF
	chmod +x hk.git/hooks/pre-receive &&
	cp hk.git/hooks/pre-receive old-hook &&
	treqs hook install hk.git >out &&
	test_grep "^installed .*hk.git/hooks/pre-receive$" out &&
	test_cmp old-hook hk.git/hooks/pre-receive.treqs-chained &&
	cp hk.git/hooks/pre-receive first &&
	test_grep "exec --hook pre-receive" first &&
	treqs hook install hk.git >out2 &&
	test_cmp first hk.git/hooks/pre-receive &&
	test_cmp old-hook hk.git/hooks/pre-receive.treqs-chained &&
	ls hk.git/hooks | grep -v "\.sample$" >hooks &&
	printf "%s\n" pre-receive pre-receive.treqs-chained >expect && test_cmp expect hooks &&
	git init -q hkwork && cd hkwork && git remote add origin ../hk.git && treqs init >/dev/null &&
	git push origin main >out 2>&1 &&
	test_grep "remote: old hook ran" out &&
	test_grep "refs/heads/main" "$TRASH/old-hook.log" &&
	git checkout -q -b treqs/TR-0009 && echo "id: TR-0009" >.treqs/requests-typo && git add .treqs &&
	git commit -q -m junk &&
	test_must_fail git push origin treqs/TR-0009 >out 2>&1 &&
	test_grep "remote: old hook ran" out &&
	test_grep "remote: refs/heads/treqs/TR-0009: the branch has no .treqs/requests/TR-0009.yaml" out &&
	test_grep "refs/heads/treqs/TR-0009" "$TRASH/old-hook.log" &&
	git -C ../hk.git fsck --strict --no-progress
'

test_expect_success 'a chained hook that refuses still refuses the push' '
	git init -q --bare hk2.git &&
	printf "#!/bin/sh\necho \"old hook says no\"\nexit 1\n" >hk2.git/hooks/pre-receive &&
	chmod +x hk2.git/hooks/pre-receive &&
	treqs hook install hk2.git >/dev/null &&
	cd hkwork && git remote add two ../hk2.git &&
	test_must_fail git push two main >out 2>&1 &&
	test_grep "remote: old hook says no" out &&
	test_must_fail git -C ../hk2.git rev-parse -q --verify refs/heads/main
'

test_done
