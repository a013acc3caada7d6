/*
 * A signalfd reads, after restore, the blocked signals pending before
 * the dump (a standard one on the process queue, a real-time one with
 * its sigqueue value, one on the thread's queue), and only the signals
 * of its mask; its flags are kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "crtest.h"

static void expect(int fd, int sig, int value, const char *what)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		cr_fail_errno("%s: read", what);
	if ((int)si.ssi_signo != sig)
		cr_fail("%s: signal %u, not %d", what, si.ssi_signo, sig);
	if (value >= 0 && si.ssi_int != value)
		cr_fail("%s: value %d, not %d", what, si.ssi_int, value);
}

int main(void)
{
	sigset_t block, mask;
	int fd, other;
	struct signalfd_siginfo si;

	cr_init();
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGRTMIN + 2);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGRTMIN + 5);
	if (sigprocmask(SIG_BLOCK, &block, NULL))
		cr_fail_errno("sigprocmask");
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGRTMIN + 2);
	sigaddset(&mask, SIGWINCH);
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	/* One for a signal nobody sends: it must stay empty. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGRTMIN + 5);
	other = signalfd(-1, &mask, SFD_NONBLOCK);
	if (fd < 0 || other < 0)
		cr_fail_errno("signalfd");
	if (kill(getpid(), SIGUSR2) || sigqueue(getpid(), SIGRTMIN + 2, (union sigval){ 4242 }) ||
	    raise(SIGWINCH))
		cr_fail_errno("send");
	cr_ready();
	cr_wait();

	if (!(fcntl(fd, F_GETFL) & O_NONBLOCK) || !(fcntl(fd, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(other, F_GETFD) & FD_CLOEXEC))
		cr_fail("flags changed");
	/* Thread queue first, then the process's, lowest signal first. */
	expect(fd, SIGWINCH, -1, "thread queue");
	expect(fd, SIGUSR2, -1, "process queue");
	expect(fd, SIGRTMIN + 2, 4242, "real-time");
	if (read(fd, &si, sizeof(si)) != -1 || errno != EAGAIN)
		cr_fail("a fourth signal was read");
	if (read(other, &si, sizeof(si)) != -1 || errno != EAGAIN)
		cr_fail("the other signalfd read a signal");
	/* Still a signalfd of the same mask. */
	if (sigqueue(getpid(), SIGRTMIN + 5, (union sigval){ 7 }))
		cr_fail_errno("sigqueue");
	expect(other, SIGRTMIN + 5, 7, "other after restore");
	cr_pass();
}
