#define LOG_PREFIX "precopy: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "compat.h"
#include "dump/precopy.h"
#include "transport/transport.h"

#define SCAN_REGIONS	512
#define PAGEMAP_CHUNK	4096

/* Does a page with these PAGEMAP_SCAN categories hold data to keep (as dump/mem.c decides)? */
static bool keep_page(uint64_t cat, bool cow_only)
{
	if (cat & PAGE_IS_SWAPPED)
		return true;
	if (!(cat & PAGE_IS_PRESENT))
		return false;
	return !cow_only || !(cat & PAGE_IS_FILE);
}

static int push_piece(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool zero);

/* A kept run at [kept_s, kept_e), after ZERO for the pages skipped since *pos (with zero_rest). */
static int queue_kept(struct precopy_ctx *ctx, bool zero_rest, uint64_t kept_s, uint64_t kept_e,
		      uint64_t *pos)
{
	int ret = 0;

	if (zero_rest && kept_s > *pos)
		ret = push_piece(ctx, *pos, kept_s, true);
	if (!ret)
		ret = push_piece(ctx, kept_s, kept_e, false);
	*pos = kept_e;
	return ret;
}

static int scan_ioctl(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool cow_only,
		      bool zero_rest, uint64_t *pos)
{
	struct page_region regs[SCAN_REGIONS];

	while (start < end) {
		struct pm_scan_arg arg = {
			.size = sizeof(arg),
			.start = start,
			.end = end,
			.vec = (uintptr_t)regs,
			.vec_len = SCAN_REGIONS,
			.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
			.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE,
		};
		long n = ioctl(ctx->pagemap_fd, PAGEMAP_SCAN, &arg);

		if (n < 0)
			return -errno;
		for (long i = 0; i < n; i++) {
			int ret;

			if (!keep_page(regs[i].categories, cow_only))
				continue;
			ret = queue_kept(ctx, zero_rest, regs[i].start, regs[i].end, pos);
			if (ret)
				return ret;
		}
		if (arg.walk_end <= start)
			return -EIO;
		start = arg.walk_end;
	}
	return 0;
}

/* The same from pagemap entries, for kernels without PAGEMAP_SCAN (before 6.7). */
static int scan_pagemap(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool cow_only,
			bool zero_rest, uint64_t *pos)
{
	static_assert(PAGEMAP_CHUNK * 8 <= PC_BATCH, "scan chunk fits the batch buffer");
	uint64_t ents[PAGEMAP_CHUNK];

	while (start < end) {
		size_t n = (end - start) / ctx->ps;
		ssize_t r;

		if (n > PAGEMAP_CHUNK)
			n = PAGEMAP_CHUNK;
		r = pread(ctx->pagemap_fd, ents, n * sizeof(ents[0]), start / ctx->ps * sizeof(ents[0]));
		if (r < 0)
			return -errno;
		if ((size_t)r < sizeof(ents[0]))
			return -EIO;
		n = (size_t)r / sizeof(ents[0]);
		for (size_t i = 0; i < n; i++) {
			uint64_t e = ents[i], cat = 0, a = start + i * ctx->ps;
			int ret;

			if (e & PME_PRESENT)
				cat |= PAGE_IS_PRESENT;
			if (e & PME_SWAP)
				cat |= PAGE_IS_SWAPPED;
			if (e & PME_FILE_SHARED)
				cat |= PAGE_IS_FILE;
			if (!keep_page(cat, cow_only))
				continue;
			ret = queue_kept(ctx, zero_rest, a, a + ctx->ps, pos);
			if (ret)
				return ret;
		}
		start += n * ctx->ps;
	}
	return 0;
}

static int scan(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool cow_only,
		bool zero_rest)
{
	uint64_t pos = start;
	size_t mark = ctx->nr_pieces;
	int ret;

	if (!ctx->no_scan) {
		ret = scan_ioctl(ctx, start, end, cow_only, zero_rest, &pos);
		if (ret != -ENOTTY && ret != -EINVAL)
			goto out;
		if (ctx->nr_pieces != mark || pos != start) {
			/* Failed half way: the pieces queued so far are right, go on from pos. */
			start = pos;
		}
		pr_info("PAGEMAP_SCAN is not available: reading pagemap entries");
		ctx->no_scan = true;
	}
	ret = scan_pagemap(ctx, start, end, cow_only, zero_rest, &pos);
out:
	if (!ret && zero_rest && pos < end)
		ret = push_piece(ctx, pos, end, true);
	return ret;
}

