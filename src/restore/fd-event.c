#define LOG_PREFIX "restore-fd-event: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "restore/fd-event.h"
#include "restore/restore.h"

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

static const struct rst_shared_eventfd *shared_eventfd(const struct restore_ctx *ctx,
						       const EventfdEntry *e)
{
	for (size_t i = 0; e->has_eventfd_id && i < ctx->nr_shared_eventfds; i++)
		if (ctx->shared_eventfds[i].eventfd_id == e->eventfd_id)
			return &ctx->shared_eventfds[i];
	return NULL;
}

/* Does another record than files[i] have the eventfd of files[i]? */
static bool eventfd_shared(const struct restore_ctx *ctx, size_t i)
{
	const EventfdEntry *e = ctx->files[i]->eventfd;

	for (size_t j = 0; j < ctx->nr_files; j++) {
		const FileEntry *o = ctx->files[j];

		if (j != i && o->kind == FD_KIND__FD_EVENTFD && o->eventfd &&
		    o->eventfd->has_eventfd_id && o->eventfd->eventfd_id == e->eventfd_id)
			return true;
	}
	return false;
}

int fd_event_prepare(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_files; i++) {
		const FileEntry *fe = ctx->files[i];
		const EventfdEntry *e = fe->eventfd;
		struct rst_shared_eventfd *n;
		const char *what;
		int fd;

		if (fe->kind != FD_KIND__FD_EVENTFD || !e || !e->has_eventfd_id ||
		    shared_eventfd(ctx, e) || !eventfd_shared(ctx, i))
			continue;
		n = realloc(ctx->shared_eventfds, (ctx->nr_shared_eventfds + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		ctx->shared_eventfds = n;
		fd = open_eventfd(e, &what);
		if (fd >= 0 && fcntl(fd, F_SETFL, e->flags & ~O_CLOEXEC) < 0) {
			what = "cannot set its file flags";
			close(fd);
			fd = -errno;
		}
		if (fd < 0) {
			pr_err_rc(fd, "eventfd %u (shared by the tree's processes): %s", e->eventfd_id,
				  what);
			return fd;
		}
		n[ctx->nr_shared_eventfds++] = (struct rst_shared_eventfd){ e->eventfd_id, fd };
	}
	return 0;
}

void fd_event_release(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_shared_eventfds; i++)
		close(ctx->shared_eventfds[i].fd);
	free(ctx->shared_eventfds);
	ctx->shared_eventfds = NULL;
	ctx->nr_shared_eventfds = 0;
}

int fd_event_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what)
{
	const struct rst_shared_eventfd *shared;
	uint32_t flags;
	int fd, ret;

	*what = "no record for its kind";
	if (fe->kind == FD_KIND__FD_EVENTFD && fe->eventfd &&
	    (shared = shared_eventfd(ctx, fe->eventfd))) {
		/* lmig made it, with its flags; we inherited it. */
		*what = "cannot take the shared eventfd";
		fd = fcntl(shared->fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
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
