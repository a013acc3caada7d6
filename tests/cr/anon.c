/* Private anonymous memory: a pattern, an untouched area, a zero-filled area, a hole. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crtest.h"

#define NPAGES 256

static uint64_t pattern(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ULL ^ 0xdeadbeefcafef00dULL;
}

int main(void)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE), len = NPAGES * psz;
	uint64_t *data, *zero;
	unsigned char *untouched, *ro;

	cr_init();
	data = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	zero = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	untouched = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (data == MAP_FAILED || zero == MAP_FAILED || untouched == MAP_FAILED || ro == MAP_FAILED)
		cr_fail_errno("mmap");

	/* Every other page, so that runs of present pages are broken up. */
	for (size_t i = 0; i < len / 8; i++)
		if ((i * 8 / psz) % 2 == 0)
			data[i] = pattern(i);
	/* Written, but with zeros: must come back as zeros, without data on the wire. */
	memset(zero, 0, len);
	memset(ro, 0x5a, len);
	if (mprotect(ro, len, PROT_READ) < 0)
		cr_fail_errno("mprotect");
	/* A hole in the middle of the untouched area. */
	if (munmap(untouched + 10 * psz, psz) < 0)
		cr_fail_errno("munmap");

	cr_ready();
	cr_wait();

	for (size_t i = 0; i < len / 8; i++) {
		uint64_t want = (i * 8 / psz) % 2 == 0 ? pattern(i) : 0;

		if (data[i] != want)
			cr_fail("data word %zu: %#llx, want %#llx", i,
				(unsigned long long)data[i], (unsigned long long)want);
	}
	for (size_t i = 0; i < len / 8; i++)
		if (zero[i])
			cr_fail("zero area word %zu is %#llx", i, (unsigned long long)zero[i]);
	for (size_t i = 0; i < len; i++) {
		if (i / psz == 10)
			continue;
		if (untouched[i])
			cr_fail("untouched area byte %zu is %#x", i, untouched[i]);
	}
	for (size_t i = 0; i < len; i++)
		if (ro[i] != 0x5a)
			cr_fail("read-only area byte %zu is %#x", i, ro[i]);
	/* The hole must still be a hole. */
	if (msync(untouched + 10 * psz, psz, MS_ASYNC) == 0)
		cr_fail("the unmapped page is mapped after restore");
	cr_pass();
}
