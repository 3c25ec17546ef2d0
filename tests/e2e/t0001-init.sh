#!/bin/sh
# treqs init: sets up .treqs from the template, commits it, idempotent.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init outside a repository fails with exit 1' '
	mkdir outside && cd outside &&
	test_expect_code 1 treqs init 2>err &&
	test_grep "not a git repository" err
'

test_expect_success 'init sets up .treqs and commits it' '
	git init -q repo && cd repo &&
	treqs init >out &&
	test_grep "initialized treqs" out &&
	test -f .treqs/config.yaml && test -f .treqs/templates/default.yaml && test -f .treqs/allowed_signers &&
	git log --format=%B -1 >msg &&
	test_grep "TReqs-Action: init" msg &&
	git ls-tree -r --name-only HEAD >files &&
	test_grep "^.treqs/config.yaml$" files &&
	git status --porcelain -- .treqs >../status && test ! -s ../status &&
	git fsck --strict
'

test_expect_success 'init twice says so and changes nothing' '
	cd repo &&
	git rev-parse HEAD >before &&
	treqs init >out &&
	test_grep "already set up" out &&
	git rev-parse HEAD >after &&
	test_cmp before after
'

test_expect_success 'init keeps uncommitted work and staged changes alone' '
	git init -q repo2 && cd repo2 &&
	echo one >a && git add a && git commit -qm one &&
	echo staged >b && git add b &&
	echo dirty >>a &&
	treqs init &&
	git diff --cached --name-only >staged &&
	test_grep "^b$" staged &&
	git diff --name-only >unstaged &&
	test_grep "^a$" unstaged &&
	git show --stat HEAD >log && ! grep -q "^ b " log
'

test_expect_success 'init configures notes refspecs for remotes' '
	git init -q --bare r.git && git init -q repo3 && cd repo3 &&
	git remote add origin ../r.git &&
	treqs init &&
	git config --get-all remote.origin.fetch >fetch &&
	test_grep "refs/notes/treqs\*:refs/notes/treqs\*" fetch &&
	git config --get-all remote.origin.push >push &&
	test_grep "refs/notes/treqs\*:refs/notes/treqs\*" push
'

test_expect_success 'init --help works outside a repository' '
	mkdir -p h && cd h && treqs init --help >out && test_grep "usage: treqs init" out
'

test_done
