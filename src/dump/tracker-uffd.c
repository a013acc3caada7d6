/*
 * uffd-wp tracker: areas registered write-protect on an async userfaultfd
 * created in the target; written pages found and protected again in one
 * PAGEMAP_SCAN (why this misses nothing: tracker.h).
 */
#define LOG_PREFIX "tracker-uffd: "
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "dump/tracker-backend.h"

/* Regions per PAGEMAP_SCAN call: start small, grow while calls fill it. */
#define VEC_MIN		256
#define VEC_MAX		65536
/* UFFDIO_WRITEPROTECT answers -EAGAIN while the target's layout changes. */
#define WP_RETRIES	16

struct uffd_be {
	int uffd;
	int pagemap;		/* /proc/PID/pagemap */
	struct page_region *vec;
	size_t vec_len;
};

/* PAGEMAP_SCAN on an empty range: 0 where the ioctl exists, -ENOTTY before 6.7. */
static int pagemap_scan_probe(int pagemap)
{
	struct pm_scan_arg arg = { .size = sizeof(arg) };

	return ioctl(pagemap, PAGEMAP_SCAN, &arg) < 0 ? -errno : 0;
}

static int uffd_probe(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = TRACKER_UFFD_FEATURES };
	int uffd, pagemap, ret = -ENOTSUP;

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd < 0)
		return -ENOTSUP;
	if (ioctl(uffd, UFFDIO_API, &api) < 0)
		goto out_uffd;
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0)
		goto out_uffd;
	if (pagemap_scan_probe(pagemap) == 0)
		ret = 0;
	close(pagemap);
out_uffd:
	close(uffd);
	return ret;
}

/* The features uffd was created with, from our fdinfo ("API:\t<api>:<features>:<ioctls>"). */
static int uffd_features(int uffd, uint64_t *features)
{
	char path[64], line[256];
	unsigned long long api, f;
	FILE *fi;
	int ret = -ENOTSUP;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", uffd);
	fi = fopen(path, "re");
	if (!fi)
		return -errno;
	while (fgets(line, sizeof(line), fi)) {
		if (sscanf(line, "API:\t%llx:%llx:", &api, &f) == 2) {
			*features = f;
			ret = 0;
			break;
		}
	}
	fclose(fi);
	return ret;
}

