/* check_web.c - Check suite for web/: page builders, graph drawing and
 * token/session/CSRF helpers, called directly without a socket. */
#include <check.h>
#include <sodium.h>
#include <string.h>

#include "../core/store.h"
#include "../web/auth.h"
#include "../web/graph.h"
#include "../web/page.h"

Suite *suite_web(void);

static const struct page_ctx anon = { NULL, NULL, 0, "2026-11-23", 0 };

/* cmark with its default options turns raw HTML into a comment and drops
 * javascript: links, so a process body cannot inject script. */
START_TEST(markdown_is_safe)
{
	struct strbuf sb = STRBUF_INIT;

	page_add_markdown(&sb, "**hi** <script>alert(1)</script>\n\n"
			  "<script>alert(2)</script>\n\n[x](javascript:alert(3))\n");
	ck_assert(strbuf_ok(&sb));
	ck_assert_ptr_null(strstr(sb.buf, "<script"));
	ck_assert_ptr_null(strstr(sb.buf, "javascript:"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<strong>hi</strong>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<!-- raw HTML omitted -->"));
	strbuf_release(&sb);
}
END_TEST

/* A hostile display name is printed escaped in the title and heading. */
START_TEST(person_page_escapes)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:[],s:[],s:[],s:[]}",
			      "name", "mallory", "displayName",
			      "<script>alert(1)</script>", "email", "a\"b@x",
			      "status", "active", "roles", "pastRoles", "knows",
			      "absences");

	page_person(&sb, &anon, p);
	ck_assert(strbuf_ok(&sb));
	ck_assert_ptr_null(strstr(sb.buf, "<script"));
	ck_assert_ptr_nonnull(strstr(sb.buf,
		"<h1>&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<title>&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "a&quot;b@x"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "name=\"viewport\""));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<a href=\"/login\">Log in</a>"));
	json_decref(p);
	strbuf_release(&sb);
}
END_TEST

/* Names are percent-encoded in links, whatever they hold. */
START_TEST(url_encoding)
{
	struct strbuf sb = STRBUF_INIT;

	page_add_url(&sb, "a b/\"<é>.x-y_z~");
	ck_assert_str_eq(sb.buf, "a%20b%2F%22%3C%C3%A9%3E.x-y_z~");
	strbuf_release(&sb);
}
END_TEST

/* Signed in: the header names the user and forms carry the CSRF token. */
START_TEST(signed_in_header)
{
	struct strbuf sb = STRBUF_INIT;
	const struct page_ctx me = { "ops<1>", "abc", 0, "2026-11-23", 0 };

	page_login(&sb, &me, "bad <token>");
	ck_assert_ptr_nonnull(strstr(sb.buf, "signed in as ops&lt;1&gt;"));
	ck_assert_ptr_nonnull(strstr(sb.buf,
		"<input type=\"hidden\" name=\"csrf\" value=\"abc\">"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<p class=\"msg\">bad &lt;token&gt;</p>"));
	strbuf_release(&sb);
}
END_TEST

/* Teams print as a nested tree from their parents. */
START_TEST(teams_tree)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *t = json_pack("[{s:s,s:s,s:n},{s:s,s:s,s:s}]",
			      "name", "org", "displayName", "Org", "parent",
			      "name", "fin", "displayName", "Finance", "parent", "org");

	page_teams(&sb, &anon, t);
	ck_assert_ptr_nonnull(strstr(sb.buf,
		"<ul><li><a href=\"/teams/org\">Org</a><ul><li>"
		"<a href=\"/teams/fin\">Finance</a></li></ul></li></ul>"));
	json_decref(t);
	strbuf_release(&sb);
}
END_TEST

/* The map draws one box per role and target, edges coloured by health,
 * labels escaped; dot escapes quotes. */
