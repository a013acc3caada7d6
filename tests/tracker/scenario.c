/*
 * The tracker tests (see scenario.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "compat.h"
#include "scenario.h"

#define MAX_AREAS	32
#define MAX_REPORT	12	/* mismatches printed per round */
#define HUGE_PAGES	512	/* 4 KiB pages per 2 MiB huge page */

struct area {
	char name[16];
	uint64_t start, end;
};

struct pageset {
	uint64_t *p;
	size_t nr, cap;
};

struct sc {
	struct mutator m;
	struct tracker *t;
	uint64_t ps;
	bool soft;			/* soft-dirty: stop around collects, its false positives */
	bool last;			/* the next collect is tracker_collect_last() */
	struct area a[MAX_AREAS];	/* the areas given to the tracker */
	size_t nr;
	struct range_vec dirty;
	struct pageset exp, allow, got;
	int failures;
};

static int ps_add(struct pageset *s, uint64_t page)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *p = realloc(s->p, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->p = p;
		s->cap = cap;
	}
	s->p[s->nr++] = page;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void ps_sort(struct pageset *s)
{
	size_t i, o = 0;

	qsort(s->p, s->nr, sizeof(*s->p), cmp_u64);
	for (i = 0; i < s->nr; i++)
		if (o == 0 || s->p[o - 1] != s->p[i])
			s->p[o++] = s->p[i];
	s->nr = o;
}

static bool ps_has(const struct pageset *s, uint64_t page)
{
	return s->nr && bsearch(&page, s->p, s->nr, sizeof(*s->p), cmp_u64);
}

static void die_oom(void)
{
	fprintf(stderr, "FAIL: out of memory\n");
	exit(1);
}

/* n pages from start, stride apart, into s. */
static void add_pages(struct sc *c, struct pageset *s, uint64_t start, uint64_t n, uint64_t stride)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (ps_add(s, start + i * stride * c->ps))
			die_oom();
}

static const char *where(const struct sc *c, uint64_t addr, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		if (addr >= c->a[i].start && addr < c->a[i].end) {
			snprintf(buf, len, "%s+%llu", c->a[i].name,
				 (unsigned long long)((addr - c->a[i].start) / c->ps));
			return buf;
		}
	}
	snprintf(buf, len, "%#llx", (unsigned long long)addr);
	return buf;
}

static int64_t must(int64_t r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "FAIL: %s: %s\n", what, strerror((int)-r));
		exit(1);
	}
	return r;
}

static uint64_t pg(const struct sc *c, uint64_t base, uint64_t page)
{
	return base + page * c->ps;
}

static int cmp_area(const void *a, const void *b)
{
	const struct area *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Track a new area (kept sorted); returns its start. */
static uint64_t add_area(struct sc *c, const char *name, uint64_t start, uint64_t npages)
{
	if (c->nr == MAX_AREAS) {
		fprintf(stderr, "FAIL: too many areas\n");
		exit(1);
	}
	snprintf(c->a[c->nr].name, sizeof(c->a[c->nr].name), "%s", name);
	c->a[c->nr].start = start;
	c->a[c->nr].end = start + npages * c->ps;
	c->nr++;
	qsort(c->a, c->nr, sizeof(c->a[0]), cmp_area);
	return start;
}

static struct area *find_area(struct sc *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nr; i++)
		if (strcmp(c->a[i].name, name) == 0)
			return &c->a[i];
	fprintf(stderr, "FAIL: no area %s\n", name);
	exit(1);
}

static void remove_area(struct sc *c, const char *name)
{
	struct area *a = find_area(c, name);

	memmove(a, a + 1, (size_t)(c->a + c->nr - (a + 1)) * sizeof(*a));
	c->nr--;
}

static void areas_as_ranges(const struct sc *c, struct range *r)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		r[i].start = c->a[i].start;
		r[i].end = c->a[i].end;
	}
}

static int start_tracking(struct sc *c)
{
	struct range r[MAX_AREAS];

	areas_as_ranges(c, r);
	return tracker_start(c->t, r, c->nr);
}

static void update_areas(struct sc *c)
{
	struct range r[MAX_AREAS];

	areas_as_ranges(c, r);
	must(tracker_update_areas(c->t, r, c->nr), "tracker_update_areas");
}

static int collect(struct sc *c)
{
	int ret;

	if (tracker_needs_stop(c->t))
		must(mutator_freeze(&c->m), "stop the child");
	ret = c->last ? tracker_collect_last(c->t, &c->dirty) : tracker_collect(c->t, &c->dirty);
	if (tracker_needs_stop(c->t))
		must(mutator_thaw(&c->m), "continue the child");
	return ret;
}

