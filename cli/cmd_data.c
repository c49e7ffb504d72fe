/* cmd_data.c - keeping the data safe: backup, revert. */
#include "cli.h"
#include "revert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cmd_backup(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton backup <file>";
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st;
	enum baton_code rc;
	int status;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s\n", usage);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(cli, usage);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	rc = store_backup(st, argv[1], &err);
	status = cli_report(cli, &err, rc);
	if (!rc)
		printf("backed up %s to %s\n", cli->db_path, argv[1]);
	baton_error_release(&err);
	store_free(st);
	return status;
}

int cmd_revert(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton revert <event-id> [--force]";
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st;
	enum baton_code rc;
	int c, force = 0, status;
	long long id;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc - 1)
		return cli_usage(cli, usage);
	errno = 0;
	id = strtoll(argv[optind], &end, 10);
	if (errno || *end || id <= 0)
		return cli_error(cli, EXIT_USAGE, "'%s' is not an event id (see 'baton log')",
				 argv[optind]);
	if (!(st = cli_open(cli, 0, &status)))
		return status;
	rc = revert_event(st, id, force, &err);
	status = cli_report(cli, &err, rc);
	if (!rc)
		printf("reverted event %lld\n", id);
	baton_error_release(&err);
	store_free(st);
	return status;
}
