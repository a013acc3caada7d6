/*
 * Epoll instances at restore (the mirror of src/dump/fd-epoll.h), in two
 * steps of the restored process's files:
 *   fd_epoll_open()     in files_open(): the epoll, empty;
 *   fd_epoll_install()  in files_install(), once every file is on its
 *                       number: each item added with epoll_ctl(ADD)
 *                       through the number it was added with, so that
 *                       the kernel keys it as before and the process's
 *                       EPOLL_CTL_MOD and DEL on that number find it.
 *
 * What the kernel does not let us rebuild exactly:
 *   - an edge-triggered item whose file is ready when added reports one
 *     event at the next epoll_wait even when the process had taken that
 *     edge before the dump (one spurious wake-up, never a lost one);
 *   - an EPOLLONESHOT item that had fired (its events cleared to the
 *     flags) is fired again at restore to disable it, which needs its
 *     file ready for something then; one that is not comes back armed
 *     for EPOLLERR and EPOLLHUP, which epoll_ctl(ADD) always adds.
 */
#ifndef LMIG_RESTORE_FD_EPOLL_H
#define LMIG_RESTORE_FD_EPOLL_H

#include "fdinfo.pb-c.h"

struct restore_ctx;
struct rst_proc;

/* An empty epoll with fe's flags: an fd (O_CLOEXEC), or -errno with *what set. */
int fd_epoll_open(const FileEntry *fe, const char **what);

/*
 * Add the items of every epoll of p (its fds on their numbers already).
 * Logs nothing (it runs when fd 2 is the target's): 0 or -errno.
 */
int fd_epoll_install(const struct restore_ctx *ctx, const struct rst_proc *p);

#endif
