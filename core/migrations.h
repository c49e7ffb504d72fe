/* migrations.h - the schema migrations compiled in from schemas/NNN_*.sql. */
#ifndef BATON_MIGRATIONS_H
#define BATON_MIGRATIONS_H

struct migration {
	int version;      /* schema version after applying sql */
	const char *file; /* file name under schemas/ */
	const char *sql;
};

/* Sorted by version, ended by an entry with version 0. */
extern const struct migration baton_migrations[];

#endif
