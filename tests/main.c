/* main.c - runs every Check suite; fails when any test failed.
 *
 * The suites come from tests/check_<module>.c, each exporting
 * suite_<module>(); the list is generated from the file names at build
 * time (build/gen/suites.h). CK_RUN_SUITE=<name> runs one suite.
 */
#include <check.h>
#include <stdlib.h>

#define SUITE(name) Suite *suite_##name(void);
#include "suites.h"
#undef SUITE

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define SUITE(name) srunner_add_suite(sr, suite_##name());
#include "suites.h"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
