/* check_audit.c - Check suite for core/audit: every check on a small
 * fixture that triggers it and one that must not, silencing, filtering and
 * sorting, truck factors with hand-computed answers, and whatif.
 *
 * Fixtures are YAML loaded with import_buffer into a :memory: store whose
 * "today" is 2026-11-23. Handovers are inserted with SQL (their module is
 * written elsewhere). The audit split over two threads (audit_run_parallel)
 * is compared with the one-thread audit on a generated organisation in a
 * database file.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/audit.h"
#include "../core/import.h"
#include "../core/store.h"
#include "../core/strbuf.h"

Suite *suite_audit(void);

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

#define DOC(kind, name, spec) \
	"---\napiVersion: baton/v1\nkind: " kind "\nmetadata: {name: " name "}\nspec: " spec "\n"
#define PERSON(name, spec) DOC("Person", name, spec)
#define TEAM(name, spec) DOC("Team", name, spec)
#define ROLE(name, spec) DOC("Role", name, spec)
#define PROCESS(name, spec) DOC("Process", name, spec)
#define RULE(name, spec) DOC("Rule", name, spec)

/* A store holding the fixture, today 2026-11-23. */
static struct store *load(const char *yaml)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts io;
	struct import_result res;
	struct store *st = NULL;
	enum baton_code rc;

	memset(&io, 0, sizeof(io));
	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	store_set_actor(st, "tester");
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	import_result_init(&res);
	rc = import_buffer(st, "fixture.yaml", yaml, strlen(yaml), &io, &res, &err);
	if (rc) {
		size_t i;

		for (i = 0; i < err.n; i++)
			fprintf(stderr, "fixture: %s\n", err.diags[i].message);
	}
	ck_assert_int_eq(rc, BATON_OK);
	import_result_release(&res);
	baton_error_release(&err);
	return st;
}

static void sql(struct store *st, const char *q)
{
	struct baton_error err = BATON_ERROR_INIT;

	ck_assert_int_eq(store_exec(st, q, &err), BATON_OK);
	baton_error_release(&err);
}

/* got is want; else the test fails showing where they part (Check's
 * message cannot hold a whole report). */
static void same_text(const char *got, const char *want)
{
	size_t i = 0;

	while (got[i] && got[i] == want[i])
		i++;
	if (got[i] != want[i])
		ck_abort_msg("the texts part at byte %zu: \"%.60s\" where \"%.60s\" was expected",
			     i, got + i, want + i);
}

/* audit_run_text's report is rep's JSON text, byte for byte, with rep's
 * summary; *two says whether a second thread ran. */
static void text_same(struct store *st, const struct audit_opts *o, const json_t *rep,
		      int *two)
{
	struct baton_error err = BATON_ERROR_INIT;
	const json_t *sum = json_object_get(rep, "summary");
	struct audit_text t;
	struct strbuf got = STRBUF_INIT;
	char *want = json_dumps(rep, JSON_INDENT(2));
	size_t i;

	ck_assert_ptr_nonnull(want);
	ck_assert_int_eq(audit_run_text(st, o, two, &t, &err), BATON_OK);
	for (i = 0; i < t.nparts; i++)
		strbuf_add(&got, t.part[i].buf, t.part[i].len);
	ck_assert(strbuf_ok(&got));
	same_text(got.buf, want);
	ck_assert_uint_eq(got.len, strlen(want));
	strbuf_release(&got);
	ck_assert_int_eq(t.error, json_integer_value(json_object_get(sum, "error")));
	ck_assert_int_eq(t.warning, json_integer_value(json_object_get(sum, "warning")));
	ck_assert_int_eq(t.info, json_integer_value(json_object_get(sum, "info")));
	ck_assert_uint_eq(t.silenced, json_array_size(json_object_get(rep, "silenced")));
	audit_text_release(&t);
	baton_error_release(&err);
	free(want);
}

/* The audit report of one check (NULL: all) on today; audit_run_text
 * gives the same text. */
static json_t *audit_opts_run(struct store *st, const struct audit_opts *o)
{
	struct baton_error err = BATON_ERROR_INIT;
	json_t *rep = NULL;
	int two;

	ck_assert_int_eq(audit_run(st, o, &rep, &err), BATON_OK);
	ck_assert_ptr_nonnull(rep);
	baton_error_release(&err);
	text_same(st, o, rep, &two);
	return rep;
}

static json_t *audit1(struct store *st, const char *check)
{
	struct audit_opts o = { NULL, NULL, check, 0, NULL, 0 };

	return audit_opts_run(st, &o);
}

static size_t nfindings(const json_t *rep)
{
	return json_array_size(json_object_get(rep, "findings"));
}

/* The message of the finding of `check` on `entity`, or NULL. */
static const char *finding(const json_t *rep, const char *check, const char *entity)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(rep, "findings"), i, f)
		if (!strcmp(json_string_value(json_object_get(f, "check")), check) &&
		    !strcmp(json_string_value(json_object_get(f, "entity")), entity))
			return json_string_value(json_object_get(f, "message"));
	return NULL;
}

static const char *severity(const json_t *rep, const char *check, const char *entity)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(rep, "findings"), i, f)
		if (!strcmp(json_string_value(json_object_get(f, "check")), check) &&
		    !strcmp(json_string_value(json_object_get(f, "entity")), entity))
			return json_string_value(json_object_get(f, "severity"));
	return NULL;
}

/* Two people and a team, used by most fixtures. */
#define BASE \
	TEAM("ward", "{displayName: Ward}") \
	PERSON("priya", "{displayName: Priya Shah, email: priya@ward.example, team: ward}") \
	PERSON("omar", "{displayName: Omar Haddad, email: omar@ward.example, team: ward}")

/* ------------------------------------------------------------------------
 * Roles and holders
 * ---------------------------------------------------------------------- */

/* A role with a responsibility and no holder is vacant; an empty role with
 * nothing routed to it is not; a holder whose `until` is past or who has
 * left does not hold it. */
