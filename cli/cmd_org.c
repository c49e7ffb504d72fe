/* cmd_org.c - declaring and reading the organisation: init, check, import,
 * export, ls, show, who, log. */
#include "cli.h"
#include "entity.h"
#include "export.h"
#include "handover.h"
#include "import.h"
#include "query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* init, check, import                                                 */
/* ------------------------------------------------------------------ */

int cmd_init(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton init";
	struct store *st;
	int status;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: %s\n", usage);
		return 0;
	}
	if (argc > 1)
		return cli_usage(cli, usage);
	if (!(st = cli_open(cli, STORE_CREATE, &status)))
		return status;
	printf("initialised %s (schema %d)\n", cli->db_path, store_schema_version());
	store_free(st);
	return 0;
}

static int import_like(int argc, char **argv, struct cli *cli, int check_only)
{
	static const char import_usage[] =
		"baton import [--prune [--yes]] [--dry-run] [--force] [--format yaml|csv] [--json] <path>...";
	static const char check_usage[] = "baton check [--format yaml|csv] [--json] <path>...";
	static const struct option opts[] = {
		{ "prune", no_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "yes", no_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = check_only ? check_usage : import_usage;
	enum load_format format = LOAD_AUTO;
	struct import_opts io = { 0 };
	struct import_result res;
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st;
	enum baton_code rc;
	int c, json = 0, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': io.prune = 1; break;
		case 'n': io.dry_run = 1; break;
		case 'f': io.force = 1; break;
		case 'y': io.yes = 1; break;
		case 'j': json = 1; break;
		case 'F':
			if (!strcmp(optarg, "csv"))
				format = LOAD_CSV;
			else if (!strcmp(optarg, "yaml"))
				format = LOAD_YAML;
			else
				return cli_error(cli, EXIT_USAGE,
						 "unknown format '%s' (yaml or csv)", optarg);
			break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
		if (check_only && c != 'j' && c != 'F')
			return cli_usage(cli, usage);
	}
	if (optind >= argc)
		return cli_usage(cli, usage);
	if (check_only)
		io.dry_run = 1;
	st = cli_open(cli, check_only ? STORE_MEMORY | STORE_CREATE : STORE_CREATE,
		      &status);
	if (!st)
		return status;
	import_result_init(&res);
	rc = import_paths_as(st, (const char *const *)argv + optind,
			     (size_t)(argc - optind), format, &io, &res, &err);
	status = cli_report(cli, &err, rc);
	if (json) {
		json_t *j = json_pack("{s:b,s:i,s:i,s:i,s:i,s:i}", "ok", rc == BATON_OK,
				      "errors", (int)err.nerrors, "created", (int)res.created,
				      "updated", (int)res.updated, "deleted", (int)res.deleted,
				      "unchanged", (int)res.unchanged);
		if (j)
			cli_print_json(j);
		json_decref(j);
	} else if (rc == BATON_OK) {
		if (check_only) {
			printf("ok: %zu entities valid\n", res.created);
		} else {
			if (io.dry_run)
				fputs(res.plan.buf, stdout);
			printf("%s%zu created, %zu updated, %zu deleted, %zu unchanged\n",
			       io.dry_run ? "dry run: " : "", res.created, res.updated,
			       res.deleted, res.unchanged);
		}
	} else if (err.nerrors) {
		fprintf(stderr, "baton: %s: %zu error%s; nothing was written\n", cli->cmd,
			err.nerrors, err.nerrors == 1 ? "" : "s");
	}
	import_result_release(&res);
	baton_error_release(&err);
	store_free(st);
	return status;
}

int cmd_check(int argc, char **argv, struct cli *cli)
{
	return import_like(argc, argv, cli, 1);
}

int cmd_import(int argc, char **argv, struct cli *cli)
{
	return import_like(argc, argv, cli, 0);
}

/* ------------------------------------------------------------------ */
/* export                                                              */
/* ------------------------------------------------------------------ */

static int write_file(struct cli *cli, const char *path, const struct strbuf *sb)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return cli_error(cli, EXIT_RUNTIME, "cannot write '%s': %s", path,
				 strerror(errno));
	if (fwrite(sb->buf, 1, sb->len, f) != sb->len || fclose(f) != 0) {
		if (f)
			fclose(f);
		return cli_error(cli, EXIT_RUNTIME, "cannot write '%s': %s", path,
				 strerror(errno));
	}
	return 0;
}

