/* The image container: names, round trips of every kind, and damaged files. */
#include "config.h"
#include <endian.h>
#include <stdint.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "crc32c.h"
#include "image/image.h"
#include "img-sample.h"
#include "log.h"
#include "test-utils.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "inventory.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

static int dirfd_;

static int packed_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t la = protobuf_c_message_get_packed_size(a);
	size_t lb = protobuf_c_message_get_packed_size(b);
	uint8_t *pa = malloc(la + 1), *pb = malloc(lb + 1);
	int eq;

	protobuf_c_message_pack(a, pa);
	protobuf_c_message_pack(b, pb);
	eq = la == lb && memcmp(pa, pb, la) == 0;
	free(pa);
	free(pb);
	return eq;
}

static void test_names(void)
{
	static const struct { enum img_type t; uint32_t id; const char *name; } ok[] = {
		{ IMG_INVENTORY, 0, "inventory.img" }, { IMG_PSTREE, 0, "pstree.img" },
		{ IMG_CORE, 42, "core-42.img" }, { IMG_TASK, 1, "task-1.img" },
		{ IMG_MM, 4294967295u, "mm-4294967295.img" }, { IMG_PAGEMAP, 7, "pagemap-7.img" },
		{ IMG_FDINFO, 0, "fdinfo-0.img" }, { IMG_FILES, 0, "files.img" },
	};
	static const char *bad[] = {
		"core-042.img", "core-.img", "core-1.imgx", "core-4294967296.img", "core--1.img",
		"core-+1.img", "core- 1.img", "inventory-1.img", "cores-1.img", "core-1", "pages-1.img",
		"", "core.img", "files-3.img", "CORE-1.img",
	};
	enum img_type t;
	uint32_t id;
	char buf[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK(img_file_name(ok[i].t, ok[i].id, buf, sizeof(buf)) == 0);
		CHECK(strcmp(buf, ok[i].name) == 0);
		CHECK(img_parse_file_name(ok[i].name, &t, &id) == 0 && t == ok[i].t && id == ok[i].id);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(img_parse_file_name(bad[i], &t, &id) == -EINVAL);
	CHECK(img_file_name(IMG_CORE, 42, buf, 8) == -ENAMETOOLONG);
	CHECK(img_file_name(0, 0, buf, sizeof(buf)) == -EINVAL);
	CHECK(img_file_name(IMG_TYPE_MAX, 0, buf, sizeof(buf)) == -EINVAL);
	CHECK(img_type_name(IMG_TYPE_MAX) == NULL && img_type_desc(0) == NULL);
	CHECK(strcmp(img_type_name(IMG_PAGEMAP), "pagemap") == 0);
	CHECK(img_type_desc(IMG_FILES) == &file_entry__descriptor);
	CHECK(img_type_per_id(IMG_CORE) && !img_type_per_id(IMG_FILES));
}

/* Every kind: three records through the stream API, one through the _one API. */
static void test_round_trip(void)
{
	for (enum img_type t = 1; t < IMG_TYPE_MAX; t++) {
		const ProtobufCMessage *msg = sample_msg(t);
		ProtobufCMessage *got;
		struct img *img;

		CHECK(msg && msg->descriptor == img_type_desc(t));
		CHECK(img_open_write(dirfd_, t, 7, &img) == 0);
		for (int i = 0; i < 3; i++)
			CHECK(img_write_msg(img, msg) == 0);
		CHECK(img_nr_records(img) == 3);
		CHECK(img_close(img) == 0);

		CHECK(img_open_read(dirfd_, t, 7, &img) == 0);
		CHECK(img_type(img) == t);
		for (int i = 0; i < 3; i++) {
			CHECK(img_read_msg(img, &got) == 1);
			CHECK(packed_equal(msg, got));
			protobuf_c_message_free_unpacked(got, NULL);
		}
		CHECK(img_read_msg(img, &got) == 0);
		CHECK(img_read_msg(img, &got) == 0);	/* and stays at the end */
		img_close(img);

		CHECK(img_write_one(dirfd_, t, 8, msg) == 0);
		CHECK(img_read_one(dirfd_, t, 8, &got) == 0);
		CHECK(packed_equal(msg, got));
		protobuf_c_message_free_unpacked(got, NULL);
	}
}

/* Records larger than the I/O buffer, and many small ones across its edges. */
static void test_sizes(void)
{
	size_t big = 300 << 10;
	uint8_t *xsave = malloc(big);
	CoreEntry core = *(const CoreEntry *)sample_msg(IMG_CORE);
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	ProtobufCMessage *got;
	struct img *img;
	unsigned int n;
	int rc;

	for (size_t i = 0; i < big; i++)
		xsave[i] = (uint8_t)(i * 31);
	core.xsave.data = xsave;
	core.xsave.len = big;
	CHECK(img_open_write(dirfd_, IMG_CORE, 1, &img) == 0);
	CHECK(img_write_msg(img, sample_msg(IMG_CORE)) == 0);
	CHECK(img_write_msg(img, &core.base) == 0);
	CHECK(img_write_msg(img, sample_msg(IMG_CORE)) == 0);
	CHECK(img_close(img) == 0);
	CHECK(img_open_read(dirfd_, IMG_CORE, 1, &img) == 0);
	CHECK(img_read_msg(img, &got) == 1 && packed_equal(got, sample_msg(IMG_CORE)));
	protobuf_c_message_free_unpacked(got, NULL);
	CHECK(img_read_msg(img, &got) == 1 && packed_equal(got, &core.base));
	protobuf_c_message_free_unpacked(got, NULL);
	CHECK(img_read_msg(img, &got) == 1 && packed_equal(got, sample_msg(IMG_CORE)));
	protobuf_c_message_free_unpacked(got, NULL);
	CHECK(img_read_msg(img, &got) == 0);
	img_close(img);

	CHECK(img_open_write(dirfd_, IMG_PAGEMAP, 1, &img) == 0);
	for (n = 0; n < 20000; n++) {
		pe.vaddr = (uint64_t)n << 12;
		pe.nr_pages = n + 1;
		CHECK(img_write_msg(img, &pe.base) == 0);
	}
	CHECK(img_close(img) == 0);
	CHECK(img_open_read(dirfd_, IMG_PAGEMAP, 1, &img) == 0);
	for (n = 0; (rc = img_read_msg(img, &got)) == 1; n++) {
		PagemapEntry *p = (PagemapEntry *)got;

		if (p->vaddr != (uint64_t)n << 12 || p->nr_pages != n + 1)
			break;
		protobuf_c_message_free_unpacked(got, NULL);
	}
	CHECK(rc == 0 && n == 20000);
	img_close(img);
	free(xsave);
}

/* Misuse on the writing side: each refused with one line. */
static void test_write_errors(void)
{
	struct capture cap;
	struct img *img;
	char *err;
	CoreEntry core = *(const CoreEntry *)sample_msg(IMG_CORE);
	uint8_t *huge;

	CHECK(img_open_write(dirfd_, IMG_MM, 1, &img) == 0);
	capture_start(&cap);
	CHECK(img_write_msg(img, sample_msg(IMG_CORE)) == -EINVAL);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "cannot write a core_entry message into a mm_entry image", "wrong kind"));
	free(err);

	CHECK(img_close(img) == 0);

	huge = calloc(1, IMG_MAX_RECORD + 1);
	core.xsave.data = huge;
	core.xsave.len = IMG_MAX_RECORD + 1;

	CHECK(img_open_write(dirfd_, IMG_CORE, 1, &img) == 0);
	capture_start(&cap);
	CHECK(img_write_msg(img, &core.base) == -EFBIG);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "over the limit", "oversized record"));
	free(err);
	CHECK(img_close(img) == 0);
	free(huge);

	capture_start(&cap);
	CHECK(img_open_write(dirfd_, IMG_TYPE_MAX, 1, &img) == -EINVAL);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "bad image type", "bad type"));
	free(err);
}

