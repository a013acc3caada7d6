#define LOG_PREFIX "restore-bootstrap: "
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "restore/bootstrap.h"
#include "restore/restore.h"
#include "restore/restorer-blob.h"

/* The top of the 47-bit user address space (4-level paging). */
#define TASK_SIZE_47	0x7ffffffff000ULL
/* Look for a hole from here up: clear of the low areas of ordinary binaries. */
#define HOLE_FLOOR	0x100000000ULL
#define STACK_LEN	(64u << 10)

struct range {
	uint64_t start, end;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) & ~(to - 1);
}

static bool vma_is_special(const VmaEntry *v)
{
	return v->kind == VMA_KIND__VMA_VDSO || v->kind == VMA_KIND__VMA_VVAR ||
	       v->kind == VMA_KIND__VMA_VSYSCALL;
}

/* lmig's own mappings: ranges into *out (grown), special ones into sp. */
static int read_self_maps(struct range **out, size_t *nr, struct rst_args *a,
			  const char **names)
{
	FILE *f = fopen("/proc/self/maps", "re");
	struct range *r = NULL;
	size_t n = 0, cap = 0;
	char line[512];
	int ret = 0;

	if (!f) {
		ret = -errno;
		pr_perror("cannot open /proc/self/maps");
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		char name[256] = "";

		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %255s", &s, &e, name) < 2)
			continue;
		if (n == cap) {
			struct range *nr2;

			cap = cap ? cap * 2 : 64;
			nr2 = realloc(r, cap * sizeof(*r));
			if (!nr2) {
				ret = -ENOMEM;
				goto out;
			}
			r = nr2;
		}
		r[n].start = s;
		r[n].end = e;
		n++;
		if (strcmp(name, "[vdso]") == 0 || strcmp(name, "[vvar]") == 0 ||
		    strcmp(name, "[vvar_vclock]") == 0) {
			if (a->nr_special == RST_MAX_SPECIAL) {
				pr_err("more than %d vdso/vvar areas in lmig itself", RST_MAX_SPECIAL);
				ret = -ENOTSUP;
				goto out;
			}
			names[a->nr_special] = strcmp(name, "[vdso]") == 0 ? "[vdso]" :
					       strcmp(name, "[vvar]") == 0 ? "[vvar]" : "[vvar_vclock]";
			a->special[a->nr_special].start = s;
			a->special[a->nr_special].len = e - s;
			a->nr_special++;
		}
	}
out:
	fclose(f);
	if (ret) {
		free(r);
		return ret;
	}
	*out = r;
	*nr = n;
	return 0;
}

/* The name a special vma has in maps: the image's name, or its kind's. */
static const char *special_name(const VmaEntry *v, size_t nth_vvar)
{
	if (v->name)
		return v->name;
	if (v->kind == VMA_KIND__VMA_VDSO)
		return "[vdso]";
	return nth_vvar == 0 ? "[vvar]" : "[vvar_vclock]";
}

/* Give each of lmig's special areas the target's address for it. */
static int match_special(struct rst_proc *p, struct rst_args *a, const char **names)
{
	size_t nvvar = 0;

	for (size_t i = 0; i < p->mm->n_vmas; i++) {
		const VmaEntry *v = p->mm->vmas[i];
		const char *name;
		bool found = false;

		if (v->kind != VMA_KIND__VMA_VDSO && v->kind != VMA_KIND__VMA_VVAR)
			continue;
		name = special_name(v, v->kind == VMA_KIND__VMA_VVAR ? nvvar++ : 0);
		for (unsigned int j = 0; j < a->nr_special; j++) {
			if (strcmp(names[j], name) != 0)
				continue;
			if (a->special[j].len != v->end - v->start) {
				pr_err("pid %u: %s is %" PRIu64 " bytes here, %" PRIu64
				       " in the images (dumped on another kernel?)",
				       p->pid, name, a->special[j].len, v->end - v->start);
				return -ENOTSUP;
			}
			a->special[j].dst = v->start;
			found = true;
		}
		if (!found) {
			pr_err("pid %u: the images have %s, this kernel gives lmig none", p->pid, name);
			return -ENOTSUP;
		}
	}
	return 0;
}

/*
 * The lowest hole of len bytes above HOLE_FLOOR starting at a multiple of
 * align, with a guard page on each side.
 */
static int find_hole(struct range *busy, size_t n, uint64_t len, long psz, uint64_t align,
		     uint64_t *at)
{
	uint64_t cur = HOLE_FLOOR;

	qsort(busy, n, sizeof(*busy), cmp_range);
	for (size_t i = 0; i <= n; i++) {
		uint64_t next = i < n ? busy[i].start : TASK_SIZE_47;
		uint64_t start = round_up(cur + (uint64_t)psz, align);

		if (next > start && next - start >= len + (uint64_t)psz) {
			*at = start;
			return 0;
		}
		if (i < n && busy[i].end > cur)
			cur = busy[i].end;
	}
	return -ENOMEM;
}

void *bootstrap_alloc(struct bootstrap *b, size_t len, size_t align)
{
	uint64_t at = round_up(b->args + b->args_used, align);

	if (at + len > b->args + b->args_len)
		return NULL;
	b->args_used = at + len - b->args;
	memset((void *)at, 0, len);
	return (void *)at;
}

void bootstrap_free(struct bootstrap *b)
{
	if (!b)
		return;
	free(b->premap);
	free(b);
}

