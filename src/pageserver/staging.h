/*
 * Staging: the newest copy of every received page, kept in the page
 * server's own anonymous memory, one private anonymous mapping per area
 * of the target process (as the areas message lists them, layout.h).
 *
 * Pages are received straight into their staging place. On COMMIT the
 * restore runs from this process: the restored process is cloned from it
 * and so inherits the staging copy-on-write; its plain private anonymous
 * areas are then moved into place with mremap (src/restore/mem.c), and
 * the page server drops its own mappings right after the clone, so that
 * no page is ever copied and restore time does not grow with memory.
 *
 * The clone, the drop and the moves still touch every page-table entry:
 * 262144 of them for 1 GiB of 4 KiB pages, most of the downtime before.
 * So each staging mapping sits at the same address modulo RST_PMD_SPAN
 * as its area (mremap then moves whole page tables) and asks for
 * transparent huge pages (one entry per 2 MiB for all three).
 *
 * Functions return 0 or -errno and log once, naming the pid and area.
 */
#ifndef LMIG_PAGESERVER_STAGING_H
#define LMIG_PAGESERVER_STAGING_H

#include <stddef.h>
#include <stdint.h>

#include "pagemap.pb-c.h"
#include "pageserver/layout.h"
#include "restore/restore.h"

struct staging_proc {
	uint32_t pid;
	struct rst_staged_area *a;	/* sorted by start; owned */
	size_t nr;
	size_t hint;			/* the area of the last lookup */
};

struct staging {
	struct staging_proc *p;		/* owned */
	size_t nr;
	uint64_t page_size;
	uint64_t bytes;			/* of all staged areas (virtual) */
	bool no_populate;		/* MADV_POPULATE_WRITE is not known here (before 5.14) */
	bool thp_advise;		/* huge pages come only with MADV_HUGEPAGE (THP "madvise") */
};

/* Reads which transparent huge page mode the kernel is in (sysfs). */
void staging_init(struct staging *s, uint64_t page_size);

/*
 * Make pid's staging match the areas a[0..n): areas listed before with
 * the same bounds keep their pages; the pages of an area that changed
 * shape move along to where the new areas overlap it (mremap, not
 * copied); areas no longer listed are unmapped. On failure pid's staging
 * is dropped whole (the migration cannot go on).
 */
int staging_set_layout(struct staging *s, uint32_t pid, const struct layout_area *a, size_t n);

/*
 * Where len bytes of pid's memory at vaddr are staged, or NULL when they
 * are not inside one staged area (the sender broke the areas contract).
 */
void *staging_dest(struct staging *s, uint32_t pid, uint64_t vaddr, uint64_t len);

/*
 * Fault in len staged bytes at dest (from staging_dest) before data is
 * received there: one call maps every page inside the kernel, where a
 * copy into fresh memory takes a page fault per page (on a VM, each one
 * an exit to the hypervisor). Best effort: on failure the copy faults.
 */
void staging_prefault(struct staging *s, void *dest, uint64_t len);

/* Make len staged bytes at dest read as zero again (no memory kept for them). */
int staging_discard(void *dest, size_t len);

/*
 * Discard every staged page of pid outside the runs of pm (sorted, from
 * the frozen process's pagemap): what the process no longer has.
 */
int staging_trim(struct staging *s, uint32_t pid, PagemapEntry *const *pm, size_t n);

/* pid's staging, or NULL. */
const struct staging_proc *staging_find(const struct staging *s, uint32_t pid);

/* Unmap pid's staging (a process now owns it, or it is no longer wanted). */
void staging_drop(struct staging *s, uint32_t pid);
/* Unmap everything; s can be used again. */
void staging_free(struct staging *s);

#endif
