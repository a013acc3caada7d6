/*
 * Internet sockets at restore (the mirror of src/dump/sk-inet.h).
 *
 * lmig's side, around the whole restore:
 *   sk_inet_lock_network()    before the process is created: the
 *                             connections and listeners of the images
 *                             locked (nftables table lmig-<pid>, replacing
 *                             the one a dump on this host left), then the
 *                             network-lock action scripts;
 *   sk_inet_unlock_network()  after: restored, the lock is removed and the
 *                             network-unlock scripts run; failed, a lock
 *                             that was there before the restore stays (a
 *                             retry needs it), one made here goes.
 *
 * The restored process's side (in files_open, before its memory is
 * back): sk_inet_open() makes the socket. A connection is rebuilt in
 * repair mode (src/net/tcp-repair.h) and leaves it at once: its packets
 * are dropped by the lock until lmig removes it, then both ends
 * retransmit what they must.
 */
#ifndef LMIG_RESTORE_SK_INET_H
#define LMIG_RESTORE_SK_INET_H

#include <stdbool.h>

#include "fdinfo.pb-c.h"
#include "net/netlock.h"

struct restore_ctx;
struct action_scripts;

struct sk_inet_lock {
	char table[NETLOCK_NAME_MAX];
	int pid;
	bool locked;		/* by us, now */
	bool existed;		/* before us (a dump on this host left it) */
};

/*
 * Lock what ctx->files holds for process pid. Nothing to lock is fine
 * (lk->locked stays false). 0 or -errno (logged); on failure nothing
 * is left locked that was not before.
 */
int sk_inet_lock_network(const struct restore_ctx *ctx, int pid, const struct action_scripts *s,
			 const char *images_dir, struct sk_inet_lock *lk);
int sk_inet_unlock_network(struct sk_inet_lock *lk, bool restored, const struct action_scripts *s,
			   const char *images_dir);

/*
 * The socket fe (FD_INET_SK) describes, with its options and file
 * flags: an fd (O_CLOEXEC), or -errno with *what naming the step (the
 * caller logs it with the fd).
 */
int sk_inet_open(const FileEntry *fe, const char **what);

#endif
