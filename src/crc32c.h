/*
 * CRC-32C (Castagnoli; reflected polynomial 0x82F63B78), the checksum of
 * iSCSI, SCTP and ext4 metadata, and the one lmig uses for image records,
 * page runs and wire frames.
 *
 * crc32c(0, buf, len) is the checksum of buf. To checksum data that comes
 * in pieces, pass the previous result back in:
 *     crc32c(crc32c(0, a, na), b, nb) == crc32c(0, a||b, na + nb)
 * Known answer: crc32c(0, "123456789", 9) == 0xE3069283.
 *
 * crc32c() uses the SSE4.2 crc32 instruction when the CPU has it and a
 * table otherwise; both give the same result. They never fail and keep
 * no state.
 */
#ifndef LMIG_CRC32C_H
#define LMIG_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The two implementations, for tests and benchmarks. */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);
/* Only when crc32c_hw_available(); otherwise it faults (SIGILL). */
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len);
bool crc32c_hw_available(void);

#endif
