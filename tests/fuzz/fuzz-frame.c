/*
 * libFuzzer target for the transport's frame decoder (tp_parse_stream:
 * headers, fixed parts, order, crc, LZ4). Each input is parsed twice:
 * as it is (so the checksum paths are hit), and with every frame's
 * checksums recomputed (so that mutations reach the fields behind them).
 * Built and run by tests/fuzz/run-frame.sh. Compiled with -DFUZZ_SEEDS
 * it is instead a program that writes seed streams into a directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "transport/protocol.h"

#ifndef FUZZ_SEEDS
static uint8_t scratch[TPW_MAX_RUN_PAGES * TPW_PAGE_SIZE];

/* Recompute the crcs of the frames in buf, as far as they fit. */
static void reseal_all(uint8_t *buf, size_t len)
{
	while (len >= TPW_HDR_SIZE) {
		uint32_t plen, c;

		memcpy(&plen, buf + 12, 4);
		if (plen > len - TPW_HDR_SIZE)
			plen = (uint32_t)(len - TPW_HDR_SIZE);
		c = crc32c(0, buf + TPW_HDR_SIZE, plen);
		memcpy(buf + 16, &c, 4);
		c = crc32c(0, buf, 20);
		memcpy(buf + 20, &c, 4);
		buf += TPW_HDR_SIZE + plen;
		len -= TPW_HDR_SIZE + plen;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_why why;
	uint8_t *copy;

	tp_parse_stream(data, size, scratch, &why);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	reseal_all(copy, size);
	tp_parse_stream(copy, size, scratch, &why);
	free(copy);
	return 0;
}
#else
#include <lz4.h>

static uint8_t out[1 << 20];
static size_t olen;

static void frame(const struct tp_msg *m, const void *data, size_t dlen)
{
	uint8_t *p = out + olen + TPW_HDR_SIZE;
	size_t fl = tp_fixed_encode(m, p);

	if (dlen)
		memcpy(p + fl, data, dlen);
	tp_hdr_encode(out + olen, m->type, (uint32_t)(fl + dlen), crc32c(0, p, fl + dlen));
	olen += TPW_HDR_SIZE + fl + dlen;
}

static void save(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(out, 1, olen, f) != olen) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static uint8_t page[2 * TPW_PAGE_SIZE], z[LZ4_COMPRESSBOUND(2 * TPW_PAGE_SIZE)];
	struct tp_msg m;
	int zl;

	if (argc != 2)
		return 2;
	memset(page, 'x', sizeof(page));
	memcpy(page + 100, "hello world", 11);
	zl = LZ4_compress_default((char *)page, (char *)z, sizeof(page), sizeof(z));

	memset(&m, 0, sizeof(m));
	m.type = TP_HELLO;
	m.hello.role = TPW_ROLE_CLIENT;
	m.hello.features = TPW_FEAT_LZ4 | TPW_FEAT_AUTH;
	frame(&m, NULL, 0);
	save(argv[1], "hello");
	memset(&m, 0, sizeof(m));
	m.type = TP_AUTH;
	frame(&m, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.type = TP_ROUND_BEGIN;
	m.round.round = 1;
	frame(&m, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.type = TP_PAGES;
	m.pages.vaddr = 0x10000;
	m.pages.nr_pages = 1;
	frame(&m, page, TPW_PAGE_SIZE);
	m.pages.flags = TP_PAGES_ZERO;
	m.pages.nr_pages = 3;
	frame(&m, NULL, 0);
	m.pages.flags = TP_PAGES_LZ4;
	m.pages.nr_pages = 2;
	frame(&m, z, (size_t)zl);
	memset(&m, 0, sizeof(m));
	m.type = TP_ROUND_END;
	m.round.round = 1;
	m.round.nr_pages = 6;
	frame(&m, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.type = TP_STATE;
	strcpy(m.state.name, "core-1.img");
	frame(&m, "state", 5);
	memset(&m, 0, sizeof(m));
	m.type = TP_COMMIT;
	frame(&m, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.type = TP_RESULT;
	m.result.msg_len = 2;
	frame(&m, "ok", 2);
	save(argv[1], "session");
	return 0;
}
#endif
