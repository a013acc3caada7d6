#define LOG_PREFIX "dump-mem: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "compat.h"
#include "crc32c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "image/image.h"
#include "image/pages.h"
#include "dump/dump.h"
#include "dump/pagescan.h"
#include "dump/vma.h"

/* Bytes read from the target per batch, and remote iovecs per process_vm_readv. */
#define MEM_BATCH	(4u << 20)
#define MEM_BATCH_IOV	1024

enum src { SRC_MEM, SRC_FILE };

/* Pages [start, end) to save, and where to read them. */
struct mrange {
	uint64_t start, end;
	enum src src;
};

struct mranges {
	struct mrange *r;
	size_t nr, cap;
};

/* Everything the page dump of one process holds open. */
struct mem_dump {
	struct dump_ctx *ctx;
	uint64_t ps;
	struct img *pm;
	struct pages_file *pages;
	struct pagescan scan;	/* its pagemap_fd is ours */
	int mem_fd;
	char *buf;		/* MEM_BATCH bytes */
	/* The current batch: pieces of ranges, in address order. */
	struct mrange piece[MEM_BATCH_IOV];
	size_t nr_pieces, batch_bytes;
	/* The vma being dumped and its file (map_files), for SRC_FILE. */
	const struct proc_vma *vma;
	int map_fd;
};

static int ranges_add(struct mranges *rs, uint64_t start, uint64_t end, enum src src)
{
	struct mrange *last = rs->nr ? &rs->r[rs->nr - 1] : NULL;

	if (last && last->end == start && last->src == src) {
		last->end = end;
		return 0;
	}
	if (rs->nr == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct mrange *nr = realloc(rs->r, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		rs->r = nr;
		rs->cap = cap;
	}
	rs->r[rs->nr++] = (struct mrange){ start, end, src };
	return 0;
}

static int add_mem_range(void *arg, uint64_t start, uint64_t end)
{
	return ranges_add(arg, start, end, SRC_MEM);
}

/* Present or swapped pages of [start, end) (with cow_only: only those not of the file). */
static int scan_present(struct mem_dump *m, uint64_t start, uint64_t end, bool cow_only,
			struct mranges *rs)
{
	return pagescan_kept(&m->scan, start, end, cow_only, add_mem_range, rs);
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* Pages of the vma's file holding data (SEEK_DATA), clipped to the vma and the file size. */
static int scan_file_data(struct mem_dump *m, struct mranges *rs)
{
	const struct proc_vma *v = m->vma;
	uint64_t off = v->pgoff, lim = v->pgoff + (v->end - v->start);
	struct stat st;

	if (fstat(m->map_fd, &st))
		return -errno;
	if ((uint64_t)st.st_size < lim)
		lim = round_up(st.st_size, m->ps);
	while (off < lim) {
		off_t data = lseek(m->map_fd, off, SEEK_DATA), hole;
		int ret;

		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		hole = lseek(m->map_fd, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		data = data / m->ps * m->ps;
		hole = round_up(hole, m->ps);
		if ((uint64_t)data >= lim)
			break;
		if ((uint64_t)hole > lim)
			hole = lim;
		ret = ranges_add(rs, v->start + (data - v->pgoff), v->start + (hole - v->pgoff), SRC_FILE);
		if (ret)
			return ret;
		off = hole;
	}
	return 0;
}

/* The file pages of a deleted private mapping: every page of the file not already copied-on-write. */
static int add_file_complement(struct mem_dump *m, struct mranges *cow, struct mranges *out)
{
	const struct proc_vma *v = m->vma;
	uint64_t lim = v->end, pos = v->start;
	struct stat st;
	int ret;

	if (fstat(m->map_fd, &st))
		return -errno;
	if ((uint64_t)st.st_size <= v->pgoff)
		lim = v->start;
	else if (round_up(st.st_size - v->pgoff, m->ps) < v->end - v->start)
		lim = v->start + round_up(st.st_size - v->pgoff, m->ps);
	for (size_t i = 0; i <= cow->nr; i++) {
		uint64_t cs = i < cow->nr ? cow->r[i].start : v->end;
		uint64_t fe = cs < lim ? cs : lim;

		if (pos < fe && (ret = ranges_add(out, pos, fe, SRC_FILE)))
			return ret;
		if (i < cow->nr) {
			ret = ranges_add(out, cow->r[i].start, cow->r[i].end, SRC_MEM);
			if (ret)
				return ret;
			pos = cow->r[i].end;
		}
	}
	return 0;
}

static bool page_is_zero(const char *p, uint64_t ps)
{
	const uint64_t *w = (const uint64_t *)p;

	for (uint64_t i = 0; i < ps / sizeof(*w); i += 4)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3])
			return false;
	return true;
}

static int write_run(struct mem_dump *m, uint64_t vaddr, const char *data, uint64_t nr, bool zero)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	int ret;

	pe.vaddr = vaddr;
	pe.nr_pages = nr;
	if (zero) {
		pe.has_flags = true;
		pe.flags = PE_ZERO;
		m->ctx->pages_zero += nr;
	} else {
		size_t len = nr * m->ps;

		pe.has_crc32c = true;
		pe.crc32c = crc32c(0, data, len);
		ret = pages_append(m->pages, data, len);
		if (ret)
			return ret;
		m->ctx->pages_saved += nr;
	}
	return img_write_msg(m->pm, &pe.base);
}

