#define LOG_PREFIX "restore-mem: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "fileid.h"
#include "image/mm.h"
#include "image/pages.h"
#include "restore/bootstrap.h"
#include "restore/ipc.h"
#include "restore/restore.h"
#include "restore/shmem.h"

static bool vma_is_special(const VmaEntry *v)
{
	return v->kind == VMA_KIND__VMA_VDSO || v->kind == VMA_KIND__VMA_VVAR ||
	       v->kind == VMA_KIND__VMA_VSYSCALL;
}

/* Areas whose fresh premap reads as zero: a zero run needs nothing there. */
static bool vma_starts_zero(const VmaEntry *v)
{
	switch (v->kind) {
	case VMA_KIND__VMA_FILE_PRIVATE:
		return v->file_deleted;
	case VMA_KIND__VMA_FILE_SHARED:
		return v->file_deleted || v->content_carried;	/* a carried one: in a fresh memfd */
	default:
		return true;
	}
}

/*
 * The last file whose build-id matched an area's: a library's next areas
 * (four or five each) need not read its ELF notes again.
 */
struct id_seen {
	uint64_t dev, ino, mtime_ns;
	uint8_t build_id[FILEID_BUILD_ID_MAX];
	size_t build_id_len;		/* 0: nothing seen yet */
};

static bool seen_before(const struct id_seen *s, uint64_t dev, uint64_t ino, const struct file_id *id,
			const VmaEntry *v)
{
	return s->build_id_len && s->dev == dev && s->ino == ino && s->mtime_ns == id->mtime_ns &&
	       s->build_id_len == v->build_id.len && !memcmp(s->build_id, v->build_id.data, s->build_id_len);
}

/*
 * Is fd the file that was mapped? Its size, mtime and build-id must be
 * those recorded (src/fileid.h), whatever its inode: another host has
 * another one, and a file replaced here may have the old one's number.
 * 0, or -ESTALE with *why saying what differs.
 */
static int same_file(int fd, const VmaEntry *v, struct id_seen *seen, char *why, size_t len)
{
	struct file_id id;
	uint64_t dev, ino;
	int ret;

	ret = file_id_stat(fd, &id, &dev, &ino);
	if (!ret && v->has_build_id && id.size == v->file_size && id.mtime_ns == v->file_mtime_ns) {
		if (seen_before(seen, dev, ino, &id, v))
			return 0;
		ret = file_id_read(fd, &id);
	}
	if (ret) {
		snprintf(why, len, "fstat: %s", strerror(-ret));
		return ret;
	}
	if (id.size != v->file_size)
		snprintf(why, len, "%" PRIu64 " bytes, was %" PRIu64, id.size, v->file_size);
	else if (id.mtime_ns != v->file_mtime_ns)
		snprintf(why, len, "modified at %" PRIu64 ".%09" PRIu64 ", was %" PRIu64 ".%09" PRIu64,
			 id.mtime_ns / 1000000000, id.mtime_ns % 1000000000,
			 v->file_mtime_ns / 1000000000, v->file_mtime_ns % 1000000000);
	else if (v->has_build_id && (id.build_id_len != v->build_id.len ||
				       memcmp(id.build_id, v->build_id.data, id.build_id_len) != 0))
		snprintf(why, len, "another ELF build-id");
	else {
		if (id.build_id_len) {
			*seen = (struct id_seen){ .dev = dev, .ino = ino, .mtime_ns = id.mtime_ns,
						  .build_id_len = id.build_id_len };
			memcpy(seen->build_id, id.build_id, id.build_id_len);
		}
		return 0;
	}
	return -ESTALE;
}

/*
 * Is fd the file of area v: by its identity, or (images without one) by
 * its inode? 0, or -ESTALE with *why saying what differs.
 */
static int is_mapped_file(int fd, const VmaEntry *v, struct id_seen *seen, char *why, size_t len)
{
	struct stat st;

	if (v->has_file_size && v->has_file_mtime_ns)
		return same_file(fd, v, seen, why, len);
	if (v->has_ino && fstat(fd, &st) == 0 &&
	    (st.st_ino != v->ino || (v->has_dev && st.st_dev != v->dev))) {
		snprintf(why, len, "inode %" PRIu64 ", was %" PRIu64, (uint64_t)st.st_ino, v->ino);
		return -ESTALE;
	}
	return 0;
}

