/* cmd_serve.c - the web face from the command line: serve, token, graph. */
#include "cli.h"
#include "model.h"
#include "../web/auth.h"
#include "../web/graph.h"
#include "../web/server.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* serve                                                               */
/* ------------------------------------------------------------------ */

static void serve_ready(const char *url, void *arg)
{
	const char *db = arg;

	printf("baton: serving '%s' at %s (Ctrl-C stops)\n", db, url);
	fflush(stdout);
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080" into address and port; 0 on
 * success. `buf` holds the address. */
static int parse_listen(const char *s, char *buf, size_t n, unsigned short *port)
{
	const char *colon;
	char *end;
	unsigned long p;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= n)
			return -1;
		snprintf(buf, n, "%.*s", (int)(close - s - 1), s + 1);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= n)
			return -1;
		snprintf(buf, n, "%.*s", (int)(colon - s), s);
		if (!buf[0])
			snprintf(buf, n, "127.0.0.1");
	}
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p > 65535)
		return -1;
	*port = (unsigned short)p;
	return 0;
}

/* A decimal number in [min, max], else -1. */
static long serve_number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end || v < min || v > max ? -1 : v;
}

int cmd_serve(int argc, char **argv, struct cli *cli)
{
	static const char usage[] =
		"baton serve [--listen <addr>:<port>] [--read-only] [--timeout <seconds>]"
		" [--max-connections <n>]";
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct web_config cfg;
	const char *listen = "127.0.0.1:8080", *life;
	char addr[64];
	long n;
	enum baton_code rc;
	int c, status;

	memset(&cfg, 0, sizeof(cfg));
	while ((c = getopt_long(argc, argv, "l:rt:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'r': cfg.read_only = 1; break;
		case 't':
			if ((n = serve_number(optarg, 1, 3600)) < 0)
				return cli_error(cli, EXIT_USAGE,
					"--timeout must be 1 to 3600 seconds, got '%s'", optarg);
			cfg.timeout = (unsigned)n;
			break;
		case 'm':
			if ((n = serve_number(optarg, 2, 10000)) < 0)
				return cli_error(cli, EXIT_USAGE,
					"--max-connections must be 2 to 10000, got '%s'", optarg);
			cfg.max_connections = (unsigned)n;
			break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc)
		return cli_usage(cli, usage);
	if (parse_listen(listen, addr, sizeof(addr), &cfg.port))
		return cli_error(cli, EXIT_USAGE,
			"--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080, got '%s'",
			listen);
	cfg.db_path = cli->db_path;
	cfg.address = addr;
	cfg.fixed_now = getenv("BATON_NOW");
	/* Session lifetime in seconds, for tests and short-lived demos. */
	if ((life = getenv("BATON_SESSION_SECONDS")) && *life &&
	    (cfg.session_seconds = serve_number(life, 1, WEB_SESSION_DEFAULT)) < 0)
		return cli_error(cli, EXIT_USAGE,
			"BATON_SESSION_SECONDS must be 1 to %d, got '%s'",
			WEB_SESSION_DEFAULT, life);
	cfg.ready = serve_ready;
	cfg.ready_arg = (void *)cli->db_path;
	rc = web_serve(&cfg, &err);
	status = rc ? cli_report(cli, &err, rc) : 0;
	baton_error_release(&err);
	return status;
}

/* ------------------------------------------------------------------ */
/* token create|list|revoke                                            */
/* ------------------------------------------------------------------ */

static const char token_usage[] =
	"baton token create <name> | token list [--json] | token revoke <name>";

static int token_create(int argc, char **argv, struct cli *cli,
			struct store *st, struct baton_error *err)
{
	char token[AUTH_HEX_LEN];
	enum baton_code rc;

	if (argc != 2)
		return cli_usage(cli, token_usage);
	if ((rc = auth_token_create(st, argv[1], token, err)))
		return cli_report(cli, err, rc);
	printf("created token '%s'; it is shown only now, keep it:\n%s\n",
	       argv[1], token);
	sodium_memzero(token, sizeof(token));
	return 0;
}

static int token_list(int argc, char **argv, struct cli *cli,
		      struct store *st, struct baton_error *err)
{
	json_t *list = NULL, *e;
	enum baton_code rc;
	size_t i;
	int json = argc == 2 && !strcmp(argv[1], "--json");

	if (argc > 2 || (argc == 2 && !json))
		return cli_usage(cli, token_usage);
	if ((rc = auth_token_list(st, &list, err)))
		return cli_report(cli, err, rc);
	if (json) {
		cli_print_json(list);
	} else {
		if (!json_array_size(list))
			printf("no tokens; 'baton token create NAME' makes one\n");
		json_array_foreach(list, i, e)
			printf("%-20s created %s by %s, last used %s\n",
			       jstr(e, "name", ""), jstr(e, "createdAt", ""),
			       jstr(e, "createdBy", ""), jstr(e, "lastUsed", "never"));
	}
	json_decref(list);
	return 0;
}

static int token_revoke(int argc, char **argv, struct cli *cli,
			struct store *st, struct baton_error *err)
{
	enum baton_code rc;

	if (argc != 2)
		return cli_usage(cli, token_usage);
	if ((rc = auth_token_revoke(st, argv[1], err)))
		return cli_report(cli, err, rc);
	printf("revoked token '%s'\n", argv[1]);
	return 0;
}

int cmd_token(int argc, char **argv, struct cli *cli)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **, struct cli *, struct store *,
			  struct baton_error *);
		int flags;
	} subs[] = {
		{ "create", token_create, 0 },
		{ "list", token_list, STORE_READONLY },
		{ "revoke", token_revoke, 0 },
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct store *st;
	size_t i;
	int status;

	if (argc < 2)
		return cli_usage(cli, token_usage);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: %s\n", token_usage);
		return 0;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(subs[i].name, argv[1]))
			break;
	if (i == sizeof(subs) / sizeof(subs[0]))
		return cli_error(cli, EXIT_USAGE,
			"unknown subcommand '%s' (create, list or revoke)", argv[1]);
	if (sodium_init() < 0)
		return cli_error(cli, EXIT_RUNTIME, "cannot initialise libsodium");
	if (!(st = cli_open(cli, subs[i].flags, &status)))
		return status;
	status = subs[i].fn(argc - 1, argv + 1, cli, st, &err);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* ------------------------------------------------------------------ */
/* graph                                                               */
/* ------------------------------------------------------------------ */

int cmd_graph(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton graph [--team <team>] [--format dot|svg]";
	static const struct option opts[] = {
		{ "team", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct baton_error err = BATON_ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	const char *team = NULL, *format = "dot";
	struct store *st;
	json_t *g = NULL;
	enum baton_code rc;
	int c, status;

	while ((c = getopt_long(argc, argv, "t:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': team = optarg; break;
		case 'f': format = optarg; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind != argc)
		return cli_usage(cli, usage);
	if (strcmp(format, "dot") && strcmp(format, "svg"))
		return cli_error(cli, EXIT_USAGE, "--format must be dot or svg, got '%s'",
				 format);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	if ((rc = graph_load(st, team, &g, &err))) {
		status = cli_report(cli, &err, rc);
		goto out;
	}
	if (!strcmp(format, "svg"))
		graph_svg(&sb, g);
	else
		graph_dot(&sb, g);
	if (!strbuf_ok(&sb)) {
		status = cli_error(cli, EXIT_RUNTIME, "out of memory");
		goto out;
	}
	fwrite(sb.buf, 1, sb.len, stdout);
out:
	strbuf_release(&sb);
	json_decref(g);
	baton_error_release(&err);
	store_free(st);
	return status;
}
