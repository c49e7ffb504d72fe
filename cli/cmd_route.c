/* cmd_route.c - `baton route`, `baton search` and `baton away`: who handles
 * a request, free-text search, and recording absences (DESIGN.md section 4).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "entity.h"
#include "route.h"
#include "search.h"
#include "strbuf.h"

/* ------------------------------------------------------------------------
 * route
 * ---------------------------------------------------------------------- */

/* JSON with scores rounded for people and diffs (0.001 steps). */
static void print_json(const json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
	fputc('\n', stdout);
}

static void print_contacts(const json_t *contacts)
{
	size_t i;
	json_t *c;

	json_array_foreach(contacts, i, c) {
		const char *email = jstr(c, "email", NULL);

		printf("  %s  %s", jstr(c, "person", ""), jstr(c, "displayName", ""));
		if (email)
			printf(" <%s>", email);
		printf("  (%s)\n", jstr(c, "as", ""));
	}
}

static void print_escalated(const json_t *escalated)
{
	size_t i;
	json_t *e;

	json_array_foreach(escalated, i, e) {
		const char *to = jstr(e, "to", NULL);
		const char *who = jstr(e, "role", NULL);

		printf("escalated: %s%s (%s)", who ? "" : "person:",
		       who ? who : jstr(e, "person", ""), jstr(e, "reason", ""));
		if (to)
			printf(" -> %s", to);
		putchar('\n');
	}
}

static void print_explain(const json_t *doc)
{
	const json_t *ex = json_object_get(doc, "explain");
	const json_t *q = json_object_get(doc, "query");
	const json_t *w = json_object_get(ex, "winner");
	const json_t *m = json_object_get(doc, "match");
	size_t i, j;
	json_t *o, *s, *k;

	printf("\nexplain:\n  query:");
	if (jstr(q, "topic", NULL))
		printf(" topic '%s'", jstr(q, "topic", ""));
	if (jstr(q, "text", NULL))
		printf(" text '%s'", jstr(q, "text", ""));
	printf(" on %s\n", jstr(q, "on", ""));
	if (!strcmp(jstr(doc, "via", ""), "text") && m) {
		printf("  best text hit: %s %s%s%s (score %.3f): %s\n",
		       jstr(m, "kind", ""), jstr(m, "name", ""),
		       jstr(m, "id", NULL) ? "/" : "", jstr(m, "id", ""),
		       json_number_value(json_object_get(m, "score")),
		       jstr(m, "snippet", ""));
	} else if (w && !json_is_null(w)) {
		printf("  winner: rule %s, pattern %s (priority %lld)\n",
		       jstr(w, "rule", ""), jstr(w, "topic", ""),
		       (long long)json_integer_value(json_object_get(w, "priority")));
	}
	json_array_foreach(json_object_get(ex, "others"), i, o)
		printf("  lost: rule %s, pattern %s (priority %lld) -> %s: %s\n",
		       jstr(o, "rule", ""), jstr(o, "topic", ""),
		       (long long)json_integer_value(json_object_get(o, "priority")),
		       jstr(o, "handler", ""), jstr(o, "lost", ""));
	json_array_foreach(json_object_get(ex, "steps"), i, s) {
		const char *role = jstr(s, "role", NULL);
		const char *reason = jstr(s, "reason", NULL);

		printf("  %s %s", role ? "role" : "person",
		       role ? role : jstr(s, "person", ""));
		if (reason)
			printf(": %s", reason);
		putchar('\n');
		json_array_foreach(json_object_get(s, "skipped"), j, k)
			printf("    skipped %s (%s): %s\n", jstr(k, "person", ""),
			       jstr(k, "as", ""), jstr(k, "why", ""));
	}
}

static void print_suggestions(const json_t *doc)
{
	const json_t *sug = json_object_get(doc, "suggestions");
	size_t i;
	json_t *v;

	if (json_array_size(json_object_get(sug, "topics"))) {
		fprintf(stderr, "closest topics:\n");
		json_array_foreach(json_object_get(sug, "topics"), i, v)
			fprintf(stderr, "  %s  (rule %s)\n", jstr(v, "topic", ""),
				jstr(v, "rule", ""));
	}
	if (json_array_size(json_object_get(sug, "text"))) {
		fprintf(stderr, "best text matches:\n");
		json_array_foreach(json_object_get(sug, "text"), i, v)
			fprintf(stderr, "  %s %s: %s -> %s\n", jstr(v, "kind", ""),
				jstr(v, "name", ""), jstr(v, "title", ""),
				jstr(v, "handler", "?"));
	}
}