/*
 * A write that fails (here: the file size limit, as a full disk would):
 * the error is logged once, returned by every later call and by
 * img_close(), and the file is left without its end marker.
 */
static void test_write_failure(void)
{
	const ProtobufCMessage *pe = sample_msg(IMG_PAGEMAP);
	struct rlimit old, small;
	struct capture cap;
	struct img *img;
	int rc = 0, n = 0;
	char *err;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 100000;
	CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
	CHECK(img_open_write(dirfd_, IMG_PAGEMAP, 3, &img) == 0);
	capture_start(&cap);
	while (n < 100000 && (rc = img_write_msg(img, pe)) == 0)
		n++;
	CHECK(rc == -EFBIG);
	CHECK(img_write_msg(img, pe) == -EFBIG);
	CHECK(img_close(img) == -EFBIG);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "pagemap-3.img: write failed: File too large", "write failure"));
	free(err);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_DFL);

	capture_start(&cap);
	CHECK(img_open_read(dirfd_, IMG_PAGEMAP, 3, &img) == 0);
	{
		ProtobufCMessage *m;

		while ((rc = img_read_msg(img, &m)) == 1)
			protobuf_c_message_free_unpacked(m, NULL);
		CHECK(rc == -EINVAL);
		img_close(img);
	}
	err = capture_end(&cap);
	CHECK(one_error_line(err, "pagemap-3.img: ", "reading what a failed write left"));
	free(err);
}

