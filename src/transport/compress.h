/*
 * Private to transport/: the sender's choice of how a page run goes on
 * the wire. Zero pages are never data (they become ZERO runs); other
 * runs are LZ4-compressed when that pays.
 *
 * "Pays" means the compressed block is at least 1/8 smaller than the
 * raw pages: below that, the receiver's decompression and our CPU cost
 * more than the bytes saved on any link lmig targets. A run that does
 * not compress makes the next ones skip the attempt, for a number of
 * runs that doubles with each further failure (up to
 * TP_LZ4_MAX_BACKOFF) and resets on the first success, so that random
 * data costs about one failed attempt in TP_LZ4_MAX_BACKOFF runs.
 *
 * Compressible data still loses on a link faster than one core
 * compresses (about 0.8 GiB/s of text): so the sender also measures the
 * wall time per page of the runs it sends each way (compression and the
 * blocking send: on a slow link the socket holds the sender back) and
 * sends the way that has been quicker, trying the other one every
 * TP_LZ4_PROBE_EVERY runs to follow a link or data that change.
 */
#ifndef LMIG_TRANSPORT_COMPRESS_H
#define LMIG_TRANSPORT_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_LZ4_MAX_BACKOFF 64u
#define TP_LZ4_PROBE_EVERY 16u

struct tp_lz4 {
	unsigned int skip;	/* runs left to send raw without trying */
	unsigned int backoff;	/* skip after the next failure */
	/* Mean wall ns per page of the runs sent raw and of those tried with LZ4 (0: none yet). */
	uint64_t ns_raw, ns_lz4;
	unsigned int runs;
};

void tp_lz4_init(struct tp_lz4 *z);
/* Whether to try compressing the next run (counts down the skip, picks the quicker way). */
bool tp_lz4_should_try(struct tp_lz4 *z);
/* What the run tp_lz4_should_try() was asked about cost: tried (compressed or not), ns, pages. */
void tp_lz4_record(struct tp_lz4 *z, bool tried, uint64_t ns, uint32_t pages);
/*
 * Compress len bytes of src into dst (room for dstcap bytes). Returns
 * the compressed size if it saves at least len/8, else 0 (send raw);
 * records the outcome for tp_lz4_should_try().
 */
size_t tp_lz4_compress(struct tp_lz4 *z, const void *src, size_t len, void *dst,
		       size_t dstcap);

/* True if the 4096-byte page at p is all zero bytes. */
bool tp_page_is_zero(const void *p);

#endif
