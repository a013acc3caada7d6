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

#include "fdinfo.pb-c.h"

/*
 * The file fe (FD_EVENTFD, FD_SIGNALFD or FD_TIMERFD) describes, with
 * its status flags: an fd (O_CLOEXEC), or -errno with *what naming the
 * step (the caller logs it with the fd).
 */
int fd_event_open(const FileEntry *fe, const char **what);

#endif
