#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crtest.h"

static int out_fd = -1;
static volatile sig_atomic_t got_signal;

static void on_usr1(int sig)
{
	got_signal = 1;
}

static void say(const char *msg, size_t len)
{
	while (len > 0) {
		ssize_t n = write(out_fd, msg, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		msg += n;
		len -= (size_t)n;
	}
}

void cr_init(void)
{
	const char *path = getenv("CR_OUT");
	struct sigaction sa = { .sa_handler = on_usr1 };

	if (!path) {
		fprintf(stderr, "crtest: CR_OUT is not set; run me through tests/cr/run-cr\n");
		exit(1);
	}
	out_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		fprintf(stderr, "crtest: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		cr_fail_errno("sigaction(SIGUSR1)");
}

void cr_ready(void)
{
	say("READY\n", 6);
}

int cr_signalled(void)
{
	return got_signal;
}

void cr_wait(void)
{
	sigset_t block, old;

	/* Block first so that a signal sent between the check and the wait is not lost. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!got_signal)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void cr_pass(void)
{
	say("PASS\n", 5);
	exit(0);
}

static noreturn void vfail(const char *fmt, va_list ap, int err)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "FAIL: ");

	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (err && n < (int)sizeof(buf))
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", strerror(err));
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	say(buf, (size_t)n);
	exit(1);
}

void cr_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap, 0);
}

void cr_fail_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vfail(fmt, ap, err);
}