/* The ranges must be page-aligned, sorted, disjoint and not touching. */
static int check_shape(struct sc *c, const char *round)
{
	size_t i;

	for (i = 0; i < c->dirty.nr; i++) {
		const struct range *r = &c->dirty.r[i];

		if (r->start % c->ps || r->end % c->ps || r->start >= r->end ||
		    (i && r->start <= c->dirty.r[i - 1].end)) {
			printf("FAIL: %s: range %zu %#llx-%#llx out of shape\n", round, i,
			       (unsigned long long)r->start, (unsigned long long)r->end);
			return 1;
		}
	}
	return 0;
}

/*
 * Collect and compare with c->exp (must all be reported) and c->allow
 * (may be reported too); then empty both for the next round.
 */
static void round_check(struct sc *c, const char *round)
{
	unsigned missed = 0, extra = 0;
	char b[64];
	size_t i;
	uint64_t p;
	int ret;

	ret = collect(c);
	if (ret) {
		printf("FAIL: %s: tracker_collect: %s\n", round, strerror(-ret));
		c->failures++;
		goto out;
	}
	if (check_shape(c, round)) {
		c->failures++;
		goto out;
	}
	c->got.nr = 0;
	for (i = 0; i < c->dirty.nr; i++)
		for (p = c->dirty.r[i].start; p < c->dirty.r[i].end; p += c->ps)
			if (ps_add(&c->got, p))
				die_oom();
	ps_sort(&c->exp);
	ps_sort(&c->allow);
	for (i = 0; i < c->exp.nr; i++) {
		if (ps_has(&c->got, c->exp.p[i]))
			continue;
		if (missed++ < MAX_REPORT)
			printf("FAIL: %s: written page %s not reported\n", round,
			       where(c, c->exp.p[i], b, sizeof(b)));
	}
	for (i = 0; i < c->got.nr; i++) {
		if (ps_has(&c->exp, c->got.p[i]) || ps_has(&c->allow, c->got.p[i]))
			continue;
		if (extra++ < MAX_REPORT)
			printf("FAIL: %s: page %s reported, not written\n", round,
			       where(c, c->got.p[i], b, sizeof(b)));
	}
	if (missed || extra) {
		printf("FAIL: %s: %u missed, %u false positives (%zu expected, %zu reported)\n",
		       round, missed, extra, c->exp.nr, c->got.nr);
		c->failures++;
	} else {
		printf("ok: %s: %zu pages reported in %zu ranges, %zu written\n", round,
		       c->got.nr, c->dirty.nr, c->exp.nr);
	}
out:
	c->exp.nr = 0;
	c->allow.nr = 0;
}

/*
 * After the last collect, n pages from addr that it reported must still
 * read as written (no write-protection put back): a read-only
 * PAGEMAP_SCAN of our own, on the child's pagemap.
 */
static void check_not_rearmed(struct sc *c, uint64_t addr, uint64_t n)
{
	struct page_region r[4];
	struct pm_scan_arg arg = {
		.size = sizeof(arg), .start = addr, .end = addr + n * c->ps,
		.vec = (uint64_t)(uintptr_t)r, .vec_len = 4,
		.category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
	};
	char path[64];
	long got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)c->m.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	got = fd < 0 ? -1 : ioctl(fd, PAGEMAP_SCAN, &arg);
	if (fd >= 0)
		close(fd);
	if (got != 1 || r[0].start != addr || r[0].end != addr + n * c->ps) {
		printf("FAIL: after the last collect, %" PRIu64 " written pages at %#llx read as "
		       "write-protected again (%ld regions)\n", n, (unsigned long long)addr, got);
		c->failures++;
	} else {
		printf("ok: the last collect left the %" PRIu64 " pages it reported unprotected\n", n);
	}
}

/* Write n pages of area base from page first, stride apart, and expect them. */
static void w(struct sc *c, uint64_t base, uint64_t first, uint64_t n, uint64_t stride)
{
	must(mut_write(&c->m, pg(c, base, first), n, stride), "write");
	add_pages(c, &c->exp, pg(c, base, first), n, stride);
}

static void expect_whole(struct sc *c, struct pageset *s, uint64_t start, uint64_t end)
{
	add_pages(c, s, start, (end - start) / c->ps, 1);
}