/* pagemap_only: a run of pages to keep, its data sent elsewhere. */
static int write_keep(struct mem_dump *m, const struct mrange *r)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;

	pe.vaddr = r->start;
	pe.nr_pages = (r->end - r->start) / m->ps;
	m->ctx->pages_saved += pe.nr_pages;
	return img_write_msg(m->pm, &pe.base);
}

/* Split one piece of the buffer into zero and data runs. */
static int emit_piece(struct mem_dump *m, const struct mrange *p, const char *data)
{
	uint64_t nr = (p->end - p->start) / m->ps, run = 0;
	bool run_zero = false;

	for (uint64_t i = 0; i < nr; i++) {
		bool z = page_is_zero(data + i * m->ps, m->ps);

		if (run && z != run_zero) {
			int ret = write_run(m, p->start + (i - run) * m->ps,
					    data + (i - run) * m->ps, run, run_zero);
			if (ret)
				return ret;
			run = 0;
		}
		run_zero = z;
		run++;
	}
	if (run)
		return write_run(m, p->start + (nr - run) * m->ps, data + (nr - run) * m->ps,
				 run, run_zero);
	return 0;
}

/* Read what process_vm_readv could not (e.g. a present page of a PROT_NONE area). */
static int read_mem_fallback(struct mem_dump *m, uint64_t addr, char *buf, size_t len)
{
	while (len) {
		ssize_t r = pread(m->mem_fd, buf, len, addr);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int ret = r < 0 ? -errno : -EIO;

			pr_err_rc(ret, "pid %d: cannot read memory at %#llx", (int)m->ctx->pid,
				  (unsigned long long)addr);
			return ret;
		}
		addr += r;
		buf += r;
		len -= r;
	}
	return 0;
}

static int read_file(struct mem_dump *m, const struct mrange *p, char *buf)
{
	size_t len = p->end - p->start, done = 0;
	off_t off = m->vma->pgoff + (p->start - m->vma->start);

	while (done < len) {
		ssize_t r = pread(m->map_fd, buf + done, len - done, off + done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int ret = -errno;

			pr_err_rc(ret, "pid %d: cannot read %s", (int)m->ctx->pid, m->vma->path);
			return ret;
		}
		if (r == 0) {	/* truncated under us: the area reads as zero there */
			memset(buf + done, 0, len - done);
			break;
		}
		done += r;
	}
	return 0;
}

