/*
 * The watched child of the tracker tests (see mutator.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "mutator.h"

enum op {
	OP_MAP, OP_WRITE, OP_UNMAP, OP_GROW, OP_MOVE, OP_MAP_FIXED, OP_UFFD,
	OP_CLOSE, OP_SPIN_AREA, OP_SPIN_START, OP_SPIN_STOP,
};

struct cmd {
	uint32_t op;
	uint64_t a, b, c;
};

#define SPIN_AREAS 8
#define HUGE_SIZE (2UL << 20)
#define SPIN_BURST 64
#define SPIN_PAUSE_NS 200000

struct child {
	long ps;
	struct { char *p; uint64_t n; } spin[SPIN_AREAS];
	unsigned nr_spin;
	pthread_t thread;
	volatile bool stop;
	volatile uint64_t writes;
};

static int64_t neg_errno(void)
{
	return -(int64_t)errno;
}

/* A PROT_NONE reserve of guard + len + room + guard; returns where len starts. */
static char *reserve(long ps, uint64_t len, uint64_t room, uint64_t align)
{
	uint64_t total = len + room + 2 * (uint64_t)ps + align;
	char *r = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t p;

	if (r == MAP_FAILED)
		return NULL;
	p = (uintptr_t)r + (uintptr_t)ps;
	if (align)
		p = (p + align - 1) & ~(uintptr_t)(align - 1);
	return (char *)p;
}

static int temp_file(uint64_t len)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/lmig-tracker-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, (off_t)len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int64_t do_map(struct child *c, enum mut_kind kind, uint64_t npages, uint64_t room)
{
	uint64_t len = npages * (uint64_t)c->ps;
	int flags = MAP_FIXED, fd = -1;
	char *at, *p;

	at = reserve(c->ps, len, room * (uint64_t)c->ps, kind == MK_THP ? HUGE_SIZE : 0);
	if (!at)
		return neg_errno();
	switch (kind) {
	case MK_ANON_PRIVATE:
	case MK_THP:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case MK_ANON_SHARED:
		flags |= MAP_SHARED | MAP_ANONYMOUS;
		break;
	case MK_MEMFD_SHARED:
		fd = memfd_create("lmig-tracker", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
			return neg_errno();
		flags |= MAP_SHARED;
		break;
	case MK_FILE_PRIVATE:
	case MK_FILE_SHARED:
		fd = temp_file(len);
		if (fd < 0)
			return neg_errno();
		flags |= kind == MK_FILE_SHARED ? MAP_SHARED : MAP_PRIVATE;
		break;
	}
	p = mmap(at, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return neg_errno();
	/* Either hint may be refused (THP "never"): the tests allow for both. */
	madvise(p, len, kind == MK_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return (int64_t)(uintptr_t)p;
}

static void touch(char *p, long ps, uint64_t n, uint64_t stride, uint64_t v)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		*(volatile uint64_t *)(p + i * stride * (uint64_t)ps + 8 * (v % 64)) = v;
}

static void *spin(void *arg)
{
	struct child *c = arg;
	const struct timespec pause = { .tv_nsec = SPIN_PAUSE_NS };
	uint64_t x = 88172645463325252ULL, page, off;
	unsigned a;

	while (!c->stop) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a = (unsigned)(x % c->nr_spin);
		page = (x >> 8) % c->spin[a].n;
		off = ((x >> 40) % ((uint64_t)c->ps / 8)) * 8;
		*(volatile uint64_t *)(c->spin[a].p + page * (uint64_t)c->ps + off) = x;
		/*
		 * Bursts with pauses: a round then finds some of the pages
		 * written, not all (which would copy everything and prove
		 * nothing), while writes still race with every collect.
		 */
		if (++c->writes % SPIN_BURST == 0)
			nanosleep(&pause, NULL);
	}
	return NULL;
}

static int64_t do_uffd(uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (fd < 0)
		return neg_errno();
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		int64_t r = neg_errno();

		close(fd);
		return r;
	}
	return fd;
}

