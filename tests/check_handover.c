/* check_handover.c - Check suite for core/handover and core/journal:
 * checklist generation per item kind, complete (holders, knownBy, journal,
 * status, events, drift), force and refusal, cancel, onboarding, offboarding
 * and every error case, on a small fixture loaded into :memory:.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entity.h"
#include "../core/handover.h"
#include "../core/import.h"
#include "../core/journal.h"

Suite *suite_handover(void);

/* ------------------------------------------------------------------------
 * Fixture
 * ---------------------------------------------------------------------- */

/* ann holds r1 (primary) and r2 (backup); cat holds r2 (primary); eve holds
 * nothing; dan has left. p1 (owned by r1), p2 (used by r1's responsibility
 * a, owned by r2) and p4 (unrelated) are known only by ann among people who
 * have not left; p3 is also known by cat. x1 routes to r1, x3 to r2, x2 to
 * ann as a person. */
static const char fixture[] =
	"apiVersion: baton/v1\nkind: Person\nmetadata: {name: ann}\nspec: {displayName: Ann}\n"
	"---\napiVersion: baton/v1\nkind: Person\nmetadata: {name: bob}\nspec: {displayName: Bob}\n"
	"---\napiVersion: baton/v1\nkind: Person\nmetadata: {name: cat}\nspec: {displayName: Cat}\n"
	"---\napiVersion: baton/v1\nkind: Person\nmetadata: {name: dan}\nspec: {displayName: Dan, status: left}\n"
	"---\napiVersion: baton/v1\nkind: Person\nmetadata: {name: eve}\nspec: {displayName: Eve}\n"
	"---\napiVersion: baton/v1\nkind: Role\nmetadata: {name: r1}\nspec:\n"
	"  title: Role One\n"
	"  holders:\n    - {person: ann, as: primary, since: 2020-01-01}\n"
	"  responsibilities:\n"
	"    - {id: a, summary: Do A, processes: [p2]}\n"
	"    - {id: b, summary: Do B}\n"
	"  relationships:\n"
	"    - {with: 'party:\"Acme Ltd\"', contact: Jo <jo@acme.example>, purpose: Supply, health: amber}\n"
	"    - {with: 'role:r2', purpose: Backup}\n"
	"  journal:\n"
	"    - {at: 2026-01-02T03:04:05Z, author: ann, text: Old entry}\n"
	"---\napiVersion: baton/v1\nkind: Role\nmetadata: {name: r2}\nspec:\n"
	"  title: Role Two\n"
	"  holders:\n    - {person: cat, as: primary}\n    - {person: ann, as: backup}\n"
	"  responsibilities:\n    - {id: c, summary: Do C}\n"
	"---\napiVersion: baton/v1\nkind: Process\nmetadata: {name: p1}\nspec: {title: P one, owner: r1, steps: [s1, s2], knownBy: [ann]}\n"
	"---\napiVersion: baton/v1\nkind: Process\nmetadata: {name: p2}\nspec: {title: P two, owner: r2, knownBy: [ann, dan]}\n"
	"---\napiVersion: baton/v1\nkind: Process\nmetadata: {name: p3}\nspec: {title: P three, knownBy: [ann, cat]}\n"
	"---\napiVersion: baton/v1\nkind: Process\nmetadata: {name: p4}\nspec: {title: P four, knownBy: [ann]}\n"
	"---\napiVersion: baton/v1\nkind: Rule\nmetadata: {name: x1}\nspec: {title: X one, handler: 'role:r1'}\n"
	"---\napiVersion: baton/v1\nkind: Rule\nmetadata: {name: x2}\nspec: {title: X two, handler: 'person:ann'}\n"
	"---\napiVersion: baton/v1\nkind: Rule\nmetadata: {name: x3}\nspec: {title: X three, handler: 'role:r2'}\n";

static struct store *st;
static struct baton_error err;

static enum baton_code load(int force)
{
	struct import_opts io = { .force = force };
	struct import_result res;
	enum baton_code rc;

	import_result_init(&res);
	rc = import_buffer(st, "fixture.yaml", fixture, strlen(fixture), &io,
			   &res, &err);
	import_result_release(&res);
	return rc;
}

static void setup(void)
{
	baton_error_init(&err);
	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err),
			 BATON_OK);
	store_set_actor(st, "tester");
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	ck_assert_int_eq(load(0), BATON_OK);
}

