#define LOG_PREFIX "check: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"

void probe_set(struct check_probe *p, bool available, const char *fmt, ...)
{
	va_list ap;

	p->probed = true;
	p->available = available;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int child_wait(pid_t pid, int *status, int timeout_ms)
{
	const struct timespec tick = { 0, 200 * 1000 };
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG | __WALL);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

void child_kill(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	if (kill(pid, SIGKILL) < 0 && errno != ESRCH) {
		pr_perror("cannot kill probe child %d", pid);
		return;
	}
	/* A traced child may report a stop first; wait for its end. */
	for (;;) {
		int rc = child_wait(pid, &status, PROBE_TIMEOUT_MS);

		if (rc < 0) {
			pr_err_rc(rc, "probe child %d was killed but not reaped", pid);
			return;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return;
	}
}

int child_die_with_parent(pid_t parent_pid)
{
	pid_t ppid;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -errno;
	/* The parent may already be gone; 0: it is outside our pid namespace. */
	ppid = getppid();
	if (ppid != parent_pid && ppid != 0)
		return -ESRCH;
	return 0;
}

ssize_t read_bounded(int fd, void *buf, size_t len, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The child closed the pipe without an answer: say how it ended. Returns true once reaped. */
static bool describe_death(struct check_probe *p, pid_t pid)
{
	int status;
	int rc = child_wait(pid, &status, PROBE_TIMEOUT_MS);

	if (rc < 0) {
		probe_set(p, false, "probe child gave no answer and did not exit: %s", strerror(-rc));
		return false;
	}
	if (WIFSIGNALED(status))
		probe_set(p, false, "probe child killed by signal %d (%s)",
			  WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		probe_set(p, false, "probe child exited %d without an answer",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return true;
}

void probe_in_child(struct check_probe *p, probe_fn fn, void *arg)
{
	probe_in_child_within(p, fn, arg, PROBE_TIMEOUT_MS);
}

void probe_in_child_within(struct check_probe *p, probe_fn fn, void *arg, int timeout_ms)
{
	struct check_probe res;
	pid_t parent = getpid();
	int pfd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		probe_set(p, false, "pipe: %s", strerror(errno));
		return;
	}
	/* Nothing buffered may be written twice by the child. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		probe_set(p, false, "fork: %s", strerror(errno));
		goto out_pipe;
	}
	if (pid == 0) {
		int rc = child_die_with_parent(parent);

		close(pfd[0]);
		memset(&res, 0, sizeof(res));
		if (rc < 0)
			probe_set(&res, false, "probe child: PR_SET_PDEATHSIG: %s", strerror(-rc));
		else
			fn(&res, arg);
		n = write(pfd[1], &res, sizeof(res));
		_exit(n == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	pfd[1] = -1;

	n = read_bounded(pfd[0], &res, sizeof(res), timeout_ms);
	if (n == (ssize_t)sizeof(res)) {
		*p = res;
		p->probed = true;
		p->detail[sizeof(p->detail) - 1] = '\0';
	} else if (n == -ETIMEDOUT) {
		probe_set(p, false, "no answer within %d ms (the probe hung)", timeout_ms);
	} else if (n < 0) {
		probe_set(p, false, "reading the probe child's answer: %s", strerror((int)-n));
	} else if (describe_death(p, pid)) {
		pid = 0;	/* reaped: never signal that pid again */
	}
	child_kill(pid);
out_pipe:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
}
