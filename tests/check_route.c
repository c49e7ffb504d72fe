/* check_route.c - Check suite for core/route and core/search: topic ranking
 * and its explanation, escalation (vacant, absent, left, escalateTo,
 * cycles, dead ends), person handlers, FTS5 ranking and hostile input, the
 * rule index cache. Each test loads a small fixture into :memory:.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../core/import.h"
#include "../core/route.h"
#include "../core/search.h"
#include "../core/store.h"

Suite *suite_route(void);

/* ------------------------------------------------------------------------
 * Fixture
 * ---------------------------------------------------------------------- */

#define DOC(kind, name, spec) \
	"---\napiVersion: baton/v1\nkind: " kind "\nmetadata:\n  name: " name \
	"\nspec:\n" spec

static const char fixture[] =
	DOC("Person", "ann", "  displayName: Ann\n  email: ann@x.example\n")
	DOC("Person", "bob", "  displayName: Bob\n  absences:\n"
	    "    - {from: 2026-11-20, to: 2026-11-30, reason: Leave}\n")
	DOC("Person", "cat", "  displayName: Cat\n  status: left\n")
	DOC("Person", "dan", "  displayName: Dan\n  email: dan@x.example\n")
	DOC("Person", "eve", "  displayName: Eve\n")
	DOC("Role", "lead", "  title: Lead\n  holders:\n    - {person: ann}\n")
	DOC("Role", "desk", "  title: Desk\n  reportsTo: lead\n  holders:\n"
	    "    - {person: bob, as: primary}\n    - {person: dan, as: backup}\n"
	    "  responsibilities:\n    - id: widget-repairs\n"
	    "      summary: Repair broken widgets for customers\n")
	DOC("Role", "vacant", "  title: Vacant\n  reportsTo: lead\n")
	DOC("Role", "gone", "  title: Gone\n  reportsTo: lead\n  holders:\n"
	    "    - {person: cat}\n")
	DOC("Role", "old", "  title: Old\n  holders:\n"
	    "    - {person: eve, until: 2026-01-01}\n")
	DOC("Role", "cyc-a", "  title: Cycle A\n  reportsTo: cyc-b\n  holders:\n"
	    "    - {person: bob}\n")
	DOC("Role", "cyc-b", "  title: Cycle B\n  reportsTo: cyc-a\n")
	DOC("Process", "calibrate-gizmos", "  title: Calibrate gizmos\n"
	    "  owner: lead\n  steps:\n    - Calibrate the gizmo with the spanner\n")
	DOC("Rule", "fin", "  title: Finance desk\n  topic: fin/**\n"
	    "  keywords: [money]\n  handler: role:desk\n")
	DOC("Rule", "fin-star", "  title: Finance star\n  topic: fin/*\n"
	    "  handler: role:lead\n")
	DOC("Rule", "fin-pay-a", "  title: Pay A\n  topic: fin/pay\n"
	    "  handler: role:desk\n")
	DOC("Rule", "fin-pay-b", "  title: Pay B\n  topic: fin/pay\n"
	    "  handler: role:lead\n  priority: 5\n")
	DOC("Rule", "st1", "  title: S one\n  topic: s/*/**\n  handler: role:lead\n")
	DOC("Rule", "st2", "  title: S two\n  topic: s/**\n  handler: role:desk\n")
	DOC("Rule", "n-a", "  title: N a\n  topic: n/x\n  handler: role:lead\n")
	DOC("Rule", "n-b", "  title: N b\n  topic: n/x\n  handler: role:desk\n")
	DOC("Rule", "vac", "  title: Vacancy\n  topic: vac/**\n  handler: role:vacant\n")
	DOC("Rule", "gone", "  title: Gone\n  topic: gone/**\n  handler: role:gone\n")
	DOC("Rule", "esc", "  title: Escalate\n  topic: esc/**\n"
	    "  handler: role:vacant\n  escalateTo: gone\n")
	DOC("Rule", "dead", "  title: Dead\n  topic: dead/**\n  handler: role:old\n")
	DOC("Rule", "cyc", "  title: Cycle\n  topic: cyc/**\n  handler: role:cyc-a\n")
	DOC("Rule", "pers", "  title: Person\n  topic: pers/**\n  handler: person:dan\n")
	DOC("Rule", "persabs", "  title: Person absent\n  topic: persabs/**\n"
	    "  handler: person:bob\n")
	DOC("Rule", "office", "  title: Office supplies\n"
	    "  description: Orders paper and pens; sometimes an invoice arrives"
	    " with the paper order.\n  topic: office/**\n  handler: role:lead\n")
	DOC("Rule", "kw", "  title: Accounts\n  keywords: [invoice]\n"
	    "  topic: acc/**\n  handler: role:desk\n");

