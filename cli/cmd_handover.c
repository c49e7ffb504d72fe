/* cmd_handover.c - handovers, onboarding, offboarding and the role journal:
 * `baton handover start|list|show|add|done|undo|note|complete|cancel|export`,
 * `baton onboard`, `baton offboard`, `baton journal`. */
#include "cli.h"
#include "handover.h"
#include "journal.h"
#include "strbuf.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct option json_help_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* A positive integer argument, or 0 after printing a usage error. */
static long parse_id(struct cli *cli, const char *what, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0) {
		cli_error(cli, EXIT_USAGE, "%s must be a positive number, got '%s'",
			  what, s);
		return 0;
	}
	return v;
}

/* Print handover id: as JSON, or the checklist as text. */
static int print_handover(struct cli *cli, struct store *st, long id, int json)
{
	struct baton_error err = BATON_ERROR_INIT;
	json_t *h = NULL, *v;
	enum baton_code rc = handover_get(st, id, &h, &err);
	size_t i, ndone = 0;
	int status = 0;

	if (rc) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json) {
		cli_print_json(h);
		goto out;
	}
	json_array_foreach(json_object_get(h, "items"), i, v)
		ndone += json_is_true(json_object_get(v, "done"));
	printf("handover %ld: %s -> %s   state: %s%s   due: %s\n", id,
	       jstr(h, "from", "(onboarding)"), jstr(h, "to", ""),
	       jstr(h, "state", ""),
	       json_is_true(json_object_get(h, "forced")) ? " (forced)" : "",
	       jstr(h, "due", "-"));
	printf("roles:");
	json_array_foreach(json_object_get(h, "roles"), i, v)
		printf(" %s", json_string_value(v));
	printf("\nitems: %zu of %zu done\n", ndone,
	       json_array_size(json_object_get(h, "items")));
	json_array_foreach(json_object_get(h, "items"), i, v) {
		printf("  [%c] %2lld  %-14s %s\n",
		       json_is_true(json_object_get(v, "done")) ? 'x' :
		       json_is_true(json_object_get(v, "skipped")) ? '-' : ' ',
		       (long long)json_integer_value(json_object_get(v, "item")),
		       jstr(v, "kind", ""), jstr(v, "text", ""));
		if (jstr(v, "note", NULL))
			printf("                          note: %s\n", jstr(v, "note", ""));
	}
	if (json_array_size(json_object_get(h, "notes"))) {
		printf("notes:\n");
		json_array_foreach(json_object_get(h, "notes"), i, v)
			printf("  %s %s: %s\n", jstr(v, "at", ""), jstr(v, "author", ""),
			       jstr(v, "text", ""));
	}
out:
	json_decref(h);
	baton_error_release(&err);
	return status;
}

/* ------------------------------------------------------------------ */
/* handover start, onboard, offboard                                   */
/* ------------------------------------------------------------------ */

/* Shared by `handover start` and `onboard`. */
static int start_like(int argc, char **argv, struct cli *cli, int onboard)
{
	static const char start_usage[] =
		"baton handover start --from <person> --to <person> [--role <role>]..."
		" [--due <date>] [--json]";
	static const char onboard_usage[] =
		"baton onboard <person> --role <role>... [--due <date>] [--json]";
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "role", required_argument, NULL, 'r' },
		{ "due", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = onboard ? onboard_usage : start_usage;
	struct baton_error err = BATON_ERROR_INIT;
	const char *from = NULL, *to = NULL, *due = NULL;
	const char **roles = NULL;
	struct store *st = NULL;
	enum baton_code rc;
	size_t nroles = 0;
	long id = 0;
	int c, json = 0, status = 0;

	if (!(roles = calloc((size_t)argc, sizeof(*roles))))
		return cli_error(cli, EXIT_RUNTIME, "out of memory");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': if (onboard) goto usage; from = optarg; break;
		case 't': if (onboard) goto usage; to = optarg; break;
		case 'r': roles[nroles++] = optarg; break;
		case 'd': due = optarg; break;
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); goto out;
		default: goto usage;
		}
	}
	if (onboard) {
		if (optind != argc - 1 || !nroles)
			goto usage;
		to = argv[optind];
	} else if (optind != argc || !to || (!from && !nroles)) {
		goto usage;
	}
	if (due && !cli_check_date(cli, "--due", due)) {
		status = EXIT_USAGE;
		goto out;
	}
	if (!(st = cli_open(cli, 0, &status)))
		goto out;
	rc = handover_start(st, from, to, roles, nroles, due, &id, &err);
	if (rc) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json) {
		status = print_handover(cli, st, id, 1);
	} else {
		printf("started handover %ld", id);
		if (from)
			printf(" from %s", from);
		printf(" to %s; see 'baton handover show %ld'\n", to, id);
	}
	goto out;
