/* check_import.c - Check suite for core/import: idempotence, atomicity,
 * references, prune, dry-run plans, drift conflicts, team cycles, and fault
 * injection (every write of a full import of examples/ made to fail in
 * turn, SQLite-style: the database must come out unchanged each time).
 *
 * Tests run from the top of the source tree (make check does), so examples/
 * is a relative path.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entity.h"
#include "../core/import.h"
#include "../core/strbuf.h"

Suite *suite_import(void);

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static const char *const examples[] = { "examples" };

static struct store *mem_store(void)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	store_set_actor(st, "tester");
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	baton_error_release(&err);
	return st;
}

static long long count(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

#define ENTITIES(st) count(st, "SELECT count(*) FROM entity")
#define EVENTS(st) count(st, "SELECT count(*) FROM event")

/* Import text as "t.yaml" with the given options; the result's plan is
 * copied to *plan when plan is not NULL (caller frees). */
static enum baton_code import_text(struct store *st, const char *text,
				   struct import_opts opts, struct baton_error *err,
				   struct import_result *res)
{
	return import_buffer(st, "t.yaml", text, strlen(text), &opts, res, err);
}

/* Import that must succeed; returns the plan text (malloc'd). */
static char *import_ok(struct store *st, const char *text, struct import_opts opts)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	char *plan;
	enum baton_code rc;

	import_result_init(&res);
	rc = import_text(st, text, opts, &err, &res);
	if (rc != BATON_OK && err.n) {
		char *d = baton_diag_format(&err.diags[0]);

		ck_abort_msg("import failed: %s", d);
		free(d);
	}
	ck_assert_int_eq(rc, BATON_OK);
	plan = strbuf_detach(&res.plan);
	import_result_release(&res);
	baton_error_release(&err);
	return plan;
}

static void assert_diag(const struct baton_error *err, size_t i, const char *want)
{
	char *got;

	ck_assert_uint_gt(err->n, i);
	got = baton_diag_format(&err->diags[i]);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

#define DOC(kind, name, spec) \
	"---\napiVersion: baton/v1\nkind: " kind "\nmetadata:\n  name: " name "\nspec:\n" spec

static const struct import_opts plain = { .prune = 0 };

/* ------------------------------------------------------------------------
 * import_paths: idempotence
 * ---------------------------------------------------------------------- */

/* Importing examples/ creates 136 entities with one event each; importing
 * it again changes nothing, plans nothing and records no event. */
START_TEST(test_idempotent)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();
	long long events;

	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, examples, 1, &plain, &res, &err), BATON_OK);
	ck_assert_uint_eq(err.nerrors, 0);
	ck_assert_uint_eq(res.created, 136);
	ck_assert_uint_eq(res.updated + res.deleted + res.unchanged, 0);
	ck_assert_int_eq(ENTITIES(st), 136);
	events = EVENTS(st);
	ck_assert_int_eq(events, 136);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM event WHERE action = 'create'"
			       " AND actor = 'tester' AND at = '2026-11-23T10:00:00Z'"), 136);
	import_result_release(&res);

	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, examples, 1, &plain, &res, &err), BATON_OK);
	ck_assert_uint_eq(res.created + res.updated + res.deleted, 0);
	ck_assert_uint_eq(res.unchanged, 136);
	ck_assert_uint_eq(res.plan.len, 0);
	ck_assert_int_eq(EVENTS(st), events);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* A missing path is BATON_IO naming it, and nothing is written. */
START_TEST(test_missing_path)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();
	const char *paths[] = { "examples/teams.yaml", "no/such/dir" };

	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, paths, 2, &plain, &res, &err), BATON_IO);
	ck_assert_str_eq(err.diags[err.n - 1].message,
			 "cannot open 'no/such/dir': No such file or directory");
	ck_assert_int_eq(ENTITIES(st), 0);
	ck_assert_int_eq(st->in_tx, 0);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * import_buffer: atomicity and references
 * ---------------------------------------------------------------------- */

