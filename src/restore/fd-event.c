#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "restore/fd-event.h"

/* <linux/timerfd.h> has it, but cannot be included together with <fcntl.h>. */
#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS	_IOW('T', 0, uint64_t)
#endif

/* Signals a signalfd's mask can hold: the kernel's sigset_t on x86_64. */
#define NSIG_FD		64

static int open_eventfd(const EventfdEntry *e, const char **what)
{
	int fd;

	*what = "cannot create the eventfd";
	fd = eventfd(0, EFD_CLOEXEC | (e->has_semaphore && e->semaphore ? EFD_SEMAPHORE : 0));
	if (fd < 0)
		return -errno;
	/* eventfd() takes only 32 bits: a write adds the whole 64-bit count. */
	*what = "cannot set the eventfd's counter";
	if (e->counter && write(fd, &e->counter, sizeof(e->counter)) != sizeof(e->counter)) {
		int ret = errno ? -errno : -EIO;

		close(fd);
		return ret;
	}
	return fd;
}

static int open_signalfd(const SignalfdEntry *e, const char **what)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (int sig = 1; sig <= NSIG_FD; sig++)
		if (e->sigmask & (1ull << (sig - 1)))
			sigaddset(&set, sig);
	*what = "cannot create the signalfd";
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void ns_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

static int open_timerfd(const TimerfdEntry *e, const char **what)
{
	struct itimerspec its = { 0 };
	int fd, flags = 0, ret;

	*what = "cannot create the timerfd";
	fd = timerfd_create(e->clockid, TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ns_ts(e->interval_ns, &its.it_interval);
	if (e->has_deadline_ns) {
		ns_ts(e->deadline_ns, &its.it_value);
		flags = (int)e->settime_flags & (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET);
	} else {
		ns_ts(e->value_ns, &its.it_value);
	}
	*what = "cannot arm the timerfd";
	if (timerfd_settime(fd, flags, &its, NULL))
		goto err;
	*what = "cannot give back the timerfd's unread expirations (TFD_IOC_SET_TICKS)";
	if (e->has_ticks && e->ticks && ioctl(fd, TFD_IOC_SET_TICKS, &e->ticks))
		goto err;
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}

int fd_event_open(const FileEntry *fe, const char **what)
{
	uint32_t flags;
	int fd, ret;

	*what = "no record for its kind";
	if (fe->kind == FD_KIND__FD_EVENTFD && fe->eventfd) {
		fd = open_eventfd(fe->eventfd, what);
		flags = fe->eventfd->flags;
	} else if (fe->kind == FD_KIND__FD_SIGNALFD && fe->signalfd) {
		fd = open_signalfd(fe->signalfd, what);
		flags = fe->signalfd->flags;
	} else if (fe->kind == FD_KIND__FD_TIMERFD && fe->timerfd) {
		fd = open_timerfd(fe->timerfd, what);
		flags = fe->timerfd->flags;
	} else {
		return -EINVAL;
	}
	if (fd < 0)
		return fd;
	*what = "cannot set its file flags";
	if (fcntl(fd, F_SETFL, flags & ~O_CLOEXEC) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}
