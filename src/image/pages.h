/*
 * The raw page data file of a process, pages-<pid>.img (see pagemap.h
 * for what it holds): no header, the data of the non-zero pagemap runs
 * concatenated in record order.
 *
 * As in image.h, functions return 0 or -errno and log failures once,
 * naming the file; opening a missing file for reading returns -ENOENT
 * without logging.
 */
#ifndef LMIG_IMAGE_PAGES_H
#define LMIG_IMAGE_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/pagemap.h"

struct pages_file;

/* "pages-42.img" into buf; 0 or -ENAMETOOLONG. */
int pages_file_name(uint32_t pid, char *buf, size_t len);
/* The pid of a pages file name; only the exact spelling above. 0 or -EINVAL. */
int pages_parse_file_name(const char *name, uint32_t *pid);

/* Create (truncating) for appending, or open an existing one for reading. */
int pages_open_write(int dirfd, uint32_t pid, struct pages_file **out);
int pages_open_read(int dirfd, uint32_t pid, struct pages_file **out);
/* Closes; returns the first write error seen, if any. NULL is a no-op. */
int pages_close(struct pages_file *pf);

/*
 * Append len bytes. Not buffered: callers hand over whole runs of pages,
 * and a buffer would only add a copy.
 */
int pages_append(struct pages_file *pf, const void *data, size_t len);
/* Read exactly len bytes at off; a read past the end is -EINVAL. */
int pages_read_at(struct pages_file *pf, uint64_t off, void *buf, size_t len);

/* Bytes written so far, or the file's size when opened for reading. */
uint64_t pages_size(const struct pages_file *pf);
/* The file descriptor, for mmap or splice; still owned by pf. */
int pages_fd(const struct pages_file *pf);
const char *pages_path(const struct pages_file *pf);

/* What pages_check() found. */
struct pages_summary {
	uint64_t nr_runs;	/* pagemap records */
	uint64_t nr_pages;	/* pages they cover */
	uint64_t nr_zero;	/* of which PE_ZERO */
	uint64_t data_bytes;	/* size of pages-<pid>.img */
};

enum pages_check_flags {
	PAGES_CHECK_CRC = 1 << 0,	/* also read the data and check each run's crc32c */
};

/*
 * Check pagemap-<pid>.img against pages-<pid>.img: every run is non-empty,
 * page aligned, in ascending order without overlap, with no unknown flags,
 * and the pages file is exactly as long as the non-zero runs say. A
 * missing pages file counts as empty (a process whose saved pages are all
 * zero needs none). page_size is the inventory's. Fills *sum (may be NULL).
 * Returns 0, -ENOENT (not logged) without a pagemap, -EINVAL on a mismatch.
 */
int pages_check(int dirfd, uint32_t pid, uint32_t page_size, unsigned int flags,
		struct pages_summary *sum);

#endif
