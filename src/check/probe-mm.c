/* Memory probes: the two dirty trackers, memfd, PR_SET_MM_MAP. */
#define LOG_PREFIX "check: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/prctl.h>

#include "compat.h"
#include "log.h"
#include "probe.h"

#define NR_PAGES 4
#define WRITTEN_PAGE 2

static int read_pme(int pagemap_fd, const void *addr, uint64_t *pme)
{
	off_t off = (off_t)((uintptr_t)addr / (uintptr_t)getpagesize() * sizeof(*pme));
	ssize_t n = pread(pagemap_fd, pme, sizeof(*pme), off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*pme) ? 0 : -EIO;
}

static int write_clear_refs(const char *what)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, what, strlen(what)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * Two pages touched, soft-dirty bits cleared, one page written again:
 * soft-dirty works when exactly that page has bit 55 set.
 */
static void soft_dirty_in_child(struct check_probe *p, void *arg)
{
	long ps = getpagesize();
	uint64_t pme_written, pme_clean;
	char *area;
	int fd, rc;

	area = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		probe_set(p, false, "mmap: %s", strerror(errno));
		return;
	}
	area[0] = 1;
	area[ps] = 1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		probe_set(p, false, "open /proc/self/pagemap: %s", strerror(errno));
		goto out_unmap;
	}
	rc = write_clear_refs("4");
	if (rc < 0) {
		probe_set(p, false, "clear_refs 4 refused: %s", strerror(-rc));
		goto out_close;
	}
	area[0] = 2;
	rc = read_pme(fd, area, &pme_written);
	if (rc == 0)
		rc = read_pme(fd, area + ps, &pme_clean);
	if (rc < 0) {
		probe_set(p, false, "reading pagemap: %s", strerror(-rc));
		goto out_close;
	}
	if (!(pme_written & PME_PRESENT))
		probe_set(p, false, "pagemap shows a written page as not present");
	else if (!(pme_written & PME_SOFT_DIRTY))
		probe_set(p, false, "pagemap bit 55 stayed clear after clear_refs 4 and a write");
	else if (pme_clean & PME_SOFT_DIRTY)
		probe_set(p, false, "clear_refs 4 left bit 55 set on a page not written since");
	else
		probe_set(p, true, "clear_refs 4 cleared bit 55, a write set it on exactly that page");
out_close:
	close(fd);
out_unmap:
	munmap(area, 2 * ps);
}

void probe_soft_dirty(struct check_probe *p)
{
	probe_in_child(p, soft_dirty_in_child, NULL);
}

static int uffd_open(void)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	/* Kernels before 5.11 do not know UFFD_USER_MODE_ONLY. */
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* Returns the number of regions reported, or -errno. */
static int scan_written(int pagemap_fd, char *area, size_t len, struct page_region *vec, size_t n)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.start = (uintptr_t)area,
		.end = (uintptr_t)area + len,
		.vec = (uintptr_t)vec,
		.vec_len = n,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN,
	};
	int rc = ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);

	return rc < 0 ? -errno : rc;
}

/* Register, protect and scan: the sequence dump/tracker uses, on NR_PAGES pages. */
static void uffd_wp_scan(struct check_probe *p, int uffd, char *area, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)area, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)area, .len = len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	struct page_region vec[NR_PAGES];
	long ps = getpagesize();
	uintptr_t want = (uintptr_t)area + WRITTEN_PAGE * ps;
	int pagemap_fd, n;

	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) {
		probe_set(p, false, "UFFDIO_REGISTER MODE_WP on anonymous memory: %s", strerror(errno));
		return;
	}
	if (!(reg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT))) {
		probe_set(p, false, "UFFDIO_WRITEPROTECT not offered on anonymous memory");
		return;
	}
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) < 0) {
		probe_set(p, false, "UFFDIO_WRITEPROTECT: %s", strerror(errno));
		return;
	}
	/* With WP_ASYNC the kernel resolves this fault itself; else it hangs (and times out). */
	area[WRITTEN_PAGE * ps] = 1;

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap_fd < 0) {
		probe_set(p, false, "open /proc/self/pagemap: %s", strerror(errno));
		return;
	}
	n = scan_written(pagemap_fd, area, len, vec, NR_PAGES);
	if (n == -ENOTTY || n == -EINVAL)
		probe_set(p, false, "PAGEMAP_SCAN not supported: %s", strerror(-n));
	else if (n < 0)
		probe_set(p, false, "PAGEMAP_SCAN: %s", strerror(-n));
	else if (n != 1 || vec[0].start != want || vec[0].end != want + (uintptr_t)ps)
		probe_set(p, false, "PAGEMAP_SCAN reported %d regions, not exactly the one page written", n);
	else if ((n = scan_written(pagemap_fd, area, len, vec, NR_PAGES)) != 0)
		probe_set(p, false, "a second PAGEMAP_SCAN reported %d regions, not none", n);
	else
		probe_set(p, true, "async write-protect, then PAGEMAP_SCAN found exactly the page written and re-protected it");
	close(pagemap_fd);
}