static void teardown(void)
{
	store_free(st);
	st = NULL;
	baton_error_release(&err);
}

/* The first column of the first row of sql as a malloc'd string ("" for
 * NULL); NULL when there is no row. */
static char *q(const char *sql)
{
	sqlite3_stmt *s;
	char *r = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);

		r = strdup(t ? t : "");
	}
	sqlite3_finalize(s);
	return r;
}

#define ck_q(sql, want) do { \
		char *got_ = q(sql); \
		ck_assert_ptr_nonnull(got_); \
		ck_assert_str_eq(got_, want); \
		free(got_); \
	} while (0)

static const char *last_msg(void)
{
	return err.n ? err.diags[err.n - 1].message : "";
}

static long start_ann_bob(void)
{
	long id = 0;

	ck_assert_int_eq(handover_start(st, "ann", "bob", NULL, 0, "2026-12-01",
					&id, &err), BATON_OK);
	return id;
}

/* ------------------------------------------------------------------------
 * Checklist generation
 * ---------------------------------------------------------------------- */

START_TEST(test_checklist_counts)
{
	long id = start_ann_bob();

	ck_assert_int_eq(id, 1);
	/* every role ann holds, sorted; her holding recorded */
	ck_q("SELECT group_concat(role || ':' || holding) FROM handover_role",
	     "r1:primary,r2:backup");
	ck_q("SELECT group_concat(kind || '=' || n) FROM (SELECT kind, count(*) n"
	     " FROM handover_item WHERE handover = 1 GROUP BY kind ORDER BY kind)",
	     "journal=1,knowledge=3,process=2,relationship=2,responsibility=3,rule=3");
	/* stable numbering in generation order; p2 appears once */
	ck_q("SELECT group_concat(item || ' ' || kind || ' ' || entity, '|') FROM"
	     " (SELECT * FROM handover_item WHERE handover = 1 ORDER BY item)",
	     "1 responsibility role/r1#a|2 responsibility role/r1#b|"
	     "3 process process/p1|4 process process/p2|"
	     "5 relationship party:\"Acme Ltd\"|6 relationship role:r2|"
	     "7 rule rule/x1|8 journal role/r1|9 responsibility role/r2#c|"
	     "10 rule rule/x3|11 rule rule/x2|12 knowledge process/p1|"
	     "13 knowledge process/p2|14 knowledge process/p4");
	ck_q("SELECT text FROM handover_item WHERE item = 11",
	     "Re-point rule 'x2' (X two) from person:ann to a role");
	ck_q("SELECT text FROM handover_item WHERE item = 5",
	     "Introduce bob to Acme Ltd (Jo <jo@acme.example>)");
	ck_q("SELECT text FROM handover_item WHERE item = 8",
	     "Read the journal of role 'r1' (1 entry)");
	/* knowledge items of role processes carry the owner role */
	ck_q("SELECT group_concat(coalesce(role, '-')) FROM handover_item"
	     " WHERE kind = 'knowledge'", "r1,r2,-");
	ck_q("SELECT count(*) FROM event WHERE entity = 'handover/1'"
	     " AND action = 'start'", "1");
}
END_TEST

