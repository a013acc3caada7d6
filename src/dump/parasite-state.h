/*
 * What only code running inside the target can read, gathered with the
 * parasite (src/dump/infect.h) in one infection, before the images that
 * need it are written: sigactions, itimers, POSIX timers, umask,
 * personality, prctl values, per-thread sigaltstack, and brk.
 */
#ifndef LMIG_DUMP_PARASITE_STATE_H
#define LMIG_DUMP_PARASITE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../parasite/parasite-proto.h"
#include "dump/proc.h"

struct parasite_state {
	struct parasite_sigactions sigactions;
	struct parasite_itimers itimers;
	struct parasite_process_state process;
	struct parasite_thread_state *threads;	/* one per seized thread, same order */
	struct proc_timer *timers;		/* /proc/PID/timers */
	struct parasite_posix_timer *timer_values;	/* same order as timers */
	size_t nr_threads, nr_timers;
	uint64_t brk;				/* sys_brk(0) */
};

struct dump_ctx;

/*
 * Infect ctx's process, fill *ps, cure. Returns 0 or -errno (logged); on
 * failure too nothing of the parasite is left in the target. Free with
 * parasite_state_free().
 */
int parasite_state_collect(struct dump_ctx *ctx, struct parasite_state *ps);
void parasite_state_free(struct parasite_state *ps);
/* The entry of thread tid, or NULL. */
const struct parasite_thread_state *parasite_state_thread(const struct parasite_state *ps, pid_t tid);

#endif