static void uffd_wp_in_child(struct check_probe *p, void *arg)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED,
	};
	size_t len = (size_t)NR_PAGES * getpagesize();
	char *area;
	int uffd;

	uffd = uffd_open();
	if (uffd < 0) {
		probe_set(p, false, "userfaultfd: %s", strerror(-uffd));
		return;
	}
	if (ioctl(uffd, UFFDIO_API, &api) < 0) {
		probe_set(p, false, "UFFDIO_API with WP_ASYNC|WP_UNPOPULATED: %s (kernel older than 6.7?)",
			  strerror(errno));
		goto out_uffd;
	}
	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		probe_set(p, false, "mmap: %s", strerror(errno));
		goto out_uffd;
	}
	uffd_wp_scan(p, uffd, area, len);
	munmap(area, len);
out_uffd:
	close(uffd);
}

void probe_uffd_wp(struct check_probe *p)
{
	probe_in_child(p, uffd_wp_in_child, NULL);
}

void probe_memfd(struct check_probe *p)
{
	int fd = memfd_create("lmig-check", MFD_CLOEXEC);

	if (fd < 0) {
		probe_set(p, false, "memfd_create: %s", strerror(errno));
		return;
	}
	if (ftruncate(fd, getpagesize()) < 0)
		probe_set(p, false, "ftruncate of a memfd: %s", strerror(errno));
	else
		probe_set(p, true, "memfd_create and ftruncate work");
	close(fd);
}

/* Fields of /proc/self/stat that PR_SET_MM_MAP takes, by their number in proc(5). */
static int read_mm_layout(struct prctl_mm_map *m)
{
	static const int want[] = { 26, 27, 28, 45, 46, 47, 48, 49, 50, 51 };
	unsigned long long v[sizeof(want) / sizeof(want[0])];
	char buf[2048], *s;
	unsigned int i = 0;
	ssize_t n;
	int fd, field;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	s = strrchr(buf, ')');	/* the command name may hold anything */
	if (!s)
		return -EIO;
	s++;
	for (field = 3; i < sizeof(want) / sizeof(want[0]); field++) {
		char *end;
		unsigned long long x;

		while (*s == ' ')
			s++;
		if (!*s)
			return -EIO;
		x = strtoull(s, &end, 10);
		if (field == want[i])
			v[i++] = x;
		s = strchr(s, ' ');
		if (!s)
			s = end;
	}
	m->start_code = v[0];
	m->end_code = v[1];
	m->start_stack = v[2];
	m->start_data = v[3];
	m->end_data = v[4];
	m->start_brk = v[5];
	m->arg_start = v[6];
	m->arg_end = v[7];
	m->env_start = v[8];
	m->env_end = v[9];
	m->brk = (__u64)syscall(SYS_brk, 0);
	m->exe_fd = (__u32)-1;	/* replacing the exe link needs it unmapped: not probed */
	return 0;
}

/* Set this (forked) process's own memory layout again: what restore does with the old one. */
static void pr_set_mm_map_in_child(struct check_probe *p, void *arg)
{
	struct prctl_mm_map m = { 0 };
	unsigned int size = 0;
	int rc;

	if (prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, &size, 0, 0) < 0) {
		probe_set(p, false, "PR_SET_MM_MAP_SIZE: %s (kernel without CONFIG_CHECKPOINT_RESTORE?)",
			  strerror(errno));
		return;
	}
	if (size != sizeof(m)) {
		probe_set(p, false, "kernel's struct prctl_mm_map is %u bytes, ours %zu", size, sizeof(m));
		return;
	}
	rc = read_mm_layout(&m);
	if (rc < 0) {
		probe_set(p, false, "reading /proc/self/stat: %s", strerror(-rc));
		return;
	}
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &m, sizeof(m), 0) < 0)
		probe_set(p, false, "PR_SET_MM_MAP with this process's own layout: %s", strerror(errno));
	else
		probe_set(p, true, "PR_SET_MM_MAP accepted this process's own layout");
}

void probe_pr_set_mm_map(struct check_probe *p)
{
	probe_in_child(p, pr_set_mm_map_in_child, NULL);
}
