/*
 * SysV IPC of a dumped tree: ipc.img (images/ipc.proto), mirrored by
 * src/restore/ipc.h.
 *
 * Every process of the tree must be in one IPC namespace. When it is
 * lmig's own (the host's), only the shm segments the tree attaches are
 * saved (found through the "/SYSV<key> (deleted)" areas of the processes,
 * whose inode is the shmid): semaphores and message queues of the host
 * are shared with processes outside the tree and are not lmig's to move.
 * When the tree has an IPC namespace of its own, lmig enters it and saves
 * every shm segment, semaphore set and message queue there; restore then
 * makes a new namespace with the same objects under the same ids.
 *
 * Segment contents are read through a read-only attach of lmig's (in the
 * segment's namespace) and its shmem file, hole-aware; messages are read
 * with MSG_COPY, which leaves the queue as it was. Reading a segment
 * updates its shm_atime, shm_dtime and shm_lpid (lmig attached it), and
 * semaphore undo lists (SEM_UNDO) are not saved.
 */
#ifndef LMIG_DUMP_IPC_H
#define LMIG_DUMP_IPC_H

#include <stddef.h>

struct dump_ctx;

/*
 * Write ipc.img for the processes ctxs[0..nr) (ctxs[0] the root; a ctx
 * whose smaps were not read, a zombie's, is skipped) into ctxs[0].dirfd.
 * Call once every process is frozen and its smaps read (after
 * dump_process()). 0 or -errno after one error line naming the object;
 * -ENOTSUP when the processes are in different IPC namespaces.
 */
int dump_ipc(const struct dump_ctx *ctxs, size_t nr);

#endif
