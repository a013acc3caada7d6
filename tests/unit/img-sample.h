/*
 * Sample images for the image, pages and show tests, the img-gen tool
 * and the fuzzer's seed corpus.
 */
#ifndef LMIG_TESTS_IMG_SAMPLE_H
#define LMIG_TESTS_IMG_SAMPLE_H

#include <stdint.h>

#include "image/image.h"

/* The pids and tids of the sample tree. */
#define SAMPLE_PID	100	/* threads 100 and 101; pages with data */
#define SAMPLE_TID2	101
#define SAMPLE_CHILD	102	/* one thread; only zero pages, no pages file */

/*
 * A message of the image kind with every field of its schema set
 * (nested, repeated, bytes, enums, negative numbers, strings that need
 * escaping). Static and read-only: do not modify or free.
 */
const ProtobufCMessage *sample_msg(enum img_type type);

/*
 * Write a complete, consistent image set into dirfd: every image kind,
 * two processes, a thread whose core image lives under its process,
 * pagemap runs with data (crc32c set) and zero runs. 0 or -errno.
 */
int sample_write_dir(int dirfd);

/* The page data the sample pagemap of SAMPLE_PID describes, and its size. */
#define SAMPLE_PAGES_BYTES	(3 * 4096)
void sample_page_data(uint8_t *buf);

#endif