/* One bad document among good ones: BATON_INVALID, and neither entities
 * nor events change, on an empty database and on a loaded one. */
START_TEST(test_atomic)
{
	static const char text[] =
		DOC("Team", "t1", "  displayName: One\n")
		DOC("Team", "t2", "  displayName: Two\n")
		DOC("Person", "p1", "  team: t1\n  status: gone\n")
		DOC("Team", "t3", "  displayName: Three\n");
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();
	long long ents, evs;

	import_result_init(&res);
	ck_assert_int_eq(import_text(st, text, plain, &err, &res), BATON_INVALID);
	ck_assert_uint_eq(err.nerrors, 1);
	assert_diag(&err, 0, "t.yaml:22:11: error: 'status' must be one of active, leaving, left, got 'gone'");
	ck_assert_int_eq(ENTITIES(st), 0);
	ck_assert_int_eq(EVENTS(st), 0);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM team"), 0);
	import_result_release(&res);
	baton_error_release(&err);

	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, examples, 1, &plain, &res, &err), BATON_OK);
	import_result_release(&res);
	ents = ENTITIES(st);
	evs = EVENTS(st);
	import_result_init(&res);
	ck_assert_int_eq(import_text(st, text, plain, &err, &res), BATON_INVALID);
	ck_assert_int_eq(ENTITIES(st), ents);
	ck_assert_int_eq(EVENTS(st), evs);
	ck_assert_int_eq(st->in_tx, 0);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* A reference to nothing is an error at the reference, with a suggestion
 * from the names declared in the run. */
START_TEST(test_dangling)
{
	static const char text[] =
		DOC("Team", "finance", "  displayName: Finance\n")
		DOC("Person", "p1", "  team: finanse\n")
		DOC("Rule", "r1", "  handler: role:nobody\n");
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();

	import_result_init(&res);
	ck_assert_int_eq(import_text(st, text, plain, &err, &res), BATON_INVALID);
	ck_assert_uint_eq(err.nerrors, 2);
	assert_diag(&err, 0, "t.yaml:14:9: error: 'team': no such team 'finanse'; did you mean 'finance'?");
	assert_diag(&err, 1, "t.yaml:21:12: error: 'handler': no such role 'nobody'");
	ck_assert_int_eq(ENTITIES(st), 0);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* A reference to an entity that only the database holds (declared by an
 * earlier import) is fine without --prune; with --prune that entity is
 * deleted, so the same reference dangles and nothing is written. */
START_TEST(test_ref_to_db_only)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();
	struct import_opts prune = { .prune = 1, .yes = 1 };
	char *plan;

	plan = import_ok(st, DOC("Team", "finance", "  displayName: Finance\n"), plain);
	ck_assert_str_eq(plan, "+ team/finance\n");
	free(plan);
	plan = import_ok(st, DOC("Person", "p1", "  team: finance\n"), plain);
	ck_assert_str_eq(plan, "+ person/p1\n");
	free(plan);
	ck_assert_int_eq(ENTITIES(st), 2);

	import_result_init(&res);
	ck_assert_int_eq(import_text(st, DOC("Person", "p1", "  team: finance\n  email: a@b\n"),
				     prune, &err, &res), BATON_INVALID);
	assert_diag(&err, 0, "t.yaml:7:9: error: 'team': no such team 'finance'");
	ck_assert_int_eq(ENTITIES(st), 2);
	ck_assert_int_eq(EVENTS(st), 2);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* The same entity declared twice in one run is an error at the second,
 * naming the first. */
START_TEST(test_duplicate_entity)
{
	static const char text[] =
		DOC("Team", "a", "  displayName: A\n")
		DOC("Team", "a", "  displayName: B\n");
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();

	import_result_init(&res);
	ck_assert_int_eq(import_text(st, text, plain, &err, &res), BATON_INVALID);
	ck_assert_uint_eq(err.nerrors, 1);
	assert_diag(&err, 0, "t.yaml:10:7: error: duplicate team 'a' (first declared at t.yaml:3:7)");
	ck_assert_int_eq(ENTITIES(st), 0);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * import_buffer: prune and dry-run
 * ---------------------------------------------------------------------- */

static const char base[] =
	DOC("Team", "t", "  displayName: T\n")
	DOC("Role", "y", "  title: Why\n  team: t\n")
	DOC("Rule", "z", "  handler: role:y\n  topic: z/**\n");

static const char next[] =
	DOC("Team", "t", "  displayName: T\n")
	DOC("Role", "x", "  title: Ex\n  team: t\n")
	DOC("Role", "y", "  title: Why not\n  team: t\n");

/* Prune deletes what the files no longer declare and records a delete
 * event carrying the before-image and no after-image. */
START_TEST(test_prune)
{
	struct store *st = mem_store();
	struct import_opts prune = { .prune = 1, .yes = 1 };
	char *plan;
	sqlite3_stmt *s = NULL;

	free(import_ok(st, base, plain));
	plan = import_ok(st, next, prune);
	ck_assert_str_eq(plan, "+ role/x\n~ role/y: title\n- rule/z\n");
	free(plan);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM entity WHERE kind = 'rule'"), 0);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM rule"), 0);
	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
		"SELECT action, json_extract(before, '$.topic'), after IS NULL, actor"
		" FROM event WHERE entity = 'rule/z' ORDER BY id DESC LIMIT 1", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "delete");
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 1), "z/**");
	ck_assert_int_eq(sqlite3_column_int(s, 2), 1);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 3), "tester");
	sqlite3_finalize(s);
	/* without --prune nothing is deleted */
	free(import_ok(st, DOC("Team", "t", "  displayName: T\n"), plain));
	ck_assert_int_eq(ENTITIES(st), 3);
	store_free(st);
}
END_TEST

