/*
 * soft-dirty tracker: /proc/PID/pagemap bit 55, cleared by writing "4"
 * to /proc/PID/clear_refs. Reading and clearing are two steps over the
 * whole process, so a collect runs only while the process is stopped
 * (tracker.h says why no order of the two steps would do).
 */
#define LOG_PREFIX "tracker-softdirty: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "dump/proc.h"
#include "dump/tracker-backend.h"

/* Pagemap entries per pread: 512 KiB, 256 MiB of address space. */
#define CHUNK_ENTRIES	65536

struct sd_be {
	int pagemap;		/* /proc/PID/pagemap */
	int clear_refs;		/* /proc/PID/clear_refs, opened now: bound to this process */
	uint64_t *buf;
};

static int clear_soft_dirty(int fd)
{
	return pwrite(fd, "4", 1, 0) == 1 ? 0 : -errno;
}

static int pagemap_entry(int pagemap, const void *addr, uint64_t *pme)
{
	off_t off = (off_t)((uintptr_t)addr / (uintptr_t)sysconf(_SC_PAGESIZE)) * 8;

	return pread(pagemap, pme, sizeof(*pme), off) == sizeof(*pme) ? 0 : -1;
}

/*
 * Runs in a forked child, so that clearing the bits of a whole process
 * costs lmig nothing: clear, check the bit is off, write, check it is on.
 * Kernels without CONFIG_MEM_SOFT_DIRTY accept "4" and never set the bit.
 */
static int probe_child(void)
{
	volatile char *p;
	uint64_t pme;
	int pagemap, clear;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	clear = open("/proc/self/clear_refs", O_WRONLY);
	if (p == MAP_FAILED || pagemap < 0 || clear < 0)
		return 1;
	p[0] = 1;
	if (clear_soft_dirty(clear) || pagemap_entry(pagemap, (const void *)p, &pme) ||
	    (pme & PME_SOFT_DIRTY))
		return 1;
	p[0] = 2;
	if (pagemap_entry(pagemap, (const void *)p, &pme) || !(pme & PME_SOFT_DIRTY))
		return 1;
	return 0;
}

static int sd_probe(void)
{
	pid_t child, r;
	int status;

	child = fork();
	if (child < 0)
		return -ENOTSUP;
	if (child == 0)
		_exit(probe_child());
	/* The child runs a handful of syscalls and exits: no timeout needed. */
	do
		r = waitpid(child, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ENOTSUP;
	return 0;
}

static int sd_open(struct tracker *t, int *uffd)
{
	struct sd_be *be;
	char path[64];
	int ret;

	(void)uffd;
	if (sd_probe())
		return -ENOTSUP;
	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	be->buf = malloc(CHUNK_ENTRIES * sizeof(*be->buf));
	if (!be->buf) {
		ret = -ENOMEM;
		goto err_be;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	be->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (be->pagemap < 0) {
		ret = -errno;
		pr_perror("pid %d: open %s", t->pid, path);
		goto err_buf;
	}
	snprintf(path, sizeof(path), "/proc/%d/clear_refs", t->pid);
	be->clear_refs = open(path, O_WRONLY | O_CLOEXEC);
	if (be->clear_refs < 0) {
		ret = -errno;
		pr_perror("pid %d: open %s", t->pid, path);
		goto err_pagemap;
	}
	t->be = be;
	return 0;

err_pagemap:
	close(be->pagemap);
err_buf:
	free(be->buf);
err_be:
	free(be);
	return ret;
}

static void sd_close(struct tracker *t)
{
	struct sd_be *be = t->be;

	close(be->clear_refs);
	close(be->pagemap);
	free(be->buf);
	free(be);
	t->be = NULL;
}

/* The state letter of /proc/PID/task/TID/stat (after the last ')'), or 0. */
static char thread_state(pid_t pid, int tid)
{
	char path[96], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Every thread must be in a stop (t: ptrace, T: job control) or dead:
 * a running one could write between the pagemap read and the clear.
 */
static int sd_begin(struct tracker *t)
{
	int *tids = NULL, ret;
	size_t nr = 0;
	char st;

	ret = proc_list_numbers(t->pid, "task", &tids, &nr);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	for (size_t i = 0; !ret && i < nr; i++) {
		st = thread_state(t->pid, tids[i]);
		if (st == 0 || strchr("tTZX", st))
			continue;	/* 0: the thread exited meanwhile */
		pr_err("pid %d: thread %d is running (state %c): soft-dirty needs the process stopped",
		       t->pid, tids[i], st);
		ret = -EBUSY;
	}
	free(tids);
	return ret;
}

static int sd_arm(struct tracker *t, const struct tracker_area *a)
{
	/* The clear in sd_end, after the walk, arms everything at once. */
	(void)t;
	(void)a;
	return 0;
}

static int sd_scan(struct tracker *t, const struct tracker_area *a, struct range_vec *dirty)
{
	struct sd_be *be = t->be;
	uint64_t addr = a->start, ps = t->page_size;
	size_t i, nr, want;
	ssize_t got;
	int ret;

	while (addr < a->end) {
		nr = (a->end - addr) / ps;
		if (nr > CHUNK_ENTRIES)
			nr = CHUNK_ENTRIES;
		want = nr * sizeof(*be->buf);
		got = pread(be->pagemap, be->buf, want, (off_t)(addr / ps * sizeof(*be->buf)));
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			pr_perror("pid %d: read pagemap at %#llx", t->pid, (unsigned long long)addr);
			return ret;
		}
		if (got == 0)
			return -ESRCH;	/* the mm is gone */
		nr = (size_t)got / sizeof(*be->buf);
		for (i = 0; i < nr; i++) {
			if (!(be->buf[i] & PME_SOFT_DIRTY))
				continue;
			ret = range_vec_push(dirty, addr + i * ps, addr + (i + 1) * ps);
			if (ret)
				return ret;
		}
		addr += nr * ps;
	}
	return 0;
}

static int sd_end(struct tracker *t)
{
	struct sd_be *be = t->be;
	int ret = clear_soft_dirty(be->clear_refs);

	if (ret && ret != -ESRCH)
		pr_err_rc(ret, "pid %d: write clear_refs", t->pid);
	return ret;
}

const struct tracker_ops tracker_softdirty_ops = {
	.name = "soft-dirty",
	.bit = TRACKER_SOFT_DIRTY,
	.needs_stop = true,
	.probe = sd_probe,
	.open = sd_open,
	.close = sd_close,
	.begin = sd_begin,
	.arm = sd_arm,
	.scan = sd_scan,
	.end = sd_end,
};
