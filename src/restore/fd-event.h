/*
 * eventfd, signalfd and timerfd at restore (the mirror of
 * src/dump/fd-event.h), made again in the restored process by
 * files_open():
 *   eventfd   with its counter and EFD_SEMAPHORE;
 *   signalfd  reading the same signals (those pending come back with
 *             the task);
 *   timerfd   on its clock, armed for the time that was left at dump
 *             (the delay starts again when the file is made: the pause
 *             of the migration is not counted) and its interval; a
 *             CLOCK_REALTIME timer set with TFD_TIMER_ABSTIME is armed
 *             for its date instead (expiries missed meanwhile are
 *             counted by the kernel as for any absolute timer). The
 *             expirations that were not read are given back with
 *             TFD_IOC_SET_TICKS, so a read() returns them at once.
 */
#ifndef LMIG_RESTORE_FD_EVENT_H
#define LMIG_RESTORE_FD_EVENT_H

#include <stdint.h>

#include "fdinfo.pb-c.h"

struct restore_ctx;

/*
 * An eventfd held by several processes of the tree (the same eventfd-id
 * in records of two processes) is made once by lmig before the root is
 * cloned (fd_event_prepare(), called by tree.c beside the shared pipes),
 * inherited, taken by each holder in fd_event_open(), and lmig's copy
 * closed once the root is cloned (fd_event_release()): a write in one
 * process wakes a reader in another, as before.
 */
struct rst_shared_eventfd {
	uint32_t eventfd_id;
	int fd;
};

/* lmig's side: into ctx->shared_eventfds. 0 or -errno (logged, naming the eventfd). */
int fd_event_prepare(struct restore_ctx *ctx);
/* Close lmig's copies and free ctx->shared_eventfds (none made is fine). */
void fd_event_release(struct restore_ctx *ctx);

/*
 * The file fe (FD_EVENTFD, FD_SIGNALFD or FD_TIMERFD) describes, with
 * its status flags: an fd (O_CLOEXEC), or -errno with *what naming the
 * step (the caller logs it with the fd).
 */
int fd_event_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what);

#endif
