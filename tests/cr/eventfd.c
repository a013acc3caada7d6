/*
 * Eventfds keep their counter (a 64-bit one too), semaphore mode, file
 * flags and fd flags: a plain counter above 2^32, a semaphore that
 * counts down one by one, an empty nonblocking one, and a blocking one
 * without O_CLOEXEC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "crtest.h"

#define BIG	((1ULL << 40) + 7)

static void expect_flags(int fd, int fl, int fdfl, const char *what)
{
	if ((fcntl(fd, F_GETFL) & O_NONBLOCK) != (fl & O_NONBLOCK))
		cr_fail("%s: O_NONBLOCK is %s", what, fl & O_NONBLOCK ? "off" : "on");
	if ((fcntl(fd, F_GETFD) & FD_CLOEXEC) != fdfl)
		cr_fail("%s: FD_CLOEXEC is %s", what, fdfl ? "off" : "on");
}

static uint64_t take(int fd, const char *what)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		cr_fail_errno("%s: read", what);
	return v;
}

static void expect_empty(int fd, const char *what)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != -1 || errno != EAGAIN)
		cr_fail("%s: not empty (or not nonblocking)", what);
}

int main(void)
{
	int big, sem, empty, blocking;
	uint64_t one = 1;

	cr_init();
	big = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	empty = eventfd(0, EFD_NONBLOCK);
	blocking = eventfd(5, 0);
	if (big < 0 || sem < 0 || empty < 0 || blocking < 0)
		cr_fail_errno("eventfd");
	if (write(big, &(uint64_t){ BIG - 1 }, 8) != 8 || write(big, &one, 8) != 8)
		cr_fail_errno("write");
	cr_ready();
	cr_wait();

	expect_flags(big, O_NONBLOCK, FD_CLOEXEC, "counter");
	expect_flags(sem, O_NONBLOCK, FD_CLOEXEC, "semaphore");
	expect_flags(empty, O_NONBLOCK, 0, "empty");
	expect_flags(blocking, 0, 0, "blocking");
	if (take(big, "counter") != BIG)
		cr_fail("counter: not %llu", (unsigned long long)BIG);
	expect_empty(big, "counter");
	for (int i = 0; i < 3; i++)
		if (take(sem, "semaphore") != 1)
			cr_fail("semaphore: a read did not return 1");
	expect_empty(sem, "semaphore after 3 reads");
	expect_empty(empty, "empty");
	if (take(blocking, "blocking") != 5)
		cr_fail("blocking: counter is not 5");
	/* Still eventfds that count. */
	if (write(sem, &(uint64_t){ 2 }, 8) != 8 || take(sem, "semaphore") != 1)
		cr_fail("semaphore: no longer one at a time");
	cr_pass();
}
