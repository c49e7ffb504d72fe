/* check_backstage.c - Check suite for core/backstage: Group and User
 * documents become Team and Person specs with locations in the Backstage
 * text, entity references in every form, namespaces, skipped kinds, the
 * parent/children warning naming both places, and all-or-nothing imports
 * mixing Backstage and baton documents.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entity.h"
#include "../core/import.h"
#include "../core/load.h"
#include "../core/store.h"

Suite *suite_backstage(void);

/* Every diagnostic, formatted, one per line. */
static const char *diags(const struct baton_error *err)
{
	static char buf[8192];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < err->n; i++) {
		char *m = baton_diag_format(&err->diags[i]);

		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n", m);
		free(m);
	}
	return buf;
}

struct seen {
	char decls[2048];
	json_t *specs;
};

static enum baton_code on_decl(const struct load_decl *d, void *data)
{
	struct seen *s = data;
	size_t i;
	char key[160];

	snprintf(s->decls + strlen(s->decls), sizeof(s->decls) - strlen(s->decls),
		 "%s/%s@%d:%d%s", kind_desc(d->kind)->name, d->name, d->line,
		 d->column, d->invalid ? "!" : "");
	for (i = 0; i < d->nrefs; i++)
		snprintf(s->decls + strlen(s->decls), sizeof(s->decls) - strlen(s->decls),
			 " %s->%s@%d:%d", d->refs[i].field, d->refs[i].name,
			 d->refs[i].line, d->refs[i].column);
	strcat(s->decls, "\n");
	snprintf(key, sizeof(key), "%s/%s", kind_desc(d->kind)->name, d->name);
	json_object_set(s->specs, key, d->spec);
	return BATON_OK;
}

static void load(const char *yaml, struct seen *s, struct baton_error *err)
{
	memset(s, 0, sizeof(*s));
	s->specs = json_object();
	ck_assert_int_eq(load_buffer("org.yaml", yaml, strlen(yaml), on_decl, s, err),
			 BATON_OK);
}

static void spec_is(struct seen *s, const char *key, const char *json)
{
	char *got = json_dumps(json_object_get(s->specs, key), JSON_SORT_KEYS | JSON_COMPACT);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, json);
	free(got);
}

#define BS "apiVersion: backstage.io/v1alpha1\n"

START_TEST(test_group_and_user_specs)
{
	struct seen s;
	struct baton_error err = BATON_ERROR_INIT;

	load(BS "kind: Group\n"                       /* 1-2 */
	     "metadata:\n"
	     "  name: finance\n"
	     "  description: Money\n"
	     "  tags: [a]\n"
	     "spec:\n"
	     "  type: department\n"
	     "  profile: {displayName: Finance, email: f@x, picture: p.png}\n"
	     "  parent: group:default/org\n"         /* line 10 */
	     "  children: []\n"
	     "  members: [ann]\n"
	     "---\n"
	     BS "kind: Group\n"                      /* line 15 */
	     "metadata: {name: org}\n"
	     "spec: {type: organization, children: [finance]}\n"
	     "---\n"
	     BS "kind: User\n"                       /* line 20 */
	     "metadata: {name: ann}\n"
	     "spec:\n"
	     "  profile: {email: ann@x}\n"
	     "  memberOf: [default/finance, Group:org]\n"  /* line 24 */
	     "---\n"
	     BS "kind: User\n"                       /* line 27 */
	     "metadata: {name: bob}\n"
	     "spec: {memberOf: [finance]}\n",
	     &s, &err);
	/* every location points into the Backstage text; references in all
	 * three forms ([kind:][namespace/]name) resolve to the plain name */
	ck_assert_str_eq(s.decls,
		"team/finance@2:7 parent->org@10:11\n"
		"team/org@15:7\n"
		"person/ann@20:7 team->finance@24:14\n"
		"person/bob@27:7 team->finance@29:19\n");
	spec_is(&s, "team/finance", "{\"description\":\"Money\",\"displayName\":\"Finance\",\"parent\":\"org\",\"type\":\"department\"}");
	/* no displayName: the name stands in */
	spec_is(&s, "team/org", "{\"displayName\":\"org\",\"type\":\"organization\"}");
	spec_is(&s, "person/ann", "{\"displayName\":\"ann\",\"email\":\"ann@x\",\"status\":\"active\",\"team\":\"finance\"}");
	/* the second group of memberOf is noted, not kept */
	ck_assert_str_eq(diags(&err), "org.yaml:24:13: note: user 'ann': baton keeps one team per person (finance); not kept: 'Group:org'\n");
	json_decref(s.specs);
	baton_error_release(&err);
}
END_TEST

