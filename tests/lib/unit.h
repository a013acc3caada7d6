/*
 * The few lines every unit test program needs: CHECK counts failures
 * and names the line, unit_result() turns the count into the exit code
 * automake's harness reads. Header-only, so each test stays one file.
 */
#ifndef LMIG_TESTS_UNIT_H
#define LMIG_TESTS_UNIT_H

#include <stdio.h>

static int failures __attribute__((unused));

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* Number of entries of a NULL-terminated argv array literal. */
#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static inline int unit_result(void)
{
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}

#endif