/* soft-dirty keeps one bit per huge page: allow the huge pages holding written pages. */
static void allow_huge(struct sc *c, const struct area *a)
{
	uint64_t huge = HUGE_PAGES * c->ps, h;
	size_t i;

	if (!c->soft)
		return;
	for (i = 0; i < c->exp.nr; i++) {
		if (c->exp.p[i] < a->start || c->exp.p[i] >= a->end)
			continue;
		h = c->exp.p[i] & ~(huge - 1);
		add_pages(c, &c->allow, h, HUGE_PAGES, 1);
	}
}

static void sc_init(struct sc *c)
{
	memset(c, 0, sizeof(*c));
	c->ps = (uint64_t)sysconf(_SC_PAGESIZE);
}

static void sc_fini(struct sc *c)
{
	tracker_close(c->t);
	mutator_stop(&c->m);
	range_vec_free(&c->dirty);
	free(c->exp.p);
	free(c->allow.p);
	free(c->got.p);
}

int scenario_open(struct mutator *m, const char *name, struct tracker **t)
{
	int64_t cfd = -1;
	int fd = -1;

	if (tracker_available() & TRACKER_UFFD_WP) {
		cfd = must(mut_uffd(m, TRACKER_UFFD_FEATURES), "userfaultfd in the child");
		fd = mutator_getfd(m, (int)cfd);
		if (fd < 0) {
			fprintf(stderr, "FAIL: pidfd_getfd: %s\n", strerror(-fd));
			exit(1);
		}
		/* As lmig's parasite does: the target keeps no copy of the fd. */
		must(mut_close(m, (int)cfd), "close the child's userfaultfd");
	}
	return tracker_open(name, m->pid, fd, t);
}

static int open_or_skip(struct sc *c, const char *name)
{
	int ret;

	must(mutator_start(&c->m), "fork the child");
	ret = scenario_open(&c->m, name, &c->t);
	if (ret == -ENOTSUP) {
		printf("SKIP: tracker %s does not work on this kernel\n", name ? name : "(auto)");
		return 77;
	}
	if (ret) {
		printf("FAIL: tracker_open(%s): %s\n", name ? name : "auto", strerror(-ret));
		return 1;
	}
	c->soft = strcmp(tracker_name(c->t), "soft-dirty") == 0;
	printf("tracker: %s\n", tracker_name(c->t));
	return 0;
}

/* The child's [vdso], which uffd-wp cannot register: reported whole each time. */
static bool child_vdso(const struct sc *c, uint64_t *start, uint64_t *end)
{
	char path[64], line[512];
	unsigned long long s, e;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", c->m.pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vdso]") && sscanf(line, "%llx-%llx", &s, &e) == 2) {
			*start = s;
			*end = e;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Whether the THP area got a huge page: the rounds on it mean more if so. */
static void print_thp(const struct sc *c, uint64_t start)
{
	char path[64], line[512];
	unsigned long long s, e, kb;
	bool in = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", c->m.pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &s, &e) == 2)
			in = s == start;
		else if (in && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1)
			printf("area T: AnonHugePages %llu kB\n", kb);
	}
	fclose(f);
}

/* The vDSO is never written: uffd-wp reports it whole (untracked), soft-dirty not at all. */
static void expect_vdso(struct sc *c)
{
	struct area *v = find_area(c, "vdso");

	if (!c->soft)
		expect_whole(c, &c->exp, v->start, v->end);
}