static struct store *st;
static struct baton_error err;

static void load(const char *yaml)
{
	struct import_opts opts = { .prune = 0 };
	struct import_result res;
	enum baton_code rc;

	import_result_init(&res);
	rc = import_buffer(st, "fixture.yaml", yaml, strlen(yaml), &opts, &res,
			   &err);
	if (rc && err.n)
		ck_abort_msg("fixture: %s", err.diags[0].message);
	ck_assert_int_eq(rc, BATON_OK);
	import_result_release(&res);
}

static void setup(void)
{
	baton_error_init(&err);
	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err),
			 BATON_OK);
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	load(fixture);
}

static void teardown(void)
{
	store_free(st);
	st = NULL;
	baton_error_release(&err);
}

/* Route and return the result document (a new reference); *outcome set. */
static json_t *route(const char *topic, const char *text, const char *on,
		     enum route_outcome *outcome)
{
	struct route_query q = { topic, text, on, 0 };
	struct route_result *r = NULL;
	json_t *doc;

	ck_assert_int_eq(route_resolve(st, &q, &r, &err), BATON_OK);
	ck_assert_ptr_nonnull(r);
	if (outcome)
		*outcome = r->outcome;
	doc = route_result_to_json(r);
	route_result_free(r);
	return doc;
}

/* Value at a path like "contacts.0.person" as a string ("null" for null,
 * "" when missing). */
static const char *at(const json_t *doc, const char *path)
{
	static char buf[256];
	const json_t *v = doc;
	char *copy = strdup(path), *tok, *save = NULL;

	ck_assert_ptr_nonnull(copy);
	for (tok = strtok_r(copy, ".", &save); tok && v;
	     tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, (size_t)atoi(tok));
		else
			v = json_object_get(v, tok);
	}
	free(copy);
	if (!v)
		return "";
	if (json_is_null(v))
		return "null";
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return json_string_value(v) ? json_string_value(v) : "?";
}

static size_t count(const json_t *doc, const char *key)
{
	return json_array_size(json_object_get(doc, key));
}

/* ------------------------------------------------------------------------
 * Topic ranking
 * ---------------------------------------------------------------------- */

/* Proves the most literal pattern wins, priority breaks a tie between equal
 * patterns, and every loser is listed in rank order with why it lost. */
START_TEST(test_rank_order_and_why)
{
	enum route_outcome o;
	json_t *d = route("fin/pay", NULL, NULL, &o);

	ck_assert_int_eq(o, ROUTE_FOUND);
	ck_assert_str_eq(at(d, "via"), "topic");
	ck_assert_str_eq(at(d, "rule.name"), "fin-pay-b");
	ck_assert_str_eq(at(d, "role.name"), "lead");
	ck_assert_str_eq(at(d, "contacts.0.person"), "ann");
	ck_assert_str_eq(at(d, "explain.others.0.rule"), "fin-pay-a");
	ck_assert_str_eq(at(d, "explain.others.0.lost"), "lower priority");
	ck_assert_str_eq(at(d, "explain.others.1.rule"), "fin-star");
	ck_assert_str_eq(at(d, "explain.others.1.lost"), "fewer literal segments");
	ck_assert_str_eq(at(d, "explain.others.2.rule"), "fin");
	ck_assert_str_eq(at(d, "explain.others.2.lost"), "fewer literal segments");
	ck_assert_str_eq(at(d, "explain.others.3.rule"), "");
	ck_assert_str_eq(at(d, "alternatives.0.rule"), "fin-pay-a");
	ck_assert_str_eq(at(d, "alternatives.0.role"), "desk");
	json_decref(d);
}
END_TEST

