/* search.h - free-text search (SQLite FTS5, bm25) over rules, roles,
 * responsibilities and processes.
 *
 * The documents live in search_doc / search (schemas/003_search.sql) and are
 * maintained by core/entity.c with every entity write. User text never
 * reaches FTS5 as query syntax: it is cut into words, each word is quoted as
 * an FTS5 string and the words are joined with OR, so '"', '*', NEAR, AND or
 * '(' in the input are only ever searched for, never parsed.
 */
#ifndef BATON_SEARCH_H
#define BATON_SEARCH_H

#include <jansson.h>

#include "error.h"
#include "store.h"

/* bm25 column weights of search(title, keywords, body, topic): a rule's
 * keywords weigh most, then titles and summaries, then topics and names,
 * then incidental words in descriptions and steps. */
#define SEARCH_W_TITLE "4.0"
#define SEARCH_W_KEYWORDS "10.0"
#define SEARCH_W_BODY "1.0"
#define SEARCH_W_TOPIC "2.0"

/* Turn free text into a safe FTS5 query: each word (a run of characters
 * other than whitespace and punctuation) quoted with '"' doubled, common
 * English stop words dropped (unless nothing else is left), at most 32
 * words, joined by " OR ". Returns a malloc'd string, "" when the text has
 * no words (the caller should then not search), NULL when out of memory or
 * text is NULL. */
char *search_fts_query(const char *text);

/* Rank the search documents for `text`, best first, at most `limit`
 * (1..100; other values mean 10). *out is a new JSON object
 *   {"query": TEXT, "results": [{"kind": "rule"|"role"|"responsibility"|
 *    "process", "name", "id" (responsibility id or null), "title",
 *    "role" (the role a hit routes to, or null),
 *    "handler" (where it routes: "role:NAME" / "person:NAME" or null),
 *    "score" (higher is better), "snippet" (matches in [brackets])}]}
 * that the caller json_decref()s. Text with no words gives no results
 * (BATON_OK). Errors: BATON_DB, BATON_NOMEM.
 *
 * The first call on a connection registers the FTS5 auxiliary function
 * baton_bm25 on it; the connection then remembers the document counts of
 * the words it searched until the database changes (see search.c). */
enum baton_code search_text(struct store *st, const char *text, int limit,
			    json_t **out, struct baton_error *err);

#endif