/* With --out, what lives only in the database goes beside the YAML for
 * people to read and keep: each handover as Markdown (handovers/ID.md) and
 * the change log as JSON lines (log.jsonl). Import reads neither. */
static int export_records(struct cli *cli, struct store *st, const char *out)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	json_t *list = NULL, *e;
	enum baton_code rc;
	int status = 0;
	size_t i;

	if ((rc = handover_list(st, 0, &list, &err))) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json_array_size(list)) {
		strbuf_addf(&path, "%s/handovers", out);
		if (mkdir(path.buf, 0777) != 0 && errno != EEXIST) {
			status = cli_error(cli, EXIT_RUNTIME, "cannot create '%s': %s",
					   path.buf, strerror(errno));
			goto out;
		}
	}
	json_array_foreach(list, i, e) {
		long id = (long)json_integer_value(json_object_get(e, "id"));

		strbuf_reset(&sb);
		if ((rc = handover_export_md(st, id, &sb, &err))) {
			status = cli_report(cli, &err, rc);
			goto out;
		}
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/handovers/%ld.md", out, id);
		if ((status = write_file(cli, path.buf, &sb)))
			goto out;
	}
	json_decref(list);
	if ((rc = query_log(st, NULL, 0, &list, &err))) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	strbuf_reset(&sb);
	for (i = json_array_size(list); i-- > 0;) {
		char *line = json_dumps(json_array_get(list, i), JSON_COMPACT);

		if (!line) {
			status = cli_error(cli, EXIT_RUNTIME, "out of memory");
			goto out;
		}
		strbuf_addf(&sb, "%s\n", line);
		free(line);
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/log.jsonl", out);
	status = write_file(cli, path.buf, &sb);
out:
	json_decref(list);
	strbuf_release(&sb);
	strbuf_release(&path);
	baton_error_release(&err);
	return status;
}

int cmd_export(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton export [--out <dir>]";
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	const char *out = NULL;
	struct store *st;
	int c, status = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind < argc)
		return cli_usage(cli, usage);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	if (out && mkdir(out, 0777) != 0 && errno != EEXIST) {
		status = cli_error(cli, EXIT_RUNTIME, "cannot create '%s': %s", out,
				   strerror(errno));
		goto done;
	}
	for (i = 0; export_order[i] != KIND_NONE; i++) {
		enum kind k = export_order[i];
		enum baton_code rc = export_kind(st, k, &sb, &err);

		if (rc) {
			status = cli_report(cli, &err, rc);
			goto done;
		}
		if (out) {
			struct strbuf path = STRBUF_INIT;

			strbuf_addf(&path, "%s/%s.yaml", out, kind_desc(k)->plural);
			if (sb.len)
				status = write_file(cli, path.buf, &sb);
			else
				remove(path.buf);
			strbuf_release(&path);
			strbuf_reset(&sb);
			if (status)
				goto done;
		}
	}
	if (!out)
		fwrite(sb.buf, 1, sb.len, stdout);
	else
		status = export_records(cli, st, out);
done:
	strbuf_release(&sb);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* ------------------------------------------------------------------ */
/* ls, show, who, log                                                  */
/* ------------------------------------------------------------------ */

static void print_holders(const json_t *holders)
{
	size_t i;
	json_t *h;

	if (!json_array_size(holders)) {
		printf("(vacant)");
		return;
	}
	json_array_foreach(holders, i, h)
		printf("%s%s%s", i ? ", " : "", jstr(h, "person", "?"),
		       strcmp(jstr(h, "as", ""), "backup") ? "" : " (backup)");
}

/* One RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
 * Records end with LF (not CRLF): friendlier to Unix tools, and every
 * spreadsheet and baton's own CSV reader accept it. */
static void csv_field(const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\n" : ",", stdout);
}

/* ls --format csv: a header and one row per entity. The people columns
 * are the ones `baton import people.csv` reads back. */
