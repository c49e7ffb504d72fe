/* check_derive.c - Check suite for the derived tables written by
 * core/entity.c from the parsed spec (bound parameters instead of SQLite's
 * json_extract over the spec text) and for the full-text index it keeps in
 * step itself since 006_perf.sql dropped the search_doc triggers.
 *
 * The reference is the SQL the derived tables were first filled with: it is
 * run here over every stored spec into temporary ref_* tables, and each
 * derived table must hold exactly the same rows, value types included.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entity.h"
#include "../core/import.h"
#include "../core/search.h"

Suite *suite_derive(void);

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

	ck_assert_msg(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK,
		      "%s: %s", sql, sqlite3_errmsg(st->db));
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK,
		      "%s: %s", sql, msg ? msg : "?");
}

#define REF_KIND(x) "substr(" x ", 1, instr(" x ", ':') - 1)"
#define REF_NAME(x) "trim(substr(" x ", instr(" x ", ':') + 1), '\"')"

/* The original fill statements (?1 name, ?2 spec), per kind, into ref_*. */
static const char *const ref_sql[][9] = {
	{ /* person */
	"INSERT INTO ref_person VALUES (?1,"
	" coalesce(json_extract(?2, '$.displayName'), ?1),"
	" json_extract(?2, '$.email'), json_extract(?2, '$.team'),"
	" coalesce(json_extract(?2, '$.status'), 'active'),"
	" json_extract(?2, '$.leavingOn'))",
	"INSERT INTO ref_absence SELECT ?1, json_extract(value, '$.from'),"
	" json_extract(value, '$.to'), json_extract(value, '$.reason')"
	" FROM json_each(?2, '$.absences')", NULL },
	{ /* team */
	"INSERT INTO ref_team VALUES (?1,"
	" coalesce(json_extract(?2, '$.displayName'), ?1),"
	" json_extract(?2, '$.parent'), json_extract(?2, '$.description'))", NULL },
	{ /* role */
	"INSERT INTO ref_role VALUES (?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.team'), json_extract(?2, '$.reportsTo'),"
	" json_extract(?2, '$.description'))",
	"INSERT INTO ref_holder SELECT ?1, json_extract(value, '$.person'),"
	" coalesce(json_extract(value, '$.as'), 'primary'),"
	" json_extract(value, '$.since'), json_extract(value, '$.until'), key"
	" FROM json_each(?2, '$.holders')",
	"INSERT INTO ref_responsibility SELECT ?1, json_extract(value, '$.id'),"
	" json_extract(value, '$.summary'), key"
	" FROM json_each(?2, '$.responsibilities')",
	"INSERT INTO ref_responsibility_process SELECT ?1,"
	" json_extract(r.value, '$.id'), p.value"
	" FROM json_each(?2, '$.responsibilities') AS r,"
	" json_each(r.value, '$.processes') AS p",
	"INSERT INTO ref_relationship SELECT ?1, key,"
	" " REF_KIND("json_extract(value, '$.with')") ","
	" " REF_NAME("json_extract(value, '$.with')") ","
	" json_extract(value, '$.contact'), json_extract(value, '$.purpose'),"
	" json_extract(value, '$.health'), json_extract(value, '$.priority'),"
	" json_extract(value, '$.lastContact')"
	" FROM json_each(?2, '$.relationships')",
	"INSERT INTO ref_journal SELECT ?1, key, json_extract(value, '$.at'),"
	" json_extract(value, '$.author'), json_extract(value, '$.text')"
	" FROM json_each(?2, '$.journal')",
	"INSERT INTO ref_search_doc (kind, name, title, body, topic)"
	" VALUES ('role', ?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.description'), ?1)",
	"INSERT INTO ref_search_doc (kind, name, sub, title, topic)"
	" SELECT 'responsibility', ?1, json_extract(value, '$.id'),"
	" json_extract(value, '$.summary'), json_extract(value, '$.id')"
	" FROM json_each(?2, '$.responsibilities')", NULL },
	{ /* process */
	"INSERT INTO ref_process SELECT ?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.owner'), json_extract(?2, '$.body'),"
	" CASE WHEN d IS NULL THEN NULL"
	"  WHEN d LIKE '%w' THEN CAST(rtrim(d, 'w') AS INTEGER) * 7"
	"  ELSE CAST(rtrim(d, 'd') AS INTEGER) END,"
	" json_extract(?2, '$.lastReviewed')"
	" FROM (SELECT json_extract(?2, '$.reviewEvery') AS d)",
	"INSERT INTO ref_process_step SELECT ?1, key, value"
	" FROM json_each(?2, '$.steps')",
	"INSERT INTO ref_known_by SELECT DISTINCT ?1, value"
	" FROM json_each(?2, '$.knownBy')",
	"INSERT INTO ref_search_doc (kind, name, title, body, topic)"
	" VALUES ('process', ?1, json_extract(?2, '$.title'),"
	" (SELECT group_concat(value, ' ') FROM json_each(?2, '$.steps')), ?1)",
	NULL },
	{ /* rule */
	"INSERT INTO ref_rule SELECT ?1, json_extract(?2, '$.title'),"
	" json_extract(?2, '$.description'), json_extract(?2, '$.topic'),"
	" (SELECT group_concat(value, ' ') FROM json_each(?2, '$.keywords')),"
	" " REF_KIND("h") ", " REF_NAME("h") ","
	" json_extract(?2, '$.escalateTo'), json_extract(?2, '$.process'),"
	" coalesce(json_extract(?2, '$.priority'), 0)"
	" FROM (SELECT json_extract(?2, '$.handler') AS h)",
	"INSERT INTO ref_search_doc (kind, name, title, keywords, body, topic)"
	" VALUES ('rule', ?1, json_extract(?2, '$.title'),"
	" (SELECT group_concat(value, ' ') FROM json_each(?2, '$.keywords')),"
	" json_extract(?2, '$.description'), json_extract(?2, '$.topic'))", NULL },
};

