/* fuzz_http.c - fuzz target for the web server's strict decoders
 * (web/params.h): the input is tried as a raw request target, as an
 * urlencoded form body (no NUL terminator: the parser must stay inside
 * [data, data + size)) and as one percent-encoded string. Checks that
 * nothing decodes to a string with a NUL or a path segment with '/', "."
 * or "..", and that the counts stay within their bounds.
 */
#include "fuzz.h"

#include <string.h>

#include "../../web/params.h"

enum { HTTP_SEGS = 8, HTTP_PARAMS = 16 };

int fuzz_http(const uint8_t *data, size_t size)
{
	char *uri = malloc(size + 1), *dec, *seg[HTTP_SEGS];
	struct param q[HTTP_PARAMS], f[HTTP_PARAMS];
	int nseg = 0, nq = 0, nf = 0, rc, i;

	if (!uri)
		return 0;
	memcpy(uri, data, size);
	uri[size] = '\0';
	rc = web_parse_target(uri, seg, &nseg, HTTP_SEGS, q, &nq, HTTP_PARAMS);
	FUZZ_ASSERT(nseg >= 0 && nseg <= HTTP_SEGS && nq >= 0 && nq <= HTTP_PARAMS);
	if (rc == 0) {
		FUZZ_ASSERT(uri[0] == '/');
		for (i = 0; i < nseg; i++) {
			FUZZ_ASSERT(seg[i][0] != '\0');
			FUZZ_ASSERT(!strchr(seg[i], '/'));
			FUZZ_ASSERT(strcmp(seg[i], ".") && strcmp(seg[i], ".."));
		}
		for (i = 0; i < nq; i++) {
			FUZZ_ASSERT(q[i].key && q[i].value);
			FUZZ_ASSERT(web_param(q, nq, q[i].key) != NULL);
		}
	}
	for (i = 0; i < nseg; i++)
		free(seg[i]);
	web_params_free(q, nq);

	/* The body as sent: not NUL-terminated. */
	rc = web_parse_params((const char *)data, size, f, &nf, HTTP_PARAMS);
	FUZZ_ASSERT(nf >= 0 && nf <= HTTP_PARAMS);
	if (rc == 0)
		for (i = 0; i < nf; i++) {
			FUZZ_ASSERT(f[i].key && f[i].value);
			FUZZ_ASSERT(strlen(f[i].key) <= size && strlen(f[i].value) <= size);
		}
	web_params_free(f, nf);

	if ((dec = web_pct_decode((const char *)data, size, size & 1))) {
		size_t len = strlen(dec), pct = 0, k;

		/* Every byte but %XX escapes comes through; no NUL is made. */
		for (k = 0; k < size; k++)
			pct += data[k] == '%';
		FUZZ_ASSERT(len == size - 2 * pct);
		free(dec);
	}
	free(uri);
	return 0;
}

void fuzz_http_cleanup(void)
{
}

FUZZ_MAIN(http)
