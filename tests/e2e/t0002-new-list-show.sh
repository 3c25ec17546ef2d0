#!/bin/sh
# treqs new, validate, list and show against real git: ids never collide
# across branches, remote-tracking branches and the archive; the checkout
# and uncommitted work are left alone; --json parses.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a remote and a clone with treqs' '
	setup_repo work &&
	git clone -q remote.git other
'

test_expect_success 'new writes the TR on its own branch and leaves the checkout alone' '
	cd work &&
	echo "work in progress" >notes.txt && git add notes.txt &&
	echo "more" >>notes.txt &&
	git rev-parse HEAD >../head.before &&
	treqs new --title "First" --objective "Try" --gpu-type A100 --gpu-count 2 --hours 3 \
		--dataset imagenet --metric val_loss --reviewer lead@example.org >../id &&
	test "$(cat ../id)" = TR-0001 &&
	git rev-parse HEAD >../head.after && test_cmp ../head.before ../head.after &&
	test "$(git symbolic-ref --short HEAD)" = main &&
	git diff --cached --name-only >../staged && test_grep "^notes.txt$" ../staged &&
	test_grep "^more$" notes.txt &&
	git show treqs/TR-0001:.treqs/requests/TR-0001.yaml >../tr.yaml &&
	test_grep "^id: TR-0001$" ../tr.yaml &&
	test_grep "^title: \"First\"$" ../tr.yaml &&
	test_grep "^  gpu_count: 2$" ../tr.yaml &&
	test_grep "^cost_estimate_usd: 15.00$" ../tr.yaml &&
	test_grep "^status: draft$" ../tr.yaml &&
	git log -1 --format=%B treqs/TR-0001 >../msg &&
	test_grep "^TReqs-Id: TR-0001$" ../msg && test_grep "^TReqs-Action: new$" ../msg &&
	git fsck --strict
'

test_expect_success 'ids never collide: local branches, remote-tracking branches, the archive' '
	cd other &&
	treqs new --title "Elsewhere" --objective o --gpu-type A100 --hours 1 >../id2 &&
	test "$(cat ../id2)" = TR-0001 &&
	git push -q origin treqs/TR-0001 &&
	cd ../work && git fetch -q origin &&
	treqs new --title "Second" --objective o --gpu-type A100 --hours 1 >../id3 &&
	test "$(cat ../id3)" = TR-0002 &&
	git update-ref refs/remotes/origin/treqs/TR-0007 treqs/TR-0002 &&
	treqs new --title "After a remote 7" --objective o --gpu-type A100 --hours 1 >../id4 &&
	test "$(cat ../id4)" = TR-0008 &&
	git update-ref -d refs/remotes/origin/treqs/TR-0007 &&
	mkdir -p .treqs/archive/TR-0011 && cp ../tr.yaml .treqs/archive/TR-0011/request.yaml &&
	sed -i "s/TR-0001/TR-0011/" .treqs/archive/TR-0011/request.yaml &&
	git add .treqs/archive && git commit -q -m "an archived TR" &&
	treqs new --title "After the archive" --objective o --gpu-type A100 --hours 1 >../id5 &&
	test "$(cat ../id5)" = TR-0012
'

test_expect_success 'validate: the TRs of the local branches when the work tree has none' '
	cd work &&
	treqs validate >../out &&
	test_grep "^[0-9]* files checked: valid, 0 errors" ../out
'

test_expect_success 'validate: a file, a directory, exit 1 with a positioned message' '
	mkdir -p v/.treqs/requests && cd v &&
	cp ../tr.yaml .treqs/requests/TR-0001.yaml &&
	treqs validate .treqs/requests/TR-0001.yaml >out &&
	test_grep "1 file checked: valid" out &&
	sed "s/^  hours: 3$/  hours: -3/" ../tr.yaml >.treqs/requests/TR-0002.yaml &&
	sed -i "s/^id: TR-0001$/id: TR-0002/" .treqs/requests/TR-0002.yaml &&
	test_expect_code 1 treqs validate .treqs/requests 2>err >out &&
	test_grep "^.treqs/requests/TR-0002.yaml:[0-9]*:10: resources.hours: expected a number of hours greater than 0" err &&
	test_grep "2 files checked: invalid, 1 error" out &&
	test_expect_code 1 treqs validate --json .treqs/requests >out.json 2>/dev/null &&
	test "$(json_get out.json "j[\"valid\"]")" = False &&
	test "$(json_get out.json "j[\"errors\"]")" = 1 &&
	test "$(json_get out.json "j[\"diagnostics\"][0][\"field\"]")" = resources.hours &&
	test_expect_code 1 treqs validate no-such-file 2>err
'

test_expect_success 'validate: the same id in two files is an error naming both' '
	cd v && cp .treqs/requests/TR-0001.yaml dup.yaml &&
	test_expect_code 1 treqs validate .treqs/requests/TR-0001.yaml dup.yaml 2>err >/dev/null &&
	test_grep "id: expected a unique id, found .TR-0001. also used by .treqs/requests/TR-0001.yaml:2:5" err
'

