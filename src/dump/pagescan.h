/*
 * Which pages of a range hold data a dump keeps, for dump/mem.c and the
 * pre-copy rounds alike: present or swapped pages; in a private file
 * mapping (cow_only), only those that are no longer the file's.
 *
 * PAGEMAP_SCAN (6.7+) answers in runs; without it (-ENOTTY or -EINVAL on
 * the first call) pagemap entries are read instead, from then on, and
 * adjacent kept pages are merged into runs the same way.
 */
#ifndef LMIG_DUMP_PAGESCAN_H
#define LMIG_DUMP_PAGESCAN_H

#include <stdbool.h>
#include <stdint.h>

struct pagescan {
	int pagemap_fd;		/* /proc/PID/pagemap, owned by the caller */
	uint64_t ps;		/* page size */
	bool no_scan;		/* PAGEMAP_SCAN is missing: pagemap entries */
};

/* Called for each kept run, in address order: 0, or -errno to stop the scan. */
typedef int (*pagescan_fn)(void *arg, uint64_t start, uint64_t end);

/*
 * fn(arg, s, e) for every kept run [s, e) of [start, end), page aligned.
 * Returns 0, fn's first nonzero return, or -errno of the pagemap (not
 * logged: the caller names the process).
 */
int pagescan_kept(struct pagescan *s, uint64_t start, uint64_t end, bool cow_only,
		  pagescan_fn fn, void *arg);

#endif