int scenario_exact(const char *name)
{
	uint64_t A, B, C, D, S, E, F, G, H, BIG, T, vs, ve;
	struct sc c;
	int ret;

	sc_init(&c);
	ret = open_or_skip(&c, name);
	if (ret)
		goto out;

	A = add_area(&c, "A", must(mut_map(&c.m, MK_ANON_PRIVATE, 64, 0), "map A"), 64);
	B = add_area(&c, "B", must(mut_map(&c.m, MK_ANON_SHARED, 16, 0), "map B"), 16);
	C = add_area(&c, "C", must(mut_map(&c.m, MK_MEMFD_SHARED, 16, 0), "map C"), 16);
	D = add_area(&c, "D", must(mut_map(&c.m, MK_FILE_PRIVATE, 16, 0), "map D"), 16);
	S = add_area(&c, "S", must(mut_map(&c.m, MK_FILE_SHARED, 16, 0), "map S"), 16);
	E = add_area(&c, "E", must(mut_map(&c.m, MK_ANON_PRIVATE, 16, 0), "map E"), 16);
	F = add_area(&c, "F", must(mut_map(&c.m, MK_ANON_PRIVATE, 8, 8), "map F"), 8);
	H = add_area(&c, "H", must(mut_map(&c.m, MK_ANON_PRIVATE, 8, 0), "map H"), 8);
	BIG = add_area(&c, "BIG", must(mut_map(&c.m, MK_ANON_PRIVATE, 4096, 0), "map BIG"), 4096);
	T = add_area(&c, "T", must(mut_map(&c.m, MK_THP, 2 * HUGE_PAGES, 0), "map T"), 2 * HUGE_PAGES);
	if (!child_vdso(&c, &vs, &ve)) {
		printf("FAIL: no [vdso] in the child's maps\n");
		ret = 1;
		goto out;
	}
	add_area(&c, "vdso", vs, (ve - vs) / c.ps);

	/* Some pages present before tracking starts, the others still empty. */
	must(mut_write(&c.m, A, 32, 2), "populate");
	must(mut_write(&c.m, B, 8, 2), "populate");
	must(mut_write(&c.m, C, 8, 2), "populate");
	must(mut_write(&c.m, D, 8, 2), "populate");
	must(mut_write(&c.m, S, 8, 2), "populate");
	must(mut_write(&c.m, E, 8, 2), "populate");
	must(mut_write(&c.m, F, 8, 1), "populate");
	must(mut_write(&c.m, H, 8, 1), "populate");
	must(mut_write(&c.m, BIG, 2048, 1), "populate");
	must(mut_write(&c.m, T, 1, 1), "populate");

	print_thp(&c, T);
	ret = start_tracking(&c);
	if (ret) {
		printf("FAIL: tracker_start: %s\n", strerror(-ret));
		ret = 1;
		goto out;
	}

	/* Round 1: present and empty pages of every kind of memory. */
	w(&c, A, 1, 1, 1);
	w(&c, A, 5, 3, 1);
	w(&c, A, 63, 1, 1);
	w(&c, B, 0, 1, 1);
	w(&c, B, 3, 1, 1);
	w(&c, C, 2, 1, 1);
	w(&c, D, 4, 2, 1);
	w(&c, S, 1, 1, 1);
	w(&c, E, 10, 1, 1);
	w(&c, F, 0, 1, 1);
	w(&c, H, 3, 1, 1);
	w(&c, BIG, 1, 2048, 2);		/* 2048 separate runs: several scan vectors */
	w(&c, T, 0, 1, 1);
	w(&c, T, 600, 1, 1);
	allow_huge(&c, find_area(&c, "T"));
	expect_vdso(&c);
	round_check(&c, "round 1 (writes)");

	/* Round 2: the layout changes between two collects. */
	w(&c, A, 5, 1, 1);
	w(&c, A, 10, 1, 1);
	w(&c, D, 4, 1, 1);
	must(mut_unmap(&c.m, pg(&c, E, 4), 4), "munmap E+4..8");
	remove_area(&c, "E");
	add_area(&c, "E1", E, 4);
	add_area(&c, "E2", pg(&c, E, 8), 8);
	if ((uint64_t)must(mut_grow(&c.m, F, 8, 16), "mremap F in place") != F) {
		printf("FAIL: F moved\n");
		ret = 1;
		goto out;
	}
	find_area(&c, "F")->end = pg(&c, F, 16);
	w(&c, F, 1, 1, 1);
	w(&c, F, 12, 1, 1);
	expect_whole(&c, &c.exp, pg(&c, F, 8), pg(&c, F, 16));	/* grown: new */
	H = (uint64_t)must(mut_move(&c.m, H, 8, 8), "mremap H elsewhere");
	remove_area(&c, "H");
	add_area(&c, "H2", H, 8);
	w(&c, H, 2, 1, 1);
	expect_whole(&c, &c.exp, H, pg(&c, H, 8));			/* moved: new */
	G = add_area(&c, "G", must(mut_map(&c.m, MK_ANON_PRIVATE, 8, 0), "map G"), 8);
	w(&c, G, 1, 1, 1);
	expect_whole(&c, &c.exp, G, pg(&c, G, 8));			/* new */
	if (c.soft)	/* mremap makes the area soft-dirty as a whole (VM_SOFTDIRTY) */
		expect_whole(&c, &c.allow, F, pg(&c, F, 8));
	expect_vdso(&c);
	update_areas(&c);
	round_check(&c, "round 2 (munmap, mremap grow and move, mmap)");

	/* Round 3: nothing written, nothing reported. */
	expect_vdso(&c);
	round_check(&c, "round 3 (no writes)");

	/* Round 4: the areas that were new are tracked page by page now. */
	w(&c, F, 9, 1, 1);
	w(&c, G, 7, 1, 1);
	w(&c, H, 0, 1, 1);
	w(&c, BIG, 0, 4096, 1);
	expect_vdso(&c);
	round_check(&c, "round 4 (new areas armed)");

	/* Round 5: a mapping replaced inside A, and the tracker not told. */
	must(mut_map_fixed(&c.m, pg(&c, A, 20), 4), "mmap MAP_FIXED over A+20..24");
	w(&c, A, 21, 1, 1);
	expect_whole(&c, &c.allow, A, pg(&c, A, 64));
	expect_vdso(&c);
	round_check(&c, "round 5 (mapping replaced under the tracker)");

	/* Round 6: and armed again. */
	w(&c, A, 22, 1, 1);
	expect_vdso(&c);
	round_check(&c, "round 6 (replaced mapping armed)");

	/*
	 * The last collect (the process frozen for good): the same answer,
	 * a new area whole, and nothing armed again, so the pages it
	 * reported still read as written and no collect may follow.
	 */
	w(&c, A, 30, 2, 1);
	w(&c, BIG, 100, 3, 7);
	T = add_area(&c, "T", must(mut_map(&c.m, MK_ANON_PRIVATE, 4, 0), "map T"), 4);
	w(&c, T, 0, 1, 1);
	expect_whole(&c, &c.exp, T, pg(&c, T, 4));
	expect_vdso(&c);
	update_areas(&c);
	c.last = true;
	round_check(&c, "round 7 (the last collect)");
	ret = tracker_collect(c.t, &c.dirty);
	if (ret != -EINVAL) {
		printf("FAIL: a collect after the last one gave %d, not -EINVAL\n", ret);
		c.failures++;
	}
	if (!c.soft)
		check_not_rearmed(&c, pg(&c, A, 30), 2);

	ret = c.failures ? 1 : 0;
out:
	sc_fini(&c);
	return ret;
}

