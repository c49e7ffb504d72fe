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

static const struct page_ctx anon = { NULL, NULL, 0, "2026-11-23" };

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
	const struct page_ctx me = { "ops<1>", "abc", 0, "2026-11-23" };

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
	suite_add_tcase(s, tc);
	tc = tcase_create("graph");
	tcase_add_test(tc, graph_draws);
	suite_add_tcase(s, tc);
	tc = tcase_create("auth");
	tcase_add_test(tc, tokens_and_sessions);
	suite_add_tcase(s, tc);
	return s;
}
