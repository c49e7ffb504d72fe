/* model.c - field tables of every kind, and the value rules they use. */
#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Field tables                                                        */
/* ------------------------------------------------------------------ */

static const char *const status_values[] = { "active", "leaving", "left", NULL };
static const char *const holder_values[] = { "primary", "backup", NULL };
static const char *const health_values[] = { "green", "amber", "red", NULL };

static const struct field ignore_fields[] = {
	{ "check", FT_ID, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	{ "reason", FT_STRING, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct field audit_fields[] = {
	{ "ignore", FT_LIST, 0, KIND_NONE, NULL, 0, 0, ignore_fields, "check", NULL },
	{ NULL, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL }
};

#define AUDIT_FIELD { "audit", FT_OBJECT, 0, KIND_NONE, NULL, 0, 0, audit_fields, NULL, NULL }
#define END_FIELD { NULL, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL }
#define S(k) { k, FT_STRING, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL }
#define MD(k) { k, FT_MARKDOWN, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL }
#define DATE(k) { k, FT_DATE, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL }
#define REF(k, kind) { k, FT_REF, 0, kind, NULL, 0, 0, NULL, NULL, NULL }

static const struct field absence_fields[] = {
	{ "from", FT_DATE, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	{ "to", FT_DATE, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	S("reason"),
	END_FIELD
};

static const struct field person_fields[] = {
	S("displayName"),
	S("email"),
	REF("team", KIND_TEAM),
	{ "status", FT_ENUM, 0, KIND_NONE, status_values, 0, 0, NULL, NULL, "active" },
	DATE("leavingOn"),
	{ "absences", FT_LIST, 0, KIND_NONE, NULL, 0, 0, absence_fields, NULL, NULL },
	AUDIT_FIELD,
	END_FIELD
};

static const struct field team_fields[] = {
	S("displayName"),
	REF("parent", KIND_TEAM),
	S("description"),
	S("type"),
	AUDIT_FIELD,
	END_FIELD
};

static const struct field holder_fields[] = {
	{ "person", FT_REF, F_REQUIRED, KIND_PERSON, NULL, 0, 0, NULL, NULL, NULL },
	{ "as", FT_ENUM, 0, KIND_NONE, holder_values, 0, 0, NULL, NULL, "primary" },
	DATE("since"),
	DATE("until"),
	END_FIELD
};

static const struct field responsibility_fields[] = {
	{ "id", FT_ID, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	S("summary"),
	{ "processes", FT_REFLIST, 0, KIND_PROCESS, NULL, 0, 0, NULL, NULL, NULL },
	END_FIELD
};

static const struct field relationship_fields[] = {
	{ "with", FT_WITH, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	S("contact"),
	S("purpose"),
	{ "health", FT_ENUM, 0, KIND_NONE, health_values, 0, 0, NULL, NULL, NULL },
	{ "priority", FT_INT, 0, KIND_NONE, NULL, 1, 3, NULL, NULL, NULL },
	DATE("lastContact"),
	END_FIELD
};

static const struct field journal_fields[] = {
	{ "at", FT_TIMESTAMP, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	S("author"),
	{ "text", FT_MARKDOWN, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	END_FIELD
};

static const struct field role_fields[] = {
	{ "title", FT_STRING, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	REF("team", KIND_TEAM),
	REF("reportsTo", KIND_ROLE),
	S("description"),
	{ "holders", FT_LIST, 0, KIND_NONE, NULL, 0, 0, holder_fields, NULL, NULL },
	{ "responsibilities", FT_LIST, 0, KIND_NONE, NULL, 0, 0, responsibility_fields, "id", NULL },
	{ "relationships", FT_LIST, 0, KIND_NONE, NULL, 0, 0, relationship_fields, NULL, NULL },
	MD("notes"),
	{ "journal", FT_LIST, 0, KIND_NONE, NULL, 0, 0, journal_fields, NULL, NULL },
	AUDIT_FIELD,
	END_FIELD
};

static const struct field process_fields[] = {
	{ "title", FT_STRING, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	REF("owner", KIND_ROLE),
	{ "steps", FT_STRLIST, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	MD("body"),
	{ "systems", FT_STRLIST, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	{ "knownBy", FT_REFLIST, 0, KIND_PERSON, NULL, 0, 0, NULL, NULL, NULL },
	{ "reviewEvery", FT_DURATION, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	DATE("lastReviewed"),
	AUDIT_FIELD,
	END_FIELD
};

static const struct field rule_fields[] = {
	S("title"),
	S("description"),
	{ "topic", FT_TOPIC, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	{ "keywords", FT_STRLIST, 0, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	{ "handler", FT_HANDLER, F_REQUIRED, KIND_NONE, NULL, 0, 0, NULL, NULL, NULL },
	REF("escalateTo", KIND_ROLE),
	REF("process", KIND_PROCESS),
	{ "priority", FT_INT, 0, KIND_NONE, NULL, -1000000, 1000000, NULL, NULL, NULL },
	AUDIT_FIELD,
	END_FIELD
};

static const struct kind_desc kinds[KIND_COUNT] = {
	{ KIND_PERSON, "person", "Person", "people", person_fields },
	{ KIND_TEAM, "team", "Team", "teams", team_fields },
	{ KIND_ROLE, "role", "Role", "roles", role_fields },
	{ KIND_PROCESS, "process", "Process", "processes", process_fields },
	{ KIND_RULE, "rule", "Rule", "rules", rule_fields },
};

const struct kind_desc *kind_desc(enum kind k)
{
	if (k < 0 || k >= KIND_COUNT)
		return NULL;
	return &kinds[k];
}

enum kind kind_parse(const char *s)
{
	int i;

	if (!s)
		return KIND_NONE;
	for (i = 0; i < KIND_COUNT; i++) {
		size_t n = strlen(kinds[i].name);

		if (!strcasecmp(s, kinds[i].name) || !strcasecmp(s, kinds[i].plural))
			return kinds[i].kind;
		/* "persons", "roles": the name with an s */
		if (!strncasecmp(s, kinds[i].name, n) && !strcasecmp(s + n, "s"))
			return kinds[i].kind;
	}
	return KIND_NONE;
}

const struct field *field_find(const struct field *fields, const char *key)
{
	for (; fields && fields->key; fields++)
		if (!strcmp(fields->key, key))
			return fields;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Value rules                                                         */
/* ------------------------------------------------------------------ */

int name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 63)
		return 0;
	if (!isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return 0;
	}
	return 1;
}

static int digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : md[m - 1];
}

static int date_parts(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return 0;
	*y = digits(s, 4);
	*m = digits(s + 5, 2);
	*d = digits(s + 8, 2);
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1)
		return 0;
	return *d <= month_days(*y, *m);
}

int date_valid(const char *s)
{
	int y, m, d;

	return strlen(s) == 10 && date_parts(s, &y, &m, &d);
}

int timestamp_valid(const char *s)
{
	int y, mo, d, h, mi, se;

	if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != 'Z' || !date_parts(s, &y, &mo, &d))
		return 0;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	return h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0 && se < 61;
}

long duration_days(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtol(s, &end, 10);
	if (v < 0 || v > 100000)
		return -1;
	if (!strcmp(end, "d"))
		return v;
	if (!strcmp(end, "w"))
		return v * 7;
	return -1;
}

/* Howard Hinnant's days_from_civil. */
long date_to_days(const char *s)
{
	int y, m, d;
	long era, yoe, doy, doe;

	if (!date_parts(s, &y, &m, &d))
		return 0;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void days_to_date(long z, char out[11])
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = 0;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

enum kind ref_split(const char *s, const char **name, int *is_party)
{
	*is_party = 0;
	*name = NULL;
	if (!strncmp(s, "role:", 5)) {
		*name = s + 5;
		return KIND_ROLE;
	}
	if (!strncmp(s, "person:", 7)) {
		*name = s + 7;
		return KIND_PERSON;
	}
	if (!strncmp(s, "team:", 5)) {
		*name = s + 5;
		return KIND_TEAM;
	}
	if (!strncmp(s, "party:", 6)) {
		*name = s + 6;
		*is_party = 1;
	}
	return KIND_NONE;
}

size_t edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best;
	size_t *row;

	if (la > lb ? la - lb > max : lb - la > max)
		return max + 1;
	row = malloc((lb + 1) * sizeof(*row));
	if (!row)
		return max + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0], tmp;

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) ==
				      tolower((unsigned char)b[j - 1]) ? 0 : 1;
			tmp = row[j];
			row[j] = prev + cost;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
			if (row[j] < best)
				best = row[j];
		}
		if (best > max) {
			free(row);
			return max + 1;
		}
	}
	best = row[lb];
	free(row);
	return best > max ? max + 1 : best;
}