test_expect_success 'list shows every TR with its state; --json parses' '
	cd work &&
	treqs list >../list &&
	test_grep "^TR-0002 .*draft .*Second" ../list &&
	test_grep "^TR-0012 .*After the archive" ../list &&
	treqs list --json >../list.json &&
	json_get ../list.json "sorted(t[\"id\"] for t in j)" >../ids &&
	test_grep "TR-0001" ../ids && test_grep "TR-0011" ../ids &&
	test "$(json_get ../list.json "[t[\"state\"] for t in j if t[\"id\"] == \"TR-0011\"][0]")" = archived &&
	test "$(json_get ../list.json "[t[\"resources\"][\"gpu_count\"] for t in j if t[\"id\"] == \"TR-0001\"][0]")" = 2 &&
	treqs list --state archived >../arch && test "$(wc -l <../arch)" = 1 &&
	test_expect_code 2 treqs list --state nonsense 2>../err
'

test_expect_success 'published TRs are in review; show and --json tell where they live' '
	cd work && git push -q origin treqs/TR-0002 && git fetch -q origin &&
	treqs show TR-0002 >../show &&
	test_grep "^state: *review$" ../show &&
	test_grep "refs/remotes/origin/treqs/TR-0002" ../show &&
	treqs show TR-0002 --json >../show.json &&
	test "$(json_get ../show.json "j[\"state\"]")" = review &&
	test "$(json_get ../show.json "sorted(l[\"kind\"] for l in j[\"locations\"])")" = "[\"local\", \"remote\"]" &&
	test "$(json_get ../show.json "j[\"title\"]")" = Second
'

test_expect_success 'show: unknown ids and ids with path tricks exit 1' '
	cd work &&
	test_expect_code 1 treqs show TR-9999 2>../err && test_grep "no TR .TR-9999." ../err &&
	test_expect_code 1 treqs show "../../etc/passwd" 2>../err && test_grep "is not a TR id" ../err &&
	test_expect_code 2 treqs show 2>../err
'

test_expect_success 'new --from copies a TR and names it as the baseline' '
	cd work &&
	treqs new --from TR-0001 --title "Again" >../id6 &&
	id=$(cat ../id6) &&
	git show treqs/$id:.treqs/requests/$id.yaml >../copy.yaml &&
	test_grep "^baseline: TR-0001$" ../copy.yaml &&
	test_grep "^  gpu_count: 2$" ../copy.yaml &&
	test_grep "^title: \"Again\"$" ../copy.yaml
'

test_expect_success 'new without a title, not on a terminal, is a usage error' '
	cd work && test_expect_code 2 treqs new </dev/null 2>../err && test_grep "title is required" ../err
'

if command -v script >/dev/null; then
test_expect_success 'new without a title, on a terminal, opens the editor on the template' '
	cat >"$TRASH/editor" <<-\EOF &&
	#!/bin/sh
	sed -i -e "s/^title: .*/title: \"From the editor\"/" -e "s/^objective: .*/objective: \"Typed in\"/" "$1"
	EOF
	chmod +x "$TRASH/editor" &&
	cd work &&
	GIT_EDITOR="$TRASH/editor" script -qec "$TREQS new --gpu-type A100 --hours 2" /dev/null >../tty.out &&
	id=$(tr -d "\r" <../tty.out | grep "^TR-[0-9]*$") &&
	git show "treqs/$id:.treqs/requests/$id.yaml" >../edited.yaml &&
	test_grep "^title: \"From the editor\"$" ../edited.yaml &&
	test_grep "^objective: \"Typed in\"$" ../edited.yaml
'

test_expect_success 'an editor that leaves the TR invalid commits nothing and keeps the text' '
	printf "#!/bin/sh\nexit 0\n" >"$TRASH/noop-editor" && chmod +x "$TRASH/noop-editor" &&
	cd work && git for-each-ref refs/heads >../refs.before &&
	! GIT_EDITOR="$TRASH/noop-editor" script -qec "$TREQS new" /dev/null >../tty.out &&
	tr -d "\r" <../tty.out >../tty.txt &&
	test_grep "the TR is not valid; nothing was committed" ../tty.txt &&
	test_grep "your text is saved in" ../tty.txt &&
	git for-each-ref refs/heads >../refs.after && test_cmp ../refs.before ../refs.after
'
fi

test_expect_success 'the id was taken on the remote: submit says so, renumber gives the next one' '
	cd work && git fetch -q origin &&
	test_expect_code 1 treqs submit TR-0001 2>../err &&
	test_grep "give yours a new one: treqs renumber TR-0001" ../err &&
	git show treqs/TR-0001:.treqs/requests/TR-0001.yaml >../before.yaml &&
	treqs renumber TR-0001 >../new.id 2>/dev/null &&
	new=$(cat ../new.id) && test "$new" != TR-0001 &&
	git show "treqs/$new:.treqs/requests/$new.yaml" >../after.yaml &&
	sed "s/^id: $new$/id: TR-0001/" ../after.yaml >../after.back && test_cmp ../before.yaml ../after.back &&
	test_must_fail git rev-parse --verify -q refs/heads/treqs/TR-0001 &&
	git log -1 --format=%B "treqs/$new" >../msg && test_grep "Renumbered from TR-0001" ../msg &&
	treqs submit "$new" >../out && test_grep "submitted for review" ../out &&
	test_expect_code 1 treqs renumber "$new" 2>../err && test_grep "is published on origin already" ../err
'

test_expect_success 'every repository is clean' '
	git -C work fsck --strict && git -C other fsck --strict && git -C remote.git fsck --strict
'

test_done
