/*
 * POSIX message queues of a restored tree (FD_MQUEUE of files.img; the
 * dump side is src/dump/mqueue.h).
 *
 * lmig, in the IPC namespace the tree gets (restore/ipc.h), before the
 * root is cloned: each queue is made once, by name, with its mode,
 * owner, maxmsg and msgsize, and its messages sent back in the order
 * they were saved (which keeps priorities and the order within each);
 * then every file record of it is opened with its own flags, and an
 * unlinked queue is unlinked again. The processes inherit lmig's fds and
 * take a copy (mqueue_open); lmig closes its own once the root is cloned.
 *
 * A queue whose name exists already is refused, by name: remove it, or
 * restore into a new IPC namespace. In a new namespace its msg_max and
 * msgsize_max are raised to what the queues need (lmig may lack the
 * CAP_SYS_RESOURCE that would pass them); in the host's a queue above
 * them is refused, naming the limit. mq_notify() registrations are not
 * restored (the dump refuses them).
 */
#ifndef LMIG_RESTORE_MQUEUE_H
#define LMIG_RESTORE_MQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "fdinfo.pb-c.h"

struct restore_ctx;

/* One file record of a queue, opened by lmig. */
struct rst_mqueue {
	uint32_t file_id;
	int fd;			/* -1 once lmig closed it */
	char *name;		/* set on the record that made the queue (owned), else NULL */
	bool linked;		/* the queue keeps its name */
};

/* lmig: make every queue of ctx->files. 0 or -errno (logged, naming the queue). */
int mqueue_prepare(struct restore_ctx *ctx);
/* lmig, once the root is cloned: close its fds. */
void mqueue_close(struct restore_ctx *ctx);
/* lmig, at the end: with remove, unlink the named queues it made. Frees the table. */
void mqueue_release(struct restore_ctx *ctx, bool remove);
/* In a restored process: a new fd of the open queue record fe, or -errno with *what. */
int mqueue_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what);

#endif
