/*
 * Adaptive LZ4 for page runs and zero-page detection (see compress.h).
 */
#include "config.h"

#include <string.h>
#include <lz4.h>

#include "transport/compress.h"
#include "transport/protocol.h"

void tp_lz4_init(struct tp_lz4 *z)
{
	memset(z, 0, sizeof(*z));
	z->backoff = 1;
}

bool tp_lz4_should_try(struct tp_lz4 *z)
{
	bool lz4_quicker;

	if (z->skip) {
		z->skip--;
		return false;
	}
	/* Each way measured once first, then the quicker, the other now and then. */
	if (!z->ns_lz4 || !z->ns_raw)
		return !z->ns_lz4;
	lz4_quicker = z->ns_lz4 <= z->ns_raw;
	if (++z->runs % TP_LZ4_PROBE_EVERY == 0)
		return !lz4_quicker;
	return lz4_quicker;
}

/* A moving mean that follows the last few dozen runs. */
static void mean_add(uint64_t *m, uint64_t v)
{
	*m = *m ? *m - *m / 8 + v / 8 : v;
}

void tp_lz4_record(struct tp_lz4 *z, bool tried, uint64_t ns, uint32_t pages)
{
	uint64_t per = pages ? ns / pages : ns;

	mean_add(tried ? &z->ns_lz4 : &z->ns_raw, per ? per : 1);
}

size_t tp_lz4_compress(struct tp_lz4 *z, const void *src, size_t len, void *dst,
		       size_t dstcap)
{
	size_t limit = len - len / 8;
	int n;

	/* LZ4 gives up as soon as the output would pass the limit. */
	if (limit > dstcap)
		limit = dstcap;
	n = LZ4_compress_default(src, dst, (int)len, (int)limit);
	if (n > 0) {
		z->backoff = 1;
		return (size_t)n;
	}
	z->skip = z->backoff;
	if (z->backoff < TP_LZ4_MAX_BACKOFF)
		z->backoff *= 2;
	return 0;
}

bool tp_page_is_zero(const void *p)
{
	const uint64_t *w = p;
	size_t i;

	/* Most non-zero pages differ in their first bytes: cheap exit. */
	if (w[0] | w[1] | w[2] | w[3])
		return false;
	for (i = 0; i < TPW_PAGE_SIZE / 8; i += 8) {
		uint64_t acc = w[i] | w[i + 1] | w[i + 2] | w[i + 3] |
			       w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7];

		if (acc)
			return false;
	}
	return true;
}
