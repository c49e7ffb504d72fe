/* main.c - baton's command line: global options and the command table. */
#include "cli.h"
#include "model.h"
#include "store.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef BATON_VERSION
#define BATON_VERSION "0.1.0"
#endif

static int cmd_version(int argc, char **argv, struct cli *cli);
static int cmd_help(int argc, char **argv, struct cli *cli);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli *cli);
	const char *summary;
};

/* One table drives dispatch (git's run_builtin); keep it sorted by group. */
static const struct command commands[] = {
	{ "init", cmd_init, "create an empty database" },
	{ "check", cmd_check, "validate YAML files without a database" },
	{ "import", cmd_import, "apply YAML files to the database" },
	{ "export", cmd_export, "write the database back as YAML" },
	{ "ls", cmd_ls, "list people, teams, roles, processes or rules" },
	{ "show", cmd_show, "show one entity as YAML or JSON" },
	{ "who", cmd_who, "a person, role or team at a glance" },
	{ "log", cmd_log, "the change log" },
	{ "revert", cmd_revert, "undo one change from the log" },
	{ "backup", cmd_backup, "copy the database safely, even while in use" },
	{ "route", cmd_route, "who handles a request (topic or free text)" },
	{ "search", cmd_search, "search roles, responsibilities, processes, rules" },
	{ "away", cmd_away, "record or clear a person's absence" },
	{ "handover", cmd_handover, "hand roles over with a checklist" },
	{ "onboard", cmd_onboard, "start a handover to a newcomer" },
	{ "offboard", cmd_offboard, "mark a person leaving and hand over their roles" },
	{ "journal", cmd_journal, "read or add to a role's journal" },
	{ "audit", cmd_audit, "find undocumented dependencies and single points of failure" },
	{ "busfactor", cmd_busfactor, "truck factor of each team and of the organisation" },
	{ "whatif", cmd_whatif, "what breaks if these people leave" },
	{ "graph", cmd_graph, "the relationship map as Graphviz dot or SVG" },
	{ "serve", cmd_serve, "the web UI and JSON API" },
	{ "token", cmd_token, "create, list or revoke web API tokens" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "list the commands" },
};

/* ------------------------------------------------------------------ */
/* Shared helpers                                                      */
/* ------------------------------------------------------------------ */

int cli_error(struct cli *cli, int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "baton: %s: ", cli->cmd ? cli->cmd : "error");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int cli_usage(struct cli *cli, const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	return EXIT_USAGE;
}

int cli_report(struct cli *cli, const struct baton_error *err,
	       enum baton_code fallback)
{
	size_t i;

	for (i = 0; i < err->n; i++) {
		const struct baton_diag *d = &err->diags[i];

		if (d->file) {
			char *s = baton_diag_format(d);

			fprintf(stderr, "%s\n", s ? s : d->message);
			free(s);
		} else if (d->severity == BATON_SEV_ERROR) {
			fprintf(stderr, "baton: %s: %s\n", cli->cmd, d->message);
		} else {
			fprintf(stderr, "baton: %s: %s: %s\n", cli->cmd,
				d->severity == BATON_SEV_WARNING ? "warning" : "note",
				d->message);
		}
	}
	if (err->oom)
		fprintf(stderr, "baton: %s: out of memory (some messages were lost)\n",
			cli->cmd);
	return baton_exit_status(err->code ? err->code : fallback);
}

struct store *cli_open(struct cli *cli, int flags, int *status)
{
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st = NULL;
	enum baton_code rc = store_open(cli->db_path, flags, &st, &err);

	if (rc) {
		*status = cli_report(cli, &err, rc);
		baton_error_release(&err);
		return NULL;
	}
	store_set_actor(st, cli->actor);
	store_set_clock(st, cli->now, cli->today);
	/* BATON_MAX_PAGES=N caps the database at N pages: a full disk on demand,
	 * for testing that a write failing half-way loses nothing. */
	if (getenv("BATON_MAX_PAGES")) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA max_page_count = %ld",
			 strtol(getenv("BATON_MAX_PAGES"), NULL, 10));
		if ((rc = store_exec(st, pragma, &err))) {
			*status = cli_report(cli, &err, rc);
			baton_error_release(&err);
			store_free(st);
			return NULL;
		}
	}
	*status = 0;
	return st;
}

/* jansson's dumper hands its output over a few bytes at a time (a
 * callback per token); gathered here into one buffer, a large report (the
 * audit of 100,000 people) is written in big pieces. */
struct json_out {
	char buf[65536];
	size_t n;
};

static int json_out_add(const char *s, size_t len, void *data)
{
	struct json_out *o = data;

	if (o->n + len > sizeof(o->buf)) {
		fwrite(o->buf, 1, o->n, stdout);
		o->n = 0;
		if (len > sizeof(o->buf)) {
			fwrite(s, 1, len, stdout);
			return 0;
		}
	}
	memcpy(o->buf + o->n, s, len);
	o->n += len;
	return 0;
}