static const char *const tables[] = {
	"person", "absence", "team", "role", "holder", "responsibility",
	"responsibility_process", "relationship", "journal", "process",
	"process_step", "known_by", "rule", NULL
};

/* Fill ref_* from every stored spec with the reference SQL and compare. */
static void assert_rows_match_reference(struct store *st)
{
	static const char *const kinds[] = { "person", "team", "role", "process", "rule" };
	char sql[512];
	sqlite3_stmt *e = NULL;
	int i, k;

	for (i = 0; tables[i]; i++) {
		snprintf(sql, sizeof(sql),
			 "CREATE TEMP TABLE ref_%s AS SELECT * FROM main.%s WHERE 0",
			 tables[i], tables[i]);
		exec(st, sql);
	}
	exec(st, "CREATE TEMP TABLE ref_search_doc (id INTEGER PRIMARY KEY,"
		 " kind TEXT, name TEXT, sub TEXT, title TEXT, keywords TEXT,"
		 " body TEXT, topic TEXT)");
	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
		"SELECT kind, name, spec FROM entity ORDER BY kind, name", -1, &e, NULL), SQLITE_OK);
	while (sqlite3_step(e) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(e, 0);

		for (k = 0; k < 5 && strcmp(kinds[k], kind); k++)
			;
		ck_assert_int_lt(k, 5);
		for (i = 0; ref_sql[k][i]; i++) {
			sqlite3_stmt *s = NULL;

			ck_assert_int_eq(sqlite3_prepare_v2(st->db, ref_sql[k][i], -1, &s, NULL), SQLITE_OK);
			sqlite3_bind_value(s, 1, sqlite3_column_value(e, 1));
			sqlite3_bind_value(s, 2, sqlite3_column_value(e, 2));
			ck_assert_msg(sqlite3_step(s) == SQLITE_DONE, "%s", sqlite3_errmsg(st->db));
			sqlite3_finalize(s);
		}
	}
	sqlite3_finalize(e);
	for (i = 0; tables[i]; i++) {
		/* same count, and no row of one missing from the other (EXCEPT
		 * tells integer 5 from text '5'); typeof() compared too */
		snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM main.%s) - (SELECT count(*) FROM ref_%s)",
			 tables[i], tables[i]);
		ck_assert_msg(count(st, sql) == 0, "%s: row counts differ", tables[i]);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT SELECT * FROM ref_%s)",
			 tables[i], tables[i]);
		ck_assert_msg(count(st, sql) == 0, "%s: rows differ from the reference", tables[i]);
	}
	ck_assert_int_eq(count(st, "SELECT count(*) FROM (SELECT kind, name, sub, title,"
			 " keywords, body, topic, typeof(title), typeof(body) FROM main.search_doc EXCEPT"
			 " SELECT kind, name, sub, title, keywords, body, topic, typeof(title), typeof(body)"
			 " FROM ref_search_doc)"), 0);
	ck_assert_int_eq(count(st, "SELECT (SELECT count(*) FROM main.search_doc)"
			 " - (SELECT count(*) FROM ref_search_doc)"), 0);
	for (i = 0; tables[i]; i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE ref_%s", tables[i]);
		exec(st, sql);
	}
	exec(st, "DROP TABLE ref_search_doc");
}

