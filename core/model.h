/* model.h - the kinds of entity baton stores and the fields of each.
 *
 * One table of field descriptors per kind drives the YAML loader (what is
 * accepted, with which type), the exporter (field order) and the canonical
 * JSON spec stored in the database. Adding a field is one line here.
 */
#ifndef BATON_MODEL_H
#define BATON_MODEL_H

#include <stddef.h>

enum kind {
	KIND_NONE = -1,
	KIND_PERSON = 0,
	KIND_TEAM,
	KIND_ROLE,
	KIND_PROCESS,
	KIND_RULE,
	KIND_COUNT
};

enum ftype {
	FT_STRING,    /* any scalar, kept as a string */
	FT_MARKDOWN,  /* a string holding Markdown */
	FT_ID,        /* a string following the name rule (responsibility id) */
	FT_REF,       /* the name of an entity of kind `ref` */
	FT_DATE,      /* YYYY-MM-DD */
	FT_TIMESTAMP, /* YYYY-MM-DDTHH:MM:SSZ */
	FT_INT,       /* an integer between min and max */
	FT_ENUM,      /* one of values[] */
	FT_DURATION,  /* Nd or Nw */
	FT_STRLIST,   /* list of strings */
	FT_REFLIST,   /* list of names of kind `ref` */
	FT_LIST,      /* list of objects described by sub[] */
	FT_OBJECT,    /* an object described by sub[] */
	FT_HANDLER,   /* role:NAME or person:NAME */
	FT_WITH,      /* role:NAME, team:NAME or party:"Free text" */
	FT_TOPIC      /* a topic glob */
};

#define F_REQUIRED 1

struct field {
	const char *key;          /* NULL ends a table */
	enum ftype type;
	int flags;
	enum kind ref;            /* FT_REF, FT_REFLIST */
	const char *const *values;/* FT_ENUM, NULL-terminated */
	long min, max;            /* FT_INT */
	const struct field *sub;  /* FT_LIST, FT_OBJECT */
	const char *unique;       /* FT_LIST: key unique within the list */
	const char *dflt;         /* FT_ENUM default filled in when absent */
};

struct kind_desc {
	enum kind kind;
	const char *name;   /* "role": entity prefix in role/NAME */
	const char *yaml;   /* "Role": the YAML kind */
	const char *plural; /* "roles" */
	const struct field *fields;
};

/* Descriptor of a kind; NULL for KIND_NONE or out of range. */
const struct kind_desc *kind_desc(enum kind k);
/* "person", "Person", "people", "persons" -> KIND_PERSON; KIND_NONE when
 * unknown. Case-insensitive. */
enum kind kind_parse(const char *s);
/* Look a field up in a NULL-terminated table; NULL when absent. */
const struct field *field_find(const struct field *fields, const char *key);

/* 1 when s follows the name rule: 1-63 of [A-Za-z0-9._-], starting and
 * ending with a letter or digit. */
int name_valid(const char *s);
/* 1 when s is a real calendar date YYYY-MM-DD. */
int date_valid(const char *s);
/* 1 when s is YYYY-MM-DDTHH:MM:SSZ with a valid date and time. */
int timestamp_valid(const char *s);
/* Days in a duration "180d" / "26w"; -1 when malformed. */
long duration_days(const char *s);
/* Days from 1970-01-01 to a valid date (for comparisons and arithmetic). */
long date_to_days(const char *s);
/* Write the date `days` after 1970-01-01 into out[11]. */
void days_to_date(long days, char out[11]);

/* Split "role:NAME" into kind and name. Returns KIND_ROLE/KIND_PERSON/
 * KIND_TEAM and points *name at the part after the colon; KIND_NONE when
 * there is no known prefix. For "party:..." returns KIND_NONE and sets
 * *is_party. */
enum kind ref_split(const char *s, const char **name, int *is_party);

/* Levenshtein distance, capped at max+1 (cheap for "did you mean"). */
size_t edit_distance(const char *a, const char *b, size_t max);

#endif
