#define LOG_PREFIX "precopy: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "pagemap.pb-c.h"
#include "image/image.h"
#include "dump/precopy.h"
#include "dump/pagescan.h"
#include "transport/transport.h"

static int push_piece(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool zero);

/* A scan of one range: kept runs queued, the pages between them as ZERO with zero_rest. */
struct send_scan {
	struct precopy_ctx *ctx;
	bool zero_rest;
	uint64_t pos;		/* the end of what is queued */
};

static int queue_run(void *arg, uint64_t start, uint64_t end)
{
	struct send_scan *ss = arg;
	int ret = 0;

	if (ss->zero_rest && start > ss->pos)
		ret = push_piece(ss->ctx, ss->pos, start, true);
	if (!ret)
		ret = push_piece(ss->ctx, start, end, false);
	ss->pos = end;
	return ret;
}

static int scan(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool cow_only,
		bool zero_rest)
{
	struct send_scan ss = { .ctx = ctx, .zero_rest = zero_rest, .pos = start };
	int ret = pagescan_kept(&ctx->scan, start, end, cow_only, queue_run, &ss);

	if (!ret && zero_rest && ss.pos < end)
		ret = push_piece(ctx, ss.pos, end, true);
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

int pc_send_resend_areas(struct precopy_ctx *ctx, int dirfd)
{
	struct img *img;
	ProtobufCMessage *m;
	size_t ai = 0;
	bool any = false;
	int ret;

	for (size_t i = 0; i < ctx->areas.nr; i++)
		any |= ctx->areas.a[i].resend;
	if (!any)
		return 0;
	ret = img_open_read(dirfd, IMG_PAGEMAP, (uint32_t)ctx->pid, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &m)) == 1) {
		PagemapEntry *pe = (PagemapEntry *)m;
		uint64_t end = pe->vaddr + (uint64_t)pe->nr_pages * ctx->ps;

		while (ai < ctx->areas.nr && ctx->areas.a[ai].end <= pe->vaddr)
			ai++;
		if (ai < ctx->areas.nr && ctx->areas.a[ai].resend && ctx->areas.a[ai].start <= pe->vaddr)
			ret = pc_send_run(ctx, pe->vaddr, end);
		protobuf_c_message_free_unpacked(m, NULL);
		if (ret)
			break;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}