int bootstrap_create(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap **out)
{
	uint64_t psz = (uint64_t)ctx->page_size, blob_len, park_len = 0, premap_len = 0, stack_len;
	const char *names[RST_MAX_SPECIAL];
	struct rst_args tmp = { 0 }, *a;
	struct range *busy = NULL;
	struct bootstrap *b;
	size_t nbusy = 0, threads_len = 0;
	uint64_t cur;
	void *m;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->nr_vmas = p->mm->n_vmas;
	b->premap = calloc(b->nr_vmas ? b->nr_vmas : 1, sizeof(*b->premap));
	if (!b->premap) {
		ret = -ENOMEM;
		goto err;
	}
	ret = read_self_maps(&busy, &nbusy, &tmp, names);
	if (ret)
		goto err;
	ret = match_special(p, &tmp, names);
	if (ret)
		goto err;

	blob_len = round_up(restorer_blob_size(), psz);
	/* Per thread: its struct, its sigframe and fpstate with room for alignment. */
	for (size_t i = 0; i < p->nr_cores; i++)
		threads_len += sizeof(struct rst_thread) + 4096 + 256 +
			       (p->cores[i]->has_xsave ? p->cores[i]->xsave.len : 0);
	b->args_len = round_up(sizeof(struct rst_args) + b->nr_vmas * sizeof(struct rst_vma) +
			       RST_AUXV_MAX * 8 + threads_len + task_args_size(p), psz);
	stack_len = STACK_LEN + (p->nr_cores ? p->nr_cores - 1 : 0) * (uint64_t)RST_THREAD_STACK;
	for (unsigned int i = 0; i < tmp.nr_special; i++)
		park_len += tmp.special[i].len;
	/*
	 * Premap offsets in a region that starts on an RST_PMD_SPAN boundary:
	 * an area that spans one sits at its own address modulo it, so that
	 * mremap moves it (in and out) by whole page tables.
	 */
	cur = blob_len + b->args_len + stack_len + park_len;
	for (size_t i = 0; i < b->nr_vmas; i++) {
		const VmaEntry *v = p->mm->vmas[i];

		if (vma_is_special(v))
			continue;
		if (v->end - v->start >= RST_PMD_SPAN)
			cur += (v->start - cur) & (RST_PMD_SPAN - 1);
		b->premap[i] = cur;
		cur += v->end - v->start;
	}
	premap_len = cur - (blob_len + b->args_len + stack_len + park_len);
	b->len = blob_len + b->args_len + stack_len + park_len + premap_len;

	/* Both lmig's areas and the target's final ones must stay clear of the region. */
	{
		struct range *nb = realloc(busy, (nbusy + b->nr_vmas) * sizeof(*busy));

		if (!nb) {
			ret = -ENOMEM;
			goto err;
		}
		busy = nb;
		for (size_t i = 0; i < b->nr_vmas; i++) {
			busy[nbusy].start = p->mm->vmas[i]->start;
			busy[nbusy].end = p->mm->vmas[i]->end;
			nbusy++;
		}
	}
	ret = find_hole(busy, nbusy, b->len, (long)psz, RST_PMD_SPAN, &b->start);
	if (ret) {
		pr_err("pid %u: no free hole of %" PRIu64 " bytes for the restorer", p->pid, b->len);
		goto err;
	}
	m = mmap((void *)b->start, b->len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (m == MAP_FAILED) {
		ret = -errno;
		pr_perror("pid %u: cannot reserve %" PRIu64 " bytes at %#" PRIx64 " for the restorer",
			  p->pid, b->len, b->start);
		goto err;
	}

	/* The blob, then its args and stack; parking places stay PROT_NONE until mremap takes them. */
	cur = b->start;
	if (mprotect((void *)cur, blob_len + b->args_len + stack_len, PROT_READ | PROT_WRITE))
		goto err_perror;
	memcpy((void *)cur, restorer_blob, restorer_blob_size());
	if (mprotect((void *)cur, blob_len, PROT_READ | PROT_EXEC))
		goto err_perror;
	cur += blob_len;
	b->args = cur;
	cur += b->args_len;
	b->thread_stacks = cur;
	cur += stack_len;
	b->stack_top = cur;

	a = bootstrap_alloc(b, sizeof(*a), 64);
	*a = tmp;
	a->magic = RST_ARGS_MAGIC;
	a->region_start = b->start;
	a->region_len = b->len;
	a->task_size = TASK_SIZE_47;
	a->report_fd = -1;
	a->exe_fd = -1;
	for (unsigned int i = 0; i < a->nr_special; i++) {
		a->special[i].park = cur;
		cur += a->special[i].len;
	}
	b->premap_start = cur;
	for (size_t i = 0; i < b->nr_vmas; i++)
		if (!vma_is_special(p->mm->vmas[i]))
			b->premap[i] += b->start;
	free(busy);
	*out = b;
	return 0;

err_perror:
	ret = -errno;
	pr_perror("pid %u: cannot set up the restorer region", p->pid);
	munmap((void *)b->start, b->len);
err:
	free(busy);
	bootstrap_free(b);
	return ret;
}

struct rst_args *bootstrap_args(struct bootstrap *b)
{
	return (struct rst_args *)b->args;
}

uint64_t bootstrap_premap_addr(const struct bootstrap *b, size_t vma_idx)
{
	return b->premap[vma_idx];
}

void bootstrap_enter(struct bootstrap *b)
{
	uint64_t entry = b->start, stack = b->stack_top;

	asm volatile("movq %0, %%rsp\n\t"
		     "jmp *%1"
		     : : "r"(stack), "r"(entry), "D"(b->args) : "memory");
	__builtin_unreachable();
}