START_TEST(graph_draws)
{
	struct strbuf svg = STRBUF_INIT, dot = STRBUF_INIT;
	json_t *g = json_pack("{s:[{s:s,s:s}],s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}]}",
			      "roles", "name", "ap", "title", "AP <Lead>",
			      "edges", "from", "ap", "kind", "party", "name", "Acme \"X\"",
			      "health", "red", "from", "ap", "kind", "role", "name",
			      "boss", "health", "green");

	graph_svg(&svg, g);
	ck_assert(strbuf_ok(&svg));
	ck_assert_ptr_nonnull(strstr(svg.buf, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	ck_assert_ptr_nonnull(strstr(svg.buf, "AP &lt;Lead&gt;"));
	ck_assert_ptr_nonnull(strstr(svg.buf, "stroke=\"#c62828\""));
	ck_assert_ptr_nonnull(strstr(svg.buf, "stroke=\"#2e8540\""));
	ck_assert_ptr_nonnull(strstr(svg.buf, "<a href=\"/roles/boss\">"));
	ck_assert_ptr_null(strstr(svg.buf, "style="));
	graph_dot(&dot, g);
	ck_assert_ptr_nonnull(strstr(dot.buf,
		"\"role:ap\" -> \"party:Acme \\\"X\\\"\" [color=\"#c62828\"];"));
	json_decref(g);
	strbuf_release(&svg);
	strbuf_release(&dot);
}
END_TEST

/* Tokens: created once, found by their text, stored hashed, revoked;
 * sessions expire; CSRF tokens depend on the session. */
START_TEST(tokens_and_sessions)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	char tok[AUTH_HEX_LEN], name[64], sid[AUTH_HEX_LEN], csrf[AUTH_HEX_LEN];
	char other[AUTH_HEX_LEN];

	ck_assert_int_ge(sodium_init(), 0);
	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	store_set_clock(st, "2026-11-23T10:00:00Z", "2026-11-23");
	ck_assert_int_eq(auth_token_create(st, "ops", tok, &err), BATON_OK);
	ck_assert_uint_eq(strlen(tok), 64);
	ck_assert_int_eq(auth_token_create(st, "ops", other, &err), BATON_CONFLICT);
	ck_assert_str_eq(other, "");
	ck_assert_int_eq(auth_token_find(st, tok, name, &err), BATON_OK);
	ck_assert_str_eq(name, "ops");
	tok[0] = tok[0] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(auth_token_find(st, tok, name, &err), BATON_NOTFOUND);
	ck_assert_int_eq(auth_token_find(st, "short", name, &err), BATON_NOTFOUND);

	ck_assert_int_eq(auth_session_create(st, "ops", 1000, sid, &err), BATON_OK);
	ck_assert_int_eq(auth_session_find(st, sid, 999, name, &err), BATON_OK);
	ck_assert_str_eq(name, "ops");
	ck_assert_int_eq(auth_session_find(st, sid, 1000, name, &err), BATON_NOTFOUND);
	auth_csrf(sid, csrf);
	ck_assert(auth_csrf_ok(sid, csrf));
	ck_assert(!auth_csrf_ok(sid, NULL));
	ck_assert(!auth_csrf_ok(sid, "00"));
	auth_csrf("0000000000000000000000000000000000000000000000000000000000000000", other);
	ck_assert(!auth_csrf_ok(sid, other));

	ck_assert_int_eq(auth_token_revoke(st, "ops", &err), BATON_OK);
	ck_assert_int_eq(auth_session_find(st, sid, 999, name, &err), BATON_NOTFOUND);
	ck_assert_int_eq(auth_token_revoke(st, "ops", &err), BATON_NOTFOUND);
	store_free(st);
	baton_error_release(&err);
}
END_TEST

/* A handover checklist: tick forms (with CSRF) only for a signed-in user
 * on an open handover; item text escaped. */
START_TEST(handover_checklist)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	const struct page_ctx me = { "ops", "c5", 0, "2026-11-23", PAGE_HANDOVER };
	const struct page_ctx ro = { NULL, NULL, 0, "2026-11-23", PAGE_HANDOVER };
	json_t *ho = json_pack("{s:i,s:s,s:s,s:s,s:[s],s:[{s:i,s:s,s:s,s:b},{s:i,s:s,s:s,s:b,s:s,s:s}],s:[]}",
			       "id", 3, "from", "james", "to", "amy", "state", "open",
			       "roles", "ap-lead", "items",
			       "item", 1, "kind", "process", "text", "<b>read</b>", "done", 0,
			       "item", 2, "kind", "custom", "text", "done one", "done", 1,
			       "doneBy", "ops", "note", "ok <i>", "notes");

	page_handover(&a, &me, ho);
	ck_assert(strbuf_ok(&a));
	ck_assert_ptr_nonnull(strstr(a.buf, "<form method=\"post\" action=\"/handovers/3/items/1\">"
		"<input type=\"hidden\" name=\"csrf\" value=\"c5\">"
		"<input type=\"hidden\" name=\"done\" value=\"1\">"));
	ck_assert_ptr_nonnull(strstr(a.buf, "action=\"/handovers/3/items/2\">"));
	ck_assert_ptr_nonnull(strstr(a.buf, "name=\"done\" value=\"0\"><button type=\"submit\">Untick"));
	ck_assert_ptr_nonnull(strstr(a.buf, "&lt;b&gt;read&lt;/b&gt;"));
	ck_assert_ptr_nonnull(strstr(a.buf, "ok &lt;i&gt;"));
	ck_assert_ptr_nonnull(strstr(a.buf, "1/2 done"));
	page_handover(&b, &ro, ho);
	ck_assert_ptr_null(strstr(b.buf, "<form method=\"post\" action=\"/handovers"));
	ck_assert_ptr_nonnull(strstr(b.buf, "to tick items"));
	json_decref(ho);
	strbuf_release(&a);
	strbuf_release(&b);
}
END_TEST

