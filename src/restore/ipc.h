/*
 * SysV IPC of a restored tree, from ipc.img (images/ipc.proto; the dump
 * side is src/dump/ipc.h).
 *
 * lmig, before the root is cloned (ipc_prepare):
 *   - a tree that had an IPC namespace of its own gets a new one
 *     (unshare(CLONE_NEWIPC) by lmig, inherited by the whole tree), with
 *     every shm segment, semaphore set and message queue of the images;
 *   - a tree of the host's namespace gets back the shm segments it had
 *     attached, in the host's namespace. A segment whose key exists
 *     there already is refused, by key: lmig does not guess whether it
 *     is the same one (remove it, or restore into a new namespace).
 * Each object is made with its old id when that id is free (the
 * namespace's {shm,sem,msg}_next_id sysctl); in a new namespace a
 * different id is an error, in the host's a warning. Segments are made
 * with their key, size, owner and mode, filled with their saved
 * contents, SHM_LOCKed again when they were, and marked removed again
 * (IPC_RMID) when they were: lmig keeps an attach of its own until the
 * root is cloned, and each process inherits it until its own restorer
 * ends, so a removed segment lives until every process has attached it.
 *
 * In each process (mem.c), an area of a segment is attached again with
 * shmat and moved to its premap address: it is a real attach (nattch,
 * shmdt, /proc/PID/maps as before).
 *
 * A new namespace also gets the old one's limits (kernel.shmmax, msgmnb,
 * sem, fs.mqueue.msg_max, ...: ipc_ns_entry.sysctls) before any object.
 *
 * Not restored: the creator ids (cuid, cgid: the creator is lmig), the
 * times and last pids, semaphore undo lists (SEM_UNDO), the limits of
 * the host's namespace (not the tree's to change).
 */
#ifndef LMIG_RESTORE_IPC_H
#define LMIG_RESTORE_IPC_H

#include <stdbool.h>
#include <stdint.h>

struct restore_ctx;

/* One segment made for the restore. */
struct rst_sysv_shm {
	int32_t old_id, new_id;
	uint64_t size;
	void *lmig_at;		/* lmig's own attach, until ipc_release(); NULL after */
};

/*
 * lmig: the namespace and objects above. Without ipc.img (older images),
 * nothing, unless an area needs a segment. 0 or -errno (logged, naming
 * the object); on failure, the segments made in the host's namespace
 * are removed again.
 */
int ipc_prepare(struct restore_ctx *ctx);
/*
 * POSIX message queues (restore/mqueue.h) are made by ipc_prepare() too,
 * once the namespace is the tree's; ipc_detach() and ipc_release() close
 * and free them with the segments.
 */
/* lmig, once the root is cloned: detach its own attaches. */
void ipc_detach(struct restore_ctx *ctx);
/*
 * lmig, when the restore is over: with failed, the segments made in the
 * host's namespace are removed (they die with their last attach). Frees
 * the table.
 */
void ipc_release(struct restore_ctx *ctx, bool failed);
/*
 * In a restored process: the id of the segment that had id old_id at
 * dump time, and its size; -1 when ipc_prepare() made none.
 */
int ipc_shm_id(const struct restore_ctx *ctx, uint64_t old_id, uint64_t *size);

#endif