static void import_ok(struct store *st, const char *text)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct import_opts opts = { 0 };

	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "t.yaml", text, strlen(text), &opts, &res, &err), BATON_OK);
	import_result_release(&res);
	baton_error_release(&err);
}

/* The FTS index agrees with search_doc (FTS5 raises an error otherwise). */
static void assert_index_in_step(struct store *st)
{
	exec(st, "INSERT INTO search (search) VALUES ('integrity-check')");
	ck_assert_int_eq(count(st, "SELECT count(*) FROM search_doc"),
			 count(st, "SELECT count(*) FROM search"));
}

static long long hits(struct store *st, const char *word)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM search WHERE search MATCH '%s'", word);
	return count(st, sql);
}

/* Every derived row of examples/ (every kind, absences, holders,
 * responsibilities with processes, relationships, journals, steps, knownBy,
 * keywords) is what the json_extract SQL gives. */
START_TEST(test_examples_match_reference)
{
	struct store *st = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct import_opts opts = { 0 };

	import_result_init(&res);
	ck_assert_int_eq(import_paths(st, examples, 1, &opts, &res, &err), BATON_OK);
	ck_assert_int_gt(res.created, 20);
	ck_assert_int_gt(count(st, "SELECT count(*) FROM relationship"), 0);
	ck_assert_int_gt(count(st, "SELECT count(*) FROM absence"), 0);
	ck_assert_int_gt(count(st, "SELECT count(*) FROM responsibility_process"), 0);
	assert_rows_match_reference(st);
	assert_index_in_step(st);
	import_result_release(&res);
	baton_error_release(&err);
	store_free(st);
}
END_TEST

/* Values of every JSON type, written with entity_put: integers stay
 * integers, reviewEvery weeks and days are converted like the SQL did, a
 * repeated knownBy name is written once, a spec of a shape the loader never
 * makes (steps that are not all strings, an object where a list is
 * expected) goes through the SQL path and still matches. */
