#define LOG_PREFIX "pageserver-staging: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "pageserver/staging.h"

/* Whether anonymous memory gets huge pages only where madvise() asks for them. */
static bool thp_on_advice(void)
{
	char buf[128];
	ssize_t n;
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, "[madvise]") != NULL;
}

void staging_init(struct staging *s, uint64_t page_size)
{
	memset(s, 0, sizeof(*s));
	s->page_size = page_size;
	s->thp_advise = thp_on_advice();
}

/*
 * A staging mapping for the area [start, start + len): placed equal to
 * start modulo RST_PMD_SPAN when it spans one (the mremaps of restore then
 * move whole page tables), and backed by huge pages where the kernel
 * gives them (fork, munmap and mremap then handle one entry per 2 MiB
 * instead of 512). *advised tells whether MADV_HUGEPAGE was needed for
 * that. MAP_FAILED with errno set on failure.
 */
static void *map_area(const struct staging *s, uint64_t start, uint64_t len, bool *advised)
{
	uint64_t extra = len >= RST_PMD_SPAN ? RST_PMD_SPAN : 0;
	char *m = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), *at;

	*advised = false;
	if (m == MAP_FAILED || !extra)
		return m;
	at = m + ((start - (uint64_t)m) & (RST_PMD_SPAN - 1));
	if (at > m)
		munmap(m, (size_t)(at - m));
	if (at + len < m + len + extra)
		munmap(at + len, (size_t)(m + len + extra - (at + len)));
	/* Best effort: without huge pages restore is slower, not wrong. */
	if (s->thp_advise && !madvise(at, len, MADV_HUGEPAGE))
		*advised = true;
	return at;
}

static struct staging_proc *find_proc(const struct staging *s, uint32_t pid)
{
	for (size_t i = 0; i < s->nr; i++)
		if (s->p[i].pid == pid)
			return &s->p[i];
	return NULL;
}

const struct staging_proc *staging_find(const struct staging *s, uint32_t pid)
{
	return find_proc(s, pid);
}

static void unmap_areas(struct staging *s, struct rst_staged_area *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!a[i].mem)
			continue;	/* taken over by a new list */
		munmap(a[i].mem, a[i].end - a[i].start);
		s->bytes -= a[i].end - a[i].start;
	}
}

static struct staging_proc *get_proc(struct staging *s, uint32_t pid)
{
	struct staging_proc *p = find_proc(s, pid), *np;