START_TEST(test_vacant_role)
{
	struct store *st = load(BASE
		PERSON("wendy", "{status: left}")
		ROLE("pharmacist", "{title: Pharmacist, team: ward, responsibilities: [{id: dispense}]}")
		ROLE("idle", "{title: Idle, team: ward}")
		ROLE("past", "{title: Past, team: ward, holders: [{person: priya, until: 2026-11-22}],"
		     " responsibilities: [{id: x}]}")
		ROLE("gone", "{title: Gone, team: ward, holders: [{person: wendy}]}")
		RULE("to-gone", "{topic: a/b, handler: 'role:gone'}")
		ROLE("ok", "{title: Ok, team: ward, holders: [{person: omar, until: 2026-11-23}],"
		     " responsibilities: [{id: y}]}"));
	json_t *rep = audit1(st, "vacant-role");

	ck_assert_str_eq(finding(rep, "vacant-role", "role/pharmacist"),
			 "role/pharmacist has no active holder but 1 responsibility and 0 rules routing to it: appoint a holder");
	ck_assert_str_eq(severity(rep, "vacant-role", "role/pharmacist"), "error");
	ck_assert_ptr_nonnull(finding(rep, "vacant-role", "role/past"));
	ck_assert_str_eq(finding(rep, "vacant-role", "role/gone"),
			 "role/gone has no active holder but 0 responsibilities and 1 rule routing to it: appoint a holder");
	ck_assert_ptr_null(finding(rep, "vacant-role", "role/idle"));
	ck_assert_ptr_null(finding(rep, "vacant-role", "role/ok")); /* until today counts */
	ck_assert_uint_eq(nfindings(rep), 3);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* One holder is a warning naming the holder; a backup clears it. */
START_TEST(test_single_holder)
{
	struct store *st = load(BASE
		ROLE("pharmacist", "{title: Pharmacist, team: ward, holders: [{person: priya}]}")
		ROLE("nurse", "{title: Nurse, team: ward, holders: [{person: priya},"
		     " {person: omar, as: backup}]}"));
	json_t *rep = audit1(st, "single-holder");

	ck_assert_str_eq(finding(rep, "single-holder", "role/pharmacist"),
			 "role/pharmacist has one holder (priya) and no backup: name a backup holder");
	ck_assert_str_eq(severity(rep, "single-holder", "role/pharmacist"), "warning");
	ck_assert_ptr_null(finding(rep, "single-holder", "role/nurse"));
	ck_assert_uint_eq(nfindings(rep), 1);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* A responsibility without processes is reported by id; one with a process
 * is not. */
START_TEST(test_undocumented_responsibility)
{
	struct store *st = load(BASE
		ROLE("pharmacist", "{title: Pharmacist, team: ward, holders: [{person: priya}],"
		     " responsibilities: [{id: dispense, processes: [dispense-drugs]}, {id: order-stock}]}")
		PROCESS("dispense-drugs", "{title: Dispense, owner: pharmacist}"));
	json_t *rep = audit1(st, "undocumented-responsibility");

	ck_assert_str_eq(finding(rep, "undocumented-responsibility", "role/pharmacist"),
			 "role/pharmacist: responsibility 'order-stock' has no process: document how it is done and list the process under it");
	ck_assert_uint_eq(nfindings(rep), 1);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* A rule routed to a person is an error that suggests the roles they hold;
 * a rule routed to a role is fine. */
START_TEST(test_person_routing)
{
	struct store *st = load(BASE
		ROLE("pharmacist", "{title: Pharmacist, team: ward, holders: [{person: priya}]}")
		RULE("drugs", "{topic: ward/drugs, handler: 'person:priya'}")
		RULE("beds", "{topic: ward/beds, handler: 'role:pharmacist'}"));
	json_t *rep = audit1(st, "person-routing");

	ck_assert_str_eq(finding(rep, "person-routing", "rule/drugs"),
			 "rule/drugs routes to person/priya, not a role: route it to a role (priya holds pharmacist)");
	ck_assert_str_eq(severity(rep, "person-routing", "rule/drugs"), "error");
	ck_assert_uint_eq(nfindings(rep), 1);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* ------------------------------------------------------------------------
 * Processes
 * ---------------------------------------------------------------------- */

/* People are found by display name (any case, whole words), @handle or
 * handle as a whole word, and email; a handle inside another word
 * ("ann" in "annual", "ann-marie") or half a display name is not a mention. */
START_TEST(test_person_in_process)
{
	struct store *st = load(BASE
		PERSON("ann", "{displayName: Ann Lee, email: ann.lee@ward.example}")
		PERSON("jo.b", "{displayName: Jo B, email: jb@ward.example}")
		ROLE("pharmacist", "{title: Pharmacist, team: ward, holders: [{person: priya}]}")
		PROCESS("a-names", "{title: A, owner: pharmacist, steps: [Count stock,"
		        " 'Ask PRIYA  SHAH to sign']}")
		PROCESS("b-handle", "{title: B, owner: pharmacist, body: 'Ping @omar or mail JB@Ward.Example.'}")
		PROCESS("c-clean", "{title: C, owner: pharmacist, steps: [Run the annual check,"
		        " 'Ask Ann-Marie, or Lee', 'canned answer: anne', 'see omarhaddad.txt and priyas notes']}")
		PROCESS("d-dotted", "{title: D, owner: pharmacist, steps: ['Ask jo.b.', 'then jo.bx']}"));
	json_t *rep = audit1(st, "person-in-process");

	ck_assert_str_eq(finding(rep, "person-in-process", "process/a-names"),
			 "process/a-names names person/priya (by display name, in step 2): refer to the role that does it, not the person");
	ck_assert_str_eq(severity(rep, "person-in-process", "process/a-names"), "warning");
	ck_assert_uint_eq(nfindings(rep), 4);
	ck_assert_ptr_null(finding(rep, "person-in-process", "process/c-clean"));
	ck_assert_ptr_nonnull(finding(rep, "person-in-process", "process/d-dotted"));
	{
		/* b-handle names omar (handle) and jo.b (email): two findings,
		 * sorted by message. */
		const json_t *f;
		size_t i;
		int omar = 0, jo = 0;

		json_array_foreach(json_object_get(rep, "findings"), i, f) {
			const char *m = json_string_value(json_object_get(f, "message"));

			if (!strcmp(m, "process/b-handle names person/omar (by handle, in the body): refer to the role that does it, not the person"))
				omar++;
			if (!strcmp(m, "process/b-handle names person/jo.b (by email, in the body): refer to the role that does it, not the person"))
				jo++;
		}
		ck_assert_int_eq(omar, 1);
		ck_assert_int_eq(jo, 1);
	}
	json_decref(rep);
	store_free(st);
}
END_TEST

/* Known by one active person: warning naming them; by none active (only a
 * leaver who left): error; by two: nothing. */
START_TEST(test_knowledge_silo)
{
	struct store *st = load(BASE
		PERSON("wendy", "{status: left}")
		PROCESS("one", "{title: One, knownBy: [priya, wendy]}")
		PROCESS("none", "{title: None, knownBy: [wendy]}")
		PROCESS("nobody", "{title: Nobody}")
		PROCESS("two", "{title: Two, knownBy: [priya, omar]}"));
	json_t *rep = audit1(st, "knowledge-silo");

	ck_assert_str_eq(finding(rep, "knowledge-silo", "process/one"),
			 "process/one is known only by priya: train a second person and add them to knownBy");
	ck_assert_str_eq(severity(rep, "knowledge-silo", "process/one"), "warning");
	ck_assert_str_eq(finding(rep, "knowledge-silo", "process/none"),
			 "process/none is known by no active person: have someone learn it and add them to knownBy");
	ck_assert_str_eq(severity(rep, "knowledge-silo", "process/none"), "error");
	ck_assert_str_eq(severity(rep, "knowledge-silo", "process/nobody"), "error");
	ck_assert_ptr_null(finding(rep, "knowledge-silo", "process/two"));
	ck_assert_uint_eq(nfindings(rep), 3);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* Overdue and never-reviewed processes are stale; one reviewed yesterday,
 * one due exactly today, and one reviewed without reviewEvery are not. */
START_TEST(test_stale_process)
{
	struct store *st = load(BASE
		PROCESS("overdue", "{title: O, reviewEvery: 180d, lastReviewed: 2023-02-14}")
		PROCESS("never", "{title: N, reviewEvery: 180d}")
		PROCESS("never-no-period", "{title: N2}")
		PROCESS("yesterday", "{title: Y, reviewEvery: 180d, lastReviewed: 2026-11-22}")
		PROCESS("due-today", "{title: T, reviewEvery: 1w, lastReviewed: 2026-11-16}")
		PROCESS("no-period", "{title: P, lastReviewed: 2001-01-01}"));
	json_t *rep = audit1(st, "stale-process");

	ck_assert_str_eq(finding(rep, "stale-process", "process/overdue"),
			 "process/overdue was last reviewed on 2023-02-14 and was due for review on 2023-08-13: review it and update lastReviewed");
	ck_assert_str_eq(finding(rep, "stale-process", "process/never"),
			 "process/never has never been reviewed: review it and set lastReviewed");
	ck_assert_ptr_nonnull(finding(rep, "stale-process", "process/never-no-period"));
	ck_assert_uint_eq(nfindings(rep), 3);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* ------------------------------------------------------------------------
 * Escalation, leavers, relationships, load, handovers, rules
 * ---------------------------------------------------------------------- */

/* a <-> b cycle: both roles reported, and a rule escalating into it; c
 * reports to vacant top d: dead end; e reports to held top f: fine. */
START_TEST(test_escalation_dead_end)
{
	struct store *st = load(BASE
		ROLE("a", "{title: A, team: ward, reportsTo: b, holders: [{person: priya}]}")
		ROLE("b", "{title: B, team: ward, reportsTo: a}")
		ROLE("c", "{title: C, team: ward, reportsTo: d, holders: [{person: priya}]}")
		ROLE("d", "{title: D, team: ward}")
		ROLE("e", "{title: E, team: ward, reportsTo: f}")
		ROLE("f", "{title: F, team: ward, holders: [{person: omar}]}")
		RULE("r1", "{topic: x, handler: 'role:e', escalateTo: b}")
		RULE("r2", "{topic: y, handler: 'role:e', escalateTo: f}"));
	json_t *rep = audit1(st, "escalation-dead-end");

	ck_assert_str_eq(finding(rep, "escalation-dead-end", "role/a"),
			 "role/a: its escalation path cycles (b -> a -> b): point one of these reportsTo outside the loop");
	ck_assert_ptr_nonnull(finding(rep, "escalation-dead-end", "role/b"));
	ck_assert_str_eq(finding(rep, "escalation-dead-end", "role/c"),
			 "role/c: its escalation path ends at role/d, which has no active holder: appoint a holder or give it a reportsTo");
	ck_assert_ptr_nonnull(finding(rep, "escalation-dead-end", "rule/r1"));
	ck_assert_ptr_null(finding(rep, "escalation-dead-end", "role/e"));
	ck_assert_ptr_null(finding(rep, "escalation-dead-end", "rule/r2"));
	ck_assert_uint_eq(nfindings(rep), 4);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* A leaving holder without a handover is an error; an open handover of the
 * role clears it, a completed or cancelled one does not. */
START_TEST(test_leaving_without_handover)
{
	static const char yaml[] = BASE
		PERSON("james", "{displayName: James, team: ward, status: leaving, leavingOn: 2026-12-18}")
		ROLE("tenders", "{title: T, team: ward, holders: [{person: james}]}")
		ROLE("deals", "{title: D, team: ward, holders: [{person: james}]}");
	struct store *st = load(yaml);
	json_t *rep = audit1(st, "leaving-without-handover");

	ck_assert_str_eq(finding(rep, "leaving-without-handover", "person/james"),
			 "person/james is leaving on 2026-12-18 and holds deals, tenders with no open handover: run 'baton offboard james --to SUCCESSOR'");
	ck_assert_str_eq(severity(rep, "leaving-without-handover", "person/james"), "error");
	json_decref(rep);
	sql(st, "INSERT INTO handover(id, from_person, to_person, state, created_at, created_by)"
	    " VALUES (1, 'james', 'omar', 'open', 'x', 'x'), (2, 'james', 'priya', 'completed', 'x', 'x');"
	    " INSERT INTO handover_role VALUES (1, 'tenders', 'primary'), (2, 'deals', 'primary')");
	rep = audit1(st, "leaving-without-handover");
	ck_assert_str_eq(finding(rep, "leaving-without-handover", "person/james"),
			 "person/james is leaving on 2026-12-18 and holds deals with no open handover: run 'baton offboard james --to SUCCESSOR'");
	json_decref(rep);
	sql(st, "INSERT INTO handover_role VALUES (1, 'deals', 'primary')");
	rep = audit1(st, "leaving-without-handover");
	ck_assert_uint_eq(nfindings(rep), 0);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* Red relationships and those of a role whose only holder is leaving are at
 * risk; a leaving holder with a backup, and green ones, are not. */
START_TEST(test_relationship_at_risk)
{
	struct store *st = load(BASE
		PERSON("james", "{status: leaving}")
		ROLE("courier", "{title: C, team: ward, holders: [{person: priya}], relationships:"
		     " [{with: 'party:\"Swift Couriers\"', health: red}, {with: 'team:ward', health: green}]}")
		ROLE("deals", "{title: D, team: ward, holders: [{person: james}], relationships:"
		     " [{with: 'role:courier'}]}")
		ROLE("backed", "{title: B, team: ward, holders: [{person: james}, {person: omar, as: backup}],"
		     " relationships: [{with: 'role:deals'}]}"));
	json_t *rep = audit1(st, "relationship-at-risk");

	ck_assert_str_eq(finding(rep, "relationship-at-risk", "role/courier"),
			 "role/courier: the relationship with party:\"Swift Couriers\" is red: agree a recovery plan with them");
	ck_assert_str_eq(finding(rep, "relationship-at-risk", "role/deals"),
			 "role/deals: the relationship with role:courier rests on its only holder (james), who is leaving: introduce a successor");
	ck_assert_ptr_null(finding(rep, "relationship-at-risk", "role/backed"));
	ck_assert_uint_eq(nfindings(rep), 2);
	json_decref(rep);
	store_free(st);
}
END_TEST

#define FIVE_ROLES \
	ROLE("r1", "{title: R, team: ward, holders: [{person: priya}]}") \
	ROLE("r2", "{title: R, team: ward, holders: [{person: priya}]}") \
	ROLE("r3", "{title: R, team: ward, holders: [{person: priya, as: backup}]}") \
	ROLE("r4", "{title: R, team: ward, holders: [{person: priya}, {person: omar}]}") \
	ROLE("r5", "{title: R, team: ward, holders: [{person: priya}, {person: omar}]}") \
	ROLE("r6", "{title: R, team: ward, holders: [{person: priya, until: 2020-01-01}]}")

/* More than 4 current roles is info; the threshold is an option. */
START_TEST(test_overloaded_person)
{
	struct store *st = load(BASE FIVE_ROLES);
	struct audit_opts o = { NULL, NULL, "overloaded-person", 1, NULL, 0 };
	json_t *rep = audit1(st, "overloaded-person");

	ck_assert_str_eq(finding(rep, "overloaded-person", "person/priya"),
			 "person/priya holds 5 roles (more than 4): hand some over or name backups who can take them");
	ck_assert_str_eq(severity(rep, "overloaded-person", "person/priya"), "info");
	ck_assert_uint_eq(nfindings(rep), 1);
	json_decref(rep);
	rep = audit_opts_run(st, &o);
	ck_assert_uint_eq(nfindings(rep), 2); /* omar holds 2 > 1 */
	json_decref(rep);
	store_free(st);
}
END_TEST

/* Skipped items of completed handovers are warnings; undone items of an
 * open handover are not. */
START_TEST(test_handover_skipped_item)
{
	struct store *st = load(BASE
		ROLE("billing", "{title: B, team: ward, holders: [{person: omar}]}"));
	json_t *rep;

	sql(st, "INSERT INTO handover(id, from_person, to_person, state, created_at, created_by, forced)"
	    " VALUES (3, 'priya', 'omar', 'completed', 'x', 'x', 1), (4, 'priya', 'omar', 'open', 'x', 'x', 0);"
	    " INSERT INTO handover_item(handover, item, kind, role, text, skipped) VALUES"
	    " (3, 1, 'process', 'billing', 'Read process pay-invoices', 1),"
	    " (3, 2, 'journal', 'billing', 'Read the journal', 0),"
	    " (4, 1, 'custom', 'billing', 'Meet the auditors', 0)");
	rep = audit1(st, "handover-skipped-item");
	ck_assert_str_eq(finding(rep, "handover-skipped-item", "role/billing"),
			 "handover 3 (priya to omar) was completed with item 1 left undone (\"Read process pay-invoices\"): finish it with omar");
	ck_assert_uint_eq(nfindings(rep), 1);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* Same normalised pattern: the lower priority, or on a tie the larger name,
 * is shadowed; different patterns and free-text rules are not. */
START_TEST(test_shadowed_rule)
{
	struct store *st = load(BASE
		ROLE("r", "{title: R, team: ward, holders: [{person: priya}]}")
		RULE("refunds-enterprise", "{topic: finance/refunds/enterprise, handler: 'role:r', priority: 10}")
		RULE("refunds-legacy", "{topic: '/Finance//Refunds/enterprise/', handler: 'role:r'}")
		RULE("b-tie", "{topic: x/y, handler: 'role:r'}")
		RULE("a-tie", "{topic: x/y, handler: 'role:r'}")
		RULE("other", "{topic: x/*, handler: 'role:r'}")
		RULE("free", "{keywords: [refund], handler: 'role:r'}"));
	json_t *rep = audit1(st, "shadowed-rule");

	ck_assert_str_eq(finding(rep, "shadowed-rule", "rule/refunds-legacy"),
			 "rule/refunds-legacy can never win: rule/refunds-enterprise has the same topic 'finance/refunds/enterprise' and outranks it (priority 10, against 0): delete it or change its topic");
	ck_assert_ptr_nonnull(finding(rep, "shadowed-rule", "rule/b-tie"));
	ck_assert_ptr_null(finding(rep, "shadowed-rule", "rule/a-tie"));
	ck_assert_uint_eq(nfindings(rep), 2);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* ------------------------------------------------------------------------
 * Truck factor
 * ---------------------------------------------------------------------- */

/* Team t: r1 (a, b) held by alice; r2 (c, via process p known by alice and
 * by wendy, who left) held by bob; r3 (d) held by carol. Sub-team s: r4 (e)
 * held by dave. Team empty has no responsibilities; team vac has two
 * responsibilities and no holder.
 *   coverage: a{alice} b{alice} c{bob,alice} d{carol} e{dave}
 *   t (a..e, 5): alice 3, then bob 1 / carol 1 / dave 1 tie -> by name:
 *     remove alice (a, b uncovered: 2, not > 2.5), bob (c: 3 > 2.5): TF 2.
 *   s (e): remove dave: TF 1.  vac: 2 of 2 uncovered already: TF 0.
 *   organisation (7): f, g uncovered from the start; removing alice
 *     uncovers a, b: 4 > 3.5: TF 1. */
#define TF_FIXTURE \
	TEAM("t", "{displayName: T}") \
	TEAM("s", "{displayName: S, parent: t}") \
	TEAM("empty", "{displayName: E}") \
	TEAM("vac", "{displayName: V}") \
	PERSON("alice", "{}") PERSON("bob", "{}") PERSON("carol", "{}") \
	PERSON("dave", "{}") PERSON("wendy", "{status: left}") \
	ROLE("r1", "{title: R1, team: t, holders: [{person: alice}], responsibilities: [{id: a}, {id: b}]}") \
	ROLE("r2", "{title: R2, team: t, holders: [{person: bob}], responsibilities: [{id: c, processes: [p]}]}") \
	ROLE("r3", "{title: R3, team: t, holders: [{person: carol}], responsibilities: [{id: d}]}") \
	ROLE("r4", "{title: R4, team: s, holders: [{person: dave}], responsibilities: [{id: e}]}") \
	ROLE("r5", "{title: R5, team: vac, responsibilities: [{id: f}, {id: g}]}") \
	PROCESS("p", "{title: P, knownBy: [alice, wendy]}") \
	RULE("to-r1", "{topic: t/a, handler: 'role:r1'}")

static json_t *busfactor(struct store *st, const char *team, const char *gone)
{
	struct baton_error err = BATON_ERROR_INIT;
	const char *g[1] = { gone };
	struct busfactor_opts o = { NULL, team, gone ? g : NULL, gone ? 1 : 0 };
	json_t *out = NULL;

	ck_assert_int_eq(busfactor_run(st, &o, &out, &err), BATON_OK);
	baton_error_release(&err);
	return out;
}

static const json_t *team_entry(const json_t *bf, const char *team)
{
	const json_t *t;
	size_t i;

	json_array_foreach(json_object_get(bf, "teams"), i, t)
		if (!strcmp(json_string_value(json_object_get(t, "team")), team))
			return t;
	return NULL;
}

static int tf_of(const json_t *e)
{
	return (int)json_integer_value(json_object_get(e, "truckFactor"));
}

static char *people_of(const json_t *e)
{
	return json_dumps(json_object_get(e, "people"), JSON_COMPACT);
}

/* The hand-computed truck factors above, with their people. */
START_TEST(test_busfactor_values)
{
	struct store *st = load(TF_FIXTURE);
	json_t *bf = busfactor(st, NULL, NULL);
	const json_t *org = json_object_get(bf, "organisation");
	char *p;

	ck_assert_int_eq(tf_of(org), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(org, "responsibilities")), 7);
	ck_assert_str_eq(p = people_of(org), "[\"alice\"]");
	free(p);
	ck_assert_int_eq(tf_of(team_entry(bf, "t")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(team_entry(bf, "t"), "responsibilities")), 5);
	ck_assert_str_eq(p = people_of(team_entry(bf, "t")), "[\"alice\",\"bob\"]");
	free(p);
	ck_assert_int_eq(tf_of(team_entry(bf, "s")), 1);
	ck_assert_str_eq(p = people_of(team_entry(bf, "s")), "[\"dave\"]");
	free(p);
	ck_assert_int_eq(tf_of(team_entry(bf, "empty")), 0);
	ck_assert_int_eq(tf_of(team_entry(bf, "vac")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(bf, "teams")), 4);
	json_decref(bf);

	/* --team keeps the team and its sub-teams. */
	bf = busfactor(st, "t", NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(bf, "teams")), 2);
	ck_assert_ptr_nonnull(team_entry(bf, "s"));
	json_decref(bf);
	store_free(st);
}
END_TEST

/* Coverage through knownBy: without alice, c is still covered by bob only;
 * with bob gone, alice's knownBy keeps c covered so t needs alice removed
 * first, then carol (tie carol/dave by name). */
START_TEST(test_busfactor_knownby)
{
	struct store *st = load(TF_FIXTURE);
	json_t *bf = busfactor(st, NULL, "bob");
	char *p;

	/* t: alice 3 (a, b, c), carol 1, dave 1: alice -> 3 uncovered > 2.5 */
	ck_assert_int_eq(tf_of(team_entry(bf, "t")), 1);
	ck_assert_str_eq(p = people_of(team_entry(bf, "t")), "[\"alice\"]");
	free(p);
	json_decref(bf);
	store_free(st);
}
END_TEST

/* truck-factor-one: s (1) and vac (0) are errors; t (2) and empty (no
 * responsibilities) are not; a team can silence it. */
START_TEST(test_truck_factor_one)
{
	struct store *st = load(TF_FIXTURE);
	json_t *rep = audit1(st, "truck-factor-one");

	ck_assert_str_eq(finding(rep, "truck-factor-one", "team/s"),
			 "team/s has truck factor 1: without dave more than half of its 1 responsibility would be uncovered: name backups and add people to knownBy");
	ck_assert_str_eq(finding(rep, "truck-factor-one", "team/vac"),
			 "team/vac has truck factor 0: more than half of its 2 responsibilities are covered by nobody active: appoint holders and spread the knowledge");
	ck_assert_ptr_null(finding(rep, "truck-factor-one", "team/t"));
	ck_assert_ptr_null(finding(rep, "truck-factor-one", "team/empty"));
	ck_assert_uint_eq(nfindings(rep), 2);
	json_decref(rep);
	store_free(st);
}
END_TEST

/* ------------------------------------------------------------------------
 * Report: silencing, filtering, sorting, errors
 * ---------------------------------------------------------------------- */

/* An ignored check is not counted, is listed under "silenced" with its
 * reason, and other checks on the same entity still run. */
START_TEST(test_silenced)
{
	struct store *st = load(BASE
		ROLE("ceo", "{title: CEO, team: ward, holders: [{person: priya}], responsibilities: [{id: x}],"
		     " audit: {ignore: [{check: single-holder, reason: the board is the backup}]}}"));
	json_t *rep = audit1(st, NULL);
	const json_t *sil = json_object_get(rep, "silenced");
	char *s;

	ck_assert_ptr_null(finding(rep, "single-holder", "role/ceo"));
	ck_assert_ptr_nonnull(finding(rep, "undocumented-responsibility", "role/ceo"));
	ck_assert_str_eq(s = json_dumps(sil, JSON_COMPACT | JSON_SORT_KEYS),
			 "[{\"check\":\"single-holder\",\"entity\":\"role/ceo\",\"reason\":\"the board is the backup\"}]");
	free(s);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(rep, "summary"), "warning")),
			 (json_int_t)nfindings(rep) -
			 json_integer_value(json_object_get(json_object_get(rep, "summary"), "error")) -
			 json_integer_value(json_object_get(json_object_get(rep, "summary"), "info")));
	json_decref(rep);
	store_free(st);
}
END_TEST

/* The number of rows of a query. */
static long long query_count(struct store *st, const char *q)
{
	sqlite3_stmt *s = NULL;
	long long n;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, q, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* "CHECK ENTITY|..." of the silenced list, in its order. */
static char *silenced_list(const json_t *rep)
{
	struct strbuf sb = STRBUF_INIT;
	const json_t *x;
	size_t i;

	json_array_foreach(json_object_get(rep, "silenced"), i, x)
		strbuf_addf(&sb, "%s %s|", json_string_value(json_object_get(x, "check")),
			    json_string_value(json_object_get(x, "entity")));
	return strbuf_detach(&sb);
}

/* audit.ignore is honoured on every kind of entity, is read through the
 * partial index of 008_audit.sql (which lists exactly the specs the full
 * json_each scan finds entries in), and follows the spec when an import
 * adds or removes it; the text "ignore" elsewhere in a spec changes
 * nothing. */
START_TEST(test_silenced_everywhere)
{
	static const char full[] =
		"SELECT count(*) FROM entity e, json_each(e.spec, '$.audit.ignore') j";
	static const char indexed[] =
		"SELECT count(*) FROM entity e INDEXED BY entity_audit_ignore,"
		" json_each(e.spec, '$.audit.ignore') j WHERE instr(e.spec, '\"ignore\"') > 0";
#define SILENCE_FIXTURE(IGN) \
	BASE \
	TEAM("t2", "{displayName: T2, parent: ward" IGN(", audit: {ignore: [{check: truck-factor-one, reason: new team}]}") "}") \
	ROLE("ceo", "{title: CEO, team: ward, description: 'say \"ignore\" to ignore it', holders: [{person: priya}]," \
	     " responsibilities: [{id: x}]" IGN(", audit: {ignore: [{check: single-holder, reason: board}," \
	     " {check: undocumented-responsibility, reason: obvious}]}") "}") \
	ROLE("solo", "{title: Solo, team: t2, holders: [{person: omar}], responsibilities: [{id: y}]}") \
	PROCESS("p", "{title: P, body: ignore the noise" IGN(", audit: {ignore: [{check: knowledge-silo, reason: rare}]}") "}") \
	RULE("r", "{topic: ward/r, handler: 'person:priya'" IGN(", audit: {ignore: [{check: person-routing, reason: temporary}]}") "}") \
	PERSON("zed", "{displayName: Zed, team: ward" IGN(", audit: {ignore: [{check: overloaded-person, reason: fine}]}") "}")
#define WITH(x) x
#define WITHOUT(x)
	struct store *st = load(SILENCE_FIXTURE(WITH));
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts io;
	struct import_result res;
	const char *yaml = SILENCE_FIXTURE(WITHOUT);
	json_t *rep = audit1(st, NULL);
	char *s;

	ck_assert_int_eq(query_count(st, full), 6);
	ck_assert_int_eq(query_count(st, indexed), 6);
	/* ignores_load's query (core/audit.c) is planned on the index. */
	{
		sqlite3_stmt *q = NULL;
		struct strbuf plan = STRBUF_INIT;

		ck_assert_int_eq(sqlite3_prepare_v2(st->db,
			"EXPLAIN QUERY PLAN SELECT e.kind || '/' || e.name || char(10) ||"
			" json_extract(j.value, '$.check'), json_extract(j.value, '$.reason')"
			" FROM entity e, json_each(e.spec, '$.audit.ignore') j"
			" WHERE instr(e.spec, '\"ignore\"') > 0", -1, &q, NULL), SQLITE_OK);
		while (sqlite3_step(q) == SQLITE_ROW)
			strbuf_addf(&plan, "%s|", (const char *)sqlite3_column_text(q, 3));
		sqlite3_finalize(q);
		ck_assert_ptr_nonnull(strstr(plan.buf, "USING INDEX entity_audit_ignore"));
		strbuf_release(&plan);
	}
	ck_assert_str_eq(s = silenced_list(rep),
			 "truck-factor-one team/t2|person-routing rule/r|knowledge-silo process/p|"
			 "single-holder role/ceo|undocumented-responsibility role/ceo|");
	free(s);
	ck_assert_ptr_null(finding(rep, "knowledge-silo", "process/p"));
	ck_assert_ptr_nonnull(finding(rep, "stale-process", "process/p"));
	json_decref(rep);

	/* The same files without the ignores: every finding is back. */
	memset(&io, 0, sizeof(io));
	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "fixture.yaml", yaml, strlen(yaml), &io, &res, &err),
			 BATON_OK);
	import_result_release(&res);
	baton_error_release(&err);
	ck_assert_int_eq(query_count(st, full), 0);
	ck_assert_int_eq(query_count(st, indexed), 0);
	rep = audit1(st, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(rep, "silenced")), 0);
	ck_assert_ptr_nonnull(finding(rep, "knowledge-silo", "process/p"));
	ck_assert_ptr_nonnull(finding(rep, "person-routing", "rule/r"));
	ck_assert_ptr_nonnull(finding(rep, "single-holder", "role/ceo"));
	ck_assert_ptr_nonnull(finding(rep, "undocumented-responsibility", "role/ceo"));
	ck_assert_ptr_nonnull(finding(rep, "truck-factor-one", "team/t2"));
	json_decref(rep);
	store_free(st);
#undef WITH
#undef WITHOUT
#undef SILENCE_FIXTURE
}
END_TEST

/* --team keeps a team and its sub-teams; findings are sorted by severity,
 * then team, then entity; the JSON has exactly the DESIGN keys. */
START_TEST(test_team_and_order)
{
	struct store *st = load(TF_FIXTURE);
	struct audit_opts o = { NULL, "t", NULL, 0, NULL, 0 };
	json_t *rep = audit1(st, NULL), *f;
	const char *prev_sev = NULL;
	size_t i;
	char *s;

	/* Whole organisation: errors first (vacant-role r5, tf s, tf vac). */
	f = json_array_get(json_object_get(rep, "findings"), 0);
	ck_assert_str_eq(s = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS),
			 "{\"check\":\"truck-factor-one\",\"entity\":\"team/s\",\"message\":\"team/s has truck factor 1: without dave more than half of its 1 responsibility would be uncovered: name backups and add people to knownBy\",\"severity\":\"error\",\"team\":\"s\"}");
	free(s);
	json_array_foreach(json_object_get(rep, "findings"), i, f) {
		const char *sev = json_string_value(json_object_get(f, "severity"));

		if (prev_sev)
			ck_assert(strcmp(prev_sev, "error") == 0 || strcmp(sev, "error") != 0);
		prev_sev = sev;
	}
	ck_assert_ptr_nonnull(finding(rep, "vacant-role", "role/r5"));
	json_decref(rep);
	rep = audit_opts_run(st, &o);
	ck_assert_ptr_null(finding(rep, "vacant-role", "role/r5"));
	ck_assert_ptr_nonnull(finding(rep, "truck-factor-one", "team/s"));
	json_array_foreach(json_object_get(rep, "findings"), i, f) {
		const char *team = json_string_value(json_object_get(f, "team"));

		ck_assert(!strcmp(team, "t") || !strcmp(team, "s"));
	}
	json_decref(rep);
	store_free(st);
}
END_TEST

/* An unknown team is NOTFOUND, an unknown check or a bad date USAGE. */
START_TEST(test_bad_options)
{
	struct store *st = load(BASE);
	struct baton_error err = BATON_ERROR_INIT;
	struct audit_opts o = { NULL, "nope", NULL, 0, NULL, 0 };
	json_t *rep = NULL;

	ck_assert_int_eq(audit_run(st, &o, &rep, &err), BATON_NOTFOUND);
	ck_assert_str_eq(err.diags[0].message, "no such team 'nope'");
	ck_assert_ptr_null(rep);
	baton_error_release(&err);
	o.team = NULL;
	o.check = "vacant-roles";
	ck_assert_int_eq(audit_run(st, &o, &rep, &err), BATON_USAGE);
	ck_assert_str_eq(err.diags[0].message, "no audit check is called 'vacant-roles'");
	baton_error_release(&err);
	o.check = NULL;
	o.date = "2026-13-01";
	ck_assert_int_eq(audit_run(st, &o, &rep, &err), BATON_USAGE);
	baton_error_release(&err);
	store_free(st);
}
END_TEST

/* ------------------------------------------------------------------------
 * whatif
 * ---------------------------------------------------------------------- */

/* Without alice: r1 becomes vacant (new error), the org and t truck factors
 * drop, rule to-r1 goes from available to a dead end; nothing is written. */
START_TEST(test_whatif)
{
	struct store *st = load(TF_FIXTURE);
	struct baton_error err = BATON_ERROR_INIT;
	const char *people[] = { "alice" };
	struct whatif_opts o = { NULL, people, 1, 0 };
	json_t *out = NULL;
	int changes = sqlite3_total_changes(st->db);
	char *s;

	ck_assert_int_eq(whatif_run(st, &o, &out, &err), BATON_OK);
	ck_assert_str_eq(s = json_dumps(json_object_get(out, "routes"), JSON_COMPACT | JSON_SORT_KEYS),
			 "[{\"after\":\"dead end at r1\",\"before\":\"available\",\"role\":\"r1\",\"rule\":\"to-r1\"}]");
	free(s);
	ck_assert_str_eq(s = json_dumps(json_object_get(out, "truckFactors"), JSON_COMPACT | JSON_SORT_KEYS),
			 "[{\"after\":0,\"before\":1,\"team\":null},{\"after\":1,\"before\":2,\"team\":\"t\"}]");
	free(s);
	{
		json_t *wrap = json_pack("{s:O}", "findings", json_object_get(out, "newFindings"));

		ck_assert_ptr_nonnull(finding(wrap, "vacant-role", "role/r1"));
		json_decref(wrap);
	}
	ck_assert_int_eq(sqlite3_total_changes(st->db), changes);
	json_decref(out);

	people[0] = "zed";
	ck_assert_int_eq(whatif_run(st, &o, &out, &err), BATON_NOTFOUND);
	ck_assert_str_eq(err.diags[0].message, "no such person 'zed'");
	baton_error_release(&err);
	store_free(st);
}
END_TEST

/* ------------------------------------------------------------------------
 * Two threads: the same report as one
 * ---------------------------------------------------------------------- */

static unsigned long long gseed;

static unsigned gpick(unsigned n)
{
	gseed = gseed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(gseed >> 33) % n;
}

enum { GPEOPLE = 240, GTEAMS = 12, GROLES = 90, GPROCS = 50, GRULES = 40 };

/* An organisation that trips every check: people who left or are leaving,
 * absences, vacant and single-held roles, processes known by nobody or
 * one person and naming people, escalation loops, shadowed rules,
 * silenced findings, relationships. */
static char *generate_org(void)
{
	static const char *const status[] = { "active", "active", "active", "active",
					      "active", "active", "leaving", "left" };
	struct strbuf sb = STRBUF_INIT;
	int i, j, n;

	gseed = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < GTEAMS; i++)
		strbuf_addf(&sb, TEAM("t%02d", "{displayName: T%d%s}"), i, i,
			    i ? (i < 4 ? ", parent: t00" : i % 2 ? ", parent: t01" : ", parent: t02") : "");
	for (i = 0; i < GPEOPLE; i++) {
		const char *stt = i < 10 ? "active" : status[gpick(8)];
		int team = (int)gpick(GTEAMS), away = gpick(10) == 0;

		strbuf_addf(&sb, PERSON("p%03d", "{displayName: Pat Number%d, email: p%d@x.example,"
				" team: t%02d, status: %s%s%s}"), i, i, i, team, stt,
			    !strcmp(stt, "leaving") ? ", leavingOn: 2027-01-10" : "",
			    away ? ", absences: [{from: 2026-11-01, to: 2026-12-01}]" : "");
	}
	for (i = 0; i < GROLES; i++) {
		strbuf_addf(&sb, "---\napiVersion: baton/v1\nkind: Role\nmetadata: {name: r%02d}\n"
			    "spec:\n  title: R%d\n  team: t%02d\n", i, i, (int)gpick(GTEAMS));
		if (i && gpick(5))
			strbuf_addf(&sb, "  reportsTo: r%02d\n", (int)gpick(GROLES));
		n = (int)gpick(4);
		if (n || i < 6)
			strbuf_addstr(&sb, "  holders:\n");
		if (i < 6) /* p003 holds too many roles */
			strbuf_addstr(&sb, "  - {person: p003}\n");
		for (j = 0; j < n; j++) {
			int who = (int)gpick(GPEOPLE), backup = j && gpick(2), when = (int)gpick(12);

			strbuf_addf(&sb, "  - {person: p%03d, as: %s%s}\n", who,
				    backup ? "backup" : "primary",
				    when == 0 ? ", until: 2026-01-01" :
				    when == 1 ? ", since: 2027-01-01" : "");
		}
		n = (int)gpick(4);
		if (n)
			strbuf_addstr(&sb, "  responsibilities:\n");
		for (j = 0; j < n; j++) {
			strbuf_addf(&sb, "  - id: x%d\n", j);
			if (gpick(4))
				strbuf_addf(&sb, "    processes: [q%02d]\n", (int)gpick(GPROCS));
		}
		if (gpick(6) == 0)
			strbuf_addf(&sb, "  relationships:\n  - {with: 'party:\"Acme %d\"', purpose: supply,"
				    " health: red, priority: 1}\n", i);
		if (gpick(8) == 0)
			strbuf_addstr(&sb, "  audit: {ignore: [{check: single-holder, reason: fine},"
				      " {check: vacant-role, reason: hiring}]}\n");
	}
	/* a team whose responsibilities rest on p004 alone */
	strbuf_addstr(&sb, TEAM("solo", "{displayName: Solo, parent: t00}"));
	for (i = 0; i < 3; i++)
		strbuf_addf(&sb, ROLE("s%d", "{title: S, team: solo, holders: [{person: p004}],"
				      " responsibilities: [{id: a}]}"), i);
	for (i = 0; i < GPROCS; i++) {
		int k = (int)gpick(GPEOPLE), owner = (int)gpick(GROLES), h = (int)gpick(GPEOPLE);

		strbuf_addf(&sb, "---\napiVersion: baton/v1\nkind: Process\nmetadata: {name: q%02d}\n"
			    "spec:\n  title: Q%d\n  owner: r%02d\n  steps:\n  - Open the queue\n"
			    "  - Ask Pat Number%d or @p%03d\n", i, i, owner, k, h);
		if (gpick(3))
			strbuf_addf(&sb, "  body: 'Mail p%d@x.example'\n", (int)gpick(GPEOPLE));
		n = (int)gpick(4);
		if (n) {
			strbuf_addstr(&sb, "  knownBy: [");
			for (j = 0; j < n; j++)
				strbuf_addf(&sb, "%sp%03d", j ? ", " : "", (int)gpick(GPEOPLE));
			strbuf_addstr(&sb, "]\n");
		}
		if (gpick(3))
			strbuf_addf(&sb, "  lastReviewed: 2026-%02d-10\n  reviewEvery: 90d\n",
				    1 + (int)gpick(11));
	}
	for (i = 0; i < GRULES; i++) {
		int topic = (int)gpick(GRULES / 2), role = gpick(5) != 0;
		int to = (int)gpick(GROLES), prio = (int)gpick(3);

		strbuf_addf(&sb, RULE("u%02d", "{topic: 'd%d/x', handler: '%s:%s%02d',"
				      " priority: %d}"), i, topic, role ? "role" : "person",
			    role ? "r" : "p0", to, prio);
	}
	ck_assert(strbuf_ok(&sb));
	return strbuf_detach(&sb);
}

/* A database file holding the generated organisation, today 2026-11-23;
 * *path names it (the caller unlinks it and its -wal, -shm). */
static struct store *load_file(char *dir, char **path)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts io;
	struct import_result res;
	struct store *st = NULL;
	struct strbuf p = STRBUF_INIT;
	char *yaml = generate_org();
	enum baton_code rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	strbuf_addf(&p, "%s/org.db", dir);
	*path = strbuf_detach(&p);
	memset(&io, 0, sizeof(io));
	ck_assert_int_eq(store_open(*path, STORE_CREATE, &st, &err), BATON_OK);
	store_set_actor(st, "tester");
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	import_result_init(&res);
	rc = import_buffer(st, "gen.yaml", yaml, strlen(yaml), &io, &res, &err);
	if (rc) {
		size_t i;

		for (i = 0; i < err.n; i++)
			fprintf(stderr, "generated: %s\n", err.diags[i].message);
	}
	ck_assert_int_eq(rc, BATON_OK);
	import_result_release(&res);
	baton_error_release(&err);
	free(yaml);
	return st;
}

