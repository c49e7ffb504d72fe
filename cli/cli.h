/* cli.h - what every command of the baton command line shares.
 *
 * Commands are `int cmd_NAME(int argc, char **argv, struct cli *cli)`,
 * listed in main.c's table; argv[0] is the command name. They return the
 * exit status (0 ok, 1 data, 2 usage, 3 runtime). Only cli/ prints or exits.
 */
#ifndef BATON_CLI_H
#define BATON_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "error.h"
#include "store.h"

struct cli {
	const char *db_path;  /* --db, $BATON_DB, ./baton.db */
	const char *actor;    /* --as, $USER */
	const char *cmd;      /* the command being run, for messages */
	char now[32];         /* $BATON_NOW or the clock, UTC */
	char today[11];
	int color;            /* stdout is a terminal */
};

/* Exit statuses. */
enum { EXIT_DATA = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

/* "baton: CMD: message" on stderr; returns the status given. */
int cli_error(struct cli *cli, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print a usage message on stderr and return EXIT_USAGE. */
int cli_usage(struct cli *cli, const char *usage);
/* Print every diagnostic: located ones as FILE:LINE:COLUMN: error: ...,
 * others as baton: CMD: .... Returns the exit status for err->code (or for
 * `fallback` when err holds no code). */
int cli_report(struct cli *cli, const struct baton_error *err,
	       enum baton_code fallback);
/* Open the database with the command's actor and clock; NULL after
 * printing the error (status in *status). */
struct store *cli_open(struct cli *cli, int flags, int *status);
/* Print a JSON value, indented, with a newline. */
void cli_print_json(const json_t *v);
/* 1 when s is a valid YYYY-MM-DD; otherwise prints an error. */
int cli_check_date(struct cli *cli, const char *opt, const char *s);
/* A string field of a JSON object, or `dflt` when absent/null. */
const char *jstr(const json_t *obj, const char *key, const char *dflt);

/* Commands (cmd_org.c) */
int cmd_init(int argc, char **argv, struct cli *cli);
int cmd_check(int argc, char **argv, struct cli *cli);
int cmd_import(int argc, char **argv, struct cli *cli);
int cmd_export(int argc, char **argv, struct cli *cli);
int cmd_ls(int argc, char **argv, struct cli *cli);
int cmd_show(int argc, char **argv, struct cli *cli);
int cmd_who(int argc, char **argv, struct cli *cli);
int cmd_log(int argc, char **argv, struct cli *cli);
/* Commands (cmd_route.c) */
int cmd_route(int argc, char **argv, struct cli *cli);
int cmd_search(int argc, char **argv, struct cli *cli);
int cmd_away(int argc, char **argv, struct cli *cli);

/* Commands (cmd_data.c) */
int cmd_backup(int argc, char **argv, struct cli *cli);
int cmd_revert(int argc, char **argv, struct cli *cli);

/* Commands (cmd_handover.c) */
int cmd_handover(int argc, char **argv, struct cli *cli);
int cmd_onboard(int argc, char **argv, struct cli *cli);
int cmd_offboard(int argc, char **argv, struct cli *cli);
int cmd_journal(int argc, char **argv, struct cli *cli);
/* Commands (cmd_serve.c) */
int cmd_serve(int argc, char **argv, struct cli *cli);
int cmd_token(int argc, char **argv, struct cli *cli);
int cmd_graph(int argc, char **argv, struct cli *cli);

/* Commands (cmd_audit.c) */
int cmd_audit(int argc, char **argv, struct cli *cli);
int cmd_busfactor(int argc, char **argv, struct cli *cli);
int cmd_whatif(int argc, char **argv, struct cli *cli);

#endif
