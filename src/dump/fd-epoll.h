/*
 * Epoll instances of the dumped process (FD_EPOLL), mirrored by
 * src/restore/fd-epoll.h.
 *
 * The interest list comes from the "tfd: events: data:" lines of
 * /proc/PID/fdinfo/FD. The kernel keys each item by its file and the fd
 * number it was added with, and keeps it after that fd is closed while
 * the file lives on elsewhere; restore can only add an item through the
 * number, so each item's file must still be the one at its number in the
 * process (checked with kcmp(KCMP_EPOLL_TFD)). An item whose number is
 * closed, or holds another file now, is refused, naming both fds. An
 * epoll watching another epoll needs nothing special: restore adds every
 * item once all the files are on their numbers.
 */
#ifndef LMIG_DUMP_FD_EPOLL_H
#define LMIG_DUMP_FD_EPOLL_H

#include <stdint.h>

#include "fdinfo.pb-c.h"

struct dump_ctx;

/*
 * Fill fe for fd of ctx's process (link and flags as for
 * fd_event_describe()). Returns 0, -ENOENT (not logged) when fd is not
 * an epoll, or -errno after one error line naming the pid and fd. On 0,
 * *mem (malloc()ed, owned by the caller) holds what fe points to;
 * otherwise *mem is NULL.
 */
int fd_epoll_describe(struct dump_ctx *ctx, int fd, const char *link, uint32_t flags,
		      FileEntry *fe, void **mem);

/*
 * Parse the item lines of an epoll's fdinfo text into items[0..max),
 * *nr set to how many there are (also when more than max: call again
 * with room for them). 0, or -EINVAL on a "tfd:" line it cannot parse.
 */
struct fd_epoll_item {
	uint32_t tfd;
	uint32_t events;
	uint64_t data;
};
int fd_epoll_parse(const char *text, struct fd_epoll_item *items, size_t max, size_t *nr);

#endif