static int uffd_open(struct tracker *t, int *uffd)
{
	struct uffd_be *be;
	uint64_t features = 0;
	char path[64];
	int ret;

	if (*uffd < 0)
		return -ENOTSUP;
	ret = uffd_features(*uffd, &features);
	if (ret) {
		if (ret == -ENOTSUP)
			pr_info("pid %d: fd %d is not a userfaultfd", t->pid, *uffd);
		else
			pr_err_rc(ret, "pid %d: fdinfo of fd %d", t->pid, *uffd);
		return ret;
	}
	if ((features & TRACKER_UFFD_FEATURES) != TRACKER_UFFD_FEATURES) {
		pr_info("pid %d: userfaultfd features %#llx lack %#x", t->pid,
			(unsigned long long)features, TRACKER_UFFD_FEATURES);
		return -ENOTSUP;
	}

	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	be->vec_len = VEC_MIN;
	be->vec = calloc(be->vec_len, sizeof(*be->vec));
	if (!be->vec) {
		ret = -ENOMEM;
		goto err_be;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	be->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (be->pagemap < 0) {
		ret = -errno;
		pr_perror("pid %d: open %s", t->pid, path);
		goto err_vec;
	}
	ret = pagemap_scan_probe(be->pagemap);
	if (ret) {
		if (ret == -ENOTTY || ret == -EINVAL)
			ret = -ENOTSUP;
		else
			pr_err_rc(ret, "pid %d: PAGEMAP_SCAN", t->pid);
		goto err_pagemap;
	}
	be->uffd = *uffd;
	*uffd = -1;
	t->be = be;
	return 0;

err_pagemap:
	close(be->pagemap);
err_vec:
	free(be->vec);
err_be:
	free(be);
	return ret;
}

static void uffd_close(struct tracker *t)
{
	struct uffd_be *be = t->be;

	close(be->uffd);
	close(be->pagemap);
	free(be->vec);
	free(be);
	t->be = NULL;
}

static int uffd_arm(struct tracker *t, const struct tracker_area *a)
{
	struct uffd_be *be = t->be;
	struct uffdio_register reg = {
		.range = { .start = a->start, .len = a->end - a->start },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = reg.range,
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int i;

	/* Registering what is registered already (same fd, same mode) is a no-op. */
	if (ioctl(be->uffd, UFFDIO_REGISTER, &reg) < 0) {
		switch (errno) {
		case EINVAL:	/* vDSO, vvar, VM_PFNMAP, hugetlb without support */
		case EPERM:	/* shared file mapping without write access */
		case EBUSY:	/* the process registered it on its own userfaultfd */
			return -ENOTSUP;
		case ENOMEM:	/* nothing mapped in the range */
			return -ENOENT;
		case ESRCH:
			return -ESRCH;
		default:
			pr_perror("pid %d: register %#llx-%#llx", t->pid,
				  (unsigned long long)a->start, (unsigned long long)a->end);
			return -errno;
		}
	}
	for (i = 0; i < WP_RETRIES; i++) {
		if (ioctl(be->uffd, UFFDIO_WRITEPROTECT, &wp) == 0)
			return 0;
		if (errno != EAGAIN)
			break;
	}
	switch (errno) {
	case EAGAIN:
	case ENOENT:	/* a mapping appeared in the range since the register */
		return -EAGAIN;
	case ESRCH:
		return -ESRCH;
	default:
		pr_perror("pid %d: write-protect %#llx-%#llx", t->pid,
			  (unsigned long long)a->start, (unsigned long long)a->end);
		return -errno;
	}
}

static int grow_vec(struct uffd_be *be)
{
	struct page_region *v;

	if (be->vec_len >= VEC_MAX)
		return 0;
	v = realloc(be->vec, be->vec_len * 2 * sizeof(*v));
	if (!v)
		return -ENOMEM;
	be->vec = v;
	be->vec_len *= 2;
	return 0;
}

static int uffd_scan(struct tracker *t, const struct tracker_area *a, struct range_vec *dirty)
{
	struct uffd_be *be = t->be;
	uint64_t start = a->start;
	long n, i;
	int ret;

	while (start < a->end) {
		struct pm_scan_arg arg = {
			.size = sizeof(arg),
			/* The last scan of a stopped process protects nothing again. */
			.flags = (t->last ? 0 : PM_SCAN_WP_MATCHING) | PM_SCAN_CHECK_WPASYNC,
			.start = start,
			.end = a->end,
			.vec = (uint64_t)(uintptr_t)be->vec,
			.vec_len = be->vec_len,
			.category_mask = PAGE_IS_WRITTEN,
			.return_mask = PAGE_IS_WRITTEN,
		};

		n = ioctl(be->pagemap, PAGEMAP_SCAN, &arg);
		if (n < 0) {
			switch (errno) {
			case EINTR:
				continue;
			case EPERM:	/* a mapping in the area is not registered */
				return -EAGAIN;
			case ESRCH:
				return -ESRCH;
			default:
				pr_perror("pid %d: PAGEMAP_SCAN %#llx-%#llx", t->pid,
					  (unsigned long long)start, (unsigned long long)a->end);
				return -errno;
			}
		}
		for (i = 0; i < n; i++) {
			ret = range_vec_push(dirty, be->vec[i].start, be->vec[i].end);
			if (ret)
				return ret;
		}
		if (arg.walk_end >= a->end)
			break;
		if (arg.walk_end <= start) {
			pr_err("pid %d: PAGEMAP_SCAN made no progress at %#llx", t->pid,
			       (unsigned long long)start);
			return -EIO;
		}
		/* Stopped early because the vector was full. */
		start = arg.walk_end;
		ret = grow_vec(be);
		if (ret)
			return ret;
	}
	return 0;
}

const struct tracker_ops tracker_uffd_ops = {
	.name = "uffd-wp",
	.bit = TRACKER_UFFD_WP,
	.needs_stop = false,
	.probe = uffd_probe,
	.open = uffd_open,
	.close = uffd_close,
	.arm = uffd_arm,
	.scan = uffd_scan,
};