/* Copy [start, end) of the child, clipped to the areas, into the shadow. */
static int copy_in(struct sc *c, uint8_t *const *shadow, uint64_t start, uint64_t end, uint64_t *pages)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		uint64_t s = start > c->a[i].start ? start : c->a[i].start;
		uint64_t e = end < c->a[i].end ? end : c->a[i].end;
		struct iovec l, r;

		if (s >= e)
			continue;
		l.iov_base = shadow[i] + (s - c->a[i].start);
		l.iov_len = e - s;
		r.iov_base = (void *)(uintptr_t)s;
		r.iov_len = e - s;
		if (process_vm_readv(c->m.pid, &l, 1, &r, 1, 0) != (ssize_t)(e - s))
			return -errno;
		*pages += (e - s) / c->ps;
	}
	return 0;
}

static int copy_dirty(struct sc *c, uint8_t *const *shadow, uint64_t *pages)
{
	size_t i;
	int ret;

	for (i = 0; i < c->dirty.nr; i++) {
		ret = copy_in(c, shadow, c->dirty.r[i].start, c->dirty.r[i].end, pages);
		if (ret)
			return ret;
	}
	return 0;
}

/* Compare the shadow with the (stopped) child's memory; count the differing pages. */
static uint64_t compare(struct sc *c, uint8_t *const *shadow)
{
	uint64_t bad = 0, len, p;
	char b[64];
	size_t i;

	for (i = 0; i < c->nr; i++) {
		uint8_t *now;
		struct iovec l, r;

		len = c->a[i].end - c->a[i].start;
		now = malloc(len);
		if (!now)
			die_oom();
		l.iov_base = now;
		l.iov_len = len;
		r.iov_base = (void *)(uintptr_t)c->a[i].start;
		r.iov_len = len;
		if (process_vm_readv(c->m.pid, &l, 1, &r, 1, 0) != (ssize_t)len) {
			printf("FAIL: read %s: %s\n", c->a[i].name, strerror(errno));
			bad++;
		} else {
			for (p = 0; p < len; p += c->ps) {
				if (memcmp(now + p, shadow[i] + p, c->ps) == 0)
					continue;
				if (bad++ < MAX_REPORT)
					printf("FAIL: page %s differs from the copy\n",
					       where(c, c->a[i].start + p, b, sizeof(b)));
			}
		}
		free(now);
	}
	return bad;
}

