/*
 * The process the tracker tests watch: a forked child that maps, writes,
 * unmaps and moves memory on command (over a pipe), and can run a writer
 * thread that dirties random pages until told to stop.
 *
 * Every call returns the child's answer (>= 0) or -errno; a broken pipe
 * or a dead child gives -EPIPE. The child dies with the test
 * (PR_SET_PDEATHSIG) and is killed by mutator_stop().
 */
#ifndef LMIG_TESTS_TRACKER_MUTATOR_H
#define LMIG_TESTS_TRACKER_MUTATOR_H

#include <stdint.h>
#include <sys/types.h>

enum mut_kind {
	MK_ANON_PRIVATE,
	MK_ANON_SHARED,
	MK_MEMFD_SHARED,
	MK_FILE_PRIVATE,	/* a temporary file in $TMPDIR (or /tmp) */
	MK_FILE_SHARED,
	MK_THP,			/* anonymous, 2 MiB aligned, MADV_HUGEPAGE */
};

struct mutator {
	pid_t pid;
	int cmd, rsp;		/* our ends of the two pipes */
	long page_size;
};

int mutator_start(struct mutator *m);
void mutator_stop(struct mutator *m);

/*
 * Map npages of kind between PROT_NONE guards, so that it never merges
 * with a neighbour, followed by room_pages of PROT_NONE reserve that
 * mut_grow() can use. Every area but MK_THP gets MADV_NOHUGEPAGE, so that
 * soft-dirty (one bit per huge page) stays exact. Returns the address.
 */
int64_t mut_map(struct mutator *m, enum mut_kind kind, uint64_t npages, uint64_t room_pages);
/* Write n pages, stride pages apart, from addr. */
int64_t mut_write(struct mutator *m, uint64_t addr, uint64_t n, uint64_t stride);
int64_t mut_unmap(struct mutator *m, uint64_t addr, uint64_t npages);
/* mremap in place from old_pages to new_pages (unmaps the reserve first). */
int64_t mut_grow(struct mutator *m, uint64_t addr, uint64_t old_pages, uint64_t new_pages);
/* mremap to a new guarded place, growing to new_pages; returns the new address. */
int64_t mut_move(struct mutator *m, uint64_t addr, uint64_t old_pages, uint64_t new_pages);
/* A fresh private anonymous mapping MAP_FIXED over [addr, addr + npages). */
int64_t mut_map_fixed(struct mutator *m, uint64_t addr, uint64_t npages);
/*
 * userfaultfd(UFFD_USER_MODE_ONLY) + UFFDIO_API with features, in the
 * child. Returns the child's fd number or -errno.
 */
int64_t mut_uffd(struct mutator *m, uint64_t features);
int64_t mut_close(struct mutator *m, int fd);
/* Add [addr, addr + npages) to the writer thread's areas (at most 8). */
int64_t mut_spin_area(struct mutator *m, uint64_t addr, uint64_t npages);
int64_t mut_spin_start(struct mutator *m);
/* Stop the writer; returns how many writes it made. */
int64_t mut_spin_stop(struct mutator *m);

/* Group-stop the child (SIGSTOP, wait for it) and continue it. */
int mutator_freeze(struct mutator *m);
int mutator_thaw(struct mutator *m);

/* Take the child's fd with pidfd_getfd. Returns our fd or -errno. */
int mutator_getfd(struct mutator *m, int child_fd);

#endif
