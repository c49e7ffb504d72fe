/* check_fuzz_regress.c - replays every committed fuzz input through the
 * fuzz targets' own entry points, in the normal sanitizer build: the seed
 * corpora (tests/fuzz/corpus/NAME/) prove the entry points hold up, and
 * the crashes the fuzzers found (tests/fuzz/regress/NAME/) stay fixed.
 * The targets abort() on a broken invariant and ASan/UBSan catch the rest.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_csv.c"
#include "fuzz/fuzz_handover.c"
#include "fuzz/fuzz_http.c"
#include "fuzz/fuzz_search.c"
#include "fuzz/fuzz_topic.c"
#include "fuzz/fuzz_yaml.c"

Suite *suite_fuzz_regress(void);

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

/* Feed every regular file of dir to fn; the number fed (0 when dir is
 * missing). */
static size_t replay_dir(const char *dir, fuzz_fn fn)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[1024];
		FILE *f;
		uint8_t *buf;
		long len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		ck_assert_msg(f != NULL, "cannot open %s", path);
		ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
		len = ftell(f);
		ck_assert_int_ge(len, 0);
		rewind(f);
		/* exactly sized, so ASan sees any read past the input */
		buf = malloc(len ? (size_t)len : 1);
		ck_assert_ptr_nonnull(buf);
		ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		fn(buf, (size_t)len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

/* Replay the seeds and regressions of one target; the seeds must exist. */
static void replay(const char *name, fuzz_fn fn, void (*cleanup)(void))
{
	char dir[256];
	size_t seeds;

	snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", name);
	seeds = replay_dir(dir, fn);
	ck_assert_msg(seeds >= 3, "%s: %zu seed inputs (run from the repository "
		      "root)", dir, seeds);
	snprintf(dir, sizeof(dir), "tests/fuzz/regress/%s", name);
	replay_dir(dir, fn);
	cleanup();
}

START_TEST(test_yaml) { replay("yaml", fuzz_yaml, fuzz_yaml_cleanup); }
END_TEST
START_TEST(test_topic) { replay("topic", fuzz_topic, fuzz_topic_cleanup); }
END_TEST
START_TEST(test_search) { replay("search", fuzz_search, fuzz_search_cleanup); }
END_TEST
START_TEST(test_csv) { replay("csv", fuzz_csv, fuzz_csv_cleanup); }
END_TEST
START_TEST(test_http) { replay("http", fuzz_http, fuzz_http_cleanup); }
END_TEST
START_TEST(test_handover)
{
	replay("handover", fuzz_handover, fuzz_handover_cleanup);
}
END_TEST

/* A hostile FTS5 query must be searched for, not parsed: this input alone
 * would be an FTS5 syntax error if it reached MATCH as written. */
START_TEST(test_search_hostile)
{
	static const char q[] = "\"unbalanced AND (NEAR(refund* \" OR ) ^col:x";

	fuzz_search((const uint8_t *)q, sizeof(q) - 1);
	fuzz_search_cleanup();
}
END_TEST

Suite *suite_fuzz_regress(void)
{
	Suite *s = suite_create("fuzz_regress");
	TCase *tc = tcase_create("replay");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_yaml);
	tcase_add_test(tc, test_topic);
	tcase_add_test(tc, test_search);
	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_http);
	tcase_add_test(tc, test_handover);
	tcase_add_test(tc, test_search_hostile);
	suite_add_tcase(s, tc);
	return s;
}
