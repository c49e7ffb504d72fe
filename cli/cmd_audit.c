/* cmd_audit.c - the audit commands: audit, busfactor, whatif.
 *
 * The core computes (core/audit.h) and returns JSON; this file only parses
 * options and prints that JSON as text, Markdown or CSV.
 */
#include "audit.h"
#include "cli.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

static const char *const sev_names[] = { "error", "warning", "info" };
static const char *const sev_titles[] = { "Errors", "Warnings", "Info" };
static const char *const sev_colors[] = { "\033[1;31m", "\033[1;33m", "\033[1;36m" };

static int summary_count(const json_t *report, const char *sev)
{
	return (int)json_integer_value(json_object_get(json_object_get(report, "summary"), sev));
}

/* ------------------------------------------------------------------ */
/* Formats                                                             */
/* ------------------------------------------------------------------ */

static void print_text(struct cli *cli, const json_t *report)
{
	const json_t *findings = json_object_get(report, "findings"), *f;
	size_t nsil = json_array_size(json_object_get(report, "silenced")), i;
	int s;

	for (s = 0; s < 3; s++) {
		int n = summary_count(report, sev_names[s]), first = 1;

		if (!n)
			continue;
		json_array_foreach(findings, i, f) {
			if (strcmp(jstr(f, "severity", ""), sev_names[s]))
				continue;
			if (first) {
				printf("%s%s (%d)%s\n", cli->color ? sev_colors[s] : "",
				       sev_titles[s], n, cli->color ? "\033[0m" : "");
				first = 0;
			}
			printf("  %-28s %s%s%s%s\n      %s\n", jstr(f, "check", ""),
			       jstr(f, "entity", ""), json_is_string(json_object_get(f, "team")) ? "  [team " : "",
			       jstr(f, "team", ""), json_is_string(json_object_get(f, "team")) ? "]" : "",
			       jstr(f, "message", ""));
		}
		printf("\n");
	}
	printf("%d error%s, %d warning%s, %d info",
	       summary_count(report, "error"), summary_count(report, "error") == 1 ? "" : "s",
	       summary_count(report, "warning"), summary_count(report, "warning") == 1 ? "" : "s",
	       summary_count(report, "info"));
	if (nsil)
		printf("; %zu silenced", nsil);
	printf("\n");
}

/* A Markdown table cell: pipes escaped, line breaks as spaces. */
static void md_cell(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else if (*s == '\n' || *s == '\r')
			putchar(' ');
		else
			putchar(*s);
	}
}

static void print_md(const json_t *report, const char *date, const char *team)
{
	const json_t *findings = json_object_get(report, "findings"), *f;
	const json_t *sil = json_object_get(report, "silenced");
	size_t i;
	int s;

	printf("# Audit report\n\n");
	printf("As of %s, %s. %d errors, %d warnings, %d info; %zu silenced.\n",
	       date, team ? team : "whole organisation", summary_count(report, "error"),
	       summary_count(report, "warning"), summary_count(report, "info"),
	       json_array_size(sil));
	for (s = 0; s < 3; s++) {
		int n = summary_count(report, sev_names[s]);

		if (!n)
			continue;
		printf("\n## %s (%d)\n\n| Check | Entity | Team | Finding |\n|---|---|---|---|\n",
		       sev_titles[s], n);
		json_array_foreach(findings, i, f) {
			if (strcmp(jstr(f, "severity", ""), sev_names[s]))
				continue;
			printf("| `%s` | `%s` | ", jstr(f, "check", ""), jstr(f, "entity", ""));
			md_cell(jstr(f, "team", ""));
			printf(" | ");
			md_cell(jstr(f, "message", ""));
			printf(" |\n");
		}
	}
	if (json_array_size(sil)) {
		printf("\n## Silenced (%zu)\n\n| Check | Entity | Reason |\n|---|---|---|\n",
		       json_array_size(sil));
		json_array_foreach(sil, i, f) {
			printf("| `%s` | `%s` | ", jstr(f, "check", ""), jstr(f, "entity", ""));
			md_cell(jstr(f, "reason", ""));
			printf(" |\n");
		}
	}
}