/* Proves the three other tie-breaks: more "**", more "*", name order. */
START_TEST(test_rank_tie_breaks)
{
	json_t *d = route("fin/x", NULL, NULL, NULL);

	ck_assert_str_eq(at(d, "rule.name"), "fin-star");
	ck_assert_str_eq(at(d, "explain.others.0.lost"), "more '**' segments");
	json_decref(d);
	d = route("s/a/b", NULL, NULL, NULL);
	ck_assert_str_eq(at(d, "rule.name"), "st2");
	ck_assert_str_eq(at(d, "explain.others.0.rule"), "st1");
	ck_assert_str_eq(at(d, "explain.others.0.lost"), "more '*' segments");
	json_decref(d);
	d = route("N/X", NULL, NULL, NULL);
	ck_assert_str_eq(at(d, "rule.name"), "n-a");
	ck_assert_str_eq(at(d, "explain.others.0.rule"), "n-b");
	ck_assert_str_eq(at(d, "explain.others.0.lost"), "name order");
	json_decref(d);
}
END_TEST

/* Proves the rule index is rebuilt when rules change in the same
 * connection: lowering fin-pay-b's priority hands fin/pay to fin-pay-a. */
START_TEST(test_index_invalidated)
{
	json_t *d = route("fin/pay", NULL, NULL, NULL);

	ck_assert_str_eq(at(d, "rule.name"), "fin-pay-b");
	json_decref(d);
	load(DOC("Rule", "fin-pay-b", "  title: Pay B\n  topic: fin/pay\n"
		 "  handler: role:lead\n  priority: -1\n"));
	d = route("fin/pay", NULL, NULL, NULL);
	ck_assert_str_eq(at(d, "rule.name"), "fin-pay-a");
	ck_assert_str_eq(at(d, "explain.others.0.lost"), "lower priority");
	json_decref(d);
}
END_TEST

/* Proves a topic nothing matches is a NO_MATCH answer with the closest
 * topics by edit distance, and a query with neither topic nor text, or a
 * bad date, is a usage error. */
START_TEST(test_no_match)
{
	struct route_query q = { NULL, NULL, NULL, 0 };
	struct route_result *r = NULL;
	enum route_outcome o;
	json_t *d = route("fim/pay", NULL, NULL, &o);

	ck_assert_int_eq(o, ROUTE_NO_MATCH);
	ck_assert_str_eq(at(d, "outcome"), "no-match");
	ck_assert_str_eq(at(d, "message"), "no rule matches topic 'fim/pay'");
	ck_assert_str_eq(at(d, "suggestions.topics.0.topic"), "fin/pay");
	ck_assert_str_eq(at(d, "rule"), "null");
	ck_assert_uint_eq(count(d, "contacts"), 0);
	json_decref(d);
	ck_assert_int_eq(route_resolve(st, &q, &r, &err), BATON_USAGE);
	ck_assert_ptr_null(r);
	q.topic = "fin/pay";
	q.on = "2026-02-30";
	ck_assert_int_eq(route_resolve(st, &q, &r, &err), BATON_USAGE);
	ck_assert_ptr_null(r);
}
END_TEST

/* ------------------------------------------------------------------------
 * Availability and escalation
 * ---------------------------------------------------------------------- */

/* Proves an absent primary is skipped (with the absence's end and reason)
 * and the backup answers; once the absence is over, primary comes first. */