static void unlink_db(char *dir, char *path)
{
	struct strbuf p = STRBUF_INIT;

	unlink(path);
	strbuf_addf(&p, "%s-wal", path);
	unlink(p.buf);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s-shm", path);
	unlink(p.buf);
	strbuf_release(&p);
	rmdir(dir);
	free(path);
}

/* The report as text, by audit_run or audit_run_parallel; *two says
 * whether a second thread ran. */
static char *report_text(struct store *st, const struct audit_opts *o, int parallel, int *two)
{
	struct baton_error err = BATON_ERROR_INIT;
	json_t *rep = NULL;
	char *s;

	*two = 0;
	if (parallel) {
		int text_two;

		ck_assert_int_eq(audit_run_parallel(st, o, two, &rep, &err), BATON_OK);
		text_same(st, o, rep, &text_two);
		ck_assert_int_eq(text_two, *two);
	} else {
		ck_assert_int_eq(audit_run(st, o, &rep, &err), BATON_OK);
	}
	s = json_dumps(rep, JSON_INDENT(2));
	ck_assert_ptr_nonnull(s);
	json_decref(rep);
	baton_error_release(&err);
	return s;
}

/* Every check of DESIGN.md finds something in the report. */
static void every_check_found(const char *text)
{
	size_t k;

	for (k = 0; audit_check_ids[k]; k++) {
		struct strbuf needle = STRBUF_INIT;

		if (!strcmp(audit_check_ids[k], "handover-skipped-item"))
			continue; /* handovers are not in the generated data */
		strbuf_addf(&needle, "\"check\": \"%s\"", audit_check_ids[k]);
		if (!strstr(text, needle.buf))
			ck_abort_msg("the generated organisation has no %s finding",
				     audit_check_ids[k]);
		strbuf_release(&needle);
	}
}

