/*
 * The bootstrap region of one restored process (see restorer-args.h for
 * its layout): planned so that it collides with nothing of lmig and no
 * area of the target, reserved in one mmap, then filled.
 */
#ifndef LMIG_RESTORE_BOOTSTRAP_H
#define LMIG_RESTORE_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "restore/restorer-args.h"

struct bootstrap {
	uint64_t start, len;		/* the whole reservation */
	uint64_t args, args_len;	/* struct rst_args and what it points to */
	uint64_t args_used;
	uint64_t stack_top;		/* the leader's */
	uint64_t thread_stacks;		/* RST_THREAD_STACK bytes for each thread after the leader */
	uint64_t premap_start;
	uint64_t *premap;		/* per vma of the mm: its premap address, 0 for special areas */
	size_t nr_vmas;
};

/*
 * Space of len bytes aligned to align (a power of two) in the args area,
 * zeroed; NULL when the area is full (a planning bug: sizes are computed
 * from the images up front).
 */
void *bootstrap_alloc(struct bootstrap *b, size_t len, size_t align);

/* Free the bookkeeping (not the mapping: the restorer owns it then). */
void bootstrap_free(struct bootstrap *b);

#endif
