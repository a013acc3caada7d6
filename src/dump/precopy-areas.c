#define LOG_PREFIX "precopy: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "dump/precopy.h"
#include "dump/vma.h"
#include "pageserver/layout.h"
#include "transport/transport.h"

static int push_area(struct pc_areas *as, const struct pc_area *a)
{
	if (as->nr == as->cap) {
		size_t cap = as->cap ? as->cap * 2 : 64;
		struct pc_area *na = realloc(as->a, cap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		as->a = na;
		as->cap = cap;
	}
	as->a[as->nr++] = *a;
	return 0;
}

int pc_areas_from_vmas(struct precopy_ctx *ctx, const struct proc_vmas *vmas)
{
	ctx->areas.nr = 0;
	for (size_t i = 0; i < vmas->nr; i++) {
		const struct proc_vma *v = &vmas->v[i];
		VmaEntry e = VMA_ENTRY__INIT;
		struct pc_area a = { .start = v->start, .end = v->end };
		const char *why;
		int ret;

		/* The dump refuses such an area when frozen, naming it; until then, skip it. */
		if (vma_classify(v, &e, &why) || vma_kind_is_special(e.kind))
			continue;
		a.kind = e.kind;
		a.deleted = v->deleted;
		switch (e.kind) {
		case VMA_KIND__VMA_ANON_PRIVATE:
		case VMA_KIND__VMA_HEAP:
		case VMA_KIND__VMA_STACK:
			a.carries = true;
			break;
		case VMA_KIND__VMA_FILE_PRIVATE:
			a.carries = true;
			a.resend = v->deleted;	/* every page of the gone file is kept */
			break;
		case VMA_KIND__VMA_ANON_SHARED:
			/* Pages other processes put there are not in our page tables. */
			a.carries = a.resend = true;
			break;
		case VMA_KIND__VMA_FILE_SHARED:
			a.carries = v->deleted;
			/* A carried file area is not tracked (uffd-wp may refuse its file): sent when frozen. */
			a.resend = v->deleted || e.content_carried;
			break;
		default:
			break;
		}
		ret = push_area(&ctx->areas, &a);
		if (ret)
			return ret;
	}
	return 0;
}

int pc_read_areas(struct precopy_ctx *ctx, struct proc_vmas *out)
{
	struct proc_vmas vmas = { 0 };
	int ret = proc_read_smaps(ctx->pid, &vmas);

	if (ret) {
		pr_err_rc(ret, "pid %d: cannot read /proc/%d/smaps", (int)ctx->pid, (int)ctx->pid);
		return ret;
	}
	ret = pc_areas_from_vmas(ctx, &vmas);
	if (out)
		*out = vmas;
	else
		proc_vmas_free(&vmas);
	return ret;
}

int pc_tracked_ranges(const struct precopy_ctx *ctx, struct range **out, size_t *n)
{
	struct range *r = malloc((ctx->areas.nr ? ctx->areas.nr : 1) * sizeof(*r));
	size_t k = 0;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->areas.nr; i++)
		if (ctx->areas.a[i].carries)
			r[k++] = (struct range){ ctx->areas.a[i].start, ctx->areas.a[i].end };
	*out = r;
	*n = k;
	return 0;
}

int pc_send_areas(struct precopy_ctx *ctx)
{
	size_t n = ctx->areas.nr;
	struct layout_area *la = malloc((n ? n : 1) * sizeof(*la));
	uint8_t *buf = malloc((n ? n : 1) * LAYOUT_REC_SIZE);
	char name[32];
	int ret = -ENOMEM;

	if (!la || !buf)
		goto out;
	for (size_t i = 0; i < n; i++)
		la[i] = (struct layout_area){ ctx->areas.a[i].start, ctx->areas.a[i].end };
	layout_encode(la, n, buf);
	ret = layout_name((uint32_t)ctx->pid, name, sizeof(name));
	if (!ret)
		ret = tp_send_state(ctx->c, name, buf, n * LAYOUT_REC_SIZE);
out:
	free(la);
	free(buf);
	return ret;
}

void pc_areas_free(struct pc_areas *a)
{
	free(a->a);
	memset(a, 0, sizeof(*a));
}