static int flush_batch(struct mem_dump *m)
{
	struct iovec local[MEM_BATCH_IOV], remote[MEM_BATCH_IOV];
	size_t off = 0, nr_mem = 0, want = 0;
	ssize_t got;
	int ret = 0;

	if (!m->nr_pieces)
		return 0;
	for (size_t i = 0; i < m->nr_pieces; i++) {
		size_t len = m->piece[i].end - m->piece[i].start;

		if (m->piece[i].src == SRC_MEM) {
			local[nr_mem] = (struct iovec){ m->buf + off, len };
			remote[nr_mem] = (struct iovec){ (void *)(uintptr_t)m->piece[i].start, len };
			nr_mem++;
			want += len;
		}
		off += len;
	}
	got = nr_mem ? process_vm_readv(m->ctx->pid, local, nr_mem, remote, nr_mem, 0) : 0;
	if (got < 0)
		got = 0;
	/* Whatever process_vm_readv left (it stops at the first fault), /proc/PID/mem reads. */
	for (size_t i = 0; (size_t)got < want && i < nr_mem; i++) {
		if ((size_t)got >= local[i].iov_len) {
			got -= local[i].iov_len;
			want -= local[i].iov_len;
			continue;
		}
		ret = read_mem_fallback(m, (uintptr_t)remote[i].iov_base + got,
					(char *)local[i].iov_base + got, local[i].iov_len - got);
		if (ret)
			goto out;
		want -= local[i].iov_len;
		got = 0;
	}
	off = 0;
	for (size_t i = 0; i < m->nr_pieces; i++) {
		if (m->piece[i].src == SRC_FILE) {
			ret = read_file(m, &m->piece[i], m->buf + off);
			if (ret)
				goto out;
		}
		ret = emit_piece(m, &m->piece[i], m->buf + off);
		if (ret)
			goto out;
		off += m->piece[i].end - m->piece[i].start;
	}
out:
	m->nr_pieces = 0;
	m->batch_bytes = 0;
	return ret;
}

static int add_to_batch(struct mem_dump *m, const struct mrange *r)
{
	uint64_t start = r->start;

	while (start < r->end) {
		uint64_t len = r->end - start;
		int ret;

		if (m->nr_pieces == MEM_BATCH_IOV || m->batch_bytes == MEM_BATCH) {
			ret = flush_batch(m);
			if (ret)
				return ret;
		}
		if (len > MEM_BATCH - m->batch_bytes)
			len = MEM_BATCH - m->batch_bytes;
		m->piece[m->nr_pieces++] = (struct mrange){ start, start + len, r->src };
		m->batch_bytes += len;
		start += len;
	}
	return 0;
}

static int open_map_file(struct mem_dump *m)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)m->ctx->pid,
		 (unsigned long long)m->vma->start, (unsigned long long)m->vma->end);
	m->map_fd = open(path, O_RDONLY | O_CLOEXEC);
	return m->map_fd < 0 ? -errno : 0;
}

/* Which pages of the vma to save, in address order (see src/image/pagemap.h). */
static int vma_ranges(struct mem_dump *m, VmaKind kind, bool carried, struct mranges *rs)
{
	const struct proc_vma *v = m->vma;
	struct mranges cow = { 0 };
	int ret;

	switch (kind) {
	case VMA_KIND__VMA_ANON_PRIVATE:
	case VMA_KIND__VMA_HEAP:
	case VMA_KIND__VMA_STACK:
		return scan_present(m, v->start, v->end, false, rs);
	case VMA_KIND__VMA_ANON_SHARED:
		/* Shared memory may hold pages this process never touched: ask the shmem object. */
		return scan_file_data(m, rs);
	case VMA_KIND__VMA_FILE_SHARED:
		return v->deleted || carried ? scan_file_data(m, rs) : 0;
	case VMA_KIND__VMA_FILE_PRIVATE:
		if (!v->deleted)
			return scan_present(m, v->start, v->end, true, rs);
		ret = scan_present(m, v->start, v->end, true, &cow);
		if (!ret)
			ret = add_file_complement(m, &cow, rs);
		free(cow.r);
		return ret;
	default:
		return 0;
	}
}