START_TEST(test_absence)
{
	json_t *d = route("fin/other/deep", NULL, NULL, NULL);

	ck_assert_str_eq(at(d, "rule.name"), "fin");
	ck_assert_uint_eq(count(d, "contacts"), 1);
	ck_assert_str_eq(at(d, "contacts.0.person"), "dan");
	ck_assert_str_eq(at(d, "contacts.0.as"), "backup");
	ck_assert_str_eq(at(d, "contacts.0.email"), "dan@x.example");
	ck_assert_str_eq(at(d, "explain.steps.0.skipped.0.person"), "bob");
	ck_assert_str_eq(at(d, "explain.steps.0.skipped.0.why"),
			 "absent until 2026-11-30 (Leave)");
	ck_assert_uint_eq(count(d, "escalated"), 0);
	json_decref(d);
	d = route("fin/other/deep", NULL, "2026-12-01", NULL);
	ck_assert_str_eq(at(d, "query.on"), "2026-12-01");
	ck_assert_str_eq(at(d, "contacts.0.person"), "bob");
	ck_assert_str_eq(at(d, "contacts.0.as"), "primary");
	ck_assert_str_eq(at(d, "contacts.1.person"), "dan");
	json_decref(d);
}
END_TEST

/* Proves a vacant role escalates along reportsTo, recording the step. */
START_TEST(test_vacant)
{
	json_t *d = route("vac/x", NULL, NULL, NULL);

	ck_assert_str_eq(at(d, "role.name"), "vacant");
	ck_assert_str_eq(at(d, "contactRole.name"), "lead");
	ck_assert_str_eq(at(d, "contacts.0.person"), "ann");
	ck_assert_uint_eq(count(d, "escalated"), 1);
	ck_assert_str_eq(at(d, "escalated.0.role"), "vacant");
	ck_assert_str_eq(at(d, "escalated.0.reason"), "vacant");
	ck_assert_str_eq(at(d, "escalated.0.to"), "lead");
	json_decref(d);
}
END_TEST

/* Proves a role whose only holder left escalates with reason "left", and
 * that the rule's escalateTo is the first step (vacant -> gone, not lead),
 * then reportsTo. */
START_TEST(test_left_and_escalate_to)
{
	json_t *d = route("gone/x", NULL, NULL, NULL);

	ck_assert_str_eq(at(d, "escalated.0.reason"), "left");
	ck_assert_str_eq(at(d, "explain.steps.0.skipped.0.why"), "left");
	ck_assert_str_eq(at(d, "contacts.0.person"), "ann");
	json_decref(d);
	d = route("esc/x", NULL, NULL, NULL);
	ck_assert_uint_eq(count(d, "escalated"), 2);
	ck_assert_str_eq(at(d, "escalated.0.role"), "vacant");
	ck_assert_str_eq(at(d, "escalated.0.to"), "gone");
	ck_assert_str_eq(at(d, "escalated.1.role"), "gone");
	ck_assert_str_eq(at(d, "escalated.1.reason"), "left");
	ck_assert_str_eq(at(d, "escalated.1.to"), "lead");
	ck_assert_str_eq(at(d, "contactRole.name"), "lead");
	json_decref(d);
}
END_TEST

/* Proves a dead end stops with a clear message, and a past holder is
 * skipped as "holding ended" (but answers on a date inside the holding). */
START_TEST(test_dead_end)
{
	enum route_outcome o;
	json_t *d = route("dead/x", NULL, NULL, &o);

	ck_assert_int_eq(o, ROUTE_DEAD_END);
	ck_assert_str_eq(at(d, "outcome"), "dead-end");
	ck_assert_str_eq(at(d, "message"),
			 "no one available: escalation dead end: old (vacant, no reportsTo)");
	ck_assert_str_eq(at(d, "explain.steps.0.skipped.0.why"),
			 "holding ended 2026-01-01");
	ck_assert_uint_eq(count(d, "contacts"), 0);
	/* the JSON shape is fixed: the last escalation's "to" and the reason
	 * of a step that found someone are null, never left out */
	ck_assert(json_is_null(json_object_get(
		json_array_get(json_object_get(d, "escalated"), 0), "to")));
	ck_assert_str_eq(at(d, "explain.steps.0.reason"), "vacant");
	json_decref(d);
	d = route("dead/x", NULL, "2025-12-31", &o);
	ck_assert_int_eq(o, ROUTE_FOUND);
	ck_assert_str_eq(at(d, "contacts.0.person"), "eve");
	ck_assert(json_is_null(json_object_get(json_array_get(
		json_object_get(json_object_get(d, "explain"), "steps"), 0),
		"reason")));
	json_decref(d);
}
END_TEST