/* Open the file of a file area and check it is the one that was mapped. */
static int open_vma_file(uint32_t pid, const VmaEntry *v, int flags, struct id_seen *seen)
{
	char why[128] = "";
	int fd, ret;

	fd = open(v->path, flags | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("pid %u: area %#" PRIx64 "-%#" PRIx64 ": cannot open %s",
			  pid, v->start, v->end, v->path);
		return ret;
	}
	ret = is_mapped_file(fd, v, seen, why, sizeof(why));
	if (ret) {
		pr_err("pid %u: area %#" PRIx64 "-%#" PRIx64 ": %s is not the file that was mapped (%s)",
		       pid, v->start, v->end, v->path, why);
		close(fd);
		return ret;
	}
	return fd;
}

/* A memfd standing in for the deleted file of a shared area, as long as the area needs. */
static int deleted_shared_file(uint32_t pid, const VmaEntry *v)
{
	const char *name = v->name ? v->name : v->path ? v->path : "lmig";
	int fd = memfd_create(name, MFD_CLOEXEC), ret;

	if (fd < 0) {
		ret = -errno;
		pr_perror("pid %u: area %#" PRIx64 ": cannot create a memfd", pid, v->start);
		return ret;
	}
	if (ftruncate(fd, (off_t)(v->pgoff + (v->end - v->start)))) {
		ret = -errno;
		pr_perror("pid %u: area %#" PRIx64 ": cannot size its memfd", pid, v->start);
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * An area of a SysV segment: attached anew (a real attach, counted in
 * nattch, that shmdt takes back), the part the area covered moved to its
 * premap address, the rest of the attach dropped.
 */
static int premap_sysv(const struct restore_ctx *ctx, uint32_t pid, const VmaEntry *v,
		       uint64_t at)
{
	uint64_t size = 0, off = v->has_pgoff ? v->pgoff : 0, len = v->end - v->start;
	uint64_t ps = (uint64_t)ctx->page_size;
	int id = v->has_shmid ? ipc_shm_id(ctx, v->shmid, &size) : -1, flags = 0, ret;
	char *m;

	if (id < 0) {
		pr_err("pid %u: area %#" PRIx64 "-%#" PRIx64 ": its SysV shmid %" PRIu64
		       " is not in ipc.img", pid, v->start, v->end, v->shmid);
		return -EINVAL;
	}
	size = (size + ps - 1) / ps * ps;
	if (off > size || len > size - off) {
		pr_err("pid %u: area %#" PRIx64 "-%#" PRIx64 ": beyond the %" PRIu64 " bytes of "
		       "shmid %d", pid, v->start, v->end, size, id);
		return -EINVAL;
	}
	if (!(v->prot & PROT_WRITE))
		flags |= SHM_RDONLY;
	if (v->prot & PROT_EXEC)
		flags |= SHM_EXEC;
	m = shmat(id, NULL, flags);
	if (m == (void *)-1) {
		ret = -errno;
		pr_perror("pid %u: area %#" PRIx64 "-%#" PRIx64 ": cannot attach shmid %d", pid,
			  v->start, v->end, id);
		return ret;
	}
	if (mremap(m + off, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)at) == MAP_FAILED) {
		ret = -errno;
		pr_perror("pid %u: area %#" PRIx64 "-%#" PRIx64 ": cannot move its attach of "
			  "shmid %d into place", pid, v->start, v->end, id);
		shmdt(m);
		return ret;
	}
	if (off)
		munmap(m, off);
	if (off + len < size)
		munmap(m + off + len, size - off - len);
	return 0;
}

/*
 * A carried shared file area (content_carried): its own file when it is
 * here and the one that was mapped (*real set: the saved pages are not
 * written over it), else a memfd that gets the saved pages.
 */
static int carried_file(uint32_t pid, const VmaEntry *v, bool *real, struct id_seen *seen)
{
	int fd = open(v->path, ((v->prot & PROT_WRITE) ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	char why[128] = "";

	if (fd >= 0 && is_mapped_file(fd, v, seen, why, sizeof(why)) == 0) {
		*real = true;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	pr_info("pid %u: area %#" PRIx64 "-%#" PRIx64 ": %s is not here%s%s%s: its saved content "
		"goes in a memfd", pid, v->start, v->end, v->path, why[0] ? " (" : "", why,
		why[0] ? ")" : "");
	return deleted_shared_file(pid, v);
}

static int premap_one(const struct restore_ctx *ctx, uint32_t pid, const VmaEntry *v,
		      uint64_t at, bool *real, struct id_seen *seen)
{
	size_t len = v->end - v->start;
	int prot = PROT_READ | PROT_WRITE, flags = MAP_FIXED, fd = -1, ret = 0;
	off_t off = 0;
	void *m;

	switch (v->kind) {
	case VMA_KIND__VMA_ANON_PRIVATE:
	case VMA_KIND__VMA_HEAP:
	case VMA_KIND__VMA_STACK:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case VMA_KIND__VMA_ANON_SHARED:
		/* The tree's one object for this shmid (shmem.c), shared with the other processes. */
		fd = v->has_shmid ? shmem_fd(ctx, v->shmid) : -1;
		if (fd >= 0) {
			fd = dup(fd);	/* closed below like any other */
			if (fd < 0)
				return -errno;
			flags |= MAP_SHARED;
			off = v->has_pgoff ? (off_t)v->pgoff : 0;
			break;
		}
		flags |= MAP_SHARED | MAP_ANONYMOUS;
		break;
	case VMA_KIND__VMA_SYSV_SHM:
		return premap_sysv(ctx, pid, v, at);
	case VMA_KIND__VMA_FILE_PRIVATE:
		if (v->file_deleted) {
			flags |= MAP_PRIVATE | MAP_ANONYMOUS;
			break;
		}
		fd = open_vma_file(pid, v, O_RDONLY, seen);
		if (fd < 0)
			return fd;
		flags |= MAP_PRIVATE;
		off = (off_t)v->pgoff;
		break;
	case VMA_KIND__VMA_FILE_SHARED:
		if (v->file_deleted) {
			fd = deleted_shared_file(pid, v);
		} else if (v->content_carried) {
			fd = carried_file(pid, v, real, seen);
			/* A memfd gets the saved pages written in: writable until the restorer's mprotect. */
			if (*real)
				prot = (int)v->prot | PROT_READ;
		} else {
			fd = open_vma_file(pid, v, (v->prot & PROT_WRITE) ? O_RDWR : O_RDONLY, seen);
			prot = (int)v->prot | PROT_READ;
		}
		if (fd < 0)
			return fd;
		flags |= MAP_SHARED;
		off = (off_t)v->pgoff;
		break;
	default:
		pr_err("pid %u: area %#" PRIx64 ": kind %d cannot be restored", pid, v->start, v->kind);
		return -ENOTSUP;
	}
	if (v->growsdown)
		flags |= MAP_GROWSDOWN;
	m = mmap((void *)at, len, prot, flags, fd, off);
	if (m == MAP_FAILED) {
		ret = -errno;
		pr_perror("pid %u: area %#" PRIx64 "-%#" PRIx64 "%s%s: cannot premap it",
			  pid, v->start, v->end, v->path ? " " : "", v->path ? v->path : "");
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Read the saved pages straight into the premapped areas: one copy, from the file. */
static int fill_pages(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap *b,
		      const bool *real)
{
	struct pages_file *pf = NULL;
	uint64_t off = 0, psz = (uint64_t)ctx->page_size;
	size_t vi = 0;
	int ret = 0;

	for (size_t i = 0; i < p->nr_pagemap; i++) {
		const PagemapEntry *pe = p->pagemap[i];
		uint64_t len = (uint64_t)pe->nr_pages * psz;
		const VmaEntry *v;
		void *dst;

		while (vi < p->mm->n_vmas && p->mm->vmas[vi]->end <= pe->vaddr)
			vi++;
		v = vi < p->mm->n_vmas ? p->mm->vmas[vi] : NULL;
		if (!v || pe->vaddr < v->start || pe->vaddr + len > v->end || vma_is_special(v)) {
			pr_err("pid %u: pagemap run %#" PRIx64 " (%u pages) is not inside one "
			       "restorable area of mm-%u.img", p->pid, pe->vaddr, pe->nr_pages, p->pid);
			ret = -EINVAL;
			goto out;
		}
		dst = (void *)(bootstrap_premap_addr(b, vi) + (pe->vaddr - v->start));
		if (pe->has_flags && (pe->flags & PE_ZERO)) {
			if (!vma_starts_zero(v))
				memset(dst, 0, len);
			continue;
		}
		if (real[vi]) {		/* the file itself is there: its pages stay as they are */
			off += len;
			continue;
		}
		if (!pf) {
			ret = pages_open_read(ctx->dirfd, p->pid, &pf);
			if (ret) {
				if (ret == -ENOENT)
					pr_err("pid %u: pages-%u.img is missing", p->pid, p->pid);
				goto out;
			}
		}
		ret = pages_read_at(pf, off, dst, len);
		if (ret)
			goto out;
		off += len;
	}
out:
	pages_close(pf);
	return ret;
}

/* The staged memory of exactly the area v, or NULL. */
static const struct rst_staged_area *staged_of(const struct rst_proc *p, const VmaEntry *v)
{
	size_t lo = 0, hi = p->nr_staged;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rst_staged_area *a = &p->staged[mid];

		if (a->end <= v->start)
			lo = mid + 1;
		else if (a->start >= v->end)
			hi = mid;
		else
			return a->start == v->start && a->end == v->end ? a : NULL;
	}
	return NULL;
}

/*
 * Plain private anonymous memory: staged memory of the same kind, moved
 * into place whole. What the staging holds outside the kept pages was
 * zeroed by the page server; growsdown areas are premapped with their flag.
 */
static bool vma_takes_staging(const VmaEntry *v)
{
	return (v->kind == VMA_KIND__VMA_ANON_PRIVATE || v->kind == VMA_KIND__VMA_HEAP ||
		v->kind == VMA_KIND__VMA_STACK) && !v->growsdown;
}

/* Move the staged area onto its premap: the page tables move, not the data. */
static int move_staged(uint32_t pid, const VmaEntry *v, const struct rst_staged_area *st,
		       uint64_t at)
{
	size_t len = v->end - v->start;

	if (mremap(st->mem, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)at) == MAP_FAILED) {
		int ret = -errno;

		pr_perror("pid %u: area %#" PRIx64 "-%#" PRIx64 ": cannot move its staged pages "
			  "into place", pid, v->start, v->end);
		return ret;
	}
	return 0;
}

/* The kept pages of the areas that were not moved, copied from their staging. */
static int fill_staged(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap *b,
		       const bool *real)
{
	uint64_t psz = (uint64_t)ctx->page_size;
	size_t vi = 0;

	for (size_t i = 0; i < p->nr_pagemap; i++) {
		const PagemapEntry *pe = p->pagemap[i];
		uint64_t len = (uint64_t)pe->nr_pages * psz;
		const struct rst_staged_area *st;
		const VmaEntry *v;

		while (vi < p->mm->n_vmas && p->mm->vmas[vi]->end <= pe->vaddr)
			vi++;
		v = vi < p->mm->n_vmas ? p->mm->vmas[vi] : NULL;
		if (!v || pe->vaddr < v->start || pe->vaddr + len > v->end || vma_is_special(v)) {
			pr_err("pid %u: pagemap run %#" PRIx64 " (%u pages) is not inside one "
			       "restorable area of mm-%u.img", p->pid, pe->vaddr, pe->nr_pages, p->pid);
			return -EINVAL;
		}
		st = staged_of(p, v);
		if (!st) {
			pr_err("pid %u: pagemap run %#" PRIx64 " (%u pages): no pages were staged "
			       "for its area %#" PRIx64 "-%#" PRIx64, p->pid, pe->vaddr, pe->nr_pages,
			       v->start, v->end);
			return -EINVAL;
		}
		if (vma_takes_staging(v) || real[vi])
			continue;
		memcpy((void *)(bootstrap_premap_addr(b, vi) + (pe->vaddr - v->start)),
		       (const char *)st->mem + (pe->vaddr - v->start), len);
	}
	return 0;
}

int mem_premap(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap *b)
{
	struct rst_args *a = bootstrap_args(b);
	struct rst_vma *rv;
	struct id_seen seen = { 0 };
	bool *real;
	size_t n = 0;
	int ret = 0;

	rv = bootstrap_alloc(b, p->mm->n_vmas * sizeof(*rv) + 1, 8);
	real = calloc(p->mm->n_vmas + 1, sizeof(*real));
	if (!rv || !real) {
		free(real);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->mm->n_vmas; i++) {
		const VmaEntry *v = p->mm->vmas[i];
		const struct rst_staged_area *st = p->staged ? staged_of(p, v) : NULL;

		if (vma_is_special(v))
			continue;
		if (st && vma_takes_staging(v))
			ret = move_staged(p->pid, v, st, bootstrap_premap_addr(b, i));
		else
			ret = premap_one(ctx, p->pid, v, bootstrap_premap_addr(b, i), &real[i], &seen);
		if (ret)
			goto out;
		rv[n].src = bootstrap_premap_addr(b, i);
		rv[n].dst = v->start;
		rv[n].len = v->end - v->start;
		rv[n].prot = v->prot;
		rv[n].madv = v->has_madv ? v->madv : 0;
		if (st && vma_takes_staging(v) && st->hugepage &&
		    !(rv[n].madv & (VMA_MADV(MADV_HUGEPAGE) | VMA_MADV(MADV_NOHUGEPAGE))))
			/*
			 * The area carries the staging's MADV_HUGEPAGE; no advice
			 * takes it back to none, and NOHUGEPAGE acts alike in the
			 * kernel's "madvise" mode, the one where staging asks.
			 */
			rv[n].madv |= VMA_MADV(MADV_NOHUGEPAGE);
		n++;
	}
	a->vmas = (uint64_t)rv;
	a->nr_vmas = (uint32_t)n;
	ret = p->staged ? fill_staged(ctx, p, b, real) : fill_pages(ctx, p, b, real);
out:
	free(real);
	return ret;
}

int mem_fill_args(struct restore_ctx *ctx, struct rst_proc *p, struct rst_args *a,
		  struct bootstrap *b, int exe_fd)
{
	const MmEntry *mm = p->mm;
	uint64_t *auxv;

	if (mm->n_auxv > RST_AUXV_MAX) {
		pr_err("pid %u: %zu auxv words in mm-%u.img, at most %d are restorable",
		       p->pid, mm->n_auxv, p->pid, RST_AUXV_MAX);
		return -EINVAL;
	}
	auxv = bootstrap_alloc(b, (mm->n_auxv ? mm->n_auxv : 1) * sizeof(*auxv), 8);
	if (!auxv)
		return -ENOMEM;
	memcpy(auxv, mm->auxv, mm->n_auxv * sizeof(*auxv));
	a->set_mm = 1;
	a->mm.start_code = mm->start_code;
	a->mm.end_code = mm->end_code;
	a->mm.start_data = mm->start_data;
	a->mm.end_data = mm->end_data;
	a->mm.start_brk = mm->start_brk;
	a->mm.brk = mm->brk;
	a->mm.start_stack = mm->start_stack;
	a->mm.arg_start = mm->arg_start;
	a->mm.arg_end = mm->arg_end;
	a->mm.env_start = mm->env_start;
	a->mm.env_end = mm->env_end;
	a->mm.auxv = (uint64_t)auxv;
	a->mm.auxv_size = (uint32_t)(mm->n_auxv * sizeof(*auxv));
	a->mm.exe_fd = exe_fd >= 0 ? (uint32_t)exe_fd : (uint32_t)-1;
	a->exe_fd = exe_fd;
	return 0;
}