static int dump_vma_pages(struct mem_dump *m, const struct proc_vma *v)
{
	VmaEntry e = VMA_ENTRY__INIT;
	struct mranges rs = { 0 };
	const char *why;
	bool need_file;
	int ret;

	ret = vma_classify(v, &e, &why);
	if (ret)
		return ret;	/* dump_mm() refused it already, with the reason */
	if (vma_kind_is_special(e.kind))
		return 0;
	m->vma = v;
	m->map_fd = -1;
	need_file = e.kind == VMA_KIND__VMA_ANON_SHARED || e.content_carried ||
		    (v->deleted && (e.kind == VMA_KIND__VMA_FILE_SHARED ||
				    e.kind == VMA_KIND__VMA_FILE_PRIVATE));
	if (need_file) {
		ret = open_map_file(m);
		if (ret) {
			pr_err_rc(ret, "pid %d: vma %#llx-%#llx %s: cannot open its file",
				  (int)m->ctx->pid, (unsigned long long)v->start,
				  (unsigned long long)v->end, v->path);
			return ret;
		}
	}
	ret = vma_ranges(m, e.kind, e.content_carried, &rs);
	if (ret) {
		pr_err_rc(ret, "pid %d: vma %#llx-%#llx: cannot find its pages", (int)m->ctx->pid,
			  (unsigned long long)v->start, (unsigned long long)v->end);
		goto out;
	}
	for (size_t i = 0; i < rs.nr; i++) {
		if (m->ctx->pagemap_only) {
			ret = write_keep(m, &rs.r[i]);
			if (ret)
				goto out;
			continue;
		}
		ret = add_to_batch(m, &rs.r[i]);
		if (ret)
			goto out;
	}
	/* SRC_FILE pieces read through this vma's map_fd: flush before it closes. */
	ret = flush_batch(m);
out:
	free(rs.r);
	if (m->map_fd >= 0)
		close(m->map_fd);
	m->map_fd = -1;
	return ret;
}

int dump_pages(struct dump_ctx *ctx)
{
	struct mem_dump m = { .ctx = ctx, .ps = ctx->page_size, .mem_fd = -1, .map_fd = -1,
			      .scan = { .pagemap_fd = -1, .ps = ctx->page_size } };
	int ret, cret;

	m.buf = malloc(MEM_BATCH);
	if (!m.buf)
		return -ENOMEM;
	ret = proc_open(ctx->pid, "pagemap", &m.scan.pagemap_fd);
	if (ret)
		goto out;
	ret = proc_open(ctx->pid, "mem", &m.mem_fd);
	if (ret)
		goto out;
	if (!ctx->pagemap_only) {
		ret = pages_open_write(ctx->dirfd, ctx->pid, &m.pages);
		if (ret)
			goto out;
	}
	ret = img_open_write(ctx->dirfd, IMG_PAGEMAP, ctx->pid, &m.pm);
	if (ret)
		goto out;
	for (size_t i = 0; i < ctx->vmas.nr; i++) {
		ret = dump_vma_pages(&m, &ctx->vmas.v[i]);
		if (ret)
			break;
	}
	cret = img_close(m.pm);
	if (!ret)
		ret = cret;
	pr_info("pid %d: %llu pages saved, %llu zero pages", (int)ctx->pid,
		(unsigned long long)ctx->pages_saved, (unsigned long long)ctx->pages_zero);
out:
	cret = pages_close(m.pages);
	if (!ret)
		ret = cret;
	if (m.mem_fd >= 0)
		close(m.mem_fd);
	if (m.scan.pagemap_fd >= 0)
		close(m.scan.pagemap_fd);
	free(m.buf);
	return ret;
}