/* Proves a cycle of escalation is detected and reported, never looped. */
START_TEST(test_cycle)
{
	enum route_outcome o;
	json_t *d = route("cyc/x", NULL, NULL, &o);

	ck_assert_int_eq(o, ROUTE_CYCLE);
	ck_assert_str_eq(at(d, "message"),
			 "no one available: escalation cycle: cyc-a -> cyc-b -> cyc-a");
	ck_assert_uint_eq(count(d, "escalated"), 2);
	ck_assert_str_eq(at(d, "escalated.0.reason"), "all absent");
	ck_assert_str_eq(at(d, "escalated.1.reason"), "vacant");
	json_decref(d);
}
END_TEST

/* Proves a person handler still routes (to that person, with availability)
 * and an absent person with no escalateTo is a dead end. */
START_TEST(test_person_handler)
{
	enum route_outcome o;
	json_t *d = route("pers/x", NULL, NULL, &o);

	ck_assert_int_eq(o, ROUTE_FOUND);
	ck_assert_str_eq(at(d, "handler"), "person:dan");
	ck_assert_str_eq(at(d, "role"), "null");
	ck_assert_str_eq(at(d, "contacts.0.person"), "dan");
	ck_assert_str_eq(at(d, "contacts.0.as"), "person");
	json_decref(d);
	d = route("persabs/x", NULL, NULL, &o);
	ck_assert_int_eq(o, ROUTE_DEAD_END);
	ck_assert_str_eq(at(d, "message"),
			 "no one available: escalation dead end: person:bob (all absent, no escalateTo)");
	json_decref(d);
}
END_TEST

/* ------------------------------------------------------------------------
 * Free text
 * ---------------------------------------------------------------------- */

/* Proves a rule keyword outranks the same word in another rule's
 * description, and that the text route follows the rule. */
START_TEST(test_text_keywords_weigh_more)
{
	json_t *hits = NULL, *d;

	ck_assert_int_eq(search_text(st, "invoices", 10, &hits, &err), BATON_OK);
	ck_assert_str_eq(at(hits, "results.0.name"), "kw");
	ck_assert_str_eq(at(hits, "results.1.name"), "office");
	ck_assert_str_eq(at(hits, "results.2.name"), "");
	ck_assert_str_eq(at(hits, "results.0.snippet"), "[invoice]");
	json_decref(hits);
	d = route(NULL, "an invoice question", NULL, NULL);
	ck_assert_str_eq(at(d, "via"), "text");
	ck_assert_str_eq(at(d, "rule.name"), "kw");
	ck_assert_str_eq(at(d, "contacts.0.person"), "dan");
	ck_assert_str_eq(at(d, "alternatives.0.name"), "office");
	ck_assert_str_eq(at(d, "alternatives.0.role"), "lead");
	json_decref(d);
}
END_TEST

/* Proves hits on a responsibility or a process route to their role, and
 * the porter stemmer matches "repairing" to "Repair". */
START_TEST(test_text_responsibility_process)
{
	json_t *d = route(NULL, "repairing widgets", NULL, NULL);

	ck_assert_str_eq(at(d, "match.kind"), "responsibility");
	ck_assert_str_eq(at(d, "match.id"), "widget-repairs");
	ck_assert_str_eq(at(d, "rule"), "null");
	ck_assert_str_eq(at(d, "role.name"), "desk");
	ck_assert_str_eq(at(d, "contacts.0.person"), "dan");
	json_decref(d);
	d = route(NULL, "spanner", NULL, NULL);
	ck_assert_str_eq(at(d, "match.kind"), "process");
	ck_assert_str_eq(at(d, "process.name"), "calibrate-gizmos");
	ck_assert_str_eq(at(d, "role.name"), "lead");
	json_decref(d);
}
END_TEST

