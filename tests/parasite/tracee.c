#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tracee.h"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int wait_event_stop(pid_t tid)
{
	long deadline = now_ms() + 5000;
	int status;
	pid_t r;

	while ((r = waitpid(tid, &status, __WALL | WNOHANG)) == 0 && now_ms() < deadline)
		nap_ms(1);
	if (r != tid) {
		fprintf(stderr, "tid %d: no stop after PTRACE_INTERRUPT\n", tid);
		return -1;
	}
	if (!WIFSTOPPED(status) || (status >> 16) != PTRACE_EVENT_STOP) {
		fprintf(stderr, "tid %d: status %#x, not PTRACE_EVENT_STOP\n", tid, status);
		return -1;
	}
	return 0;
}

int tr_seize_all(pid_t pid, unsigned long options, pid_t *tids, int max)
{
	char path[64];
	struct dirent *de;
	int n = 0, i;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		tids[n] = atoi(de->d_name);
		if (ptrace(PTRACE_SEIZE, tids[n], NULL, (void *)options)) {
			fprintf(stderr, "tid %d: PTRACE_SEIZE: %s\n", tids[n], strerror(errno));
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		if (ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL)) {
			fprintf(stderr, "tid %d: PTRACE_INTERRUPT: %s\n", tids[i], strerror(errno));
			return -1;
		}
		if (wait_event_stop(tids[i]))
			return -1;
	}
	return n;
}

int tr_detach_all(const pid_t *tids, int n)
{
	int i, ret = 0;

	for (i = 0; i < n; i++) {
		if (ptrace(PTRACE_DETACH, tids[i], NULL, NULL)) {
			fprintf(stderr, "tid %d: PTRACE_DETACH: %s\n", tids[i], strerror(errno));
			ret = -1;
		}
	}
	return ret;
}

int tr_in_event_stop(pid_t tid)
{
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si)) {
		fprintf(stderr, "tid %d: PTRACE_GETSIGINFO: %s\n", tid, strerror(errno));
		return -1;
	}
	return si.si_signo == SIGTRAP && (si.si_code >> 8) == PTRACE_EVENT_STOP;
}

int tr_get_regs(pid_t tid, struct tr_regs *out)
{
	struct iovec iov;

	memset(out, 0, sizeof(*out));
	if (ptrace(PTRACE_GETREGS, tid, NULL, &out->regs)) {
		fprintf(stderr, "tid %d: PTRACE_GETREGS: %s\n", tid, strerror(errno));
		return -1;
	}
	iov.iov_base = out->xstate;
	iov.iov_len = sizeof(out->xstate);
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov)) {
		fprintf(stderr, "tid %d: PTRACE_GETREGSET: %s\n", tid, strerror(errno));
		return -1;
	}
	out->xstate_len = iov.iov_len;
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(out->sigmask), &out->sigmask)) {
		fprintf(stderr, "tid %d: PTRACE_GETSIGMASK: %s\n", tid, strerror(errno));
		return -1;
	}
	return 0;
}

int tr_same_regs(pid_t tid, const struct tr_regs *a, const struct tr_regs *b)
{
	const unsigned long long *x = (const void *)&a->regs, *y = (const void *)&b->regs;
	size_t i;

	for (i = 0; i < sizeof(a->regs) / sizeof(*x); i++) {
		if (x[i] != y[i]) {
			fprintf(stderr, "tid %d: register word %zu: %#llx before, %#llx after\n",
				tid, i, x[i], y[i]);
			return -1;
		}
	}
	if (a->sigmask != b->sigmask) {
		fprintf(stderr, "tid %d: sigmask %#llx before, %#llx after\n", tid,
			(unsigned long long)a->sigmask, (unsigned long long)b->sigmask);
		return -1;
	}
	if (a->xstate_len != b->xstate_len) {
		fprintf(stderr, "tid %d: xstate %zu bytes before, %zu after\n", tid,
			a->xstate_len, b->xstate_len);
		return -1;
	}
	for (i = 0; i < a->xstate_len; i++) {
		if (a->xstate[i] != b->xstate[i]) {
			fprintf(stderr, "tid %d: xstate byte %zu: %#x before, %#x after\n", tid, i,
				a->xstate[i], b->xstate[i]);
			return -1;
		}
	}
	return 0;
}

char *tr_read_file(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		perror(path);
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (cap - len < 2) {
			char *nbuf = realloc(buf, cap * 2);

			if (!nbuf)
				break;
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int append(char **s, size_t *len, const char *add)
{
	size_t n = strlen(add);
	char *ns = realloc(*s, *len + n + 1);

	if (!ns)
		return -1;
	memcpy(ns + *len, add, n + 1);
	*s = ns;
	*len += n;
	return 0;
}

char *tr_fd_table(pid_t pid)
{
	char path[128], target[512], line[256];
	struct dirent *de;
	char *s = NULL, *info;
	size_t len = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		perror(path);
		return NULL;
	}
	append(&s, &len, "");
	while ((de = readdir(d))) {
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		snprintf(line, sizeof(line), "%d -> ", fd);
		append(&s, &len, line);
		append(&s, &len, target);
		append(&s, &len, "\n");
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		info = tr_read_file(path);
		if (info) {
			/* pos and flags; not mnt_id/ino lines of other kinds, which are stable anyway */
			append(&s, &len, info);
			free(info);
		}
	}
	closedir(d);
	return s;
}

int tr_wait_exit(pid_t pid, int ms, int *status)
{
	long deadline = now_ms() + ms;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, __WALL | WNOHANG);
		if (r == pid) {
			if (WIFEXITED(*status) || WIFSIGNALED(*status))
				return 0;
			continue;	/* a leftover ptrace stop report */
		}
		if (r < 0) {
			perror("waitpid");
			return -1;
		}
		if (now_ms() > deadline) {
			fprintf(stderr, "pid %d: still running after %d ms\n", pid, ms);
			return -1;
		}
		nap_ms(5);
	}
}

int tr_wait_stop(pid_t pid, int ms, int *status)
{
	long deadline = now_ms() + ms;
	pid_t r;

	while ((r = waitpid(pid, status, __WALL | WNOHANG)) == 0 && now_ms() < deadline)
		nap_ms(1);
	if (r != pid || !WIFSTOPPED(*status)) {
		fprintf(stderr, "pid %d: no ptrace stop within %d ms\n", pid, ms);
		return -1;
	}
	return 0;
}

int tr_wait_blocked(pid_t pid, long nr, int ms)
{
	long deadline = now_ms() + ms;
	char path[64], *s;
	long cur;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (;;) {
		s = tr_read_file(path);
		cur = s && s[0] >= '0' && s[0] <= '9' ? strtol(s, NULL, 10) : -1;
		free(s);
		if (cur == nr)
			return 0;
		if (now_ms() > deadline) {
			fprintf(stderr, "pid %d: not blocked in syscall %ld (at %ld)\n", pid, nr, cur);
			return -1;
		}
		nap_ms(5);
	}
}

int tr_read_full(int fd, void *buf, size_t len, int ms)
{
	long deadline = now_ms() + ms;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			fprintf(stderr, "fd %d: %zu of %zu bytes within %d ms\n", fd, got, len, ms);
			return -1;
		}
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0) {
			fprintf(stderr, "fd %d: read: %s\n", fd, n ? strerror(errno) : "EOF");
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

void tr_kill(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	tr_wait_exit(pid, 5000, &status);
}
