/* params.h - strict decoding of request targets, query strings and
 * urlencoded forms for the web server (and its fuzz target).
 */
#ifndef BATON_WEB_PARAMS_H
#define BATON_WEB_PARAMS_H

#include <stddef.h>

/* One decoded "key=value" pair; both strings malloc'd. */
struct param {
	char *key, *value;
};

/* Strict percent-decoding of s[0..n) into a new string ('+' is a space
 * when plus). NULL for a bad escape, an encoded or raw NUL or no memory:
 * either way the request is refused. */
char *web_pct_decode(const char *s, size_t n, int plus);

/* "a=1&b=2" (s[0..n), no NUL needed) appended to p[*np..max); 0 on
 * success, -1 for bad encoding or more than max fields. Whatever was
 * appended (even on failure) is the caller's to free with web_params_free. */
int web_parse_params(const char *s, size_t n, struct param *p, int *np,
		     int max);

/* The value of the first field named key, or NULL. */
const char *web_param(const struct param *p, int n, const char *key);

/* Split the raw request target uri ("/a/b%20c?x=1") into decoded path
 * segments (at most max_segs; "." and ".." and an encoded '/' refused) and
 * query params (at most max_params). 0 on success, -1 to refuse; segments
 * and params appended so far are the caller's to free either way. */
int web_parse_target(const char *uri, char **seg, int *nseg, int max_segs,
		     struct param *query, int *nquery, int max_params);

/* Free the strings of p[0..n). */
void web_params_free(struct param *p, int n);

#endif
