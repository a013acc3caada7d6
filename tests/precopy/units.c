/*
 * Unit tests of live migration's pieces that need no process: fault
 * points (LMIG_FAULT), the areas message, and the staging following a
 * changing layout without losing a page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "fault.h"
#include "pageserver/layout.h"
#include "pageserver/staging.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static void test_fault(void)
{
	struct fault f;

	CHECK(fault_parse(NULL, &f) == 0 && !f.armed[FAULT_PS_EXIT_ROUND]);
	CHECK(fault_parse("", &f) == 0);
	CHECK(fault_parse("pageserver-exit-round=2", &f) == 0);
	CHECK(f.armed[FAULT_PS_EXIT_ROUND] && f.arg[FAULT_PS_EXIT_ROUND] == 2);
	CHECK(!fault_hit(&f, FAULT_PS_EXIT_ROUND, 1) && fault_hit(&f, FAULT_PS_EXIT_ROUND, 2));
	CHECK(!fault_hit(&f, FAULT_PS_EXIT_FINAL, 0));
	CHECK(fault_parse("pageserver-exit-final,pageserver-exit-round=0", &f) == 0);
	CHECK(f.armed[FAULT_PS_EXIT_FINAL] && fault_hit(&f, FAULT_PS_EXIT_ROUND, 0));
	CHECK(fault_parse("pageserver-exit-round", &f) == -EINVAL);
	CHECK(fault_parse("pageserver-exit-round=x", &f) == -EINVAL);
	CHECK(fault_parse("pageserver-exit-final=1", &f) == -EINVAL);
	CHECK(fault_parse("no-such-point", &f) == -EINVAL);
}

static void test_layout(void)
{
	struct layout_area in[2] = { { 0x1000, 0x3000 }, { 0x5000, 0x6000 } }, *out;
	uint8_t buf[2 * LAYOUT_REC_SIZE];
	const char *why;
	uint32_t pid;
	size_t n;

	layout_encode(in, 2, buf);
	CHECK(layout_decode(buf, sizeof(buf), 4096, &out, &n, &why) == 0 && n == 2);
	CHECK(n == 2 && out[1].start == 0x5000 && out[1].end == 0x6000);
	free(out);
	CHECK(layout_decode(buf, sizeof(buf) - 1, 4096, &out, &n, &why) == -EPROTO);
	in[1].start = 0x2000;	/* overlaps */
	layout_encode(in, 2, buf);
	CHECK(layout_decode(buf, sizeof(buf), 4096, &out, &n, &why) == -EPROTO);
	in[1] = (struct layout_area){ 0x5000, 0x5000 };	/* empty */
	layout_encode(in, 2, buf);
	CHECK(layout_decode(buf, sizeof(buf), 4096, &out, &n, &why) == -EPROTO);
	in[1] = (struct layout_area){ 0x5001, 0x6000 };	/* not aligned */
	layout_encode(in, 2, buf);
	CHECK(layout_decode(buf, sizeof(buf), 4096, &out, &n, &why) == -EPROTO);
	CHECK(layout_parse_name("areas-42", &pid) == 0 && pid == 42);
	CHECK(layout_parse_name("areas-042", &pid) == -EINVAL);
	CHECK(layout_parse_name("areas-", &pid) == -EINVAL);
	CHECK(layout_parse_name("core-42.img", &pid) == -EINVAL);
}

/* Stage a page with a tag at each of the first n pages of [start, ...). */
static void fill(struct staging *s, uint64_t start, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		char *p = staging_dest(s, 7, start + i * 4096ull, 4096);

		if (p)
			snprintf(p, 32, "page %llx", (unsigned long long)(start + i * 4096ull));
	}
}

static int tag_ok(struct staging *s, uint64_t addr)
{
	char want[32], *p = staging_dest(s, 7, addr, 4096);

	snprintf(want, sizeof(want), "page %llx", (unsigned long long)addr);
	return p && strcmp(p, want) == 0;
}

static void test_staging(void)
{
	struct layout_area one[1] = { { 0x100000, 0x110000 } };
	/* The area split in two (mprotect) and grown at its end (mremap). */
	struct layout_area split[2] = { { 0x100000, 0x104000 }, { 0x104000, 0x120000 } };
	struct layout_area moved[1] = { { 0x200000, 0x210000 } };
	struct staging s;

	staging_init(&s, 4096);
	CHECK(staging_set_layout(&s, 7, one, 1) == 0);
	CHECK(staging_dest(&s, 7, 0x10f000, 4096) != NULL);
	CHECK(staging_dest(&s, 7, 0x10f000, 8192) == NULL);	/* past the end */
	CHECK(staging_dest(&s, 8, 0x100000, 4096) == NULL);	/* another pid */
	fill(&s, 0x100000, 16);
	CHECK(staging_set_layout(&s, 7, split, 2) == 0);
	for (unsigned i = 0; i < 16; i++)
		CHECK(tag_ok(&s, 0x100000 + i * 4096ull));
	CHECK(staging_dest(&s, 7, 0x11f000, 4096) != NULL);
	CHECK(staging_dest(&s, 7, 0x103000, 8192) == NULL);	/* across two areas */
	CHECK(staging_set_layout(&s, 7, moved, 1) == 0);
	CHECK(staging_dest(&s, 7, 0x100000, 4096) == NULL);
	CHECK(s.bytes == 0x10000);
	staging_free(&s);
	CHECK(s.nr == 0);
}

/*
 * An area spanning 2 MiB is staged at its own address modulo 2 MiB (what
 * lets restore's mremaps move whole page tables), also once it changed
 * shape, with its pages.
 */
static void test_staging_aligned(void)
{
	const uint64_t mib = 1ull << 20, base = 0x7f0000000000ull + 0x1ff000;
	struct layout_area big[1] = { { base, base + 5 * mib } };
	/* Split where the process split it (an mprotect), both parts spanning 2 MiB. */
	struct layout_area split[2] = { { base, base + 2 * mib + 0x3000 },
					{ base + 2 * mib + 0x3000, base + 5 * mib } };
	struct staging s;
	char *p;

	staging_init(&s, 4096);
	CHECK(staging_set_layout(&s, 7, big, 1) == 0);
	p = staging_dest(&s, 7, base, 4096);
	CHECK(p && ((uint64_t)p & (RST_PMD_SPAN - 1)) == (base & (RST_PMD_SPAN - 1)));
	fill(&s, base, 4);
	fill(&s, base + 2 * mib, 8);
	fill(&s, base + 5 * mib - 4 * 4096, 4);
	CHECK(staging_set_layout(&s, 7, split, 2) == 0);
	for (unsigned i = 0; i < 2; i++) {
		p = staging_dest(&s, 7, split[i].start, 4096);
		CHECK(p && ((uint64_t)p & (RST_PMD_SPAN - 1)) ==
			   (split[i].start & (RST_PMD_SPAN - 1)));
	}
	for (unsigned i = 0; i < 4; i++) {
		CHECK(tag_ok(&s, base + i * 4096ull));
		CHECK(tag_ok(&s, base + 5 * mib - (4 - i) * 4096ull));
	}
	for (unsigned i = 0; i < 8; i++)
		CHECK(tag_ok(&s, base + 2 * mib + i * 4096ull));
	CHECK(s.bytes == 5 * mib);
	staging_free(&s);
}

int main(void)
{
	test_fault();
	test_layout();
	test_staging();
	test_staging_aligned();
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("PASS precopy units\n");
	return 0;
}
