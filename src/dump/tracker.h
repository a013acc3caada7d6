/*
 * Dirty-page tracking for iterative pre-copy: which pages of a running
 * process were written since the last look.
 *
 * One interface, two back ends (tracker-uffd.c, tracker-softdirty.c);
 * tracker.c keeps the list of areas and picks the back end. A tracker
 * follows one process (one mm): a tree needs one tracker per process.
 *
 * Use, per process:
 *
 *	tracker_open(NULL, pid, uffd, &t);	picks uffd-wp or soft-dirty
 *	tracker_start(t, areas, n);		arm; then copy all of areas
 *	loop:
 *		[soft-dirty: stop the process]
 *		tracker_collect(t, &dirty);	written since the last call, re-armed
 *		[resume it]
 *		copy the pages in dirty
 *		re-read the layout; tracker_update_areas(t, areas, n);
 *	stop the process; tracker_collect(); copy; tracker_close(t);
 *
 * Every page is copied after the call that reported it returns, never
 * before: a write that races with the copy is then either in the copy or
 * reported by the next collect.
 *
 * THE GUARANTEE: a page of a tracked area that is written after
 * tracker_start (or after the collect that reported its area as new) is
 * in the result of the first tracker_collect that begins after the
 * write, or of the one running while it happens. False positives (a page
 * reported that was not written) are allowed where listed below. What
 * this relies on, per back end:
 *
 * uffd-wp (Linux 6.7+: UFFD_FEATURE_WP_ASYNC and PAGEMAP_SCAN):
 *  - The userfaultfd was created inside the target with TRACKER_UFFD_FEATURES
 *    (so it is bound to the target's mm), and stays open in the tracker
 *    until tracker_close. Closing it unregisters every area.
 *  - Arming an area registers it (UFFDIO_REGISTER_MODE_WP) and
 *    write-protects every page of it, present or not
 *    (UFFD_FEATURE_WP_UNPOPULATED puts a marker on empty page-table
 *    entries, so a first-touch write is seen too). A write to a protected
 *    page drops the protection, in the kernel, before the write completes
 *    (WP_ASYNC: the target never blocks).
 *  - PAGEMAP_SCAN with PM_SCAN_WP_MATCHING reports the unprotected pages
 *    and protects them again under the page-table lock: a write lands
 *    either before (reported now) or after (reported next time). This is
 *    why collect needs no freeze.
 *  - PM_SCAN_CHECK_WPASYNC makes the scan fail (-EPERM) instead of
 *    silently skipping a mapping inside the area that is not registered:
 *    one mapped there since (mmap MAP_FIXED), or one moved there by
 *    mremap (a moved mapping loses its registration). The tracker then
 *    reports the whole area and arms it again.
 *  - Works (tested on 6.18) for private and shared anonymous memory,
 *    memfd/shmem, and shared and private mappings of regular files,
 *    without UFFD_FEATURE_WP_HUGETLBFS_SHMEM: in async mode the kernel
 *    accepts any memory type. Refused: the vDSO and vvar (-EINVAL) and
 *    shared file mappings without write access (-EPERM, which the
 *    process cannot write either). A refused area is reported whole by
 *    every collect (always dirty).
 *  - Transparent huge pages are split on the first write: exact.
 *
 * soft-dirty (CONFIG_MEM_SOFT_DIRTY, e.g. Debian's 6.1 kernel; not 6.18 here):
 *  - Arming is writing "4" to /proc/PID/clear_refs: it clears the soft-dirty
 *    bit of every page of the process and write-protects them, so that the
 *    next write faults and sets the bit (pagemap bit 55). New mappings
 *    are soft-dirty as a whole (VM_SOFTDIRTY) until the next clear.
 *  - Reading the bits and clearing them are two steps, and clear_refs
 *    covers the whole process: a page written between the pagemap read
 *    and the clear would be cleared unseen. No order of the two closes
 *    that gap (clearing first throws the bits away unread), so, as CRIU
 *    does for each pre-dump, tracker_collect requires every thread of
 *    the process to be stopped (ptrace stop or SIGSTOP) for the whole
 *    call. It checks /proc/PID/task/{*}/stat and returns -EBUSY, before
 *    reading or clearing anything, when a thread is running.
 *    tracker_start needs no stop: it clears first, and the caller's copy
 *    comes after.
 *  - Swapped-out pages keep their bit; the bit survives mremap.
 *  - False positives: every page of a transparent huge page that was
 *    written (the bit is per huge page); every page of an area that a
 *    new mapping was merged into, or that was mremap'd, since the last
 *    collect (VM_SOFTDIRTY is per mapping).
 *  - Hugetlbfs and VM_PFNMAP/VM_IO areas are not tracked by the kernel
 *    (never reported); the dump refuses such areas anyway.
 *
 * NOT REPORTED BY EITHER (not writes): contents that change without a
 * write by the process: pages discarded with MADV_DONTNEED/MADV_FREE
 * (reverting a private file page to the file, or an anonymous page to
 * zeros: soft-dirty never reports it, uffd-wp on 6.18 does for
 * anonymous memory only), hole punching or truncation of a mapped file,
 * pages that another process writes through its own mapping of a
 * shared file or shared memory, and writes by the kernel on behalf of
 * other processes (process_vm_writev, ptrace POKE). The final round,
 * with the process stopped, must therefore take the set of pages to
 * keep from the stopped process's pagemap, not from the union of the
 * rounds.
 *
 * Areas are page-aligned [start, end) address ranges of the target. The
 * layout changes while the target runs: a reported range can cover
 * addresses no longer mapped by the time the caller copies; the caller
 * clips them to what it reads.
 */
