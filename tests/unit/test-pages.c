/* Page data files and their check against the pagemap. */
#include <stdint.h>

#include "image/image.h"
#include "image/pages.h"
#include "img-sample.h"
#include "log.h"
#include "test-utils.h"

#include "pagemap.pb-c.h"

static int dirfd_;

static void test_names(void)
{
	char buf[64];
	uint32_t pid;

	CHECK(pages_file_name(42, buf, sizeof(buf)) == 0 && strcmp(buf, "pages-42.img") == 0);
	CHECK(pages_file_name(42, buf, 5) == -ENAMETOOLONG);
	CHECK(pages_parse_file_name("pages-42.img", &pid) == 0 && pid == 42);
	CHECK(pages_parse_file_name("pages-042.img", &pid) == -EINVAL);
	CHECK(pages_parse_file_name("pages-.img", &pid) == -EINVAL);
	CHECK(pages_parse_file_name("pages-1.img.tmp", &pid) == -EINVAL);
	CHECK(pages_parse_file_name("pages-99999999999.img", &pid) == -EINVAL);
	CHECK(pages_parse_file_name("pagemap-1.img", &pid) == -EINVAL);
}

static void test_io(void)
{
	uint8_t data[SAMPLE_PAGES_BYTES], back[SAMPLE_PAGES_BYTES];
	struct pages_file *pf;
	struct capture cap;
	char *err;

	sample_page_data(data);
	CHECK(pages_open_write(dirfd_, 9, &pf) == 0);
	CHECK(pages_append(pf, data, 4096) == 0);
	CHECK(pages_append(pf, data + 4096, sizeof(data) - 4096) == 0);
	CHECK(pages_size(pf) == sizeof(data));
	CHECK(pages_fd(pf) >= 0);
	CHECK(pages_close(pf) == 0);

	CHECK(pages_open_read(dirfd_, 9, &pf) == 0);
	CHECK(pages_size(pf) == sizeof(data));
	CHECK(pages_read_at(pf, 0, back, sizeof(back)) == 0 && memcmp(back, data, sizeof(data)) == 0);
	CHECK(pages_read_at(pf, 4096 + 5, back, 100) == 0 && memcmp(back, data + 4096 + 5, 100) == 0);
	CHECK(pages_read_at(pf, sizeof(data), back, 0) == 0);
	capture_start(&cap);
	CHECK(pages_read_at(pf, sizeof(data) - 10, back, 11) == -EINVAL);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "pages-9.img: 11 bytes at offset 12278 run past the end (12288 bytes)", "past end"));
	free(err);
	capture_start(&cap);
	CHECK(pages_append(pf, data, 1) == -EBADF);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "opened for reading", "append to reader"));
	free(err);
	CHECK(pages_close(pf) == 0);

	capture_start(&cap);
	CHECK(pages_open_read(dirfd_, 10, &pf) == -ENOENT);
	err = capture_end(&cap);
	CHECK(err[0] == '\0');
	free(err);
	CHECK(pages_close(NULL) == 0);
}

static void write_pagemap(uint32_t pid, const PagemapEntry *pe, size_t n)
{
	struct img *img;

	CHECK(img_open_write(dirfd_, IMG_PAGEMAP, pid, &img) == 0);
	for (size_t i = 0; i < n; i++)
		CHECK(img_write_msg(img, &pe[i].base) == 0);
	CHECK(img_close(img) == 0);
}

/* pages_check() must fail with one line containing want. */
static int expect_bad(uint32_t pid, unsigned int flags, const char *want, const char *what)
{
	struct capture cap;
	char *err;
	int rc, ok;

	capture_start(&cap);
	rc = pages_check(dirfd_, pid, 4096, flags, NULL);
	err = capture_end(&cap);
	ok = one_error_line(err, want, what) && rc == -EINVAL;
	if (rc != -EINVAL)
		fprintf(stderr, "%s: pages_check returned %d\n", what, rc);
	free(err);
	return ok;
}

