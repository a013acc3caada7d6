/*
 * Internet sockets of the dumped process: TCP (listening, connected,
 * half-closed, unconnected) and UDP, over IPv4 and IPv6.
 *
 * Three steps, around the rest of the dump:
 *
 *   sk_inet_prepare()   once the process is frozen, before any image:
 *                       take each of its inet sockets with pidfd_getfd,
 *                       refuse what cannot be dumped (one error line: TCP
 *                       connections without --tcp-established, naming
 *                       them; a listener with connections the kernel
 *                       accepted but the process did not, naming it and
 *                       the count; sockets in the middle of a handshake);
 *                       lock the network for the connections and
 *                       listeners (src/net/netlock.h, table lmig-<pid>)
 *                       and run the network-lock action scripts; put the
 *                       connections in repair mode and read them.
 *   sk_inet_describe()  from the files phase, for one socket fd: its
 *                       FileEntry (kind FD_INET_SK).
 *   sk_inet_finish()    before the process is let go, killed or not.
 *                       Killed: the sockets stay in repair mode, so that
 *                       they close without a FIN or RST, and the lock
 *                       stays for `lmig restore` to remove once the
 *                       connections are back. Running on (--leave-running
 *                       or a failed dump): repair mode off, the lock
 *                       removed, network-unlock scripts run.
 *
 * All return 0 or -errno after one error line naming the pid, fd and
 * addresses.
 */
#ifndef LMIG_DUMP_SK_INET_H
#define LMIG_DUMP_SK_INET_H

#include <stdbool.h>

#include "fdinfo.pb-c.h"

struct dump_ctx;
struct sk_inet_dump;

/* Fills ctx->inet (NULL when the process has no inet socket). */
int sk_inet_prepare(struct dump_ctx *ctx);

/*
 * fe for the target's fd, which sk_inet_prepare() took: -ENOENT (not
 * logged) when fd is not an inet socket. What fe points to is owned by
 * ctx->inet until sk_inet_finish().
 */
int sk_inet_describe(struct dump_ctx *ctx, int fd, FileEntry *fe);

/* See above; frees ctx->inet. Returns the first error (logged). */
int sk_inet_finish(struct dump_ctx *ctx, bool killed);

#endif
