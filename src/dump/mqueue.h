/*
 * POSIX message queues open in a dumped process (FD_MQUEUE; mirrored by
 * src/restore/mqueue.h).
 *
 * A queue's messages cannot be read without taking them: lmig opens the
 * queue anew through /proc/PID/fd/N (a description of its own, so the
 * target's O_NONBLOCK and file position are untouched), receives every
 * message without blocking, and sends them back at once in the order it
 * got them. Within a priority a queue is FIFO and mq_receive gives the
 * highest priority first, so the queue is as it was: with
 * --leave-running the process finds its messages, and so does a failed
 * dump. A process outside the tree using the same queue at that moment
 * could see it empty; the tree itself is frozen.
 *
 * Refused, naming the queue: a registered mq_notify() (lmig cannot make
 * it again for the process that asked for it).
 */
#ifndef LMIG_DUMP_MQUEUE_H
#define LMIG_DUMP_MQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"

struct dump_ctx;

/* Is fd of pid a message queue (a file of the mqueue filesystem)? */
bool mqueue_is(pid_t pid, int fd);

/*
 * Fill fe (kind FD_MQUEUE, fe->mqueue) for fd of ctx's process, whose
 * /proc link is link and open flags flags. Everything fe points to is in
 * one allocation returned in *owned (the caller frees it once fe is
 * written). 0 or -errno after one error line naming the fd.
 */
int mqueue_describe(struct dump_ctx *ctx, int fd, const char *link, uint32_t flags,
		    FileEntry *fe, void **owned);

#endif