usage:
	status = cli_usage(cli, usage);
out:
	free(roles);
	baton_error_release(&err);
	store_free(st);
	return status;
}

static int ho_start(int argc, char **argv, struct cli *cli)
{
	return start_like(argc, argv, cli, 0);
}

int cmd_onboard(int argc, char **argv, struct cli *cli)
{
	return start_like(argc, argv, cli, 1);
}

int cmd_offboard(int argc, char **argv, struct cli *cli)
{
	static const char usage[] =
		"baton offboard <person> --to <person> [--on <date>] [--json]";
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "on", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	const char *to = NULL, *on = NULL;
	struct store *st;
	enum baton_code rc;
	long id = 0;
	int c, json = 0, status;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; break;
		case 'o': on = optarg; break;
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc - 1 || !to)
		return cli_usage(cli, usage);
	if (on && !cli_check_date(cli, "--on", on))
		return EXIT_USAGE;
	if (!(st = cli_open(cli, 0, &status)))
		return status;
	rc = handover_offboard(st, argv[optind], to, on, &id, &err);
	if (rc) {
		status = cli_report(cli, &err, rc);
	} else if (json) {
		status = print_handover(cli, st, id, 1);
	} else {
		printf("%s is leaving on %s; started handover %ld of every role to %s;"
		       " see 'baton handover show %ld'\n", argv[optind],
		       on ? on : cli->today, id, to, id);
	}
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* ------------------------------------------------------------------ */
/* handover list, show, export                                         */
/* ------------------------------------------------------------------ */

