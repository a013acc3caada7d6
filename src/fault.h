/*
 * Fault injection, to reach failure paths on purpose from tests.
 *
 * The environment variable LMIG_FAULT holds a comma-separated list of
 * points, each "name" or "name=N":
 *
 *   pageserver-exit-round=N   the page server exits (as if it crashed,
 *                             sending nothing) when pre-copy round N begins
 *   pageserver-exit-final     ... when the final round begins (after the
 *                             state images arrived, before COMMIT)
 *   pageserver-fail-restore   the page server answers COMMIT with a
 *                             failed RESULT instead of restoring
 *
 * It is read once, at the start of a command, into a struct fault that
 * the command passes down with its context: no code reads the
 * environment anywhere else.
 */
#ifndef LMIG_FAULT_H
#define LMIG_FAULT_H

#include <stdbool.h>
#include <stdint.h>

enum fault_point {
	FAULT_PS_EXIT_ROUND,
	FAULT_PS_EXIT_FINAL,
	FAULT_PS_FAIL_RESTORE,
	FAULT_NR_POINTS
};

struct fault {
	bool armed[FAULT_NR_POINTS];
	uint32_t arg[FAULT_NR_POINTS];
};

/*
 * Parse spec (the value of LMIG_FAULT; NULL or "" arms nothing) into *f.
 * Returns 0, or -EINVAL after one error line naming the bad item.
 */
int fault_parse(const char *spec, struct fault *f);
/* fault_parse(getenv("LMIG_FAULT"), f). */
int fault_init(struct fault *f);

/*
 * Is point p armed (for points with a number: armed with arg)? Logs a
 * warning naming the point when it fires, so that a log shows the
 * failure was injected.
 */
bool fault_hit(const struct fault *f, enum fault_point p, uint32_t arg);

#endif