/* Proves the topic wins when it matches and text ranks otherwise. */
START_TEST(test_topic_and_text)
{
	json_t *d = route("fin/pay", "invoice", NULL, NULL);

	ck_assert_str_eq(at(d, "via"), "topic");
	ck_assert_str_eq(at(d, "rule.name"), "fin-pay-b");
	json_decref(d);
	d = route("nowhere/at/all", "invoice", NULL, NULL);
	ck_assert_str_eq(at(d, "via"), "text");
	ck_assert_str_eq(at(d, "rule.name"), "kw");
	json_decref(d);
}
END_TEST

/* Proves the index follows imports: a changed keyword is found, the old
 * one no longer is: the replaced rule leaves no stale document. */
START_TEST(test_text_in_sync)
{
	json_t *hits = NULL;

	load(DOC("Rule", "kw", "  title: Accounts\n  keywords: [ledger]\n"
		 "  topic: acc/**\n  handler: role:desk\n"));
	ck_assert_int_eq(search_text(st, "ledger", 10, &hits, &err), BATON_OK);
	ck_assert_str_eq(at(hits, "results.0.name"), "kw");
	json_decref(hits);
	ck_assert_int_eq(search_text(st, "invoice", 10, &hits, &err), BATON_OK);
	ck_assert_str_eq(at(hits, "results.0.name"), "office");
	ck_assert_str_eq(at(hits, "results.1.name"), "");
	json_decref(hits);
}
END_TEST

/* Proves FTS5 query syntax in user text is only ever searched for: none of
 * these inputs is an error. */
START_TEST(test_text_hostile)
{
	static const char *const inputs[] = {
		"\"", "\"\"\"", "*", "NEAR(a b)", "a AND (", "OR", "NOT",
		"-x", "^", "col:val", "{title}: x", "\"unterminated", ")))",
		"invoice\" OR \"*", "", "   "
	};
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		json_t *hits = NULL;

		ck_assert_msg(search_text(st, inputs[i], 10, &hits, &err) ==
			      BATON_OK, "input %zu", i);
		ck_assert_ptr_nonnull(hits);
		json_decref(hits);
	}
	ck_assert_uint_eq(err.n, 0);
}
END_TEST

/* Proves the exact query text: quoted words, OR, stop words dropped unless
 * nothing else is left, punctuation never passed through. */
START_TEST(test_fts_query)
{
	char *q = search_fts_query("who handles a refund? NEAR(\"x\"*)");

	ck_assert_str_eq(q, "\"handles\" OR \"refund\" OR \"NEAR\" OR \"x\"");
	free(q);
	q = search_fts_query("the a");
	ck_assert_str_eq(q, "\"the\" OR \"a\"");
	free(q);
	q = search_fts_query("\"*()");
	ck_assert_str_eq(q, "");
	free(q);
	ck_assert_ptr_null(search_fts_query(NULL));
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ---------------------------------------------------------------------- */

Suite *suite_route(void)
{
	Suite *s = suite_create("route");
	TCase *tc;

	tc = tcase_create("route_resolve_topic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rank_order_and_why);
	tcase_add_test(tc, test_rank_tie_breaks);
	tcase_add_test(tc, test_index_invalidated);
	tcase_add_test(tc, test_no_match);
	suite_add_tcase(s, tc);

	tc = tcase_create("route_resolve_escalation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_absence);
	tcase_add_test(tc, test_vacant);
	tcase_add_test(tc, test_left_and_escalate_to);
	tcase_add_test(tc, test_dead_end);
	tcase_add_test(tc, test_cycle);
	tcase_add_test(tc, test_person_handler);
	suite_add_tcase(s, tc);

	tc = tcase_create("search_text");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_text_keywords_weigh_more);
	tcase_add_test(tc, test_text_responsibility_process);
	tcase_add_test(tc, test_topic_and_text);
	tcase_add_test(tc, test_text_in_sync);
	tcase_add_test(tc, test_text_hostile);
	tcase_add_test(tc, test_fts_query);
	suite_add_tcase(s, tc);

	return s;
}
