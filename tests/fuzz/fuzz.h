/* fuzz.h - the fuzz targets' entry points, shared by the libFuzzer builds
 * (`make fuzz`: clang -fsanitize=fuzzer, with -DBATON_LIBFUZZER) and the
 * regression replay in tests/check_fuzz_regress.c (the normal ASan build).
 *
 * Each tests/fuzz/fuzz_NAME.c defines fuzz_NAME(data, size), which returns
 * 0 and abort()s when it sees a broken invariant (sanitizers report the
 * rest), and fuzz_NAME_cleanup() which frees what it keeps between inputs.
 * FUZZ_MAIN(NAME) adds the libFuzzer entry point in fuzz builds only.
 */
#ifndef BATON_FUZZ_H
#define BATON_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int fuzz_yaml(const uint8_t *data, size_t size);
void fuzz_yaml_cleanup(void);
int fuzz_topic(const uint8_t *data, size_t size);
void fuzz_topic_cleanup(void);
int fuzz_search(const uint8_t *data, size_t size);
void fuzz_search_cleanup(void);
int fuzz_csv(const uint8_t *data, size_t size);
void fuzz_csv_cleanup(void);
int fuzz_http(const uint8_t *data, size_t size);
void fuzz_http_cleanup(void);
int fuzz_handover(const uint8_t *data, size_t size);
void fuzz_handover_cleanup(void);

/* Stop with a message: a broken invariant is a finding. */
#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", \
				__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

#ifdef BATON_LIBFUZZER
#define FUZZ_MAIN(name) \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		return fuzz_##name(data, size); \
	}
#else
#define FUZZ_MAIN(name)
#endif

#endif
