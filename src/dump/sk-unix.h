/*
 * Unix domain sockets of the dumped process (kind FD_UNIX_SK,
 * images/sk-unix.proto): stream, datagram and seqpacket; listening,
 * connected, bound or not.
 *
 * Each socket is taken with pidfd_getfd and described by sock_diag
 * (dump/sk-unix-diag.h). Its receive queue is read with MSG_PEEK under
 * SO_PEEK_OFF, which is put back as it was: nothing is consumed, a
 * process that runs on (--leave-running, a failed dump) sees its queue
 * untouched.
 *
 * Refused, with -ENOTSUP after one error line naming the pid, fd and
 * socket: a socket connected to one that no process of the dumped tree
 * holds (a daemon's, such as /dev/log or a D-Bus bus; the line names the
 * peer by its address), a listener with connections not yet accepted
 * that come from outside the tree or already carry bytes (those from
 * sockets of the tree are restored, in order), file descriptors in
 * flight in a queue, a name bound to a relative path that is not found
 * from the process's working directory.
 */
#ifndef LMIG_DUMP_SK_UNIX_H
#define LMIG_DUMP_SK_UNIX_H

#include "fdinfo.pb-c.h"

struct dump_ctx;
struct sk_unix_dump;

/*
 * fe for the target's fd, a socket: 0, -ENOENT (not logged) when it is
 * not a unix socket, or -errno as above. *dp (NULL at first) is made on
 * first use; what fe points to is owned by it until sk_unix_dump_free().
 */
int sk_unix_describe(struct dump_ctx *ctx, struct sk_unix_dump **dp, int fd, FileEntry *fe);

/* Frees d and everything fe pointed to (NULL is fine). */
void sk_unix_dump_free(struct sk_unix_dump *d);

#endif
