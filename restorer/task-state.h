/*
 * Task state in the restorer blob (src/restore/restorer-task.h is the
 * contract and says in which order and why). Each function returns 0 or
 * -errno with *step naming what failed; the caller reports it.
 */
#ifndef LMIG_RESTORER_TASK_STATE_H
#define LMIG_RESTORER_TASK_STATE_H

#include <stdint.h>

#include "restore/restorer-args.h"

/*
 * What every thread but the leader restores for itself, once it runs on
 * its own: its pending signals, creds, pdeath_sig, timerslack,
 * no_new_privs.
 */
long rst_task_thread(const struct rst_task *t, const struct rst_thread_task *tt,
		     enum rst_step *step);

/*
 * The leader, once every other thread exists and has its own state: the
 * process-wide state, its own part (as rst_task_thread), and the
 * seccomp filters last (TSYNC when nr_threads > 1).
 */
long rst_task_leader(const struct rst_task *t, const struct rst_thread_task *tt,
		     uint32_t nr_threads, enum rst_step *step);

/* creds.c: the calling thread's uids, gids, groups, capabilities, securebits. */
long rst_restore_creds(const struct rst_creds *c, enum rst_step *step);

/* seccomp.c: install the filters, oldest first, in the calling thread. */
long rst_restore_seccomp(const struct rst_task *t, uint32_t nr_threads, enum rst_step *step);

#endif