static void print_csv(enum kind k, const json_t *list)
{
	static const char *const person[] = { "name", "displayName", "email", "team",
					      "status", "leavingOn", NULL };
	static const char *const team[] = { "name", "displayName", "parent",
					    "description", NULL };
	static const char *const role[] = { "name", "title", "team", "reportsTo",
					    "holders", NULL };
	static const char *const process[] = { "name", "title", "owner",
					       "lastReviewed", NULL };
	static const char *const rule[] = { "name", "title", "topic", "handler",
					    "priority", NULL };
	const char *const *cols = k == KIND_PERSON ? person : k == KIND_TEAM ? team :
				  k == KIND_ROLE ? role : k == KIND_PROCESS ? process : rule;
	size_t i, c, j;
	json_t *e, *h;

	for (c = 0; cols[c]; c++)
		csv_field(cols[c], !cols[c + 1]);
	json_array_foreach(list, i, e) {
		for (c = 0; cols[c]; c++) {
			json_t *v = json_object_get(e, cols[c]);
			struct strbuf sb = STRBUF_INIT;

			if (json_is_array(v)) { /* role holders: "ann;bob (backup)" */
				json_array_foreach(v, j, h)
					strbuf_addf(&sb, "%s%s%s", j ? ";" : "",
						    jstr(h, "person", "?"),
						    strcmp(jstr(h, "as", ""), "backup") ? "" : " (backup)");
				csv_field(sb.buf, !cols[c + 1]);
				strbuf_release(&sb);
			} else if (json_is_integer(v)) {
				strbuf_addf(&sb, "%lld", (long long)json_integer_value(v));
				csv_field(sb.buf, !cols[c + 1]);
				strbuf_release(&sb);
			} else {
				csv_field(json_is_string(v) ? json_string_value(v) : "",
					  !cols[c + 1]);
			}
		}
	}
}

int cmd_ls(int argc, char **argv, struct cli *cli)
{
	static const char usage[] =
		"baton ls people|teams|roles|processes|rules [--team <team>] [--format text|json|csv] [--json]";
	static const struct option opts[] = {
		{ "team", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	const char *team = NULL;
	struct store *st;
	json_t *list = NULL, *e;
	enum baton_code rc;
	enum kind k;
	int c, json = 0, status;
	size_t i;

	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': team = optarg; break;
		case 'j': json = 1; break;
		case 'F':
			if (!strcmp(optarg, "json"))
				json = 1;
			else if (!strcmp(optarg, "csv"))
				json = 2;
			else if (!strcmp(optarg, "text"))
				json = 0;
			else
				return cli_error(cli, EXIT_USAGE,
						 "unknown format '%s' (text, json or csv)", optarg);
			break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc - 1)
		return cli_usage(cli, usage);
	k = kind_parse(argv[optind]);
	if (k == KIND_NONE)
		return cli_error(cli, EXIT_USAGE,
			"unknown kind '%s' (people, teams, roles, processes or rules)",
			argv[optind]);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	rc = query_list(st, k, team, &list, &err);
	if (rc) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json == 1) {
		cli_print_json(list);
		goto out;
	}
	if (json == 2) {
		print_csv(k, list);
		goto out;
	}
	json_array_foreach(list, i, e) {
		switch (k) {
		case KIND_PERSON:
			printf("%-20s %-24s %-16s %s\n", jstr(e, "name", ""),
			       jstr(e, "displayName", ""), jstr(e, "team", "-"),
			       jstr(e, "status", ""));
			break;
		case KIND_TEAM:
			printf("%-20s %-30s parent: %s\n", jstr(e, "name", ""),
			       jstr(e, "displayName", ""), jstr(e, "parent", "-"));
			break;
		case KIND_ROLE:
			printf("%-26s %-30s ", jstr(e, "name", ""), jstr(e, "title", ""));
			print_holders(json_object_get(e, "holders"));
			putchar('\n');
			break;
		case KIND_PROCESS:
			printf("%-26s %-40s owner: %s\n", jstr(e, "name", ""),
			       jstr(e, "title", ""), jstr(e, "owner", "-"));
			break;
		default:
			printf("%-26s %-30s -> %s\n", jstr(e, "name", ""),
			       jstr(e, "topic", "(text only)"), jstr(e, "handler", ""));
			break;
		}
	}
out:
	json_decref(list);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* Split KIND/NAME; returns KIND_NONE after printing an error. */
static enum kind split_ref(struct cli *cli, const char *arg, const char **name)
{
	const char *slash = strchr(arg, '/');
	char kind[32];
	enum kind k;

	if (!slash || slash == arg || (size_t)(slash - arg) >= sizeof(kind)) {
		cli_error(cli, EXIT_USAGE, "expected KIND/NAME (e.g. role/ap-lead), got '%s'", arg);
		return KIND_NONE;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - arg), arg);
	k = kind_parse(kind);
	if (k == KIND_NONE)
		cli_error(cli, EXIT_USAGE,
			  "unknown kind '%s' (person, team, role, process or rule)", kind);
	*name = slash + 1;
	return k;
}