/* A dry run returns the exact plan and the counts, and writes nothing. */
START_TEST(test_dry_run)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();
	struct import_opts dry = { .prune = 1, .dry_run = 1, .yes = 1 };
	long long evs;

	free(import_ok(st, base, plain));
	evs = EVENTS(st);
	import_result_init(&res);
	ck_assert_int_eq(import_text(st, next, dry, &err, &res), BATON_OK);
	ck_assert_str_eq(res.plan.buf, "+ role/x\n~ role/y: title\n- rule/z\n");
	ck_assert_uint_eq(res.created, 1);
	ck_assert_uint_eq(res.updated, 1);
	ck_assert_uint_eq(res.deleted, 1);
	ck_assert_uint_eq(res.unchanged, 1);
	ck_assert_int_eq(EVENTS(st), evs);
	ck_assert_int_eq(ENTITIES(st), 3);
	ck_assert_int_eq(entity_exists(st, KIND_ROLE, "x", &err), 0);
	ck_assert_int_eq(entity_exists(st, KIND_RULE, "z", &err), 1);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM role WHERE name = 'y' AND title = 'Why'"), 1);
	ck_assert_int_eq(st->in_tx, 0);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * import_buffer: drift
 * ---------------------------------------------------------------------- */

static const char drift_v1[] =
	DOC("Person", "a", "  displayName: A\n")
	DOC("Person", "b", "  displayName: B\n")
	DOC("Role", "clerk", "  title: Clerk\n  holders:\n    - {person: a}\n");

/* Change role/clerk inside baton the way a handover does. */
static void change_in_baton(struct store *st)
{
	struct baton_error err = BATON_ERROR_INIT;
	json_t *spec = json_pack("{s:s,s:[{s:s,s:s}]}", "title", "Clerk",
				 "holders", "person", "b", "as", "primary");
	int changed = 0;

	ck_assert_ptr_nonnull(spec);
	ck_assert_int_eq(store_begin(st, &err), BATON_OK);
	ck_assert_int_eq(entity_put(st, KIND_ROLE, "clerk", spec,
		&(struct entity_change){ .action = "handover",
			.changed = "holders changed by handover 3 on 2026-12-01" },
		&changed, &err), BATON_OK);
	ck_assert_int_eq(store_commit(st, &err), BATON_OK);
	ck_assert_int_eq(changed, 1);
	json_decref(spec);
	baton_error_release(&err);
}

