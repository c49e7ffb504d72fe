/* load.h - read baton YAML files into validated entity specs.
 *
 * The loader streams: it parses one YAML document at a time with libyaml,
 * validates it against the field tables of model.h and hands the result
 * (kind, name, canonical JSON spec, the source location, and every
 * reference it makes with its location) to a callback, then frees it. It
 * never holds more than one document tree. Every problem is recorded in the
 * caller's struct baton_error with FILE:LINE:COLUMN and loading goes on, so
 * one run reports them all. References are checked by the consumer (the
 * importer), which knows the database.
 */
#ifndef BATON_LOAD_H
#define BATON_LOAD_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "model.h"

struct load_ref {
	enum kind kind;    /* kind of the entity referred to */
	char *name;        /* its name */
	int line, column;  /* where the reference is written */
	const char *field; /* the field it sits in, e.g. "team" (static) */
};

struct load_decl {
	enum kind kind;
	const char *name;
	json_t *spec;            /* canonical spec; borrowed by the callback */
	const char *file;
	int line, column;        /* of the document's `kind:` */
	struct load_ref *refs;   /* references made by this entity */
	size_t nrefs;
	int invalid;             /* the document had errors (already recorded):
				    its name and references still count for
				    duplicate and reference checks, but it must
				    not be written */
};

/* Called once per document that has a kind and a valid name; return BATON_OK to go on, anything else
 * to stop the load (a fatal error: out of memory, database failure). */
typedef enum baton_code (*load_fn)(const struct load_decl *d, void *data);

/* How load_path_as() reads a file. */
enum load_format {
	LOAD_AUTO, /* by name: *.csv is CSV, anything else YAML */
	LOAD_YAML, /* baton or Backstage YAML */
	LOAD_CSV   /* files are people CSV (see csv.h); directories are
		      still walked for *.yaml and *.yml */
};

/* Load a file, or a directory recursively (*.yaml and *.yml, in sorted
 * path order, hidden entries skipped); a file named *.csv is read as a
 * people CSV. Validation problems are recorded in
 * err and loading continues; the return value is BATON_OK when the files
 * could be read (even with validation errors: see err->nerrors), BATON_IO
 * for an unreadable path, or the callback's fatal code. */
enum baton_code load_path(const char *path, load_fn fn, void *data,
			  struct baton_error *err);
/* The same with an explicit format (`baton import --format csv`). YAML
 * documents with a Backstage apiVersion are converted (see backstage.h);
 * the Backstage checks that need every document (parent/children
 * agreement, skipped-kind summaries) run once at the end of each call. */
enum baton_code load_path_as(const char *path, enum load_format format,
			     load_fn fn, void *data, struct baton_error *err);
/* load_path_as(), feeding every byte it reads to the BLAKE2b state the
 * caller initialised (libsodium's crypto_generichash_state, opaque here),
 * file by file: name, bytes, size; the same scheme as load_digest(). */
enum baton_code load_path_hashed(const char *path, enum load_format format,
				 load_fn fn, void *data, void *blake2b_state,
				 struct baton_error *err);

/* A digest of what load_path_as() would read for path and format: every
 * file it would open (for a directory the same walk: *.yaml and *.yml in
 * sorted order, hidden entries skipped), by name, size and content, fed to
 * the BLAKE2b state (libsodium's crypto_generichash, opaque here) that the
 * caller initialised. Equal digests mean the loads would see the same
 * bytes. BATON_IO when a path or file cannot be read. */
enum baton_code load_digest(const char *path, enum load_format format,
			    void *blake2b_state, struct baton_error *err);

/* The same for a buffer already in memory; `label` names it in messages. */
enum baton_code load_buffer(const char *label, const char *buf, size_t len,
			    load_fn fn, void *data, struct baton_error *err);

#endif