/* Read every record of an image file; 0 at a clean end or the first error. */
static int read_all(enum img_type type, uint32_t id)
{
	ProtobufCMessage *m;
	struct img *img;
	int rc;

	rc = img_open_read(dirfd_, type, id, &img);
	if (rc < 0)
		return rc;
	while ((rc = img_read_msg(img, &m)) == 1)
		protobuf_c_message_free_unpacked(m, NULL);
	img_close(img);
	return rc;
}

/*
 * Store buf as pstree.img and read it: must fail with rc (any negative
 * when rc is 0) and exactly one error line containing want.
 */
static int expect_damaged(const void *buf, size_t len, int rc, const char *want, const char *what)
{
	struct capture cap;
	char *err;
	int got, ok;

	write_file(dirfd_, "pstree.img", buf, len);
	capture_start(&cap);
	got = read_all(IMG_PSTREE, 0);
	err = capture_end(&cap);
	ok = one_error_line(err, want, what);
	if (got >= 0 || (rc && got != rc)) {
		fprintf(stderr, "%s: read returned %d, want %d\n", what, got, rc ? rc : -EINVAL);
		ok = 0;
	}
	free(err);
	return ok;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

/* A file with a hand-made payload whose crc is right. */
static size_t raw_image(uint8_t *buf, uint32_t type, const void *payload, uint32_t len)
{
	memcpy(buf, IMG_MAGIC, 8);
	put_le32(buf + 8, IMG_FORMAT_VERSION);
	put_le32(buf + 12, type);
	put_le32(buf + 16, len);
	put_le32(buf + 20, crc32c(0, payload, len));
	memcpy(buf + 24, payload, len);
	put_le32(buf + 24 + len, IMG_END_MARK);
	put_le32(buf + 28 + len, 1);
	return 32 + len;
}

static void test_damaged(void)
{
	const ProtobufCMessage *pst = sample_msg(IMG_PSTREE);
	uint8_t *good, *buf, raw[256];
	size_t len, rec2;
	struct img *img;
	char want[128];

	/* The reference: two pstree records. */
	CHECK(img_open_write(dirfd_, IMG_PSTREE, 0, &img) == 0);
	CHECK(img_write_msg(img, pst) == 0);
	CHECK(img_write_msg(img, pst) == 0);
	CHECK(img_close(img) == 0);
	CHECK(read_all(IMG_PSTREE, 0) == 0);
	good = (uint8_t *)read_file(dirfd_, "pstree.img", &len);
	buf = malloc(len + 16);
	rec2 = 16 + 8 + protobuf_c_message_get_packed_size(pst);

	memcpy(buf, good, len);
	memcpy(buf, "LMIGIMG2", 8);
	CHECK(expect_damaged(buf, len, -EINVAL, "pstree.img: not an lmig image (bad magic)", "magic"));
	CHECK(expect_damaged("#!/bin/sh\nexit 0\n", 17, -EINVAL, "not an lmig image", "script"));

	memcpy(buf, good, len);
	put_le32(buf + 8, 7);
	CHECK(expect_damaged(buf, len, -EPROTO, "pstree.img: format version 7, this lmig reads 1", "version"));
	put_le32(buf + 8, 0);
	CHECK(expect_damaged(buf, len, -EPROTO, "format version 0, this lmig reads 1", "version 0"));

	memcpy(buf, good, len);
	put_le32(buf + 12, IMG_MM);
	CHECK(expect_damaged(buf, len, -EINVAL, "pstree.img: holds mm records, expected pstree", "type"));
	put_le32(buf + 12, 99);
	CHECK(expect_damaged(buf, len, -EINVAL, "unknown image type 99, expected pstree", "type 99"));

	CHECK(expect_damaged(good, 5, -EINVAL, "pstree.img: truncated header (5 of 16 bytes)", "short header"));
	CHECK(expect_damaged(good, 0, -EINVAL, "truncated header (0 of 16 bytes)", "empty"));
	CHECK(expect_damaged(good, 16, -EINVAL, "ends after the header without an end marker", "no records"));
	CHECK(expect_damaged(good, rec2, -EINVAL, "ends after record 1 without an end marker", "cut between records"));
	CHECK(expect_damaged(good, 20, -EINVAL, "record 1 at offset 16: truncated (4 of 8 header bytes)", "cut record header"));
	CHECK(expect_damaged(good, 26, -EINVAL, "record 1 at offset 16: truncated (2 of", "cut payload"));

	/* Cut at every offset: always an error, always one line. */
	for (size_t cut = 0; cut < len; cut++) {
		snprintf(want, sizeof(want), "truncated at %zu of %zu", cut, len);
		CHECK(expect_damaged(good, cut, 0, "pstree.img: ", want));
	}
	/* Every single bit flipped: always an error, always one line. */
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, good, len);
			buf[i] ^= (uint8_t)(1u << bit);
			snprintf(want, sizeof(want), "bit %d of byte %zu flipped", bit, i);
			CHECK(expect_damaged(buf, len, 0, "pstree.img: ", want));
		}
	}
	memcpy(buf, good, len);
	buf[rec2 + 8] ^= 0x40;
	snprintf(want, sizeof(want), "record 2 at offset %zu: checksum mismatch (stored ", rec2);
	CHECK(expect_damaged(buf, len, -EINVAL, want, "crc"));

	memcpy(buf, good, len);
	put_le32(buf + 16, IMG_MAX_RECORD + 1);
	CHECK(expect_damaged(buf, len, -EINVAL, "record 1 at offset 16: length 67108865 is over the limit of 67108864", "too long"));
	/* At the limit, in a small file: refused before any allocation. */
	put_le32(buf + 16, IMG_MAX_RECORD);
	CHECK(expect_damaged(buf, len, -EINVAL, "record 1 at offset 16: truncated", "long, short file"));

	memcpy(buf, good, len);
	put_le32(buf + len - 4, 3);
	CHECK(expect_damaged(buf, len, -EINVAL, "end marker at offset", "end count"));
	memcpy(buf, good, len);
	memcpy(buf + len, "junk", 4);
	CHECK(expect_damaged(buf, len + 4, -EINVAL, "4 stray bytes after the end marker", "after the end"));

	CHECK(expect_damaged(raw, raw_image(raw, IMG_PSTREE, "\xff\xff\xff", 3), -EINVAL,
			     "record 1 at offset 16: not a valid pstree_entry message", "garbage protobuf"));
	/* Well-formed protobuf, but only pid: the other required fields are missing. */
	CHECK(expect_damaged(raw, raw_image(raw, IMG_PSTREE, "\x08\x05", 2), -EINVAL,
			     "not a valid pstree_entry message", "missing required"));
	/* Length-delimited field running past the payload. */
	CHECK(expect_damaged(raw, raw_image(raw, IMG_PSTREE, "\x2a\x7f\x01", 3), -EINVAL,
			     "not a valid pstree_entry message", "bad length inside"));

	free(buf);
	free(good);
}

