/*
 * libFuzzer target for the image reader and the show printers.
 *
 * Input: one byte, then the bytes of an image file (img-gen --seeds
 * writes such seeds). The byte's low 7 bits choose the image kind the
 * reader expects; unless its top bit is set, the record checksums are
 * recomputed first, so that mutations get past the CRC check and reach
 * the protobuf decoder and the printers (a mutated record almost never
 * keeps a valid CRC by itself). Every record
 * that decodes is printed as text and as JSON (to /dev/null), and a
 * pagemap is also checked against a pages file, with checksums. Built and
 * run by tests/fuzz/run.sh (make fuzz), not by make check.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crc32c.h"
#include "image/image.h"
#include "image/pages.h"
#include "log.h"
#include "show/pb-print.h"

/* Set up once per fuzzing process: libFuzzer calls the target millions of times. */
static int memfd = -1;
static int dirfd = -1;
static char dir[64];
static FILE *devnull;

static void cleanup(void)
{
	if (dirfd >= 0) {
		unlinkat(dirfd, "pagemap-1.img", 0);
		unlinkat(dirfd, "pages-1.img", 0);
		rmdir(dir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t pages[3 * 4096];
	int fd;

	memfd = memfd_create("fuzz-image", MFD_CLOEXEC);
	devnull = fopen("/dev/null", "w");
	strcpy(dir, "/tmp/lmig-fuzz-XXXXXX");
	if (memfd < 0 || !devnull || !mkdtemp(dir) ||
	    (dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("fuzz-image: setup");
		exit(1);
	}
	atexit(cleanup);
	for (size_t i = 0; i < sizeof(pages); i++)
		pages[i] = (uint8_t)(i * 7 + i / 4096);
	fd = openat(dirfd, "pages-1.img", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, pages, sizeof(pages)) != (ssize_t)sizeof(pages)) {
		perror("fuzz-image: pages file");
		exit(1);
	}
	close(fd);
	log_set_level(LOG_QUIET);
	return 0;
}

/* Rewrite the crc of every record whose framing holds, in place. */
static void fix_crcs(uint8_t *p, size_t size)
{
	size_t off = sizeof(struct img_file_header);

	while (off + 8 <= size) {
		uint32_t len, crc;

		memcpy(&len, p + off, 4);
		len = le32toh(len);
		if (len > size - off - 8)
			break;
		crc = htole32(crc32c(0, p + off + 8, len));
		memcpy(p + off + 4, &crc, 4);
		off += 8 + (size_t)len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	enum img_type type;
	ProtobufCMessage *m;
	struct img *img;
	uint8_t *data;
	int fd;

	if (size < 1)
		return 0;
	type = (enum img_type)(1 + (in[0] & 0x7f) % (IMG_TYPE_MAX - 1));
	size--;
	data = malloc(size + 1);
	if (!data)
		abort();
	memcpy(data, in + 1, size);
	if (!(in[0] & 0x80))
		fix_crcs(data, size);

	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size ||
	    lseek(memfd, 0, SEEK_SET) != 0)
		abort();
	fd = dup(memfd);
	if (fd < 0)
		abort();
	if (img_open_read_fd(fd, "fuzz.img", type, &img) < 0)
		goto out;
	while (img_read_msg(img, &m) == 1) {
		pb_print_text(devnull, m, 2, NULL);
		pb_print_json(devnull, m);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	img_close(img);

	if (type == IMG_PAGEMAP) {
		fd = openat(dirfd, "pagemap-1.img", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, data, size) != (ssize_t)size)
			abort();
		close(fd);
		pages_check(dirfd, 1, 4096, PAGES_CHECK_CRC, NULL);
	}
out:
	free(data);
	return 0;
}
