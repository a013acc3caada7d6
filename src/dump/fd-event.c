#define LOG_PREFIX "dump-fd-event: "
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/fd-event.h"
#include "dump/proc.h"

#define FDINFO_MAX	4096

/* The text after "key" at the start of a line of an fdinfo file, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, n) == 0)
			return l + n;
	return NULL;
}

static int field_u64(const char *text, const char *key, int base, uint64_t *v)
{
	const char *s = field(text, key);
	char *end;

	if (!s)
		return -EINVAL;
	s += strspn(s, " \t");
	if (!isxdigit((unsigned char)*s))	/* strtoull() would take "-1" */
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || end == s ? -EINVAL : 0;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

int fd_event_parse_eventfd(const char *text, uint64_t *counter, bool *semaphore, int64_t *id)
{
	uint64_t sem = 0, v;

	if (field_u64(text, "eventfd-count:", 16, counter))
		return -EINVAL;
	/* Linux 6.4 and later say whether it counts as a semaphore. */
	if (field(text, "eventfd-semaphore:") && field_u64(text, "eventfd-semaphore:", 10, &sem))
		return -EINVAL;
	*semaphore = sem != 0;
	*id = -1;
	if (field(text, "eventfd-id:")) {
		if (field_u64(text, "eventfd-id:", 10, &v) || v > INT32_MAX)
			return -EINVAL;
		*id = (int64_t)v;
	}
	return 0;
}

int fd_event_parse_signalfd(const char *text, uint64_t *sigmask)
{
	return field_u64(text, "sigmask:", 16, sigmask);
}

int fd_event_parse_timerfd(const char *text, struct fd_timerfd_info *t)
{
	uint64_t clockid, sflags;

	if (field_u64(text, "clockid:", 10, &clockid) || field_u64(text, "ticks:", 10, &t->ticks) ||
	    field_u64(text, "settime flags:", 8, &sflags) || clockid > INT32_MAX ||
	    sflags > UINT32_MAX)
		return -EINVAL;
	t->clockid = (int)clockid;
	t->settime_flags = (uint32_t)sflags;
	return 0;
}

/* The timer, through our own copy lfd of it (see fd-event.h). */
static int describe_timerfd(int lfd, uint32_t flags, FileEntry *fe, TimerfdEntry *e,
			    const char **what)
{
	char path[64], *text = NULL;
	struct fd_timerfd_info ti;
	struct itimerspec its;
	struct timespec now;
	int ret;

	*what = "cannot read the timer";
	if (timerfd_gettime(lfd, &its))
		return -errno;
	snprintf(path, sizeof(path), "self/fdinfo/%d", lfd);
	ret = proc_read_file(path, FDINFO_MAX, &text, NULL);
	if (ret)
		return ret;
	*what = "cannot parse the timer's fdinfo";
	ret = fd_event_parse_timerfd(text, &ti);
	if (ret)
		goto out;
	e->clockid = ti.clockid;
	e->flags = flags;
	e->interval_ns = ts_ns(&its.it_interval);
	e->value_ns = ts_ns(&its.it_value);
	e->has_ticks = true;
	e->ticks = ti.ticks;
	e->has_settime_flags = true;
	e->settime_flags = ti.settime_flags;
	if ((ti.settime_flags & TFD_TIMER_ABSTIME) && e->value_ns &&
	    (ti.clockid == CLOCK_REALTIME || ti.clockid == CLOCK_REALTIME_ALARM)) {
		*what = "cannot read CLOCK_REALTIME";
		if (clock_gettime(CLOCK_REALTIME, &now)) {
			ret = -errno;
			goto out;
		}
		e->has_deadline_ns = true;
		e->deadline_ns = ts_ns(&now) + e->value_ns;
	}
	fe->kind = FD_KIND__FD_TIMERFD;
	fe->timerfd = e;
	ret = 0;
out:
	free(text);
	return ret;
}

/* Our own copy of the target's fd, or -errno. */
static int take_fd(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), lfd;

	if (pidfd < 0)
		return -errno;
	lfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (lfd < 0)
		lfd = -errno;
	close(pidfd);
	return lfd;
}

int fd_event_describe(struct dump_ctx *ctx, int fd, const char *link, uint32_t flags,
		      FileEntry *fe, void **mem)
{
	union {
		EventfdEntry efd;
		SignalfdEntry sfd;
		TimerfdEntry tfd;
	} *e;
	const char *what = "cannot parse its fdinfo";
	char path[64], *text = NULL;
	pid_t pid = ctx->pid;
	int ret, lfd;

	*mem = NULL;
	flags &= ~O_CLOEXEC;
	if (strcmp(link, "anon_inode:[eventfd]") && strcmp(link, "anon_inode:[signalfd]") &&
	    strcmp(link, "anon_inode:[timerfd]"))
		return -ENOENT;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (strcmp(link, "anon_inode:[timerfd]") == 0) {
		timerfd_entry__init(&e->tfd);
		lfd = take_fd(pid, fd);
		if (lfd < 0) {
			ret = lfd;
			what = "cannot take the timer (pidfd_getfd)";
			goto out;
		}
		ret = describe_timerfd(lfd, flags, fe, &e->tfd, &what);
		close(lfd);
		goto out;
	}
	snprintf(path, sizeof(path), "%d/fdinfo/%d", (int)pid, fd);
	ret = proc_read_file(path, FDINFO_MAX, &text, NULL);
	if (ret) {
		what = "cannot read its fdinfo";
		goto out;
	}
	if (strcmp(link, "anon_inode:[eventfd]") == 0) {
		bool sem = false;
		int64_t id = -1;

		eventfd_entry__init(&e->efd);
		e->efd.flags = flags;
		ret = fd_event_parse_eventfd(text, &e->efd.counter, &sem, &id);
		e->efd.has_semaphore = true;
		e->efd.semaphore = sem;
		e->efd.has_eventfd_id = id >= 0;
		e->efd.eventfd_id = id >= 0 ? (uint32_t)id : 0;
		fe->kind = FD_KIND__FD_EVENTFD;
		fe->eventfd = &e->efd;
	} else {
		signalfd_entry__init(&e->sfd);
		e->sfd.flags = flags;
		ret = fd_event_parse_signalfd(text, &e->sfd.sigmask);
		fe->kind = FD_KIND__FD_SIGNALFD;
		fe->signalfd = &e->sfd;
	}
out:
	free(text);
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: %s: %s", (int)pid, fd, link, what);
		free(e);
		return ret;
	}
	*mem = e;
	return 0;
}
