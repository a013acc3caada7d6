#define LOG_PREFIX "pagescan: "
#include "config.h"
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "compat.h"
#include "dump/pagescan.h"

#define SCAN_REGIONS	512
#define PAGEMAP_CHUNK	4096

static bool keep_page(uint64_t cat, bool cow_only)
{
	if (cat & PAGE_IS_SWAPPED)
		return true;
	if (!(cat & PAGE_IS_PRESENT))
		return false;
	return !cow_only || !(cat & PAGE_IS_FILE);
}

/*
 * From PAGEMAP_SCAN; *done moves past what was handed to fn. 1 when the
 * kernel does not know PAGEMAP_SCAN.
 */
static int scan_ioctl(struct pagescan *s, uint64_t start, uint64_t end, bool cow_only,
		      pagescan_fn fn, void *arg, uint64_t *done)
{
	struct page_region regs[SCAN_REGIONS];

	while (start < end) {
		struct pm_scan_arg a = {
			.size = sizeof(a),
			.start = start,
			.end = end,
			.vec = (uintptr_t)regs,
			.vec_len = SCAN_REGIONS,
			.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
			.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE,
		};
		long n = ioctl(s->pagemap_fd, PAGEMAP_SCAN, &a);

		if (n < 0)
			return errno == ENOTTY || errno == EINVAL ? 1 : -errno;
		for (long i = 0; i < n; i++) {
			int ret;

			if (!keep_page(regs[i].categories, cow_only))
				continue;
			ret = fn(arg, regs[i].start, regs[i].end);
			if (ret)
				return ret;
		}
		if (a.walk_end <= start)	/* no progress: should not happen */
			return -EIO;
		start = a.walk_end;
		*done = start;
	}
	return 0;
}

/* From pagemap entries, kept pages merged into runs. */
static int scan_pagemap(struct pagescan *s, uint64_t start, uint64_t end, bool cow_only,
			pagescan_fn fn, void *arg)
{
	uint64_t ents[PAGEMAP_CHUNK], run_s = 0, run_e = 0;
	int ret = 0;

	while (!ret && start < end) {
		size_t n = (end - start) / s->ps;
		ssize_t r;

		if (n > PAGEMAP_CHUNK)
			n = PAGEMAP_CHUNK;
		r = pread(s->pagemap_fd, ents, n * sizeof(ents[0]), start / s->ps * sizeof(ents[0]));
		if (r < 0)
			return -errno;
		if ((size_t)r < sizeof(ents[0]))
			return -EIO;
		n = (size_t)r / sizeof(ents[0]);
		for (size_t i = 0; !ret && i < n; i++) {
			uint64_t e = ents[i], cat = 0, a = start + i * s->ps;

			if (e & PME_PRESENT)
				cat |= PAGE_IS_PRESENT;
			if (e & PME_SWAP)
				cat |= PAGE_IS_SWAPPED;
			if (e & PME_FILE_SHARED)
				cat |= PAGE_IS_FILE;
			if (!keep_page(cat, cow_only))
				continue;
			if (a != run_e) {
				if (run_e > run_s)
					ret = fn(arg, run_s, run_e);
				run_s = a;
			}
			run_e = a + s->ps;
		}
		start += n * s->ps;
	}
	if (!ret && run_e > run_s)
		ret = fn(arg, run_s, run_e);
	return ret;
}

int pagescan_kept(struct pagescan *s, uint64_t start, uint64_t end, bool cow_only,
		  pagescan_fn fn, void *arg)
{
	if (!s->no_scan) {
		uint64_t done = start;
		int ret = scan_ioctl(s, start, end, cow_only, fn, arg, &done);

		if (ret <= 0)
			return ret;
		/* What fn had is right: go on from there with pagemap entries. */
		pr_debug("PAGEMAP_SCAN is not available: reading pagemap entries");
		s->no_scan = true;
		start = done;
	}
	return scan_pagemap(s, start, end, cow_only, fn, arg);
}