START_TEST(test_get_and_list)
{
	long id = start_ann_bob(), item = 0;
	json_t *h = NULL, *it, *l = NULL;

	ck_assert_int_eq(handover_add_item(st, id, "Hand over the keys", &item, &err),
			 BATON_OK);
	ck_assert_int_eq(item, 15);
	ck_assert_int_eq(handover_set_done(st, id, 3, 1, "read twice", &err), BATON_OK);
	ck_assert_int_eq(handover_add_note(st, id, "Call Acme first", &err), BATON_OK);
	ck_assert_int_eq(handover_get(st, id, &h, &err), BATON_OK);
	ck_assert_str_eq(json_string_value(json_object_get(h, "from")), "ann");
	ck_assert_str_eq(json_string_value(json_object_get(h, "to")), "bob");
	ck_assert_str_eq(json_string_value(json_object_get(h, "state")), "open");
	ck_assert_str_eq(json_string_value(json_object_get(h, "due")), "2026-12-01");
	ck_assert_int_eq(json_array_size(json_object_get(h, "roles")), 2);
	ck_assert_int_eq(json_array_size(json_object_get(h, "items")), 15);
	it = json_array_get(json_object_get(h, "items"), 2);
	ck_assert(json_is_true(json_object_get(it, "done")));
	ck_assert_str_eq(json_string_value(json_object_get(it, "doneBy")), "tester");
	ck_assert_str_eq(json_string_value(json_object_get(it, "doneAt")),
			 "2026-11-23T10:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(it, "note")), "read twice");
	it = json_array_get(json_object_get(h, "items"), 14);
	ck_assert_str_eq(json_string_value(json_object_get(it, "kind")), "custom");
	ck_assert(json_is_null(json_object_get(it, "entity")));
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(h, "notes"), 0), "text")),
		"Call Acme first");
	/* undo keeps the note, clears who and when */
	ck_assert_int_eq(handover_set_done(st, id, 3, 0, NULL, &err), BATON_OK);
	ck_q("SELECT done || '|' || coalesce(done_by, '-') || '|' || note"
	     " FROM handover_item WHERE item = 3", "0|-|read twice");
	ck_q("SELECT group_concat(action) FROM (SELECT action FROM event WHERE"
	     " entity = 'handover/1' ORDER BY id)", "start,add,done,note,undo");
	ck_assert_int_eq(handover_list(st, 1, &l, &err), BATON_OK);
	ck_assert_int_eq(json_array_size(l), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(l, 0),
							    "items")), 15);
	json_decref(h);
	json_decref(l);
}
END_TEST

/* ------------------------------------------------------------------------
 * Complete
 * ---------------------------------------------------------------------- */

START_TEST(test_complete_all_done)
{
	long id = start_ann_bob(), i;
	char *s;

	for (i = 1; i <= 14; i++)
		ck_assert_int_eq(handover_set_done(st, id, i, 1,
			i == 1 ? "A is easy" : NULL, &err), BATON_OK);
	ck_assert_int_eq(handover_complete(st, id, 0, &err), BATON_OK);
	ck_q("SELECT state || '|' || forced || '|' || closed_at FROM handover",
	     "completed|0|2026-11-23T10:00:00Z");
	/* past holder row kept; bob takes the same kind of holding */
	ck_q("SELECT group_concat(role || ' ' || person || ' ' || kind || ' '"
	     " || coalesce(since, '-') || ' ' || coalesce(until, '-'), '|') FROM"
	     " (SELECT * FROM holder ORDER BY role, ord)",
	     "r1 ann primary 2020-01-01 2026-11-23|r1 bob primary 2026-11-23 -|"
	     "r2 cat primary - -|r2 ann backup - 2026-11-23|r2 bob backup 2026-11-23 -");
	ck_q("SELECT group_concat(process || ':' || person) FROM (SELECT * FROM"
	     " known_by WHERE person = 'bob' ORDER BY process)", "p1:bob,p2:bob,p4:bob");
	ck_q("SELECT status FROM person WHERE name = 'ann'", "left");
	ck_q("SELECT text FROM journal WHERE role = 'r1' ORDER BY ord DESC LIMIT 1",
	     "Handover 1: bob took over from ann.\n\n"
	     "- Take over responsibility 'a': Do A: A is easy");
	ck_q("SELECT count(*) FROM journal WHERE role = 'r2'", "1");
	ck_q("SELECT group_concat(entity || ':' || action) FROM (SELECT * FROM event"
	     " WHERE action = 'handover' ORDER BY id)",
	     "role/r1:handover,role/r2:handover,process/p1:handover,"
	     "process/p2:handover,process/p4:handover,person/ann:handover");
	ck_q("SELECT changed FROM entity WHERE kind = 'role' AND name = 'r1'",
	     "holders changed by handover 1 on 2026-11-23");
	ck_q("SELECT changed FROM entity WHERE kind = 'process' AND name = 'p1'",
	     "knownBy changed by handover 1 on 2026-11-23");
	ck_q("SELECT count(*) FROM event WHERE entity = 'handover/1'", "16");
	ck_q("SELECT json_extract(after, '$.state') FROM event WHERE"
	     " entity = 'handover/1' AND action = 'complete'", "completed");
	/* nothing is writable on a completed handover */
	ck_assert_int_eq(handover_set_done(st, id, 1, 0, NULL, &err), BATON_CONFLICT);
	ck_assert_str_eq(last_msg(), "handover 1 is completed");
	ck_assert_int_eq(handover_complete(st, id, 0, &err), BATON_CONFLICT);
	/* drift: the stale fixture names the handover */
	baton_error_release(&err);
	ck_assert_int_eq(load(0), BATON_CONFLICT);
	s = baton_diag_format(&err.diags[0]);
	ck_assert_ptr_nonnull(strstr(s, "handover 1 on 2026-11-23"));
	free(s);
	ck_q("SELECT status FROM person WHERE name = 'ann'", "left");
	baton_error_release(&err);
	ck_assert_int_eq(load(1), BATON_OK);
	ck_q("SELECT status FROM person WHERE name = 'ann'", "active");
}
END_TEST