/* The audit page filters by severity and draws truck factors as bars,
 * red at 1. */
START_TEST(audit_page)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *rep = json_pack("{s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}],s:{s:i,s:i,s:i}}",
				"findings",
				"check", "vacant-role", "severity", "error", "entity", "role/x",
				"message", "no <holder>",
				"check", "stale-process", "severity", "warning", "entity",
				"process/p", "message", "overdue",
				"summary", "error", 1, "warning", 1, "info", 0);
	json_t *bus = json_pack("{s:{s:i,s:[s]},s:[{s:s,s:i},{s:s,s:i}]}",
				"organisation", "truckFactor", 2, "people", "amy",
				"teams", "team", "finance", "truckFactor", 1,
				"team", "sales", "truckFactor", 3);

	page_audit(&sb, &anon, rep, bus, NULL, "error", NULL);
	ck_assert(strbuf_ok(&sb));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<a href=\"/roles/x\">role/x</a>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "no &lt;holder&gt;"));
	ck_assert_ptr_null(strstr(sb.buf, "stale-process"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<option value=\"error\" selected>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "width=\"140\" height=\"18\" fill=\"#c62828\">"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "width=\"420\" height=\"18\" fill=\"#2e8540\">"));
	json_decref(rep);
	json_decref(bus);
	strbuf_release(&sb);
}
END_TEST

/* Route results name the contacts, the role and the escalation. */
START_TEST(route_page)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *q = json_pack("{s:s}", "q", "refund <x>");
	json_t *doc = json_pack("{s:s,s:{s:s,s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},"
				"s:[{s:s,s:s,s:s,s:s}],s:[{s:s,s:s,s:s}],s:n,s:[]}",
				"outcome", "found",
				"rule", "name", "refunds", "title", "Refunds", "topic", "finance/**",
				"role", "name", "billing-lead", "title", "Billing Lead",
				"contactRole", "name", "finance-director", "title", "FD",
				"contacts", "person", "priya", "displayName", "Priya", "email",
				"p@x", "as", "primary",
				"escalated", "role", "billing-lead", "reason", "nobody available",
				"to", "finance-director",
				"process", "alternatives");

	page_route(&sb, &anon, q, doc);
	ck_assert(strbuf_ok(&sb));
	ck_assert_ptr_nonnull(strstr(sb.buf, "value=\"refund &lt;x&gt;\""));
	ck_assert_ptr_nonnull(strstr(sb.buf, "<strong><a href=\"/people/priya\">Priya</a></strong>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "escalated to <a href=\"/roles/finance-director\">FD</a>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "nobody available"));
	json_decref(q);
	json_decref(doc);
	strbuf_release(&sb);
}
END_TEST

Suite *suite_web(void)
{
	Suite *s = suite_create("web");
	TCase *tc;

	tc = tcase_create("page");
	tcase_add_test(tc, markdown_is_safe);
	tcase_add_test(tc, person_page_escapes);
	tcase_add_test(tc, url_encoding);
	tcase_add_test(tc, signed_in_header);
	tcase_add_test(tc, teams_tree);
	tcase_add_test(tc, handover_checklist);
	tcase_add_test(tc, audit_page);
	tcase_add_test(tc, route_page);
	suite_add_tcase(s, tc);
	tc = tcase_create("graph");
	tcase_add_test(tc, graph_draws);
	suite_add_tcase(s, tc);
	tc = tcase_create("auth");
	tcase_add_test(tc, tokens_and_sessions);
	suite_add_tcase(s, tc);
	return s;
}