int cmd_show(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton show <kind>/<name> [--json]";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	const char *name = NULL;
	struct store *st;
	json_t *spec = NULL;
	enum baton_code rc;
	enum kind k;
	int c, json = 0, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc - 1)
		return cli_usage(cli, usage);
	if ((k = split_ref(cli, argv[optind], &name)) == KIND_NONE)
		return EXIT_USAGE;
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	if (json) {
		rc = entity_get(st, k, name, &spec, &err);
		if (!rc) {
			json_t *doc = json_pack("{s:s,s:s,s:O}", "kind", kind_desc(k)->name,
						"name", name, "spec", spec);
			cli_print_json(doc);
			json_decref(doc);
		}
	} else {
		rc = export_entity(st, k, name, &sb, &err);
		if (!rc)
			fwrite(sb.buf, 1, sb.len, stdout);
	}
	status = rc ? cli_report(cli, &err, rc) : 0;
	json_decref(spec);
	strbuf_release(&sb);
	baton_error_release(&err);
	store_free(st);
	return status;
}

static void print_list(const char *label, const json_t *arr, const char *key,
		       const char *extra)
{
	size_t i;
	json_t *e;

	if (!json_array_size(arr))
		return;
	printf("%s:\n", label);
	json_array_foreach(arr, i, e) {
		printf("  %s", jstr(e, key, "?"));
		if (extra && jstr(e, extra, NULL))
			printf("  %s", jstr(e, extra, ""));
		putchar('\n');
	}
}

static void who_person(const json_t *p)
{
	size_t i;
	json_t *e;

	printf("%s (%s)  %s\n", jstr(p, "displayName", ""), jstr(p, "name", ""),
	       jstr(p, "email", ""));
	printf("team: %s   status: %s", jstr(p, "team", "-"), jstr(p, "status", ""));
	if (jstr(p, "leavingOn", NULL))
		printf("   leaving on %s", jstr(p, "leavingOn", ""));
	putchar('\n');
	if (json_array_size(json_object_get(p, "roles"))) {
		printf("holds:\n");
		json_array_foreach(json_object_get(p, "roles"), i, e)
			printf("  %-26s %s (%s)\n", jstr(e, "role", ""), jstr(e, "title", ""),
			       jstr(e, "as", ""));
	} else {
		printf("holds no role\n");
	}
	if (json_array_size(json_object_get(p, "pastRoles"))) {
		printf("held before:\n");
		json_array_foreach(json_object_get(p, "pastRoles"), i, e)
			printf("  %-26s until %s\n", jstr(e, "role", ""), jstr(e, "until", "?"));
	}
	print_list("knows processes", json_object_get(p, "knows"), "process", "title");
	if (json_array_size(json_object_get(p, "absences"))) {
		printf("absences:\n");
		json_array_foreach(json_object_get(p, "absences"), i, e)
			printf("  %s .. %s  %s\n", jstr(e, "from", ""), jstr(e, "to", ""),
			       jstr(e, "reason", ""));
	}
}

static void who_role(const json_t *r)
{
	size_t i, j;
	json_t *e, *p;

	printf("%s (%s)   team: %s   reports to: %s\n", jstr(r, "title", ""),
	       jstr(r, "name", ""), jstr(r, "team", "-"), jstr(r, "reportsTo", "-"));
	printf("holders: ");
	if (!json_array_size(json_object_get(r, "holders")))
		printf("(vacant)");
	json_array_foreach(json_object_get(r, "holders"), i, e)
		printf("%s%s (%s)", i ? ", " : "", jstr(e, "person", ""), jstr(e, "as", ""));
	putchar('\n');
	if (json_array_size(json_object_get(r, "pastHolders"))) {
		printf("past holders:\n");
		json_array_foreach(json_object_get(r, "pastHolders"), i, e)
			printf("  %-20s %s .. %s\n", jstr(e, "person", ""),
			       jstr(e, "since", "?"), jstr(e, "until", "?"));
	}
	if (json_array_size(json_object_get(r, "responsibilities"))) {
		printf("responsibilities:\n");
		json_array_foreach(json_object_get(r, "responsibilities"), i, e) {
			printf("  %-24s %s", jstr(e, "id", ""), jstr(e, "summary", ""));
			if (!json_array_size(json_object_get(e, "processes")))
				printf("  [no process]");
			json_array_foreach(json_object_get(e, "processes"), j, p)
				printf("%s%s", j ? ", " : "  [", json_string_value(p));
			if (json_array_size(json_object_get(e, "processes")))
				putchar(']');
			putchar('\n');
		}
	}
	print_list("processes", json_object_get(r, "processes"), "name", "title");
	print_list("rules routing here", json_object_get(r, "rules"), "name", "topic");
	if (json_array_size(json_object_get(r, "relationships"))) {
		printf("relationships:\n");
		json_array_foreach(json_object_get(r, "relationships"), i, e)
			printf("  %-30s %-6s %s\n", jstr(e, "with", ""),
			       jstr(e, "health", "-"), jstr(e, "purpose", ""));
	}
}

