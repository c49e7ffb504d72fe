/* params.c - strict decoding of request targets, query strings and
 * urlencoded forms (see params.h). Split out of server.c so that the fuzz
 * target tests/fuzz/fuzz_http.c can reach the same code.
 */
#include "params.h"

#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *web_pct_decode(const char *s, size_t n, int plus)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '\0') {
			free(out); /* a raw NUL would cut the value short */
			return NULL;
		} else if (plus && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int web_parse_params(const char *s, size_t n, struct param *p, int *np,
		     int max)
{
	const char *end = s + n;

	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(stop - s));

		if (stop > s) {
			if (*np >= max)
				return -1;
			p[*np].key = web_pct_decode(s, (size_t)((eq ? eq : stop) - s), 1);
			p[*np].value = eq ? web_pct_decode(eq + 1, (size_t)(stop - eq - 1), 1)
					  : strdup("");
			(*np)++;
			if (!p[*np - 1].key || !p[*np - 1].value)
				return -1;
		}
		s = amp ? amp + 1 : end;
	}
	return 0;
}

const char *web_param(const struct param *p, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i].key && !strcmp(p[i].key, key))
			return p[i].value;
	return NULL;
}

int web_parse_target(const char *uri, char **seg, int *nseg, int max_segs,
		     struct param *query, int *nquery, int max_params)
{
	const char *q = strchr(uri, '?');
	const char *end = q ? q : uri + strlen(uri);
	const char *s = uri;

	if (*s != '/')
		return -1;
	while (s < end) {
		const char *slash;

		s++; /* skip '/' */
		slash = memchr(s, '/', (size_t)(end - s));
		if (!slash)
			slash = end;
		if (slash > s) {
			if (*nseg >= max_segs)
				return -1;
			seg[*nseg] = web_pct_decode(s, (size_t)(slash - s), 0);
			if (!seg[*nseg])
				return -1;
			if (!strcmp(seg[*nseg], ".") || !strcmp(seg[*nseg], "..") ||
			    strchr(seg[*nseg], '/')) {
				(*nseg)++;
				return -1;
			}
			(*nseg)++;
		}
		s = slash;
	}
	if (q && web_parse_params(q + 1, strlen(q + 1), query, nquery,
				  max_params))
		return -1;
	return 0;
}

void web_params_free(struct param *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
		p[i].key = p[i].value = NULL;
	}
}