START_TEST(test_complete_refused_then_forced)
{
	long id = start_ann_bob();

	ck_assert_int_eq(handover_set_done(st, id, 3, 1, NULL, &err), BATON_OK);
	ck_assert_int_eq(handover_set_done(st, id, 12, 1, NULL, &err), BATON_OK);
	ck_assert_int_eq(handover_set_done(st, id, 14, 1, NULL, &err), BATON_OK);
	ck_assert_int_eq(handover_complete(st, id, 0, &err), BATON_CONFLICT);
	ck_assert_str_eq(last_msg(), "handover 1 has 11 open items (1, 2, 4, 5, 6,"
			 " 7, 8, 9, 10, 11, 13); tick them or pass --force");
	/* refusal wrote nothing */
	ck_q("SELECT state || forced FROM handover", "open0");
	ck_q("SELECT count(*) FROM holder WHERE person = 'bob'", "0");
	ck_assert_int_eq(handover_complete(st, id, 1, &err), BATON_OK);
	ck_q("SELECT state || forced FROM handover", "completed1");
	ck_q("SELECT group_concat(item) FROM (SELECT item FROM handover_item"
	     " WHERE skipped ORDER BY item)", "1,2,4,5,6,7,8,9,10,11,13");
	/* knownBy only where every item about the process is done: p1 (3, 12)
	 * and p4 (14), not p2 (4, 13) */
	ck_q("SELECT group_concat(process) FROM (SELECT process FROM known_by"
	     " WHERE person = 'bob' ORDER BY process)", "p1,p4");
	ck_q("SELECT json_extract(after, '$.skipped') FROM event WHERE"
	     " action = 'complete'", "[1,2,4,5,6,7,8,9,10,11,13]");
	ck_q("SELECT count(*) FROM holder WHERE person = 'bob' AND until IS NULL", "2");
}
END_TEST

START_TEST(test_partial_roles_keep_person)
{
	const char *roles[] = { "r2" };
	long id;

	ck_assert_int_eq(handover_start(st, "ann", "bob", roles, 1, NULL, &id, &err),
			 BATON_OK);
	/* r2's 3 items plus ann's person rule and 3 knowledge items */
	ck_q("SELECT count(*) FROM handover_item", "7");
	ck_assert_int_eq(handover_complete(st, id, 1, &err), BATON_OK);
	/* ann still holds r1: not left */
	ck_q("SELECT status FROM person WHERE name = 'ann'", "active");
	ck_q("SELECT kind FROM holder WHERE role = 'r2' AND person = 'bob'", "backup");
}
END_TEST

/* ------------------------------------------------------------------------
 * Cancel, onboarding, offboarding
 * ---------------------------------------------------------------------- */

START_TEST(test_cancel)
{
	long id = start_ann_bob(), id2;

	ck_assert_int_eq(handover_cancel(st, id, &err), BATON_OK);
	ck_q("SELECT state || '|' || closed_at FROM handover",
	     "cancelled|2026-11-23T10:00:00Z");
	ck_q("SELECT count(*) FROM holder WHERE person = 'bob'", "0");
	ck_assert_int_eq(handover_cancel(st, id, &err), BATON_CONFLICT);
	ck_assert_str_eq(last_msg(), "handover 1 is cancelled");
	ck_assert_int_eq(handover_add_note(st, id, "late", &err), BATON_CONFLICT);
	/* the roles are free for a new handover */
	ck_assert_int_eq(handover_start(st, "ann", "cat", (const char *[]){ "r1" }, 1,
					NULL, &id2, &err), BATON_OK);
	ck_assert_int_eq(id2, 2);
}
END_TEST