void cli_print_json(const json_t *v)
{
	struct json_out *o = malloc(sizeof(*o));

	if (!o) {
		json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	} else {
		o->n = 0;
		json_dump_callback(v, json_out_add, o,
				   JSON_INDENT(2) | JSON_ENCODE_ANY);
		fwrite(o->buf, 1, o->n, stdout);
		free(o);
	}
	fputc('\n', stdout);
}

int cli_check_date(struct cli *cli, const char *opt, const char *s)
{
	if (date_valid(s))
		return 1;
	cli_error(cli, EXIT_USAGE, "%s must be a date YYYY-MM-DD, got '%s'", opt, s);
	return 0;
}

const char *jstr(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : dflt;
}

/* ------------------------------------------------------------------ */
/* Built-in commands                                                   */
/* ------------------------------------------------------------------ */

static int cmd_version(int argc, char **argv, struct cli *cli)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: baton version\n");
		return 0;
	}
	if (argc > 1)
		return cli_usage(cli, "baton version");
	printf("baton %s (schema %d, SQLite %s)\n", BATON_VERSION,
	       store_schema_version(), sqlite3_libversion());
	return 0;
}

static int cmd_help(int argc, char **argv, struct cli *cli)
{
	size_t i;

	printf("usage: baton [--db <path>] [--as <actor>] <command> [<args>]\n\n"
	       "Work attached to roles, not people.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\n'baton <command> --help' describes a command; 'man baton' has the rest.\n");
	return 0;
}

static void set_clock(struct cli *cli)
{
	const char *fixed = getenv("BATON_NOW");
	time_t t = time(NULL);
	struct tm tm;

	/* BATON_NOW=YYYY-MM-DDTHH:MM:SSZ fixes the clock (tests, replays). */
	if (fixed && strlen(fixed) == 20) {
		snprintf(cli->now, sizeof(cli->now), "%s", fixed);
	} else {
		gmtime_r(&t, &tm);
		strftime(cli->now, sizeof(cli->now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	snprintf(cli->today, sizeof(cli->today), "%.10s", cli->now);
}

/* jemalloc's options, read at its start when baton is linked with it
 * (Makefile; a plain variable otherwise): transparent huge pages for its
 * memory and metadata. The audit and the import touch much fresh memory,
 * and a page fault is slow on a virtual machine: at 100k people the audit
 * took 26,500 of them, 7,500 with this (about 12% less CPU). */
const char *malloc_conf = "thp:always,metadata_thp:always";

int main(int argc, char **argv)
{
	struct cli cli;
	const char *env;
	size_t i;
	int status;

	/* The loader allocates and frees a document tree per YAML document;
	 * without this glibc returns memory to the kernel after each one and
	 * an import spends a quarter of its time in brk(). */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);

	memset(&cli, 0, sizeof(cli));
	env = getenv("BATON_DB");
	cli.db_path = env && *env ? env : "baton.db";
	env = getenv("USER");
	cli.actor = env && *env ? env : "baton";
	cli.cmd = "baton";
	cli.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	set_clock(&cli);

	argv++, argc--;
	while (argc > 0 && argv[0][0] == '-') {
		const char *a = argv[0];

		if (!strcmp(a, "--db") || !strcmp(a, "--as")) {
			if (argc < 2)
				return cli_error(&cli, EXIT_USAGE, "%s needs a value", a);
			if (!strcmp(a, "--db"))
				cli.db_path = argv[1];
			else
				cli.actor = argv[1];
			argv += 2, argc -= 2;
		} else if (!strncmp(a, "--db=", 5)) {
			cli.db_path = a + 5;
			argv++, argc--;
		} else if (!strncmp(a, "--as=", 5)) {
			cli.actor = a + 5;
			argv++, argc--;
		} else if (!strcmp(a, "--version")) {
			return cmd_version(0, NULL, &cli);
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			return cmd_help(0, NULL, &cli);
		} else {
			return cli_error(&cli, EXIT_USAGE, "unknown option '%s'", a);
		}
	}
	if (argc == 0) {
		cmd_help(0, NULL, &cli);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[0]))
			continue;
		cli.cmd = commands[i].name;
		optind = 0; /* reset getopt for the command */
		status = commands[i].fn(argc, argv, &cli);
		if (fflush(stdout) != 0 || ferror(stdout))
			return cli_error(&cli, EXIT_RUNTIME, "cannot write output: %s",
					 strerror(errno));
		return status;
	}
	return cli_error(&cli, EXIT_USAGE, "'%s' is not a baton command; see 'baton help'",
			 argv[0]);
}