START_TEST(test_put_types_and_shapes)
{
	struct store *st = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	json_t *spec;

	ck_assert_int_eq(store_begin(st, &err), BATON_OK);
	spec = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}], s:b}", "displayName", "Ann",
			 "status", "leaving", "absences", "from", "2026-01-01",
			 "to", "2026-01-02", "reason", "leave", "extra", 1);
	ck_assert_int_eq(entity_put(st, KIND_PERSON, "ann", spec, NULL, NULL, &err), BATON_OK);
	json_decref(spec);
	spec = json_pack("{s:s, s:s, s:s, s:[s, s, s], s:[s, s]}", "title", "Close",
			 "owner", "boss", "reviewEvery", "2W", "knownBy", "ann", "bob", "ann",
			 "steps", "one", "two");
	ck_assert_int_eq(entity_put(st, KIND_PROCESS, "close", spec, NULL, NULL, &err), BATON_OK);
	json_decref(spec);
	spec = json_pack("{s:s, s:s, s:[i, s]}", "title", "Odd", "reviewEvery", "10d",
			 "steps", 1, "two");
	ck_assert_int_eq(entity_put(st, KIND_PROCESS, "odd", spec, NULL, NULL, &err), BATON_OK);
	json_decref(spec);
	spec = json_pack("{s:s, s:{s:{s:s}}, s:[{s:s, s:[s, i]}],"
			 " s:[{s:s, s:i, s:s}]}", "title", "Boss",
			 "holders", "x", "person", "ann",
			 "responsibilities", "id", "pay", "processes", "close", 7,
			 "relationships", "with", "party:\"Bank\"", "priority", 2, "health", "ok");
	ck_assert_int_eq(entity_put(st, KIND_ROLE, "boss", spec, NULL, NULL, &err), BATON_OK);
	json_decref(spec);
	spec = json_pack("{s:s, s:[{s:s, s:[s, i]}], s:[{s:s, s:i, s:s, s:f}]}", "title", "Boss2",
			 "responsibilities", "id", "pay", "processes", "close", 7,
			 "relationships", "with", "team:ops", "priority", 2, "health", "ok",
			 "score", 1.5);
	ck_assert_int_eq(entity_put(st, KIND_ROLE, "boss2", spec, NULL, NULL, &err), BATON_OK);
	json_decref(spec);
	spec = json_pack("{s:s, s:s, s:[s, s], s:i, s:s}", "title", "Refunds",
			 "topic", "fin/refund", "keywords", "refund", "money", "priority", 3,
			 "handler", "role:boss");
	ck_assert_int_eq(entity_put(st, KIND_RULE, "refunds", spec, NULL, NULL, &err), BATON_OK);
	json_decref(spec);
	ck_assert_int_eq(store_commit(st, &err), BATON_OK);
	ck_assert_int_eq(count(st, "SELECT review_days FROM process WHERE name = 'close'"), 14);
	ck_assert_int_eq(count(st, "SELECT review_days FROM process WHERE name = 'odd'"), 10);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM known_by WHERE process = 'close'"), 2);
	ck_assert_int_eq(count(st, "SELECT typeof(priority) = 'integer' FROM relationship WHERE role = 'boss2'"), 1);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM responsibility_process"
			       " WHERE role = 'boss2' AND typeof(process) = 'text'"), 2);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM search_doc WHERE body = '1 two'"), 1);
	assert_rows_match_reference(st);
	assert_index_in_step(st);
	baton_error_release(&err);
	store_free(st);
}
END_TEST

/* Updating and deleting entities keeps the full-text index in step: an
 * old word stops matching, a new one matches, a pruned rule leaves none. */
START_TEST(test_index_follows_changes)
{
	struct store *st = mem_store();
	struct baton_error err = BATON_ERROR_INIT;
	struct import_result res;
	struct import_opts opts = { 0 };
	static const char v1[] =
		"apiVersion: baton/v1\nkind: Role\nmetadata:\n  name: clerk\nspec:\n"
		"  title: Ledger clerk\n"
		"  responsibilities:\n    - id: reconcile\n      summary: Reconcile ledgers\n"
		"---\napiVersion: baton/v1\nkind: Rule\nmetadata:\n  name: books\nspec:\n"
		"  title: Ledger questions\n"
		"  topic: fin/books\n  keywords: [ledger, abacus]\n  handler: role:clerk\n";
	static const char v2[] =
		"apiVersion: baton/v1\nkind: Role\nmetadata:\n  name: clerk\nspec:\n"
		"  title: Payments clerk\n"
		"  responsibilities:\n    - id: settle\n      summary: Settle invoices\n";

	import_ok(st, v1);
	ck_assert_int_eq(hits(st, "abacus"), 1);
	ck_assert_int_eq(hits(st, "ledger"), 3);
	assert_index_in_step(st);
	opts.prune = 1;
	opts.yes = 1;
	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "t.yaml", v2, strlen(v2), &opts, &res, &err), BATON_OK);
	import_result_release(&res);
	ck_assert_int_eq(hits(st, "abacus"), 0);
	ck_assert_int_eq(hits(st, "ledger"), 0);
	ck_assert_int_eq(hits(st, "invoices"), 1);
	ck_assert_int_eq(hits(st, "payments"), 1);
	assert_index_in_step(st);
	assert_rows_match_reference(st);
	baton_error_release(&err);
	store_free(st);
}
END_TEST

Suite *suite_derive(void)
{
	Suite *s = suite_create("derive");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_examples_match_reference);
	tcase_add_test(tc, test_put_types_and_shapes);
	tcase_add_test(tc, test_index_follows_changes);
	suite_add_tcase(s, tc);
	return s;
}