/* RFC 4180: quote when needed, double the quotes inside. */
static void csv_field(const char *s, int last)
{
	if (s && strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else if (s) {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static void print_csv(const json_t *report)
{
	const json_t *f;
	size_t i;

	fputs("severity,check,entity,team,message\r\n", stdout);
	json_array_foreach(json_object_get(report, "findings"), i, f) {
		csv_field(jstr(f, "severity", ""), 0);
		csv_field(jstr(f, "check", ""), 0);
		csv_field(jstr(f, "entity", ""), 0);
		csv_field(jstr(f, "team", ""), 0);
		csv_field(jstr(f, "message", ""), 1);
	}
}

/* ------------------------------------------------------------------ */
/* audit                                                               */
/* ------------------------------------------------------------------ */

int cmd_audit(int argc, char **argv, struct cli *cli)
{
	static const char usage[] =
		"baton audit [--format text|json|md|csv] [--json] [--team <team>] [--on <date>]\n"
		"                   [--fail-on error|warning] [--check <id>] [--max-roles <n>]";
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "team", required_argument, NULL, 't' },
		{ "on", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "check", required_argument, NULL, 'c' },
		{ "max-roles", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_opts ao = { NULL, NULL, NULL, 0, NULL, 0 };
	struct baton_error err = BATON_ERROR_INIT;
	const char *format = "text", *fail_on = NULL;
	json_t *report = NULL;
	struct audit_text text;
	struct store *st;
	size_t i;
	enum baton_code rc;
	int c, status;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'j': format = "json"; break;
		case 't': ao.team = optarg; break;
		case 'o': ao.date = optarg; break;
		case 'F': fail_on = optarg; break;
		case 'c': ao.check = optarg; break;
		case 'm':
			ao.max_roles = (int)strtol(optarg, &end, 10);
			if (*end || ao.max_roles < 1 || ao.max_roles > 1000)
				return cli_error(cli, EXIT_USAGE,
						 "--max-roles must be a number from 1 to 1000, got '%s'",
						 optarg);
			break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind < argc)
		return cli_usage(cli, usage);
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "md") &&
	    strcmp(format, "csv"))
		return cli_error(cli, EXIT_USAGE,
				 "--format must be text, json, md or csv, got '%s'", format);
	if (fail_on && strcmp(fail_on, "error") && strcmp(fail_on, "warning"))
		return cli_error(cli, EXIT_USAGE,
				 "--fail-on must be error or warning, got '%s'", fail_on);
	if (ao.date && !cli_check_date(cli, "--on", ao.date))
		return EXIT_USAGE;
	if (ao.check && !audit_check_known(ao.check))
		return cli_error(cli, EXIT_USAGE, "no audit check is called '%s'", ao.check);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	if (!strcmp(format, "json")) {
		/* made as text on the audit's threads: 14 MB at 100,000 people */
		rc = audit_run_text(st, &ao, NULL, &text, &err);
		status = cli_report(cli, &err, rc);
		if (rc == BATON_OK) {
			for (i = 0; i < text.nparts; i++)
				fwrite(text.part[i].buf, 1, text.part[i].len, stdout);
			fputc('\n', stdout);
			status = fail_on && (text.error > 0 ||
					     (!strcmp(fail_on, "warning") && text.warning > 0))
				 ? EXIT_DATA : 0;
		}
		audit_text_release(&text);
		goto out;
	}
	rc = audit_run_parallel(st, &ao, NULL, &report, &err);
	status = cli_report(cli, &err, rc);
	if (rc == BATON_OK) {
		if (!strcmp(format, "md"))
			print_md(report, ao.date ? ao.date : cli->today, ao.team);
		else if (!strcmp(format, "csv"))
			print_csv(report);
		else
			print_text(cli, report);
		status = 0;
		if (fail_on && (summary_count(report, "error") > 0 ||
				(!strcmp(fail_on, "warning") && summary_count(report, "warning") > 0)))
			status = EXIT_DATA;
	}
out:
	json_decref(report);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* ------------------------------------------------------------------ */
/* busfactor                                                           */
/* ------------------------------------------------------------------ */

static void print_people(const json_t *people, const char *after)
{
	const json_t *p;
	size_t i;

	json_array_foreach(people, i, p)
		printf("%s%s", i ? ", " : "", json_string_value(p));
	if (!json_array_size(people))
		printf("-");
	fputs(after, stdout);
}

int cmd_busfactor(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton busfactor [--team <team>] [--json] [--on <date>]";
	static const struct option opts[] = {
		{ "team", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "on", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct busfactor_opts bo = { NULL, NULL, NULL, 0 };
	struct baton_error err = BATON_ERROR_INIT;
	json_t *out = NULL, *t;
	struct store *st;
	enum baton_code rc;
	int c, json = 0, status;
	size_t i;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': bo.team = optarg; break;
		case 'j': json = 1; break;
		case 'o': bo.date = optarg; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind < argc)
		return cli_usage(cli, usage);
	if (bo.date && !cli_check_date(cli, "--on", bo.date))
		return EXIT_USAGE;
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	rc = busfactor_run(st, &bo, &out, &err);
	status = cli_report(cli, &err, rc);
	if (rc == BATON_OK) {
		const json_t *org = json_object_get(out, "organisation");

		if (json) {
			cli_print_json(out);
		} else {
			printf("%-24s %5s %6s  %s\n", "TEAM", "TRUCK", "RESP", "PEOPLE");
			printf("%-24s %5d %6d  ", "(organisation)",
			       (int)json_integer_value(json_object_get(org, "truckFactor")),
			       (int)json_integer_value(json_object_get(org, "responsibilities")));
			print_people(json_object_get(org, "people"), "\n");
			json_array_foreach(json_object_get(out, "teams"), i, t) {
				int tf = (int)json_integer_value(json_object_get(t, "truckFactor"));
				int n = (int)json_integer_value(json_object_get(t, "responsibilities"));
				int warn = cli->color && n > 0 && tf <= 1;

				printf("%s%-24s %5d %6d%s  ", warn ? "\033[1;31m" : "",
				       jstr(t, "team", ""), tf, n, warn ? "\033[0m" : "");
				print_people(json_object_get(t, "people"), "\n");
			}
		}
	}
	json_decref(out);
	baton_error_release(&err);
	store_free(st);
	return status;
}

/* ------------------------------------------------------------------ */
/* whatif                                                              */
/* ------------------------------------------------------------------ */

static void print_findings_list(const char *title, const json_t *list)
{
	const json_t *f;
	size_t i;

	printf("%s (%zu)\n", title, json_array_size(list));
	json_array_foreach(list, i, f)
		printf("  %-7s %-26s %s\n      %s\n", jstr(f, "severity", ""),
		       jstr(f, "check", ""), jstr(f, "entity", ""), jstr(f, "message", ""));
}

int cmd_whatif(int argc, char **argv, struct cli *cli)
{
	static const char usage[] = "baton whatif [--json] [--on <date>] <person>...";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "on", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct whatif_opts wo = { NULL, NULL, 0, 0 };
	struct baton_error err = BATON_ERROR_INIT;
	json_t *out = NULL, *x;
	struct store *st;
	enum baton_code rc;
	int c, json = 0, status;
	size_t i;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'o': wo.date = optarg; break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage(cli, usage);
		}
	}
	if (optind >= argc)
		return cli_usage(cli, usage);
	if (wo.date && !cli_check_date(cli, "--on", wo.date))
		return EXIT_USAGE;
	wo.people = (const char *const *)argv + optind;
	wo.npeople = (size_t)(argc - optind);
	if (!(st = cli_open(cli, STORE_READONLY, &status)))
		return status;
	rc = whatif_run(st, &wo, &out, &err);
	status = cli_report(cli, &err, rc);
	if (rc == BATON_OK && json) {
		cli_print_json(out);
	} else if (rc == BATON_OK) {
		printf("What if ");
		print_people(json_object_get(out, "people"), " ");
		printf("left on %s:\n\n", wo.date ? wo.date : cli->today);
		print_findings_list("New findings", json_object_get(out, "newFindings"));
		print_findings_list("Resolved findings", json_object_get(out, "resolvedFindings"));
		printf("Truck factors that drop (%zu)\n",
		       json_array_size(json_object_get(out, "truckFactors")));
		json_array_foreach(json_object_get(out, "truckFactors"), i, x)
			printf("  %-24s %d -> %d\n", jstr(x, "team", "(organisation)"),
			       (int)json_integer_value(json_object_get(x, "before")),
			       (int)json_integer_value(json_object_get(x, "after")));
		printf("Routes that change (%zu)\n",
		       json_array_size(json_object_get(out, "routes")));
		json_array_foreach(json_object_get(out, "routes"), i, x)
			printf("  rule/%s (role %s): %s -> %s\n", jstr(x, "rule", ""),
			       jstr(x, "role", "-"), jstr(x, "before", ""), jstr(x, "after", ""));
	}
	json_decref(out);
	baton_error_release(&err);
	store_free(st);
	return status;
}