static int ho_list(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton handover list [--open] [--json]";
	static const struct option opts[] = {
		{ "open", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st;
	json_t *list = NULL, *v, *r;
	enum baton_code rc;
	int c, json = 0, open_only = 0, status;
	size_t i, j;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': open_only = 1; break;
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc)
		return cli_usage(cli, usage);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	rc = handover_list(st, open_only, &list, &err);
	if (rc) {
		status = cli_report(cli, &err, rc);
	} else if (json) {
		cli_print_json(list);
	} else {
		json_array_foreach(list, i, v) {
			printf("%-4lld %-10s %-20s -> %-20s %3lld/%-3lld due %-10s ",
			       (long long)json_integer_value(json_object_get(v, "id")),
			       jstr(v, "state", ""), jstr(v, "from", "(onboarding)"),
			       jstr(v, "to", ""),
			       (long long)json_integer_value(json_object_get(v, "done")),
			       (long long)json_integer_value(json_object_get(v, "items")),
			       jstr(v, "due", "-"));
			json_array_foreach(json_object_get(v, "roles"), j, r)
				printf("%s%s", j ? "," : "", json_string_value(r));
			putchar('\n');
		}
	}
	json_decref(list);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* `show ID` and `export ID`. */
static int show_like(int argc, char **argv, struct cli *cli, int md)
{
	static const char show_usage[] = "baton handover show <id> [--json]";
	static const char export_usage[] = "baton handover export <id>";
	const char *usage = md ? export_usage : show_usage;
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct store *st;
	enum baton_code rc;
	int c, json = 0, status;
	long id;

	while ((c = getopt_long(argc, argv, "h", json_help_opts, NULL)) != -1) {
		switch (c) {
		case 'j': if (md) return cli_usage(cli, usage); json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc - 1)
		return cli_usage(cli, usage);
	if (!(id = parse_id(cli, "handover id", argv[optind])))
		return EXIT_USAGE;
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	if (!md) {
		status = print_handover(cli, st, id, json);
	} else if ((rc = handover_export_md(st, id, &sb, &err))) {
		status = cli_report(cli, &err, rc);
	} else {
		fwrite(sb.buf, 1, sb.len, stdout);
	}
	strbuf_release(&sb);
	baton_error_release(&err);
	store_free(st);
	return status;
}

static int ho_show(int argc, char **argv, struct cli *cli)
{
	return show_like(argc, argv, cli, 0);
}

static int ho_export(int argc, char **argv, struct cli *cli)
{
	return show_like(argc, argv, cli, 1);
}

/* ------------------------------------------------------------------ */
/* handover add, done, undo, note, complete, cancel                    */
/* ------------------------------------------------------------------ */

enum ho_write { HO_ADD, HO_DONE, HO_UNDO, HO_NOTE, HO_COMPLETE, HO_CANCEL };

static int write_like(int argc, char **argv, struct cli *cli, enum ho_write w)
{
	static const char *const usages[] = {
		[HO_ADD] = "baton handover add <id> <text> [--json]",
		[HO_DONE] = "baton handover done <id> <item> [--note <text>] [--json]",
		[HO_UNDO] = "baton handover undo <id> <item> [--json]",
		[HO_NOTE] = "baton handover note <id> <text> [--json]",
		[HO_COMPLETE] = "baton handover complete <id> [--force] [--json]",
		[HO_CANCEL] = "baton handover cancel <id> [--json]",
	};
	static const int nargs[] = { 2, 2, 2, 2, 1, 1 };
	static const struct option opts[] = {
		{ "note", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = usages[w];
	struct baton_error err = BATON_ERROR_INIT;
	const char *note = NULL;
	struct store *st;
	enum baton_code rc = BATON_OK;
	int c, json = 0, force = 0, status;
	long id, item = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': if (w != HO_DONE) return cli_usage(cli, usage); note = optarg; break;
		case 'f': if (w != HO_COMPLETE) return cli_usage(cli, usage); force = 1; break;
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (argc - optind != nargs[w])
		return cli_usage(cli, usage);
	if (!(id = parse_id(cli, "handover id", argv[optind])))
		return EXIT_USAGE;
	if ((w == HO_DONE || w == HO_UNDO) &&
	    !(item = parse_id(cli, "item", argv[optind + 1])))
		return EXIT_USAGE;
	if (!(st = cli_open(cli, 0, &status)))
		return status;
	switch (w) {
	case HO_ADD:
		rc = handover_add_item(st, id, argv[optind + 1], &item, &err);
		break;
	case HO_DONE:
	case HO_UNDO:
		rc = handover_set_done(st, id, item, w == HO_DONE, note, &err);
		break;
	case HO_NOTE:
		rc = handover_add_note(st, id, argv[optind + 1], &err);
		break;
	case HO_COMPLETE:
		rc = handover_complete(st, id, force, &err);
		break;
	case HO_CANCEL:
		rc = handover_cancel(st, id, &err);
		break;
	}
	if (rc) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json) {
		status = print_handover(cli, st, id, 1);
		goto out;
	}
	switch (w) {
	case HO_ADD: printf("handover %ld: added item %ld\n", id, item); break;
	case HO_DONE: printf("handover %ld: item %ld done\n", id, item); break;
	case HO_UNDO: printf("handover %ld: item %ld not done\n", id, item); break;
	case HO_NOTE: printf("handover %ld: note added\n", id); break;
	case HO_COMPLETE: printf("handover %ld completed%s\n", id,
				 force ? " (forced)" : ""); break;
	case HO_CANCEL: printf("handover %ld cancelled\n", id); break;
	}
out:
	baton_error_release(&err);
	store_free(st);
	return status;
}

static int ho_add(int argc, char **argv, struct cli *cli)
{
	return write_like(argc, argv, cli, HO_ADD);
}

static int ho_done(int argc, char **argv, struct cli *cli)
{
	return write_like(argc, argv, cli, HO_DONE);
}

static int ho_undo(int argc, char **argv, struct cli *cli)
{
	return write_like(argc, argv, cli, HO_UNDO);
}

static int ho_note(int argc, char **argv, struct cli *cli)
{
	return write_like(argc, argv, cli, HO_NOTE);
}

static int ho_complete(int argc, char **argv, struct cli *cli)
{
	return write_like(argc, argv, cli, HO_COMPLETE);
}

static int ho_cancel(int argc, char **argv, struct cli *cli)
{
	return write_like(argc, argv, cli, HO_CANCEL);
}

/* ------------------------------------------------------------------ */
/* handover dispatch                                                   */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli *cli);
	const char *help;
} ho_commands[] = {
	{ "start", ho_start, "start a handover and generate its checklist" },
	{ "list", ho_list, "list handovers, newest first" },
	{ "show", ho_show, "show a handover and its checklist" },
	{ "add", ho_add, "add a custom item" },
	{ "done", ho_done, "tick an item, with an optional note" },
	{ "undo", ho_undo, "untick an item" },
	{ "note", ho_note, "add a note to the handover" },
	{ "complete", ho_complete, "apply the handover (holders, knownBy, journal)" },
	{ "cancel", ho_cancel, "cancel an open handover" },
	{ "export", ho_export, "write the handover as a Markdown document" },
};

int cmd_handover(int argc, char **argv, struct cli *cli)
{
	size_t i, n = sizeof(ho_commands) / sizeof(ho_commands[0]);

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *f = argc < 2 ? stderr : stdout;

		fprintf(f, "usage: baton handover <command> [<args>]\n\n");
		for (i = 0; i < n; i++)
			fprintf(f, "  %-9s %s\n", ho_commands[i].name, ho_commands[i].help);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(argv[1], ho_commands[i].name))
			return ho_commands[i].fn(argc - 1, argv + 1, cli);
	return cli_error(cli, EXIT_USAGE,
			 "'%s' is not a handover command; see 'baton handover --help'",
			 argv[1]);
}

/* ------------------------------------------------------------------ */
/* journal                                                             */
/* ------------------------------------------------------------------ */

/* Read all of stdin into sb; 0 on success. */
static int read_stdin(struct strbuf *sb)
{
	char buf[4096];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		strbuf_add(sb, buf, n);
	return ferror(stdin) || !strbuf_ok(sb) ? -1 : 0;
}

int cmd_journal(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton journal <role> [<text> | -] [--json]";
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf text = STRBUF_INIT;
	struct store *st = NULL;
	json_t *list = NULL, *v;
	enum baton_code rc;
	const char *role;
	int c, json = 0, status = 0, adding;
	size_t i;

	while ((c = getopt_long(argc, argv, "h", json_help_opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage(cli, usage);
	role = argv[optind];
	if (argc - optind == 2 && strcmp(argv[optind + 1], "-")) {
		adding = 1;
		strbuf_addstr(&text, argv[optind + 1]);
	} else {
		adding = argc - optind == 2 || !isatty(STDIN_FILENO);
		if (adding && read_stdin(&text)) {
			status = cli_error(cli, EXIT_RUNTIME, "cannot read stdin: %s",
					   strerror(errno));
			goto out;
		}
		/* Drop the final newline of piped text. */
		while (text.len && text.buf[text.len - 1] == '\n')
			text.buf[--text.len] = 0;
		/* Nothing piped in (e.g. </dev/null): show the journal. */
		if (argc - optind == 1 && !text.len)
			adding = 0;
	}
	if (!(st = cli_open(cli, adding ? 0 : STORE_READONLY, &status)))
		goto out;
	if (adding && (rc = journal_add(st, role, text.buf, &err))) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if ((rc = journal_list(st, role, &list, &err))) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (json && adding) {
		cli_print_json(json_array_get(list, 0));
	} else if (json) {
		cli_print_json(list);
	} else if (adding) {
		printf("added to the journal of %s\n", role);
	} else {
		if (!json_array_size(list))
			printf("the journal of %s is empty\n", role);
		json_array_foreach(list, i, v)
			printf("%s%s  %s\n%s\n", i ? "\n" : "", jstr(v, "at", ""),
			       jstr(v, "author", ""), jstr(v, "text", ""));
	}
out:
	json_decref(list);
	strbuf_release(&text);
	baton_error_release(&err);
	store_free(st);
	return status;
}