/* The text last imported, coalesce(imported, spec) while no drift note
 * (007_imported.sql): NULL after an import, the imported spec after
 * changes in baton (kept over a second change), NULL again after --force;
 * NULL with a note for an entity created in baton. */
static char *text_of(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	if (sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return v;
}

START_TEST(test_imported_column)
{
	static const char q[] = "SELECT imported FROM entity WHERE name = 'clerk'";
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = mem_store();
	struct import_opts force = { .force = 1 };
	json_t *spec;
	char *v1, *x;

	free(import_ok(st, drift_v1, plain));
	ck_assert_int_eq(count(st, "SELECT count(*) FROM entity WHERE imported IS NOT NULL"), 0);
	v1 = text_of(st, "SELECT spec FROM entity WHERE name = 'clerk'");
	ck_assert_ptr_nonnull(v1);
	change_in_baton(st);
	x = text_of(st, q);
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(x, v1);
	free(x);
	/* a second change in baton keeps the imported text */
	spec = json_pack("{s:s}", "title", "Clerk II");
	ck_assert_int_eq(store_begin(st, &err), BATON_OK);
	ck_assert_int_eq(entity_put(st, KIND_ROLE, "clerk", spec,
		&(struct entity_change){ .action = "edit", .changed = "edited" },
		NULL, &err), BATON_OK);
	ck_assert_int_eq(entity_put(st, KIND_ROLE, "new-in-baton", spec,
		&(struct entity_change){ .action = "create", .changed = "created in baton" },
		NULL, &err), BATON_OK);
	ck_assert_int_eq(store_commit(st, &err), BATON_OK);
	json_decref(spec);
	x = text_of(st, q);
	ck_assert_str_eq(x, v1);
	free(x);
	ck_assert_ptr_null(text_of(st, "SELECT imported FROM entity WHERE name = 'new-in-baton'"));
	free(import_ok(st, drift_v1, force));
	ck_assert_ptr_null(text_of(st, q));
	ck_assert_ptr_null(text_of(st, "SELECT changed FROM entity WHERE name = 'clerk'"));
	x = text_of(st, "SELECT spec FROM entity WHERE name = 'clerk'");
	ck_assert_str_eq(x, v1);
	free(x);
	free(v1);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* 007_imported.sql turns rows of the old form (imported = spec while no
 * drift note) into the new one and leaves changed entities alone. */
START_TEST(test_imported_migration)
{
	struct store *st = mem_store();
	struct strbuf sql = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f;
	char *v1, *x;
	long long evs, last;

	free(import_ok(st, drift_v1, plain));
	v1 = text_of(st, "SELECT spec FROM entity WHERE name = 'clerk'");
	change_in_baton(st);
	/* the old form: a copy of the spec in every imported row */
	ck_assert_int_eq(sqlite3_exec(st->db, "UPDATE entity SET imported = spec"
				      " WHERE changed IS NULL", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM entity WHERE imported IS NULL"), 0);
	ck_assert_ptr_nonnull(f = fopen("schemas/007_imported.sql", "r"));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sql, buf, n);
	fclose(f);
	evs = EVENTS(st);
	last = count(st, "SELECT max(id) FROM event");
	ck_assert_int_eq(sqlite3_exec(st->db, sql.buf, NULL, NULL, NULL), SQLITE_OK);
	/* the log is kept, ids and all, and is still append-only */
	ck_assert_int_eq(EVENTS(st), evs);
	ck_assert_int_eq(count(st, "SELECT max(id) FROM event"), last);
	ck_assert_int_ne(sqlite3_exec(st->db, "UPDATE event SET actor = 'x'", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(st->db, "DELETE FROM event", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM sqlite_schema"
				   " WHERE name = 'event_entity' AND tbl_name = 'event'"), 1);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM entity WHERE imported IS NULL"),
			 count(st, "SELECT count(*) FROM entity") - 1);
	x = text_of(st, "SELECT imported FROM entity WHERE name = 'clerk'");
	ck_assert_str_eq(x, v1);
	free(x);
	free(v1);
	strbuf_release(&sql);
	store_free(st);
}
END_TEST

/* Re-importing the stale files is a conflict naming the entity and the
 * change; nothing is written. */
START_TEST(test_drift_conflict)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();
	long long evs;
	char *note = NULL;

	free(import_ok(st, drift_v1, plain));
	change_in_baton(st);
	evs = EVENTS(st);
	import_result_init(&res);
	ck_assert_int_eq(import_text(st, drift_v1, plain, &err, &res), BATON_CONFLICT);
	ck_assert_uint_eq(err.nerrors, 1);
	assert_diag(&err, 0, "t.yaml:17:7: error: role/clerk: holders changed by handover 3 on 2026-12-01;"
		    " run 'baton export' or pass --force");
	ck_assert_int_eq(EVENTS(st), evs);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM holder WHERE role = 'clerk' AND person = 'b'"), 1);
	ck_assert_int_eq(entity_drift(st, KIND_ROLE, "clerk", &note, &err), BATON_OK);
	ck_assert_str_eq(note, "holders changed by handover 3 on 2026-12-01");
	free(note);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* --force overwrites the in-baton change and clears the drift. */
START_TEST(test_drift_force)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = mem_store();
	struct import_opts force = { .force = 1 };
	char *plan, *note = (char *)1;

	free(import_ok(st, drift_v1, plain));
	change_in_baton(st);
	plan = import_ok(st, drift_v1, force);
	ck_assert_str_eq(plan, "~ role/clerk: holders\n");
	free(plan);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM holder WHERE role = 'clerk' AND person = 'a'"), 1);
	ck_assert_int_eq(entity_drift(st, KIND_ROLE, "clerk", &note, &err), BATON_OK);
	ck_assert_ptr_null(note);
	/* the stale files are current again: a plain import is a no-op */
	plan = import_ok(st, drift_v1, plain);
	ck_assert_str_eq(plan, "");
	free(plan);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* Importing files that already say what baton holds (an export after the
 * change) clears the drift without writing an event. */
START_TEST(test_drift_cleared_by_current)
{
	static const char v2[] =
		DOC("Person", "a", "  displayName: A\n")
		DOC("Person", "b", "  displayName: B\n")
		DOC("Role", "clerk", "  title: Clerk\n  holders:\n    - {person: b}\n");
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = mem_store();
	char *plan, *note = (char *)1;
	long long evs;

	free(import_ok(st, drift_v1, plain));
	change_in_baton(st);
	evs = EVENTS(st);
	plan = import_ok(st, v2, plain);
	ck_assert_str_eq(plan, "");
	free(plan);
	ck_assert_int_eq(EVENTS(st), evs);
	ck_assert_int_eq(entity_drift(st, KIND_ROLE, "clerk", &note, &err), BATON_OK);
	ck_assert_ptr_null(note);
	/* as imported again: no drift note, and `imported` NULL (the spec,
	 * see 007_imported.sql) */
	ck_assert_int_eq(count(st, "SELECT imported IS NULL AND changed IS NULL"
				   " FROM entity WHERE name = 'clerk'"), 1);
	/* and later edits of the files apply normally */
	plan = import_ok(st, drift_v1, plain);
	ck_assert_str_eq(plan, "~ role/clerk: holders\n");
	free(plan);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * import_buffer: team cycles
 * ---------------------------------------------------------------------- */

/* Teams whose parents loop are each reported at their declaration; a
 * team that is its own parent too; nothing is written. */
START_TEST(test_team_cycle)
{
	static const char text[] =
		DOC("Team", "a", "  parent: b\n")
		DOC("Team", "b", "  parent: a\n")
		DOC("Team", "c", "  parent: a\n");
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct store *st = mem_store();

	import_result_init(&res);
	ck_assert_int_eq(import_text(st, text, plain, &err, &res), BATON_INVALID);
	ck_assert_uint_eq(err.nerrors, 2);
	assert_diag(&err, 0, "t.yaml:3:7: error: team 'a' is its own ancestor: its 'parent' chain loops");
	assert_diag(&err, 1, "t.yaml:10:7: error: team 'b' is its own ancestor: its 'parent' chain loops");
	ck_assert_int_eq(ENTITIES(st), 0);
	import_result_release(&res);
	baton_error_release(&err);

	import_result_init(&res);
	ck_assert_int_eq(import_text(st, DOC("Team", "self", "  parent: self\n"), plain, &err, &res),
			 BATON_INVALID);
	ck_assert_uint_eq(err.nerrors, 1);
	assert_diag(&err, 0, "t.yaml:3:7: error: team 'self' is its own ancestor: its 'parent' chain loops");
	ck_assert_int_eq(ENTITIES(st), 0);
	import_result_release(&res);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * Fault injection
 * ---------------------------------------------------------------------- */

/* Temp triggers count every row written to the main schema's tables and
 * abort the statement that makes the `target`th write. */
static void install_fault_triggers(struct store *st)
{
	static const char *const ops[] = { "INSERT", "UPDATE", "DELETE" };
	sqlite3_stmt *s = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	ck_assert_int_eq(sqlite3_exec(st->db,
		"CREATE TEMP TABLE fault (n INTEGER, target INTEGER);"
		" INSERT INTO fault VALUES (0, 0)", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
		"SELECT t.name FROM main.sqlite_master t WHERE t.type = 'table'"
		" AND t.name NOT LIKE 'sqlite_%' AND t.sql NOT LIKE 'CREATE VIRTUAL%'"
		/* FTS5 shadow tables belong to their virtual table */
		" AND NOT EXISTS (SELECT 1 FROM main.sqlite_master v"
		"  WHERE v.sql LIKE 'CREATE VIRTUAL%' AND t.name IN (v.name || '_data',"
		"  v.name || '_idx', v.name || '_content', v.name || '_docsize',"
		"  v.name || '_config'))",
		-1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);

		for (i = 0; i < 3; i++)
			strbuf_addf(&sb,
				"CREATE TEMP TRIGGER fault_%s_%s BEFORE %s ON main.\"%s\" BEGIN"
				" UPDATE fault SET n = n + 1;"
				" SELECT RAISE(ABORT, 'injected fault') FROM fault WHERE n = target;"
				" END;\n", t, ops[i], ops[i], t);
	}
	sqlite3_finalize(s);
	ck_assert(strbuf_ok(&sb));
	ck_assert_int_eq(sqlite3_exec(st->db, sb.buf, NULL, NULL, NULL), SQLITE_OK);
	strbuf_release(&sb);
}

static void set_fault(struct store *st, long long target)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "UPDATE fault SET n = 0, target = %lld", target);
	ck_assert_int_eq(sqlite3_exec(st->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static void assert_integrity(struct store *st)
{
	sqlite3_stmt *s = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &s, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
}

/* Start from teams.yaml imported, then import all of examples/ with the
 * Nth row write failing, for every N up to the number of writes a clean
 * import makes: each run fails with BATON_DB naming the fault, leaves the
 * database as it was (entities, events, derived rows, integrity), leaves
 * no transaction open, and leaks nothing (ASan). The same store then
 * imports cleanly. */
START_TEST(test_fault_every_write)
{
	static const char *const teams[] = { "examples/teams.yaml" };
	struct store *st = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	long long n, ents, evs, teamrows;

	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, teams, 1, &plain, &res, &err), BATON_OK);
	import_result_release(&res);
	install_fault_triggers(st);
	ents = ENTITIES(st);
	evs = EVENTS(st);
	teamrows = count(st, "SELECT count(*) FROM team");
	ck_assert_int_gt(ents, 0);

	for (n = 1; n < 100000; n++) {
		size_t i;
		int injected = 0;

		set_fault(st, n);
		baton_error_release(&err);
		import_result_init(&res);
		if (import_paths(st, examples, 1, &plain, &res, &err) == BATON_OK) {
			import_result_release(&res);
			break; /* n is past the last write: the import went through */
		}
		import_result_release(&res);
		ck_assert_int_eq(err.code, BATON_DB);
		for (i = 0; i < err.n; i++)
			injected |= strstr(err.diags[i].message, "injected fault") != NULL;
		ck_assert_msg(injected, "write %lld: fault not reported", n);
		ck_assert_int_eq(st->in_tx, 0);
		ck_assert_int_eq(ENTITIES(st), ents);
		ck_assert_int_eq(EVENTS(st), evs);
		ck_assert_int_eq(count(st, "SELECT count(*) FROM team"), teamrows);
		ck_assert_int_eq(count(st, "SELECT count(*) FROM role"), 0);
		assert_integrity(st);
	}
	/* every write up to the last was made to fail once */
	ck_assert_int_gt(n, 136 * 2);
	ck_assert_int_eq(ENTITIES(st), 136);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* The authorizer variant: deny the Nth write statement SQLite prepares
 * during an import (a write path failing at prepare time, as a locked or
 * read-only schema would), for each N until the import goes through. */
struct deny {
	int n, target;
};

static int authorizer(void *data, int action, const char *a, const char *b,
		      const char *c, const char *d)
{
	struct deny *dn = data;

	if (action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE) {
		if (a && !strncmp(a, "sqlite_", 7))
			return SQLITE_OK;
		if (++dn->n == dn->target)
			return SQLITE_DENY;
	}
	return SQLITE_OK;
}

START_TEST(test_fault_authorizer)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct deny dn;
	int target;

	for (target = 1; target < 10000; target++) {
		struct store *st = mem_store();
		enum baton_code rc;

		dn.n = 0;
		dn.target = target;
		sqlite3_set_authorizer(st->db, authorizer, &dn);
		import_result_init(&res);
		rc = import_paths(st, examples, 1, &plain, &res, &err);
		import_result_release(&res);
		sqlite3_set_authorizer(st->db, NULL, NULL);
		if (rc == BATON_OK) {
			ck_assert_int_eq(ENTITIES(st), 136);
			store_free(st);
			break;
		}
		/* a denied write fails the import as a database error (inside
		 * FTS5's own statements SQLite reports it in its own words) */
		ck_assert_int_eq(rc, BATON_DB);
		ck_assert_uint_gt(err.nerrors, 0);
		ck_assert_int_eq(st->in_tx, 0);
		ck_assert_int_eq(ENTITIES(st), 0);
		ck_assert_int_eq(EVENTS(st), 0);
		assert_integrity(st);
		store_free(st);
		baton_error_release(&err);
	}
	/* each kind's clear and fill statements, the upsert, the event */
	ck_assert_int_gt(target, 10);
	baton_error_release(&err);
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ---------------------------------------------------------------------- */

Suite *suite_import(void)
{
	Suite *s = suite_create("import");
	TCase *tc;

	tc = tcase_create("import_paths");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_missing_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("import_buffer");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_atomic);
	tcase_add_test(tc, test_dangling);
	tcase_add_test(tc, test_ref_to_db_only);
	tcase_add_test(tc, test_duplicate_entity);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_imported_column);
	tcase_add_test(tc, test_imported_migration);
	tcase_add_test(tc, test_drift_conflict);
	tcase_add_test(tc, test_drift_force);
	tcase_add_test(tc, test_drift_cleared_by_current);
	tcase_add_test(tc, test_team_cycle);
	suite_add_tcase(s, tc);

	tc = tcase_create("import_faults");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_fault_every_write);
	tcase_add_test(tc, test_fault_authorizer);
	suite_add_tcase(s, tc);
	return s;
}