#ifndef LMIG_DUMP_TRACKER_H
#define LMIG_DUMP_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat.h"

/* [start, end) in the target's address space, page-aligned. */
struct range {
	uint64_t start, end;
};

/* A growable array of ranges. Zero-initialise; free with range_vec_free(). */
struct range_vec {
	struct range *r;
	size_t nr, cap;
};

/* Append [start, end), merged into the last range when they touch. Returns 0 or -ENOMEM. */
int range_vec_push(struct range_vec *v, uint64_t start, uint64_t end);
void range_vec_free(struct range_vec *v);

/*
 * Features the userfaultfd given to the uffd-wp back end must have been
 * created with (UFFDIO_API inside the target). No event features: those
 * make the target wait for the monitor to read each event.
 */
#define TRACKER_UFFD_FEATURES	(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)

/* Back ends, as bits for tracker_available(). */
enum {
	TRACKER_UFFD_WP		= 1u << 0,	/* "uffd-wp" */
	TRACKER_SOFT_DIRTY	= 1u << 1,	/* "soft-dirty" */
};

/*
 * The back ends this kernel offers, probed in this process (uffd-wp: a
 * userfaultfd with TRACKER_UFFD_FEATURES and PAGEMAP_SCAN on our own
 * pagemap; soft-dirty: a forked child clears, writes and reads back its
 * own bit). For `lmig check`, and to decide whether the target should be
 * asked to create a userfaultfd at all. Returns a TRACKER_* mask.
 */
unsigned tracker_available(void);

struct tracker;

/*
 * Open a tracker for process pid. name is "uffd-wp", "soft-dirty", or
 * NULL to choose: uffd-wp when uffd is given and works (its features, read
 * from fdinfo, include TRACKER_UFFD_FEATURES and PAGEMAP_SCAN works on the
 * target's pagemap), else soft-dirty when this kernel has it.
 *
 * uffd is a userfaultfd created in the target's mm (see
 * TRACKER_UFFD_FEATURES), taken with pidfd_getfd, or -1. The tracker
 * owns it from this call on, whatever the result: it is closed on
 * failure, when soft-dirty is chosen, or by tracker_close.
 *
 * Returns 0 and *out, -ENOTSUP (logged at info level) when the named or
 * no back end works here, or another -errno (logged, naming pid).
 */
int tracker_open(const char *name, pid_t pid, int uffd, struct tracker **out);

/* "uffd-wp" or "soft-dirty". */
const char *tracker_name(const struct tracker *t);

/* True when tracker_collect requires the process stopped (soft-dirty). */
bool tracker_needs_stop(const struct tracker *t);

/*
 * Begin tracking areas (sorted by address, not overlapping; n may be 0).
 * Everything in them counts as dirty for round 0: the caller copies all
 * of areas after this returns. An area the back end cannot track is
 * reported whole by every collect. Call once. Returns 0 or -errno (logged).
 */
int tracker_start(struct tracker *t, const struct range *areas, size_t n);

/*
 * Tell the tracker the areas to follow from now on (the whole current
 * list, sorted, not overlapping), typically re-read from /proc/PID/smaps
 * between rounds. Parts not tracked before (a new mapping, the grown part
 * of an mremap, a mapping moved elsewhere) are armed by the next collect,
 * which reports them whole. Tracked parts missing from the list are
 * forgotten. Does not touch the target. Returns 0 or -ENOMEM.
 */
int tracker_update_areas(struct tracker *t, const struct range *areas, size_t n);

/*
 * Collect the pages written since the last collect (or start) into
 * *dirty, and re-arm them. *dirty is emptied first (its memory reused):
 * on return it holds page-aligned ranges, sorted, merged where they
 * touch. For soft-dirty, every thread of the process must be stopped
 * (else -EBUSY, nothing done). Returns 0 or -errno (logged, naming pid);
 * -ESRCH when the process is gone. After an error other than -EBUSY,
 * the tracker is unusable: close it and fall back to a full copy.
 */
int tracker_collect(struct tracker *t, struct range_vec *dirty);

/*
 * The last collect, of a process that stays stopped until
 * tracker_close(): the same pages as tracker_collect() reports, but
 * nothing is armed again (no write-protection, no clear_refs walk of
 * every page table: that would only lengthen the freeze). Later
 * collects fail with -EINVAL.
 */
int tracker_collect_last(struct tracker *t, struct range_vec *dirty);

/* Stop tracking (closes the userfaultfd, which unregisters the areas) and free t. NULL is fine. */
void tracker_close(struct tracker *t);

#endif
