/*
 * An eventfd shared by two processes of a tree is one eventfd again
 * after restore: a write by the parent wakes the child blocked in read()
 * on it, and a count the parent takes from a second shared eventfd is
 * gone for the child too. A pipe carries the child's findings back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crtest.h"

struct finding {
	uint64_t woken_by;	/* what the child read from the first eventfd */
	int second_empty;	/* the second one was drained by the parent */
};

static void child(int wake, int count, int out)
{
	struct finding f = { 0 };
	uint64_t v;

	/* Not outliving a parent that failed (restored with the task). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		_exit(1);
	if (read(wake, &f.woken_by, sizeof(f.woken_by)) != sizeof(f.woken_by))
		_exit(1);
	f.second_empty = read(count, &v, sizeof(v)) == -1 && errno == EAGAIN;
	if (write(out, &f, sizeof(f)) != sizeof(f))
		_exit(1);
	pause();
	_exit(0);
}

int main(void)
{
	int wake, count, p[2], status;
	struct finding f;
	struct pollfd pfd;
	uint64_t v;
	pid_t pid;

	cr_init();
	wake = eventfd(0, 0);
	count = eventfd(7, EFD_NONBLOCK);
	if (wake < 0 || count < 0 || pipe(p))
		cr_fail_errno("eventfd/pipe");
	pid = fork();
	if (pid < 0)
		cr_fail_errno("fork");
	if (pid == 0) {
		close(p[0]);
		child(wake, count, p[1]);
	}
	close(p[1]);
	cr_ready();
	cr_wait();

	if (read(count, &v, sizeof(v)) != sizeof(v) || v != 7)
		cr_fail("the second eventfd does not hold 7");
	if (write(wake, &(uint64_t){ 42 }, 8) != 8)
		cr_fail_errno("write");
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, 5000) != 1)
		cr_fail("the child was not woken within 5 s: the eventfd is not shared");
	if (read(p[0], &f, sizeof(f)) != sizeof(f))
		cr_fail_errno("read from the child");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (f.woken_by != 42)
		cr_fail("the child read %llu, not 42", (unsigned long long)f.woken_by);
	if (!f.second_empty)
		cr_fail("the child found a count in the eventfd the parent drained");
	cr_pass();
}