/* Two threads give the report of one, byte for byte: the whole audit, a
 * team, another date, people gone, a low --max-roles. */
START_TEST(test_parallel_same)
{
	static const char *const gone[] = { "p001", "p002", "p010", "p100" };
	struct audit_opts o[] = {
		{ NULL, NULL, NULL, 0, NULL, 0 },
		{ NULL, "t01", NULL, 0, NULL, 0 },
		{ "2026-01-15", NULL, NULL, 2, NULL, 0 },
		{ NULL, NULL, NULL, 0, gone, 4 },
	};
	char dir[] = "/tmp/baton-audit-XXXXXX", *path;
	struct store *st = load_file(dir, &path);
	size_t i, split;
	int two;

	for (i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
		char *one = report_text(st, &o[i], 0, &two), *par;

		ck_assert_int_eq(two, 0);
		par = report_text(st, &o[i], 1, &two);
		ck_assert_int_eq(two, 1);
		same_text(par, one);
		free(par);
		/* the report sorted and built in halves on two threads too */
		split = audit_report_split;
		audit_report_split = 1;
		par = report_text(st, &o[i], 1, &two);
		audit_report_split = split;
		ck_assert_int_eq(two, 1);
		same_text(par, one);
		if (i == 0)
			every_check_found(one);
		free(one);
		free(par);
	}
	store_free(st);
	unlink_db(dir, path);
}
END_TEST

