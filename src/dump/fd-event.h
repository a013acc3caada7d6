/*
 * eventfd, signalfd and timerfd of the dumped process (FD_EVENTFD,
 * FD_SIGNALFD, FD_TIMERFD), mirrored by src/restore/fd-event.h.
 *
 * What each keeps, from /proc/PID/fdinfo/FD:
 *   eventfd   its counter and EFD_SEMAPHORE;
 *   signalfd  the signals it reads (the pending signals themselves are
 *             the task's, dumped with it);
 *   timerfd   its clock, interval, the time left to its next expiry and
 *             the expirations not read yet (ticks). The timer is taken
 *             with pidfd_getfd and read with timerfd_gettime() first:
 *             that forwards a periodic timer which expired more than
 *             once, so that ticks counts every expiry and the time left
 *             is to the next one (what a read() by the process would
 *             see, and nothing it can tell apart).
 */
#ifndef LMIG_DUMP_FD_EVENT_H
#define LMIG_DUMP_FD_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "fdinfo.pb-c.h"

struct dump_ctx;

/*
 * Fill fe for fd of ctx's process, whose /proc link is link and file
 * status flags flags (O_CLOEXEC included or not: it is dropped).
 * Returns 0, -ENOENT (not logged) when link is none of the three kinds,
 * or -errno after one error line naming the pid and fd. On 0, *mem
 * (malloc()ed, owned by the caller, free it once fe is written) holds
 * what fe points to; otherwise *mem is NULL.
 */
int fd_event_describe(struct dump_ctx *ctx, int fd, const char *link, uint32_t flags,
		      FileEntry *fe, void **mem);

/*
 * The parsers, on the text of /proc/PID/fdinfo/FD (unit tests feed
 * them directly): 0, or -EINVAL when a line they need is missing or
 * odd. An eventfd without the "eventfd-semaphore:" line (before Linux
 * 6.4) is taken as a plain counter; *id is its "eventfd-id:", or -1.
 */
int fd_event_parse_eventfd(const char *text, uint64_t *counter, bool *semaphore, int64_t *id);
int fd_event_parse_signalfd(const char *text, uint64_t *sigmask);
struct fd_timerfd_info {
	int clockid;
	uint64_t ticks;
	uint32_t settime_flags;
};
int fd_event_parse_timerfd(const char *text, struct fd_timerfd_info *t);

#endif