/* img_read_one() and the probing of missing images. */
static void test_read_one(void)
{
	const ProtobufCMessage *inv = sample_msg(IMG_INVENTORY);
	ProtobufCMessage *got = NULL;
	struct capture cap;
	struct img *img;
	char *err;

	capture_start(&cap);
	CHECK(img_open_read(dirfd_, IMG_TASK, 12345, &img) == -ENOENT);
	CHECK(img_read_one(dirfd_, IMG_TASK, 12345, &got) == -ENOENT);
	err = capture_end(&cap);
	CHECK(err[0] == '\0');	/* probing is silent */
	free(err);

	CHECK(img_open_write(dirfd_, IMG_INVENTORY, 0, &img) == 0);
	CHECK(img_write_msg(img, inv) == 0);
	CHECK(img_write_msg(img, inv) == 0);
	CHECK(img_close(img) == 0);
	capture_start(&cap);
	CHECK(img_read_one(dirfd_, IMG_INVENTORY, 0, &got) == -EINVAL);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "inventory.img: more than one record (expected one)", "extra record"));
	free(err);

	CHECK(img_open_write(dirfd_, IMG_INVENTORY, 0, &img) == 0);
	CHECK(img_close(img) == 0);
	capture_start(&cap);
	CHECK(img_read_one(dirfd_, IMG_INVENTORY, 0, &got) == -EINVAL);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "inventory.img: no record (expected one)", "no record"));
	free(err);

	/* A directory where an image should be. */
	CHECK(mkdirat(dirfd_, "mm-5.img", 0700) == 0);
	capture_start(&cap);
	CHECK(img_open_read(dirfd_, IMG_MM, 5, &img) < 0);
	err = capture_end(&cap);
	CHECK(one_error_line(err, "mm-5.img", "directory"));
	free(err);
	unlinkat(dirfd_, "mm-5.img", AT_REMOVEDIR);

	/* Reading from a memfd, from its current offset. */
	{
		int fd = memfd_create("img", MFD_CLOEXEC);
		size_t len;
		char *bytes;

		CHECK(img_write_one(dirfd_, IMG_INVENTORY, 0, inv) == 0);
		bytes = read_file(dirfd_, "inventory.img", &len);
		CHECK(write(fd, "xyz", 3) == 3 && write(fd, bytes, len) == (ssize_t)len);
		CHECK(lseek(fd, 3, SEEK_SET) == 3);
		CHECK(img_open_read_fd(fd, "wire:inventory", IMG_INVENTORY, &img) == 0);
		CHECK(strcmp(img_path(img), "wire:inventory") == 0);
		CHECK(img_read_msg(img, &got) == 1 && packed_equal(got, inv));
		protobuf_c_message_free_unpacked(got, NULL);
		CHECK(img_read_msg(img, &got) == 0);
		img_close(img);
		free(bytes);
	}
}

int main(void)
{
	char dir[256];

	dirfd_ = scratch_dir(dir, sizeof(dir));
	test_names();
	test_round_trip();
	test_sizes();
	test_write_errors();
	test_write_failure();
	test_damaged();
	test_read_one();
	scratch_remove(dirfd_, dir);
	return unit_result();
}