static void print_route(const json_t *doc, int explain)
{
	const json_t *rule = json_object_get(doc, "rule");
	const json_t *m = json_object_get(doc, "match");
	const json_t *role = json_object_get(doc, "role");
	const json_t *cr = json_object_get(doc, "contactRole");
	const json_t *proc = json_object_get(doc, "process");
	size_t i;
	json_t *a;

	if (json_is_object(rule))
		printf("rule: %s (%s): %s\n", jstr(rule, "name", ""),
		       jstr(rule, "topic", ""), jstr(rule, "title", ""));
	else if (m)
		printf("matched: %s %s%s%s: %s\n", jstr(m, "kind", ""),
		       jstr(m, "name", ""), jstr(m, "id", NULL) ? "/" : "",
		       jstr(m, "id", ""), jstr(m, "title", ""));
	if (json_is_object(role))
		printf("role: %s (%s)\n", jstr(role, "name", ""),
		       jstr(role, "title", ""));
	else
		printf("handler: %s\n", jstr(doc, "handler", ""));
	print_escalated(json_object_get(doc, "escalated"));
	if (json_array_size(json_object_get(doc, "contacts"))) {
		if (json_is_object(cr))
			printf("contacts (%s):\n", jstr(cr, "name", ""));
		else
			printf("contacts:\n");
		print_contacts(json_object_get(doc, "contacts"));
	}
	if (json_is_object(proc))
		printf("process: %s (%s)\n", jstr(proc, "name", ""),
		       jstr(proc, "title", ""));
	if (json_array_size(json_object_get(doc, "alternatives"))) {
		printf("alternatives:\n");
		json_array_foreach(json_object_get(doc, "alternatives"), i, a) {
			const char *r = jstr(a, "rule", NULL);

			printf("  %s%s -> %s\n", r ? "rule " : "",
			       r ? r : jstr(a, "name", ""), jstr(a, "handler", ""));
		}
	}
	if (explain)
		print_explain(doc);
}

/* A single argument with a '/' and no whitespace is a topic. */
static int looks_like_topic(const char *s)
{
	return strchr(s, '/') && !strpbrk(s, " \t\n");
}

