/* CRC32C: known answers, the table against its definition, hw == sw, chaining. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "../lib/unit.h"


/* The definition, bit by bit: what the table and the instruction must match. */
static uint32_t crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (crc & 1 ? 0x82F63B78u : 0);
	}
	return ~crc;
}

int main(void)
{
	static const struct { const char *s; size_t len; uint32_t crc; } kat[] = {
		{ "", 0, 0x00000000 },
		{ "123456789", 9, 0xE3069283 },
		{ "a", 1, 0xC1D04330 },
		/* RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xff */
		{ "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32, 0x8A9136AA },
		{ "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
		  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 32, 0x62A8AB43 },
	};
	size_t big = 1 << 20;
	uint8_t *buf = malloc(big + 64);
	uint32_t seed = 12345;
	int hw = crc32c_hw_available();

	if (!hw)
		printf("no SSE4.2 here: only the table implementation is tested\n");
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		CHECK(crc32c(0, kat[i].s, kat[i].len) == kat[i].crc);
		CHECK(crc32c_sw(0, kat[i].s, kat[i].len) == kat[i].crc);
		CHECK(crc32c_bitwise(0, (const uint8_t *)kat[i].s, kat[i].len) == kat[i].crc);
		if (hw)
			CHECK(crc32c_hw(0, kat[i].s, kat[i].len) == kat[i].crc);
	}
	/* Each table entry (a single byte) against the definition. */
	for (int b = 0; b < 256; b++) {
		uint8_t c = (uint8_t)b;

		CHECK(crc32c_sw(0, &c, 1) == crc32c_bitwise(0, &c, 1));
	}
	for (size_t i = 0; i < big + 64; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
	/* Every alignment and short length, and a long run. */
	for (size_t off = 0; off < 16; off++) {
		for (size_t len = 0; len < 40; len++) {
			uint32_t want = crc32c_bitwise(0, buf + off, len);

			CHECK(crc32c_sw(0, buf + off, len) == want);
			if (hw)
				CHECK(crc32c_hw(0, buf + off, len) == want);
		}
	}
	{
		uint32_t want = crc32c_bitwise(0, buf + 3, big);

		CHECK(crc32c_sw(0, buf + 3, big) == want);
		CHECK(crc32c(0, buf + 3, big) == want);
		/* Chaining: pieces give the checksum of the whole. */
		CHECK(crc32c(crc32c(0, buf + 3, 1000), buf + 1003, big - 1000) == want);
		CHECK(crc32c_sw(crc32c(0, buf + 3, 7), buf + 10, big - 7) == want);
	}
	free(buf);
	return unit_result();
}
