/*
 * Kernel interfaces newer than the installed (6.1) uapi headers.
 *
 * Values are the kernel's ABI and never change once released; each block
 * is guarded so that newer headers win without a clash.
 */
#ifndef LMIG_COMPAT_H
#define LMIG_COMPAT_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/userfaultfd.h>
#include <linux/fs.h>

/* userfaultfd features (linux/userfaultfd.h, 6.4 .. 6.8) */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#endif
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON		(1 << 14)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC		(1 << 15)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE		(1 << 16)
#endif

/* PAGEMAP_SCAN ioctl on /proc/PID/pagemap (linux/fs.h, 6.7) */
#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED	(1 << 0)
#define PAGE_IS_WRITTEN		(1 << 1)
#define PAGE_IS_FILE		(1 << 2)
#define PAGE_IS_PRESENT		(1 << 3)
#define PAGE_IS_SWAPPED		(1 << 4)
#define PAGE_IS_PFNZERO		(1 << 5)
#define PAGE_IS_HUGE		(1 << 6)
#define PAGE_IS_SOFT_DIRTY	(1 << 7)

struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

#define PM_SCAN_WP_MATCHING	(1 << 0)
#define PM_SCAN_CHECK_WPASYNC	(1 << 1)

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define PAGEMAP_SCAN	_IOWR('f', 16, struct pm_scan_arg)
#endif

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PME_PFN_MASK		((1ULL << 55) - 1)
#define PME_SOFT_DIRTY		(1ULL << 55)
#define PME_EXCLUSIVE		(1ULL << 56)
#define PME_UFFD_WP		(1ULL << 57)
#define PME_FILE_SHARED		(1ULL << 61)
#define PME_SWAP		(1ULL << 62)
#define PME_PRESENT		(1ULL << 63)

/* prctl: timer_create takes the wanted id in *timer_id (linux/prctl.h, 6.15) */
#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS		77
#define PR_TIMER_CREATE_RESTORE_IDS_OFF		0
#define PR_TIMER_CREATE_RESTORE_IDS_ON		1
#endif

/*
 * bpf attach type of a tcx link at a device's ingress (enum
 * bpf_attach_type in linux/bpf.h, 6.6): an enum, so no #ifndef can tell
 * whether the headers have it.
 */
#define LMIG_BPF_TCX_INGRESS	46

#endif