int cmd_route(int argc, char **argv, struct cli *cli)
{
	static const char usage[] =
		"baton route [--topic <topic>] [--on <date>] [--explain] [--json] [<text>...]";
	static const struct option opts[] = {
		{ "topic", required_argument, NULL, 't' },
		{ "on", required_argument, NULL, 'o' },
		{ "explain", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct route_query q = { 0 };
	struct route_result *res = NULL;
	struct strbuf text = STRBUF_INIT;
	struct store *st = NULL;
	json_t *doc = NULL;
	enum baton_code rc;
	int c, json = 0, explain = 0, status = 0, i;

	while ((c = getopt_long(argc, argv, "t:o:ejh", opts, NULL)) != -1) {
		switch (c) {
		case 't': q.topic = optarg; break;
		case 'o': q.on = optarg; break;
		case 'e': explain = 1; break;
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (q.on && !cli_check_date(cli, "--on", q.on))
		return EXIT_USAGE;
	if (!q.topic && optind == argc - 1 && looks_like_topic(argv[optind])) {
		q.topic = argv[optind++];
	}
	for (i = optind; i < argc; i++) {
		if (text.len)
			strbuf_addch(&text, ' ');
		strbuf_addstr(&text, argv[i]);
	}
	if (!strbuf_ok(&text)) {
		status = cli_error(cli, EXIT_RUNTIME, "out of memory");
		goto out;
	}
	q.text = text.len ? text.buf : NULL;
	if (!q.topic && !q.text) {
		status = cli_usage(cli, usage);
		goto out;
	}
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		goto out;
	if ((rc = route_resolve(st, &q, &res, &err))) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	doc = route_result_to_json(res);
	if (json)
		print_json(doc);
	else if (res->outcome != ROUTE_NO_MATCH)
		print_route(doc, explain);
	if (res->outcome != ROUTE_FOUND) {
		status = cli_error(cli, EXIT_DATA, "%s", res->message);
		if (res->outcome == ROUTE_NO_MATCH && !json)
			print_suggestions(doc);
	}
out:
	json_decref(doc);
	route_result_free(res);
	strbuf_release(&text);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* ------------------------------------------------------------------------
 * search
 * ---------------------------------------------------------------------- */

int cmd_search(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton search [--limit <n>] [--json] <text>...";
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf text = STRBUF_INIT;
	struct store *st = NULL;
	json_t *doc = NULL, *h;
	enum baton_code rc;
	int c, json = 0, status = 0, limit = 10, i;
	size_t k;
	char *end;

	while ((c = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			limit = (int)strtol(optarg, &end, 10);
			if (*end || limit < 1 || limit > 100)
				return cli_error(cli, EXIT_USAGE,
					"--limit must be a number from 1 to 100, got '%s'",
					optarg);
			break;
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind >= argc)
		return cli_usage(cli, usage);
	for (i = optind; i < argc; i++) {
		if (text.len)
			strbuf_addch(&text, ' ');
		strbuf_addstr(&text, argv[i]);
	}
	if (!strbuf_ok(&text)) {
		status = cli_error(cli, EXIT_RUNTIME, "out of memory");
		goto out;
	}
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		goto out;
	if ((rc = search_text(st, text.buf, limit, &doc, &err))) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json) {
		print_json(doc);
	} else {
		json_array_foreach(json_object_get(doc, "results"), k, h) {
			const char *id = jstr(h, "id", NULL);

			printf("%-14s %s%s%s  %s", jstr(h, "kind", ""),
			       jstr(h, "name", ""), id ? "/" : "", id ? id : "",
			       jstr(h, "title", ""));
			if (jstr(h, "handler", NULL))
				printf("  -> %s", jstr(h, "handler", ""));
			printf("\n    %s\n", jstr(h, "snippet", ""));
		}
	}
	if (!json_array_size(json_object_get(doc, "results")))
		status = cli_error(cli, EXIT_DATA, "nothing matches '%s'", text.buf);
out:
	json_decref(doc);
	strbuf_release(&text);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* ------------------------------------------------------------------------
 * away
 * ---------------------------------------------------------------------- */

int cmd_away(int argc, char **argv, struct cli *cli)
{
	static const char usage[] =
		"baton away <person> --from <date> --to <date> [--reason <text>]\n"
		"   or: baton away <person> --clear [--from <date>]";
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "reason", required_argument, NULL, 'r' },
		{ "clear", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf note = STRBUF_INIT;
	struct store *st = NULL;
	const char *from = NULL, *to = NULL, *reason = NULL, *person;
	json_t *spec = NULL, *abs, *kept = NULL, *a;
	enum baton_code rc;
	int c, clear = 0, status = 0, changed = 0;
	size_t i, removed = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'r': reason = optarg; break;
		case 'c': clear = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc - 1 || (clear && (to || reason)) ||
	    (!clear && (!from || !to)))
		return cli_usage(cli, usage);
	person = argv[optind];
	if ((from && !cli_check_date(cli, "--from", from)) ||
	    (to && !cli_check_date(cli, "--to", to)))
		return EXIT_USAGE;
	if (from && to && strcmp(from, to) > 0)
		return cli_error(cli, EXIT_USAGE,
				 "--from %s is after --to %s", from, to);
	if (!(st = cli_open(cli, 0, &status)))
		goto out;
	if ((rc = store_begin(st, &err)))
		goto fail;
	if ((rc = entity_get(st, KIND_PERSON, person, &spec, &err)))
		goto fail;
	abs = json_object_get(spec, "absences");
	if (clear) {
		if (!(kept = json_array()))
			goto nomem;
		json_array_foreach(abs, i, a) {
			if (from && strcmp(jstr(a, "to", ""), from) < 0) {
				if (json_array_append(kept, a))
					goto nomem;
			} else {
				removed++;
			}
		}
		if (json_array_size(kept)) {
			if (json_object_set(spec, "absences", kept))
				goto nomem;
		} else {
			json_object_del(spec, "absences");
		}
	} else {
		json_t *v = json_pack("{s:s, s:s}", "from", from, "to", to);

		if (!v || (reason && json_object_set_new(v, "reason",
							json_string(reason)))) {
			json_decref(v);
			goto nomem;
		}
		if (!json_is_array(abs)) {
			if (json_object_set_new(spec, "absences", json_array()))
				goto nomem;
			abs = json_object_get(spec, "absences");
		}
		if (json_array_append_new(abs, v))
			goto nomem;
	}
	strbuf_addf(&note, "absences changed by 'baton away' on %s", cli->today);
	if (!strbuf_ok(&note))
		goto nomem;
	if ((rc = entity_put(st, KIND_PERSON, person, spec,
			     &(struct entity_change){ .action = "away",
						      .changed = note.buf },
			     &changed, &err)))
		goto fail;
	if ((rc = store_commit(st, &err)))
		goto fail;
	if (clear)
		printf("%s: %zu absence%s removed\n", person, removed,
		       removed == 1 ? "" : "s");
	else
		printf("%s: away %s..%s%s%s%s\n", person, from, to,
		       reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
	goto out;
nomem:
	rc = baton_fail(&err, BATON_NOMEM, "out of memory");
fail:
	store_rollback(st);
	status = cli_report(cli, &err, rc);
out:
	json_decref(spec);
	json_decref(kept);
	strbuf_release(&note);
	baton_error_release(&err);
	store_free(st);
	return status;
}