START_TEST(test_onboarding)
{
	const char *roles[] = { "r1" };
	long id;

	ck_assert_int_eq(handover_start(st, NULL, "eve", roles, 1, NULL, &id, &err),
			 BATON_OK);
	/* the role's items only: no person rules, no knowledge */
	ck_q("SELECT count(*) || ' ' || sum(kind IN ('knowledge')) FROM handover_item",
	     "8 0");
	ck_q("SELECT coalesce(from_person, '-') FROM handover", "-");
	ck_assert_int_eq(handover_complete(st, id, 1, &err), BATON_OK);
	ck_q("SELECT group_concat(person || ' ' || kind || ' ' || coalesce(until, '-'))"
	     " FROM (SELECT * FROM holder WHERE role = 'r1' ORDER BY ord)",
	     "ann primary -,eve primary -");
	ck_q("SELECT text FROM journal WHERE role = 'r1' ORDER BY ord DESC LIMIT 1",
	     "Handover 1: eve took over the role (onboarding).");
	ck_assert_int_eq(handover_start(st, NULL, "eve", NULL, 0, NULL, &id, &err),
			 BATON_USAGE);
}
END_TEST

START_TEST(test_offboard)
{
	long id;

	ck_assert_int_eq(handover_offboard(st, "ann", "bob", "2026-12-31", &id, &err),
			 BATON_OK);
	ck_q("SELECT status || ' ' || leaving_on FROM person WHERE name = 'ann'",
	     "leaving 2026-12-31");
	ck_q("SELECT due || ' ' || (SELECT count(*) FROM handover_role) FROM handover",
	     "2026-12-31 2");
	ck_q("SELECT changed FROM entity WHERE kind = 'person' AND name = 'ann'",
	     "status changed by 'baton offboard' (handover 1) on 2026-11-23");
	/* a failing offboard writes nothing (atomic) */
	ck_assert_int_eq(handover_offboard(st, "cat", "bob", NULL, &id, &err),
			 BATON_CONFLICT);
	ck_q("SELECT status FROM person WHERE name = 'cat'", "active");
}
END_TEST

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

START_TEST(test_errors)
{
	long id = 0;

#define EXPECT(call, code, msg) do { \
		baton_error_release(&err); \
		ck_assert_int_eq(call, code); \
		ck_assert_str_eq(last_msg(), msg); \
	} while (0)

	EXPECT(handover_start(st, "eve", "bob", NULL, 0, NULL, &id, &err),
	       BATON_INVALID, "'eve' holds no role to hand over");
	EXPECT(handover_start(st, "ann", "ann", NULL, 0, NULL, &id, &err),
	       BATON_INVALID, "cannot hand over from 'ann' to themselves");
	EXPECT(handover_start(st, "ann", "dan", NULL, 0, NULL, &id, &err),
	       BATON_INVALID, "cannot hand over to 'dan': they have left");
	EXPECT(handover_start(st, "ann", "zed", NULL, 0, NULL, &id, &err),
	       BATON_NOTFOUND, "no such person 'zed'");
	EXPECT(handover_start(st, "zed", "bob", NULL, 0, NULL, &id, &err),
	       BATON_NOTFOUND, "no such person 'zed'");
	EXPECT(handover_start(st, "ann", "bob", (const char *[]){ "nope" }, 1,
			      NULL, &id, &err),
	       BATON_NOTFOUND, "no such role 'nope'");
	EXPECT(handover_start(st, "bob", "eve", (const char *[]){ "r1" }, 1,
			      NULL, &id, &err),
	       BATON_INVALID, "'bob' holds no role to hand over");
	EXPECT(handover_start(st, "cat", "bob", (const char *[]){ "r1" }, 1,
			      NULL, &id, &err),
	       BATON_INVALID, "'cat' does not hold role 'r1'");
	EXPECT(handover_start(st, "ann", "cat", (const char *[]){ "r2" }, 1,
			      NULL, &id, &err),
	       BATON_INVALID, "'cat' already holds role 'r2'");
	EXPECT(handover_start(st, "ann", "bob", NULL, 0, "2026-13-01", &id, &err),
	       BATON_INVALID, "due date must be YYYY-MM-DD, got '2026-13-01'");
	ck_q("SELECT count(*) FROM handover", "0");
	id = start_ann_bob();
	EXPECT(handover_start(st, "cat", "eve", NULL, 0, NULL, &id, &err),
	       BATON_CONFLICT, "role 'r2' is already in open handover 1");
	EXPECT(handover_start(st, NULL, "eve", (const char *[]){ "r1" }, 1, NULL,
			      &id, &err),
	       BATON_CONFLICT, "role 'r1' is already in open handover 1");
	EXPECT(handover_set_done(st, 1, 99, 1, NULL, &err), BATON_NOTFOUND,
	       "handover 1 has no item 99");
	EXPECT(handover_set_done(st, 7, 1, 1, NULL, &err), BATON_NOTFOUND,
	       "no such handover 7");
	EXPECT(handover_complete(st, 7, 1, &err), BATON_NOTFOUND, "no such handover 7");
	EXPECT(handover_add_item(st, 1, "  ", NULL, &err), BATON_INVALID,
	       "empty item text");
	ck_q("SELECT count(*) FROM handover", "1");