/* What process_vm_readv could not read, through /proc/PID/mem (e.g. a PROT_NONE area). */
static ssize_t read_mem(struct precopy_ctx *ctx, uint64_t addr, char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(ctx->mem_fd, buf + done, len - done, (off_t)(addr + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/*
 * A piece of which only got bytes could be read: while the process runs,
 * its area may just have gone or changed; the rest is retried in the
 * next round, which sees the new layout. Frozen, nothing may be missing.
 */
static int short_read(struct precopy_ctx *ctx, struct pc_piece *p, uint64_t got)
{
	uint64_t at = p->start + got / ctx->ps * ctx->ps;
	int ret;

	if (ctx->frozen) {
		pr_err("pid %d: cannot read its memory at %#llx", (int)ctx->pid,
		       (unsigned long long)at);
		return -EFAULT;
	}
	ret = range_vec_push(&ctx->retry, at, p->end);
	p->end = at;
	return ret;
}

int pc_flush(struct precopy_ctx *ctx)
{
	struct iovec local[PC_BATCH_IOV], remote[PC_BATCH_IOV];
	size_t nr = 0, off = 0;
	ssize_t got = 0;
	int ret = 0;

	if (!ctx->nr_pieces)
		return 0;
	for (size_t i = 0; i < ctx->nr_pieces; i++) {
		struct pc_piece *p = &ctx->piece[i];

		if (p->zero)
			continue;
		local[nr] = (struct iovec){ ctx->buf + off, p->end - p->start };
		remote[nr] = (struct iovec){ (void *)(uintptr_t)p->start, p->end - p->start };
		off += p->end - p->start;
		nr++;
	}
	if (nr) {
		got = process_vm_readv(ctx->pid, local, nr, remote, nr, 0);
		if (got < 0)
			got = 0;
	}
	/* Straight from the batch buffer into the transport, piece by piece, in order. */
	off = 0;
	for (size_t i = 0; i < ctx->nr_pieces; i++) {
		struct pc_piece *p = &ctx->piece[i];
		uint64_t len = p->end - p->start, have;
		struct iovec iov;

		if (p->zero) {
			ret = tp_send_pages(ctx->c, ctx->pid, p->start,
					    (uint32_t)((p->end - p->start) / ctx->ps), TP_PAGES_ZERO, NULL, 0);
			if (ret)
				break;
			continue;
		}
		have = (uint64_t)got >= len ? len : (uint64_t)got;
		got -= (ssize_t)have;
		if (have < len) {
			have += (uint64_t)read_mem(ctx, p->start + have, ctx->buf + off + have, len - have);
			if (have < len) {
				ret = short_read(ctx, p, have);
				if (ret)
					break;
			}
			/* process_vm_readv stopped here: later pieces take the same path. */
		}
		iov = (struct iovec){ ctx->buf + off, p->end - p->start };
		if (p->end > p->start) {
			ret = tp_send_pages(ctx->c, ctx->pid, p->start,
					    (uint32_t)((p->end - p->start) / ctx->ps), 0, &iov, 1);
			if (ret)
				break;
		}
		off += len;
	}
	ctx->nr_pieces = 0;
	ctx->batch_bytes = 0;
	return ret;
}

static int push_piece(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool zero)
{
	while (start < end) {
		uint64_t len = end - start;
		struct pc_piece *last;
		int ret;

		if (ctx->nr_pieces == PC_BATCH_IOV || (!zero && ctx->batch_bytes == PC_BATCH)) {
			ret = pc_flush(ctx);
			if (ret)
				return ret;
		}
		if (!zero && len > PC_BATCH - ctx->batch_bytes)
			len = PC_BATCH - ctx->batch_bytes;
		last = ctx->nr_pieces ? &ctx->piece[ctx->nr_pieces - 1] : NULL;
		if (last && last->zero == zero && last->end == start && start != ctx->run_floor)
			last->end += len;
		else
			ctx->piece[ctx->nr_pieces++] = (struct pc_piece){ start, start + len, zero };
		if (!zero)
			ctx->batch_bytes += len;
		start += len;
	}
	return 0;
}

/* The carrying area around addr, or the first one after it; NULL at the end. */
static const struct pc_area *area_from(const struct precopy_ctx *ctx, uint64_t addr, size_t *hint)
{
	size_t i = *hint < ctx->areas.nr && ctx->areas.a[*hint].start <= addr ? *hint : 0;

	for (; i < ctx->areas.nr; i++) {
		const struct pc_area *a = &ctx->areas.a[i];

		if (a->end > addr && a->carries) {
			*hint = i;
			return a;
		}
	}
	return NULL;
}

int pc_send_range(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool zero_rest)
{
	size_t hint = 0;

	while (start < end) {
		const struct pc_area *a = area_from(ctx, start, &hint);
		uint64_t s, e;
		int ret;

		if (!a || a->start >= end)
			return 0;
		s = start > a->start ? start : a->start;
		e = end < a->end ? end : a->end;
		ctx->run_floor = a->start;
		ret = scan(ctx, s, e, a->kind == VMA_KIND__VMA_FILE_PRIVATE && !a->deleted, zero_rest);
		if (ret == -ENOMEM)
			return ret;
		if (ret) {
			/* The area went away under the scan while running: the next round sees it. */
			if (ctx->frozen) {
				pr_err_rc(ret, "pid %d: cannot find the pages of %#llx-%#llx",
					  (int)ctx->pid, (unsigned long long)s, (unsigned long long)e);
				return ret;
			}
			ret = range_vec_push(&ctx->retry, s, e);
			if (ret)
				return ret;
		}
		start = e;
	}
	return 0;
}

int pc_send_run(struct precopy_ctx *ctx, uint64_t start, uint64_t end)
{
	ctx->run_floor = start;
	return push_piece(ctx, start, end, false);
}
