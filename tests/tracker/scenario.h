/*
 * The tracker tests, run against a named back end (or NULL: the
 * automatic choice). Each returns a test exit code: 0 pass, 1 fail,
 * 77 skip, and prints why on failure or skip.
 */
#ifndef LMIG_TESTS_TRACKER_SCENARIO_H
#define LMIG_TESTS_TRACKER_SCENARIO_H

#include "dump/tracker.h"
#include "mutator.h"

/*
 * Open a tracker on m's child. When this kernel offers uffd-wp, the child
 * creates a userfaultfd (TRACKER_UFFD_FEATURES) that we take with
 * pidfd_getfd, as lmig does through the parasite; the child's copy is
 * closed before the tracker uses ours. Returns tracker_open's result.
 */
int scenario_open(struct mutator *m, const char *name, struct tracker **t);

/*
 * Known writes in rounds (present and unpopulated pages, anonymous private
 * and shared, memfd, private and shared file, THP, an area needing more
 * than one PAGEMAP_SCAN vector), a new mapping, an munmap, an in-place
 * mremap grow, a moved mapping, and a mapping replaced under the tracker:
 * every collect must report every written page, and nothing else but the
 * false positives tracker.h documents.
 */
int scenario_exact(const char *name);

/*
 * A writer thread dirties random pages without pause while rounds are
 * collected and copied (the process stopped around each collect when the
 * back end needs it); after a last stopped round, the copy must equal
 * the process's memory byte for byte.
 */
int scenario_converge(const char *name);

/* soft-dirty only: a collect while the process runs must fail with -EBUSY. */
int scenario_refuse_running(void);

#endif