#undef EXPECT
}
END_TEST

/* ------------------------------------------------------------------------
 * Journal and export
 * ---------------------------------------------------------------------- */

START_TEST(test_journal)
{
	json_t *l = NULL;

	store_set_clock(st, "2026-11-24T08:00:00Z", "2026-11-24");
	ck_assert_int_eq(journal_add(st, "r1", "New **entry**", &err), BATON_OK);
	ck_assert_int_eq(journal_list(st, "r1", &l, &err), BATON_OK);
	ck_assert_int_eq(json_array_size(l), 2);
	/* newest first */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0),
							   "text")), "New **entry**");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0),
							   "author")), "tester");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 1),
							   "text")), "Old entry");
	json_decref(l);
	ck_q("SELECT changed FROM entity WHERE kind = 'role' AND name = 'r1'",
	     "journal changed by 'baton journal' on 2026-11-24");
	ck_q("SELECT action FROM event ORDER BY id DESC LIMIT 1", "journal");
	ck_assert_int_eq(journal_list(st, "r2", &l, &err), BATON_OK);
	ck_assert_int_eq(json_array_size(l), 0);
	json_decref(l);
	ck_assert_int_eq(journal_add(st, "nope", "x", &err), BATON_NOTFOUND);
	ck_assert_str_eq(last_msg(), "no such role 'nope'");
	ck_assert_int_eq(journal_list(st, "nope", &l, &err), BATON_NOTFOUND);
	ck_assert_int_eq(journal_add(st, "r1", "\n ", &err), BATON_INVALID);
}
END_TEST

START_TEST(test_export_md)
{
	struct strbuf sb = STRBUF_INIT;
	long id = start_ann_bob();
	static const char *const want[] = {
		"# Handover 1: ann to bob\n", "- Due: 2026-12-01\n",
		"## Role: Role One (`r1`)", "### Responsibilities", "- **a**: Do A",
		"### Relationships", "- **Acme Ltd** (party): Supply",
		"  - Contact: Jo <jo@acme.example>", "  - Health: amber",
		"### Journal", "Old entry", "## Processes", "### P one (`p1`)",
		"1. s1\n2. s2\n", "## Checklist", "- [x] 1. Take over responsibility 'a'",
		"  - Note: fine", "## Open items", "- 2. Take over responsibility 'b'",
		"## Notes", "tester: Remember Acme",
	};
	size_t i;

	ck_assert_int_eq(handover_set_done(st, id, 1, 1, "fine", &err), BATON_OK);
	ck_assert_int_eq(handover_add_note(st, id, "Remember Acme", &err), BATON_OK);
	ck_assert_int_eq(handover_export_md(st, id, &sb, &err), BATON_OK);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(sb.buf, want[i]), "export lacks '%s'", want[i]);
	strbuf_release(&sb);
	ck_assert_int_eq(handover_export_md(st, 9, &sb, &err), BATON_NOTFOUND);
	strbuf_release(&sb);
}
END_TEST

Suite *suite_handover(void)
{
	Suite *s = suite_create("handover");
	TCase *tc = tcase_create("handover");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_checklist_counts);
	tcase_add_test(tc, test_get_and_list);
	tcase_add_test(tc, test_complete_all_done);
	tcase_add_test(tc, test_complete_refused_then_forced);
	tcase_add_test(tc, test_partial_roles_keep_person);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_onboarding);
	tcase_add_test(tc, test_offboard);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_journal);
	tcase_add_test(tc, test_export_md);
	suite_add_tcase(s, tc);
	return s;
}
