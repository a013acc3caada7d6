/*
 * Unix sockets at restore (the mirror of src/dump/sk-unix.h).
 *
 * lmig makes every unix socket of the images once, before the root of
 * the tree is cloned (sk_unix_prepare(), called by tree.c beside the
 * shared pipes): the processes inherit them, each takes the ones its
 * fds name (sk_unix_open()), and lmig drops its copies once the root is
 * cloned (sk_unix_release()). So both ends of a pair, and a socket held
 * by several processes, are one object again, as they were.
 *
 * How each socket is made, from its first record in files.img:
 *   connected stream/seqpacket, and datagram sockets connected to each
 *     other: socketpair(); a stream peer that was already closed is a
 *     far end closed once the queue is in (a datagram socket whose peer
 *     was closed comes back unconnected);
 *   listening: bound (a stale socket file at the path is removed first,
 *     only if it is a socket) and listen(backlog); the sockets whose
 *     connections waited in its accept queue connect again, in order;
 *   datagram sockets: bound to their name, connected to their peer's;
 *   a name bound to a relative path is bound again from its directory;
 *   then each receive queue written back from its peer (a bound datagram
 *   socket without one: from a socket made for the purpose), then the
 *   options, shutdown, file flags, and the socket file's mode and owner;
 *   a name whose file had been removed is removed again.
 * What is not kept: the sender addresses and credentials of queued
 * datagrams (they read as lmig's), SO_PEERCRED of a pair (lmig's), the
 * name of a connected stream socket (an accepted one's is its listener's).
 */
#ifndef LMIG_RESTORE_SK_UNIX_H
#define LMIG_RESTORE_SK_UNIX_H

#include "fdinfo.pb-c.h"

struct restore_ctx;

/* lmig's side: make them all into ctx->unix_sk. 0 or -errno (logged, naming the socket). */
int sk_unix_prepare(struct restore_ctx *ctx);

/* Close lmig's copies and free ctx->unix_sk (nothing made is fine). */
void sk_unix_release(struct restore_ctx *ctx);

/*
 * In a restored process: its own fd (O_CLOEXEC) for the socket fe
 * (FD_UNIX_SK) names, or -errno with *what naming the step.
 */
int sk_unix_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what);

#endif