/* Where the audit cannot be split it runs on one thread, with the same
 * report: in memory, inside the caller's transaction, a writer holding the
 * lock, one check asked for. */
START_TEST(test_parallel_fallback)
{
	struct audit_opts all = { NULL, NULL, NULL, 0, NULL, 0 };
	struct audit_opts one = { NULL, NULL, "knowledge-silo", 0, NULL, 0 };
	char dir[] = "/tmp/baton-audit-XXXXXX", *path;
	struct store *st = load_file(dir, &path);
	char *yaml = generate_org(), *ref, *got;
	struct store *mem = load(yaml);
	struct baton_error err = BATON_ERROR_INIT;
	sqlite3 *writer = NULL;
	int two;

	ref = report_text(st, &all, 0, &two);
	got = report_text(mem, &all, 1, &two);
	ck_assert_int_eq(two, 0);
	same_text(got, ref);
	free(got);

	ck_assert_int_eq(store_read_begin(st, &two, &err), BATON_OK);
	got = report_text(st, &all, 1, &two);
	ck_assert_int_eq(two, 0);
	same_text(got, ref);
	free(got);
	store_read_end(st, 1);

	ck_assert_int_eq(sqlite3_open(path, &writer), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(writer, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	got = report_text(st, &all, 1, &two);
	ck_assert_int_eq(two, 0);
	same_text(got, ref);
	free(got);
	sqlite3_exec(writer, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(writer);

	free(ref);
	ref = report_text(st, &one, 0, &two);
	got = report_text(st, &one, 1, &two);
	ck_assert_int_eq(two, 0);
	same_text(got, ref);
	free(got);
	free(ref);

	baton_error_release(&err);
	free(yaml);
	store_free(mem);
	store_free(st);
	unlink_db(dir, path);
}
END_TEST

/* The two connections of store_read_twins read one snapshot: a commit
 * made after they began is seen by neither. */
START_TEST(test_read_twins)
{
	char dir[] = "/tmp/baton-audit-XXXXXX", *path;
	struct store *st = load_file(dir, &path), *tw[2];
	struct baton_error err = BATON_ERROR_INIT;
	sqlite3_stmt *s;
	int i;

	ck_assert_int_eq(store_read_twins(st, tw, 2, &err), BATON_OK);
	sql(st, "UPDATE person SET status = 'left' WHERE name = 'p000'");
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(sqlite3_prepare_v2(tw[i]->db, "SELECT count(*) FROM person"
						    " WHERE name = 'p000' AND status = 'left'",
						    -1, &s, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(s, 0), 0);
		sqlite3_finalize(s);
		store_free(tw[i]);
	}
	baton_error_release(&err);
	store_free(st);
	unlink_db(dir, path);
}
END_TEST

Suite *suite_audit(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("checks");

	tcase_add_test(tc, test_vacant_role);
	tcase_add_test(tc, test_single_holder);
	tcase_add_test(tc, test_undocumented_responsibility);
	tcase_add_test(tc, test_person_routing);
	tcase_add_test(tc, test_person_in_process);
	tcase_add_test(tc, test_knowledge_silo);
	tcase_add_test(tc, test_stale_process);
	tcase_add_test(tc, test_escalation_dead_end);
	tcase_add_test(tc, test_leaving_without_handover);
	tcase_add_test(tc, test_relationship_at_risk);
	tcase_add_test(tc, test_overloaded_person);
	tcase_add_test(tc, test_handover_skipped_item);
	tcase_add_test(tc, test_shadowed_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("busfactor");
	tcase_add_test(tc, test_busfactor_values);
	tcase_add_test(tc, test_busfactor_knownby);
	tcase_add_test(tc, test_truck_factor_one);
	suite_add_tcase(s, tc);
	tc = tcase_create("report");
	tcase_add_test(tc, test_silenced);
	tcase_add_test(tc, test_silenced_everywhere);
	tcase_add_test(tc, test_team_and_order);
	tcase_add_test(tc, test_bad_options);
	suite_add_tcase(s, tc);
	tc = tcase_create("whatif");
	tcase_add_test(tc, test_whatif);
	suite_add_tcase(s, tc);
	tc = tcase_create("parallel");
	tcase_add_test(tc, test_parallel_same);
	tcase_add_test(tc, test_parallel_fallback);
	tcase_add_test(tc, test_read_twins);
	suite_add_tcase(s, tc);
	return s;
}