START_TEST(test_parent_children_disagree)
{
	struct seen s;
	struct baton_error err = BATON_ERROR_INIT;

	load(BS "kind: Group\n"
	     "metadata: {name: finance}\n"
	     "spec: {type: department, children: [payroll, ap]}\n" /* 4 */
	     "---\n"
	     BS "kind: Group\n"
	     "metadata: {name: payroll}\n"
	     "spec:\n"
	     "  type: team\n"
	     "  parent: engineering\n"                  /* line 11 */
	     "---\n"
	     BS "kind: Group\n"
	     "metadata: {name: engineering}\n"
	     "spec: {type: department, children: []}\n"  /* line 16 */
	     "---\n"
	     BS "kind: Group\n"                        /* line 19 */
	     "metadata: {name: ap}\n"
	     "spec: {type: team}\n",
	     &s, &err);
	/* payroll: its own parent wins over finance's children list, and
	 * engineering does not list it either; ap has no parent at all */
	ck_assert_str_eq(diags(&err),
		"org.yaml:11:11: warning: group 'payroll' has parent 'engineering', but group 'finance' lists it in spec.children at org.yaml:4:37; the child's spec.parent wins\n"
		"org.yaml:19:7: warning: group 'ap' has no parent, but group 'finance' lists it in spec.children at org.yaml:4:46; the child's spec.parent wins\n"
		"org.yaml:11:11: warning: group 'payroll' has parent 'engineering', but 'engineering' does not list it in spec.children at org.yaml:16:36; the child's spec.parent wins\n");
	ck_assert_uint_eq(err.nerrors, 0);
	spec_is(&s, "team/payroll", "{\"displayName\":\"payroll\",\"parent\":\"engineering\",\"type\":\"team\"}");
	spec_is(&s, "team/ap", "{\"displayName\":\"ap\",\"type\":\"team\"}");
	json_decref(s.specs);
	baton_error_release(&err);
}
END_TEST

START_TEST(test_namespaces_and_skipped_kinds)
{
	struct seen s;
	struct baton_error err = BATON_ERROR_INIT;

	load(BS "kind: Component\nmetadata: {name: a}\nspec: {}\n---\n"
	     BS "kind: User\n"                                   /* 7 */
	     "metadata: {name: ann, namespace: contractors}\n"   /* 8 */
	     "spec: {memberOf: [group:contractors/temps]}\n"
	     "---\n"
	     BS "kind: Component\nmetadata: {name: b}\nspec: {}\n---\n"
	     BS "kind: User\n"                                   /* 17 */
	     "metadata: {name: ann, namespace: default}\n"
	     "spec: {memberOf: [group:contractors/temps]}\n"    /* 19 */
	     "---\n"
	     BS "kind: Location\nmetadata: {name: l}\nspec: {targets: []}\n",
	     &s, &err);
	/* the non-default namespace is skipped: no clash with the default ann */
	ck_assert_str_eq(s.decls, "person/ann@17:7\n");
	spec_is(&s, "person/ann", "{\"displayName\":\"ann\",\"status\":\"active\"}");
	ck_assert_str_eq(diags(&err),
		"org.yaml:8:34: warning: skipped User 'ann' in namespace 'contractors': baton imports the 'default' namespace only\n"
		"org.yaml:19:18: note: user 'ann': baton keeps one team per person (none); not kept: 'group:contractors/temps'\n"
		"org.yaml:2:7: note: skipped 2 Component documents (baton imports Backstage Group and User only)\n"
		"org.yaml:22:7: note: skipped 1 Location document (baton imports Backstage Group and User only)\n");
	json_decref(s.specs);
	baton_error_release(&err);
}
END_TEST

