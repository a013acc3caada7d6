/*
 * Work in another process's network namespace for a moment: sockets,
 * netlink and BPF links belong to the namespace they are made in.
 * lmig is single-threaded where it does this.
 */
#ifndef LMIG_NETNS_H
#define LMIG_NETNS_H

#include <sys/types.h>

/*
 * Enter pid's network namespace. *home is lmig's own, to give to
 * netns_return(), or -1 when pid shares it (nothing to undo). 0 or
 * -errno; logs nothing.
 */
int netns_enter(pid_t pid, int *home);

/* Back home (and close home); -EIO, logged, if that fails: lmig must not go on elsewhere. */
int netns_return(int home);

#endif