static int64_t run(struct child *c, const struct cmd *k)
{
	uint64_t ps = (uint64_t)c->ps;
	char *p = (char *)(uintptr_t)k->a, *n;

	switch (k->op) {
	case OP_MAP:
		return do_map(c, (enum mut_kind)k->a, k->b, k->c);
	case OP_WRITE:
		touch(p, c->ps, k->b, k->c, ++c->writes);
		return 0;
	case OP_UNMAP:
		return munmap(p, k->b * ps) ? neg_errno() : 0;
	case OP_GROW:
		if (munmap(p + k->b * ps, (k->c - k->b) * ps))
			return neg_errno();
		n = mremap(p, k->b * ps, k->c * ps, 0);
		return n == MAP_FAILED ? neg_errno() : (int64_t)(uintptr_t)n;
	case OP_MOVE:
		n = reserve(c->ps, k->c * ps, 0, 0);
		if (!n)
			return neg_errno();
		n = mremap(p, k->b * ps, k->c * ps, MREMAP_MAYMOVE | MREMAP_FIXED, n);
		return n == MAP_FAILED ? neg_errno() : (int64_t)(uintptr_t)n;
	case OP_MAP_FIXED:
		n = mmap(p, k->b * ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (n == MAP_FAILED)
			return neg_errno();
		madvise(n, k->b * ps, MADV_NOHUGEPAGE);
		return 0;
	case OP_UFFD:
		return do_uffd(k->a);
	case OP_CLOSE:
		return close((int)k->a) ? neg_errno() : 0;
	case OP_SPIN_AREA:
		if (c->nr_spin == SPIN_AREAS)
			return -ENOSPC;
		c->spin[c->nr_spin].p = p;
		c->spin[c->nr_spin].n = k->b;
		c->nr_spin++;
		return 0;
	case OP_SPIN_START:
		if (!c->nr_spin)
			return -EINVAL;
		c->stop = false;
		return -pthread_create(&c->thread, NULL, spin, c);
	case OP_SPIN_STOP:
		c->stop = true;
		pthread_join(c->thread, NULL);
		return (int64_t)c->writes;
	}
	return -EINVAL;
}

static void child_main(int cmd, int rsp)
{
	struct child c = { .ps = sysconf(_SC_PAGESIZE) };
	struct cmd k;
	int64_t r;

	while (read(cmd, &k, sizeof(k)) == sizeof(k)) {
		r = run(&c, &k);
		if (write(rsp, &r, sizeof(r)) != sizeof(r))
			break;
	}
	_exit(0);
}

int mutator_start(struct mutator *m)
{
	int cmd[2], rsp[2];
	pid_t parent = getpid();

	m->page_size = sysconf(_SC_PAGESIZE);
	if (pipe2(cmd, O_CLOEXEC) || pipe2(rsp, O_CLOEXEC))
		return -errno;
	m->pid = fork();
	if (m->pid < 0)
		return -errno;
	if (m->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(cmd[1]);
		close(rsp[0]);
		child_main(cmd[0], rsp[1]);
	}
	close(cmd[0]);
	close(rsp[1]);
	m->cmd = cmd[1];
	m->rsp = rsp[0];
	return 0;
}

void mutator_stop(struct mutator *m)
{
	if (m->pid <= 0)
		return;
	close(m->cmd);
	close(m->rsp);
	kill(m->pid, SIGKILL);
	waitpid(m->pid, NULL, 0);
	m->pid = 0;
}

static int64_t call(struct mutator *m, enum op op, uint64_t a, uint64_t b, uint64_t c)
{
	struct cmd k = { .op = op, .a = a, .b = b, .c = c };
	int64_t r;

	if (write(m->cmd, &k, sizeof(k)) != sizeof(k))
		return -EPIPE;
	if (read(m->rsp, &r, sizeof(r)) != sizeof(r))
		return -EPIPE;
	return r;
}

int64_t mut_map(struct mutator *m, enum mut_kind kind, uint64_t npages, uint64_t room_pages)
{
	return call(m, OP_MAP, kind, npages, room_pages);
}

int64_t mut_write(struct mutator *m, uint64_t addr, uint64_t n, uint64_t stride)
{
	return call(m, OP_WRITE, addr, n, stride);
}

int64_t mut_unmap(struct mutator *m, uint64_t addr, uint64_t npages)
{
	return call(m, OP_UNMAP, addr, npages, 0);
}

int64_t mut_grow(struct mutator *m, uint64_t addr, uint64_t old_pages, uint64_t new_pages)
{
	return call(m, OP_GROW, addr, old_pages, new_pages);
}

int64_t mut_move(struct mutator *m, uint64_t addr, uint64_t old_pages, uint64_t new_pages)
{
	return call(m, OP_MOVE, addr, old_pages, new_pages);
}

int64_t mut_map_fixed(struct mutator *m, uint64_t addr, uint64_t npages)
{
	return call(m, OP_MAP_FIXED, addr, npages, 0);
}

int64_t mut_uffd(struct mutator *m, uint64_t features)
{
	return call(m, OP_UFFD, features, 0, 0);
}

int64_t mut_close(struct mutator *m, int fd)
{
	return call(m, OP_CLOSE, (uint64_t)fd, 0, 0);
}

int64_t mut_spin_area(struct mutator *m, uint64_t addr, uint64_t npages)
{
	return call(m, OP_SPIN_AREA, addr, npages, 0);
}

int64_t mut_spin_start(struct mutator *m)
{
	return call(m, OP_SPIN_START, 0, 0, 0);
}

int64_t mut_spin_stop(struct mutator *m)
{
	return call(m, OP_SPIN_STOP, 0, 0, 0);
}

int mutator_freeze(struct mutator *m)
{
	int st;

	if (kill(m->pid, SIGSTOP))
		return -errno;
	if (waitpid(m->pid, &st, WUNTRACED) != m->pid)
		return -errno;
	return WIFSTOPPED(st) ? 0 : -ECHILD;
}

int mutator_thaw(struct mutator *m)
{
	return kill(m->pid, SIGCONT) ? -errno : 0;
}

int mutator_getfd(struct mutator *m, int child_fd)
{
	int pidfd, fd;

	pidfd = (int)syscall(SYS_pidfd_open, m->pid, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	if (fd < 0)
		fd = -errno;
	close(pidfd);
	return fd;
}