static void test_check(void)
{
	struct pages_summary sum;
	PagemapEntry pe[3] = { PAGEMAP_ENTRY__INIT, PAGEMAP_ENTRY__INIT, PAGEMAP_ENTRY__INIT };
	uint8_t data[SAMPLE_PAGES_BYTES];
	size_t len;
	char *bytes;

	CHECK(sample_write_dir(dirfd_) == 0);
	CHECK(pages_check(dirfd_, SAMPLE_PID, 4096, PAGES_CHECK_CRC, &sum) == 0);
	CHECK(sum.nr_runs == 3 && sum.nr_pages == 4 && sum.nr_zero == 1 && sum.data_bytes == SAMPLE_PAGES_BYTES);
	/* Only zero pages: no pages file needed. */
	CHECK(pages_check(dirfd_, SAMPLE_CHILD, 4096, PAGES_CHECK_CRC, &sum) == 0);
	CHECK(sum.nr_runs == 1 && sum.nr_pages == 16 && sum.nr_zero == 16 && sum.data_bytes == 0);
	CHECK(pages_check(dirfd_, 4242, 4096, 0, &sum) == -ENOENT);

	/* One byte of data changed: only the crc check sees it. */
	bytes = read_file(dirfd_, "pages-100.img", &len);
	bytes[5000] ^= 1;
	write_file(dirfd_, "pages-100.img", bytes, len);
	CHECK(pages_check(dirfd_, SAMPLE_PID, 4096, 0, NULL) == 0);
	CHECK(expect_bad(SAMPLE_PID, PAGES_CHECK_CRC,
			 "pagemap-100.img: run 1 at 0x400000: data at offset 0 of", "data crc"));
	bytes[5000] ^= 1;
	/* One page short, one byte long. */
	write_file(dirfd_, "pages-100.img", bytes, len - 4096);
	CHECK(expect_bad(SAMPLE_PID, 0, "pages-100.img: 8192 bytes, but", "short pages"));
	CHECK(expect_bad(SAMPLE_PID, PAGES_CHECK_CRC, "pages-100.img: ", "short pages, crc"));
	write_file(dirfd_, "pages-100.img", bytes, len);
	{
		char *longer = malloc(len + 1);

		memcpy(longer, bytes, len);
		longer[len] = 0;
		write_file(dirfd_, "pages-100.img", longer, len + 1);
		CHECK(expect_bad(SAMPLE_PID, 0, "pages-100.img: 12289 bytes, but", "long pages"));
		free(longer);
	}
	free(bytes);
	/* A pagemap with data and no pages file at all. */
	unlinkat(dirfd_, "pages-100.img", 0);
	CHECK(expect_bad(SAMPLE_PID, 0, "/pages-100.img: 0 bytes, but /", "missing pages"));

	/* Bad pagemaps. */
	sample_page_data(data);
	pe[0].vaddr = 0x1000;
	pe[0].nr_pages = 0;
	write_pagemap(5, pe, 1);
	CHECK(expect_bad(5, 0, "pagemap-5.img: run 1 at 0x1000: no pages", "empty run"));
	pe[0].vaddr = 0x1001;
	pe[0].nr_pages = 1;
	write_pagemap(5, pe, 1);
	CHECK(expect_bad(5, 0, "not page aligned", "unaligned"));
	pe[0].vaddr = 0x1000;
	pe[0].has_flags = 1;
	pe[0].flags = 0x80;
	write_pagemap(5, pe, 1);
	CHECK(expect_bad(5, 0, "unknown flags 0x80", "flags"));
	pe[0].flags = PE_ZERO;
	pe[1].vaddr = 0x3000;
	pe[1].nr_pages = 1;
	pe[2].vaddr = 0x2000;
	pe[2].nr_pages = 2;
	write_pagemap(5, pe, 3);
	CHECK(expect_bad(5, 0, "run 3 at 0x2000: overlaps or precedes", "overlap"));
	pe[2].vaddr = 0xfffffffffffff000ull;
	write_pagemap(5, pe, 3);
	CHECK(expect_bad(5, 0, "wrap around", "wrap"));
	pe[2].vaddr = 0x4000;
	pe[2].nr_pages = 1;
	write_pagemap(5, pe, 3);
	CHECK(expect_bad(5, 0, "/pages-5.img: 0 bytes, but /", "no data"));
	{
		struct pages_file *pf;

		CHECK(pages_open_write(dirfd_, 5, &pf) == 0);
		CHECK(pages_append(pf, data, 2 * 4096) == 0);
		CHECK(pages_close(pf) == 0);
	}
	CHECK(pages_check(dirfd_, 5, 4096, PAGES_CHECK_CRC, &sum) == 0);	/* no crc32c given: not checked */
	CHECK(sum.nr_pages == 3 && sum.nr_zero == 1);
}

int main(void)
{
	char dir[256];
	struct capture cap;
	char *err;

	dirfd_ = scratch_dir(dir, sizeof(dir));
	test_names();
	test_io();
	test_check();
	capture_start(&cap);
	CHECK(pages_check(dirfd_, 5, 1000, 0, NULL) == -EINVAL);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "page size 1000", "page size"));
	free(err);
	scratch_remove(dirfd_, dir);
	return unit_result();
}