	if (p)
		return p;
	np = realloc(s->p, (s->nr + 1) * sizeof(*np));
	if (!np)
		return NULL;
	s->p = np;
	p = &s->p[s->nr++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

/* Pieces of the old areas inside na, moved (or, when mremap cannot, copied) there. */
static int take_old_pages(uint32_t pid, const struct rst_staged_area *na,
			  const struct rst_staged_area *old, size_t nr_old, size_t *from)
{
	while (*from < nr_old && old[*from].end <= na->start)
		(*from)++;
	for (size_t j = *from; j < nr_old && old[j].start < na->end; j++) {
		uint64_t s = old[j].start > na->start ? old[j].start : na->start;
		uint64_t e = old[j].end < na->end ? old[j].end : na->end;
		char *src = (char *)old[j].mem + (s - old[j].start);
		char *dst = (char *)na->mem + (s - na->start);

		if (!old[j].mem)
			continue;
		/* One old area may have become several vmas here; mremap needs one. */
		if (mremap(src, e - s, e - s, MREMAP_MAYMOVE | MREMAP_FIXED, dst) == MAP_FAILED) {
			if (errno != EFAULT && errno != EINVAL) {
				int ret = -errno;

				pr_perror("pid %u: cannot move staged pages %#" PRIx64 "-%#" PRIx64,
					  pid, s, e);
				return ret;
			}
			memcpy(dst, src, e - s);
		}
	}
	return 0;
}

int staging_set_layout(struct staging *s, uint32_t pid, const struct layout_area *a, size_t n)
{
	struct staging_proc *p = get_proc(s, pid);
	struct rst_staged_area *na;
	size_t j = 0, from = 0;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	na = calloc(n ? n : 1, sizeof(*na));
	if (!na)
		return -ENOMEM;
	/*
	 * First every new mapping, then the moves, then the old areas go
	 * whole: holes that the moves leave in old areas are never reused
	 * by a new mapping before they are unmapped.
	 */
	for (size_t i = 0; i < n; i++) {
		na[i].start = a[i].start;
		na[i].end = a[i].end;
		while (j < p->nr && p->a[j].end <= a[i].start)
			j++;
		if (j < p->nr && p->a[j].start == a[i].start && p->a[j].end == a[i].end &&
		    p->a[j].mem) {
			na[i].mem = p->a[j].mem;
			na[i].hugepage = p->a[j].hugepage;
			p->a[j].mem = NULL;	/* kept: not unmapped below */
			continue;
		}
		na[i].mem = map_area(s, a[i].start, a[i].end - a[i].start, &na[i].hugepage);
		if (na[i].mem == MAP_FAILED) {
			ret = -errno;
			na[i].mem = NULL;
			pr_perror("pid %u: cannot stage area %#" PRIx64 "-%#" PRIx64,
				  pid, a[i].start, a[i].end);
			goto fail;
		}
		s->bytes += a[i].end - a[i].start;
	}
	for (size_t i = 0; i < n; i++) {
		ret = take_old_pages(pid, &na[i], p->a, p->nr, &from);
		if (ret)
			goto fail;
	}
	unmap_areas(s, p->a, p->nr);
	free(p->a);
	p->a = na;
	p->nr = n;
	p->hint = 0;
	return 0;
fail:
	/* Kept areas now belong to na: unmap both lists whole. */
	unmap_areas(s, na, n);
	free(na);
	staging_drop(s, pid);
	return ret;
}

void *staging_dest(struct staging *s, uint32_t pid, uint64_t vaddr, uint64_t len)
{
	struct staging_proc *p = find_proc(s, pid);
	size_t lo = 0, hi;

	if (!p || !p->nr || vaddr + len < vaddr)
		return NULL;
	if (p->hint < p->nr && p->a[p->hint].start <= vaddr && vaddr < p->a[p->hint].end) {
		lo = p->hint;
	} else {
		hi = p->nr;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (p->a[mid].end <= vaddr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == p->nr || p->a[lo].start > vaddr)
			return NULL;
	}
	if (vaddr + len > p->a[lo].end)
		return NULL;
	p->hint = lo;
	return (char *)p->a[lo].mem + (vaddr - p->a[lo].start);
}

void staging_prefault(struct staging *s, void *dest, uint64_t len)
{
	if (s->no_populate)
		return;
	if (madvise(dest, len, MADV_POPULATE_WRITE) && errno == EINVAL) {
		pr_info("MADV_POPULATE_WRITE is not available: pages are faulted in one by one");
		s->no_populate = true;
	}
}

int staging_discard(void *dest, size_t len)
{
	return madvise(dest, len, MADV_DONTNEED) ? -errno : 0;
}

int staging_trim(struct staging *s, uint32_t pid, PagemapEntry *const *pm, size_t n)
{
	struct staging_proc *p = find_proc(s, pid);
	size_t k = 0;

	if (!p)
		return 0;
	for (size_t i = 0; i < p->nr; i++) {
		const struct rst_staged_area *a = &p->a[i];
		uint64_t pos = a->start;

		while (pos < a->end) {
			uint64_t keep_s = a->end, keep_e = a->end;
			int ret;

			while (k < n && pm[k]->vaddr + pm[k]->nr_pages * s->page_size <= pos)
				k++;
			if (k < n && pm[k]->vaddr < a->end) {
				keep_s = pm[k]->vaddr > pos ? pm[k]->vaddr : pos;
				keep_e = pm[k]->vaddr + pm[k]->nr_pages * s->page_size;
				if (keep_e > a->end)
					keep_e = a->end;
			}
			if (keep_s > pos) {
				ret = staging_discard((char *)a->mem + (pos - a->start), keep_s - pos);
				if (ret) {
					pr_err_rc(ret, "pid %u: cannot discard staged pages at %#" PRIx64,
						  pid, pos);
					return ret;
				}
			}
			pos = keep_e;
		}
	}
	return 0;
}

void staging_drop(struct staging *s, uint32_t pid)
{
	struct staging_proc *p = find_proc(s, pid);

	if (!p)
		return;
	unmap_areas(s, p->a, p->nr);
	free(p->a);
	*p = s->p[--s->nr];
}

void staging_free(struct staging *s)
{
	while (s->nr)
		staging_drop(s, s->p[0].pid);
	free(s->p);
	s->p = NULL;
}