int scenario_converge(const char *name)
{
	uint8_t *shadow[MAX_AREAS] = { 0 };
	uint64_t W, M, P, pages, bad;
	int64_t writes;
	struct sc c;
	size_t i;
	int ret, round;

	sc_init(&c);
	ret = open_or_skip(&c, name);
	if (ret)
		goto out;
	W = add_area(&c, "W", must(mut_map(&c.m, MK_ANON_PRIVATE, 2048, 0), "map W"), 2048);
	M = add_area(&c, "M", must(mut_map(&c.m, MK_MEMFD_SHARED, 256, 0), "map M"), 256);
	P = add_area(&c, "P", must(mut_map(&c.m, MK_FILE_PRIVATE, 256, 0), "map P"), 256);
	must(mut_write(&c.m, W, 1024, 2), "populate");
	must(mut_write(&c.m, M, 128, 1), "populate");
	must(mut_spin_area(&c.m, W, 2048), "writer area");
	must(mut_spin_area(&c.m, M, 256), "writer area");
	must(mut_spin_area(&c.m, P, 256), "writer area");
	for (i = 0; i < c.nr; i++) {
		shadow[i] = calloc(1, c.a[i].end - c.a[i].start);
		if (!shadow[i])
			die_oom();
	}
	must(mut_spin_start(&c.m), "start the writer");

	ret = start_tracking(&c);
	pages = 0;
	if (!ret)
		ret = copy_in(&c, shadow, 0, UINT64_MAX, &pages);
	if (ret) {
		printf("FAIL: round 0: %s\n", strerror(-ret));
		ret = 1;
		goto out;
	}
	printf("round 0: copied %llu pages\n", (unsigned long long)pages);
	for (round = 1; round <= 8; round++) {
		usleep(20000);
		pages = 0;
		ret = collect(&c);
		if (!ret)
			ret = copy_dirty(&c, shadow, &pages);
		if (ret) {
			printf("FAIL: round %d: %s\n", round, strerror(-ret));
			ret = 1;
			goto out;
		}
		printf("round %d: copied %llu pages in %zu ranges\n", round,
		       (unsigned long long)pages, c.dirty.nr);
	}

	/* The last round, stopped, as lmig's final one. */
	usleep(20000);
	must(mutator_freeze(&c.m), "stop the child");
	pages = 0;
	ret = tracker_collect(c.t, &c.dirty);
	if (!ret)
		ret = copy_dirty(&c, shadow, &pages);
	if (ret) {
		printf("FAIL: last round: %s\n", strerror(-ret));
		ret = 1;
		goto out;
	}
	bad = compare(&c, shadow);
	must(mutator_thaw(&c.m), "continue the child");
	writes = must(mut_spin_stop(&c.m), "stop the writer");
	printf("last round: copied %llu pages; the writer made %lld writes\n",
	       (unsigned long long)pages, (long long)writes);
	if (bad) {
		printf("FAIL: %llu pages of the copy differ from the process\n", (unsigned long long)bad);
		ret = 1;
	} else if (writes < 1000 || !pages) {
		printf("FAIL: the writer barely ran (%lld writes, %llu pages in the last round)\n",
		       (long long)writes, (unsigned long long)pages);
		ret = 1;
	} else {
		printf("ok: the copy equals the process's memory after %d rounds under writes\n", round - 1);
		ret = 0;
	}
out:
	for (i = 0; i < MAX_AREAS; i++)
		free(shadow[i]);
	sc_fini(&c);
	return ret;
}

int scenario_refuse_running(void)
{
	struct sc c;
	uint64_t A;
	int ret;

	sc_init(&c);
	ret = open_or_skip(&c, "soft-dirty");
	if (ret)
		goto out;
	A = add_area(&c, "A", must(mut_map(&c.m, MK_ANON_PRIVATE, 4, 0), "map A"), 4);
	ret = start_tracking(&c);
	if (ret) {
		printf("FAIL: tracker_start: %s\n", strerror(-ret));
		ret = 1;
		goto out;
	}
	w(&c, A, 1, 1, 1);
	ret = tracker_collect(c.t, &c.dirty);
	if (ret != -EBUSY) {
		printf("FAIL: collect on a running process returned %d, not -EBUSY\n", ret);
		ret = 1;
		goto out;
	}
	printf("ok: collect on a running process refused\n");
	round_check(&c, "stopped collect after the refusal");
	ret = c.failures ? 1 : 0;
out:
	sc_fini(&c);
	return ret;
}
