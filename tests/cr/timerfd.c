/*
 * Timerfds carry on: a periodic CLOCK_MONOTONIC timer keeps ticking at
 * its interval and its expirations not read before the dump are read
 * after; one-shot CLOCK_MONOTONIC and CLOCK_REALTIME timers fire at the
 * time they had left; a CLOCK_REALTIME timer set for a date
 * (TFD_TIMER_ABSTIME) keeps its date; a one-shot that had expired
 * unread is read once; a disarmed one stays so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

#define MS	1000000LL
#define PERIOD	(20 * MS)
#define ONESHOT	(4000 * MS)

static int64_t ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static int64_t now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ns(&ts);
}

static struct timespec ts_of(int64_t v)
{
	return (struct timespec){ v / 1000000000LL, v % 1000000000LL };
}

static int make(clockid_t c, int flags, int64_t value, int64_t interval, int sflags)
{
	struct itimerspec its = { ts_of(interval), ts_of(value) };
	int fd = timerfd_create(c, flags);

	if (fd < 0 || timerfd_settime(fd, sflags, &its, NULL))
		cr_fail_errno("timerfd");
	return fd;
}

static uint64_t ticks(int fd, const char *what)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		cr_fail_errno("%s: read", what);
	return n;
}

static int64_t left(int fd, int64_t *interval)
{
	struct itimerspec its;

	if (timerfd_gettime(fd, &its))
		cr_fail_errno("timerfd_gettime");
	if (interval)
		*interval = ns(&its.it_interval);
	return ns(&its.it_value);
}

/* A one-shot timer fires at the time it says it has left, not before. */
static void check_oneshot(int fd, const char *what)
{
	int64_t l = left(fd, NULL), t0 = now(CLOCK_MONOTONIC), waited;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (l == 0) {		/* the dump and restore outlasted it: it waits, unread */
		if (poll(&p, 1, 0) != 1 || ticks(fd, what) != 1)
			cr_fail("%s: expired without an expiration to read", what);
		return;
	}
	if (l > ONESHOT)
		cr_fail("%s: %lld ms left, more than it was set for", what, (long long)(l / MS));
	if (poll(&p, 1, (int)(l / MS) + 1000) != 1)
		cr_fail("%s: did not fire within 1 s of the %lld ms it had left", what,
			(long long)(l / MS));
	waited = now(CLOCK_MONOTONIC) - t0;
	if (waited < l - 20 * MS)
		cr_fail("%s: fired after %lld ms, %lld ms early", what, (long long)(waited / MS),
			(long long)((l - waited) / MS));
	if (ticks(fd, what) != 1)
		cr_fail("%s: more than one expiration", what);
}

int main(void)
{
	int periodic, mono, real, date, expired, disarmed;
	int64_t interval, deadline, t0, l;
	uint64_t n, total;

	cr_init();
	periodic = make(CLOCK_MONOTONIC, TFD_CLOEXEC, PERIOD, PERIOD, 0);
	mono = make(CLOCK_MONOTONIC, TFD_NONBLOCK, ONESHOT, 0, 0);
	real = make(CLOCK_REALTIME, 0, ONESHOT, 0, 0);
	deadline = now(CLOCK_REALTIME) + ONESHOT + 1000 * MS;
	date = make(CLOCK_REALTIME, 0, deadline, 0, TFD_TIMER_ABSTIME);
	expired = make(CLOCK_MONOTONIC, TFD_NONBLOCK, 1 * MS, 0, 0);
	disarmed = make(CLOCK_REALTIME, TFD_NONBLOCK, 0, 0, 0);
	/* Let the periodic one gather expirations unread. */
	usleep(200000);
	cr_ready();
	cr_wait();

	if (!(fcntl(mono, F_GETFL) & O_NONBLOCK) || (fcntl(real, F_GETFL) & O_NONBLOCK) ||
	    !(fcntl(periodic, F_GETFD) & FD_CLOEXEC) || (fcntl(mono, F_GETFD) & FD_CLOEXEC))
		cr_fail("file or fd flags changed");
	/* At least the 10 of the 200 ms before the dump, and more since. */
	if ((n = ticks(periodic, "periodic")) < 200 * MS / PERIOD)
		cr_fail("periodic: %llu expirations pending, fewer than before the dump",
			(unsigned long long)n);
	left(periodic, &interval);
	if (interval != PERIOD)
		cr_fail("periodic: interval %lld ns, not %lld", (long long)interval,
			(long long)PERIOD);
	t0 = now(CLOCK_MONOTONIC);
	total = 0;
	while (total < 10)
		total += ticks(periodic, "periodic");
	l = now(CLOCK_MONOTONIC) - t0;
	if (l < 9 * PERIOD || l > 10 * PERIOD + 200 * MS)
		cr_fail("periodic: %llu expirations took %lld ms, not about %lld",
			(unsigned long long)total, (long long)(l / MS), (long long)(10 * PERIOD / MS));
	if (ticks(expired, "expired one-shot") != 1)
		cr_fail("expired one-shot: not one expiration");
	if (read(disarmed, &n, sizeof(n)) != -1 || errno != EAGAIN || left(disarmed, NULL))
		cr_fail("disarmed: armed or readable");
	/* The date is kept: what is left ends at the same CLOCK_REALTIME instant. */
	l = left(date, NULL);
	if (l == 0 && now(CLOCK_REALTIME) >= deadline)
		;	/* the dump and restore outlasted it */
	else if (llabs(now(CLOCK_REALTIME) + l - deadline) > 50 * MS)
		cr_fail("date: ends %lld ms from its date", (long long)((now(CLOCK_REALTIME) + l - deadline) / MS));
	check_oneshot(mono, "CLOCK_MONOTONIC one-shot");
	check_oneshot(real, "CLOCK_REALTIME one-shot");
	cr_pass();
}