START_TEST(test_errors_have_locations)
{
	struct seen s;
	struct baton_error err = BATON_ERROR_INIT;

	load(BS "kind: User\nmetadata: {name: \"jane@example.com\"}\nspec: {}\n---\n"
	     BS "kind: Group\nmetadata: {name: g}\nspec: {parent: [a, b], type: team}\n---\n"
	     BS "kind: User\nmetadata: {name: u}\nspec: {memberOf: [user:default/x]}\n---\n"
	     BS "kind: Group\nmetadata: {name: h}\nspec: {parent: \"a b\"}\n---\n"
	     BS "metadata: {name: nokind}\n",
	     &s, &err);
	ck_assert_str_eq(diags(&err),
		"org.yaml:3:18: error: User name 'jane@example.com' is valid in Backstage but not in baton: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit\n"
		"org.yaml:9:16: error: 'spec.parent' must be an entity reference like 'group:default/team-a'\n"
		"org.yaml:14:19: error: 'spec.memberOf' must refer to a Group, not 'user:default/x'\n"
		"org.yaml:19:16: error: 'spec.parent': 'a b' is not a valid baton name: use 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit\n"
		"org.yaml:21:1: error: missing 'kind' in a Backstage document\n");
	/* documents with errors still reach the importer, marked invalid */
	ck_assert_str_eq(s.decls, "team/g@7:7!\nperson/u@12:7!\nteam/h@17:7!\n");
	json_decref(s.specs);
	baton_error_release(&err);
}
END_TEST

START_TEST(test_mixed_import_all_or_nothing)
{
	static const char good[] =
		BS "kind: Group\nmetadata: {name: ops}\nspec: {type: team, children: []}\n---\n"
		BS "kind: User\nmetadata: {name: ann}\nspec: {memberOf: [ops]}\n---\n"
		"apiVersion: baton/v1\nkind: Role\nmetadata: {name: lead}\n"
		"spec: {title: Lead, team: ops, holders: [{person: ann}]}\n";
	static const char bad[] =
		BS "kind: Group\nmetadata: {name: ops2}\nspec: {type: team}\n---\n"
		BS "kind: User\nmetadata: {name: bob}\nspec: {memberOf: [nope]}\n";
	struct store *st = NULL;
	struct baton_error err = BATON_ERROR_INIT;
	struct import_opts opts = { .prune = 0 };
	struct import_result res;
	json_t *spec = NULL;

	ck_assert_int_eq(store_open(NULL, STORE_MEMORY | STORE_CREATE, &st, &err), BATON_OK);
	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "mix.yaml", good, strlen(good), &opts, &res, &err),
			 BATON_OK);
	ck_assert_uint_eq(res.created, 3);
	ck_assert_int_eq(entity_get(st, KIND_PERSON, "ann", &spec, &err), BATON_OK);
	ck_assert_str_eq(json_string_value(json_object_get(spec, "team")), "ops");
	json_decref(spec);
	import_result_release(&res);

	/* importing the same thing again changes nothing */
	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "mix.yaml", good, strlen(good), &opts, &res, &err),
			 BATON_OK);
	ck_assert_uint_eq(res.unchanged, 3);
	import_result_release(&res);

	/* a memberOf naming an unknown group fails the whole import, located */
	import_result_init(&res);
	ck_assert_int_eq(import_buffer(st, "bad.yaml", bad, strlen(bad), &opts, &res, &err),
			 BATON_INVALID);
	ck_assert_str_eq(diags(&err), "bad.yaml:9:19: error: 'team': no such team 'nope'; did you mean 'ops'?\n");
	ck_assert_int_eq(entity_exists(st, KIND_TEAM, "ops2", NULL), 0);
	import_result_release(&res);
	baton_error_release(&err);
	store_free(st);
}
END_TEST

Suite *suite_backstage(void)
{
	Suite *s = suite_create("backstage");
	TCase *tc = tcase_create("convert");

	tcase_add_test(tc, test_group_and_user_specs);
	tcase_add_test(tc, test_parent_children_disagree);
	tcase_add_test(tc, test_namespaces_and_skipped_kinds);
	tcase_add_test(tc, test_errors_have_locations);
	tcase_add_test(tc, test_mixed_import_all_or_nothing);
	suite_add_tcase(s, tc);
	return s;
}