static void who_team(const json_t *t)
{
	size_t i;
	json_t *e;

	printf("%s (%s)   parent: %s\n", jstr(t, "displayName", ""), jstr(t, "name", ""),
	       jstr(t, "parent", "-"));
	print_list("sub-teams", json_object_get(t, "subteams"), "name", "displayName");
	if (json_array_size(json_object_get(t, "roles"))) {
		printf("roles:\n");
		json_array_foreach(json_object_get(t, "roles"), i, e) {
			printf("  %-26s ", jstr(e, "name", ""));
			print_holders(json_object_get(e, "holders"));
			putchar('\n');
		}
	}
	print_list("people", json_object_get(t, "people"), "name", "displayName");
}

static void who_process(const json_t *p)
{
	size_t i;
	json_t *e;

	printf("%s (%s)   owner: %s\n", jstr(p, "title", ""), jstr(p, "name", ""),
	       jstr(p, "owner", "-"));
	json_array_foreach(json_object_get(p, "steps"), i, e)
		printf("  %zu. %s\n", i + 1, json_string_value(e));
	printf("known by: ");
	json_array_foreach(json_object_get(p, "knownBy"), i, e)
		printf("%s%s", i ? ", " : "", json_string_value(e));
	printf("%s\nlast reviewed: %s\n",
	       json_array_size(json_object_get(p, "knownBy")) ? "" : "nobody",
	       jstr(p, "lastReviewed", "never"));
}

int cmd_who(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton who <name>|<kind>/<name> [--json]";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st;
	json_t *v = NULL;
	enum baton_code rc;
	int c, json = 0, status;
	const char *kind;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc - 1)
		return cli_usage(cli, usage);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	rc = query_who(st, argv[optind], &v, &err);
	if (rc) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	kind = jstr(v, "kind", "");
	if (json)
		cli_print_json(v);
	else if (!strcmp(kind, "person"))
		who_person(v);
	else if (!strcmp(kind, "role"))
		who_role(v);
	else if (!strcmp(kind, "team"))
		who_team(v);
	else
		who_process(v);
out:
	json_decref(v);
	baton_error_release(&err);
	store_free(st);
	return status;
}

int cmd_log(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton log [<kind>/<name>] [--limit <n>] [--json]";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st;
	json_t *v = NULL, *e;
	enum baton_code rc;
	int c, json = 0, status, limit = 50;
	const char *entity = NULL, *name;
	size_t i;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'n': {
			char *end;
			long n;

			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1 || n > 1000000000)
				return cli_error(cli, EXIT_USAGE,
					"--limit must be a positive integer, got '%s'", optarg);
			limit = (int)n;
			break;
		}
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind < argc - 1)
		return cli_usage(cli, usage);
	if (optind == argc - 1) {
		entity = argv[optind];
		if (split_ref(cli, entity, &name) == KIND_NONE)
			return EXIT_USAGE;
	}
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	rc = query_log(st, entity, limit, &v, &err);
	if (rc) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json) {
		cli_print_json(v);
		goto out;
	}
	json_array_foreach(v, i, e)
		printf("%5lld  %s  %-10s %-8s %s\n",
		       (long long)json_integer_value(json_object_get(e, "id")),
		       jstr(e, "at", ""), jstr(e, "actor", ""), jstr(e, "action", ""),
		       jstr(e, "entity", ""));
out:
	json_decref(v);
	baton_error_release(&err);
	store_free(st);
	return status;
}
