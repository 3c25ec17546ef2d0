/*
 * notes.c - refs/notes/treqs, an index rebuilt from commits.
 */
#include "treqs/notes.h"

#include <jansson.h>
#include <string.h>

#include "treqs/repo.h"

void treqs_notes_render(struct treqs_buf *out, const struct treqs_history *h)
{
	size_t i;

	treqs_buf_clear(out);
	for (i = 0; i < h->n; i++) {
		const struct treqs_event *e = &h->v[i];
		char hex[GIT_OID_HEXSZ + 1];
		json_t *o;
		char *s;

		if (e->action == TREQS_ACT_NONE)
			continue;
		git_oid_tostr(hex, sizeof(hex), &e->commit);
		o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "tr", h->id, "action", treqs_action_name(e->action),
			      treqs_action_is_review(e->action) ? "reviewer" : "author", e->author_email, "commit", hex,
			      "time", (json_int_t)e->time, "message", e->message ? e->message : "");
		if (e->digest || e->content_digest)
			json_object_set_new(o, "digest", json_string(e->digest ? e->digest : e->content_digest));
		if (e->field)
			json_object_set_new(o, "field", json_string(e->field));
		if (e->line)
			json_object_set_new(o, "line", json_integer(e->line));
		if (e->job)
			json_object_set_new(o, "job", json_string(e->job));
		if (e->verified_done) {
			json_object_set_new(o, "verified", json_boolean(e->verify.valid));
			if (e->verify.fingerprint)
				json_object_set_new(o, "key", json_string(e->verify.fingerprint));
		}
		s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		treqs_buf_puts(out, s);
		treqs_buf_putc(out, '\n');
		free(s);
		json_decref(o);
	}
}

int treqs_notes_read(struct treqs_buf *out, git_repository *repo, const git_oid *id)
{
	git_note *note = NULL;
	int err = git_note_read(&note, repo, TREQS_NOTES_REF, id);

	if (err == GIT_ENOTFOUND)
		return TREQS_ENOTFOUND;
	if (err < 0)
		return treqs_error_git(err, "unable to read the note of %s", git_oid_tostr_s(id));
	treqs_buf_clear(out);
	treqs_buf_puts(out, git_note_message(note));
	git_note_free(note);
	return 0;
}

int treqs_notes_sync(git_repository *repo, const struct treqs_history *h)
{
	struct treqs_buf want = TREQS_BUF_INIT, have = TREQS_BUF_INIT;
	git_signature *sig = NULL;
	git_oid note_id;
	int ret, err;

	treqs_notes_render(&want, h);
	ret = treqs_notes_read(&have, repo, &h->head);
	if (ret == 0 && have.len == want.len && !memcmp(treqs_buf_cstr(&have), treqs_buf_cstr(&want), want.len)) {
		ret = 0;
		goto out;
	}
	treqs_error_clear();
	if ((ret = treqs_signature(&sig, repo, 1)) < 0)
		goto out;
	err = git_note_create(&note_id, repo, TREQS_NOTES_REF, sig, sig, &h->head, treqs_buf_cstr(&want), 1);
	if (err < 0) {
		ret = treqs_error_git(err, "unable to write the note on %s", git_oid_tostr_s(&h->head));
		goto out;
	}
	ret = 1;
	{
		/* show the index in git log once there is one */
		git_config *cfg = NULL;
		git_config_entry *ent = NULL;
		if (git_repository_config(&cfg, repo) == 0) {
			if (git_config_get_entry(&ent, cfg, "notes.displayRef") == GIT_ENOTFOUND)
				git_config_set_string(cfg, "notes.displayRef", TREQS_NOTES_REF);
			git_config_entry_free(ent);
			git_config_free(cfg);
		}
		treqs_error_clear();
	}
out:
	git_signature_free(sig);
	treqs_buf_free(&want);
	treqs_buf_free(&have);
	return ret;
}
