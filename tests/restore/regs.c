/*
 * Restore test target: state that only a faithful restore brings back.
 *
 *   regs FIFO OUT
 *
 * Fills anonymous memory with a pattern, opens OUT at a position, loads
 * known values into callee-saved general registers and (when the CPU has
 * AVX-512) into zmm16-31 and k1-k7, then blocks in read(FIFO) from inside
 * one asm block: the registers stay live across the dump and restore, and
 * the interrupted read must be restarted, not fail. Once a byte arrives
 * it checks everything and writes PASS or FAIL: ... to OUT at the saved
 * position plus what it wrote before. Exit 0 on PASS, 1 on FAIL.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NPAGES 64

static int out_fd;

static void say(const char *s)
{
	if (write(out_fd, s, strlen(s)) < 0)
		exit(1);
}

static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "FAIL: ");
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	__builtin_va_end(ap);
	strcat(buf, "\n");
	say(buf);
	exit(1);
}

static int have_avx512(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_AVX512F) || !(b & bit_AVX512BW))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return (a & 0xe6) == 0xe6;	/* the OS saves opmask, zmm_hi256, hi16_zmm */
}

static uint64_t pattern(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ULL ^ 0x0123456789abcdefULL;
}

/* read(fd, buf, 1) with rbx, r12-r15 held at known values across it. */
static long read_holding_gprs(int fd, char *buf, uint64_t got[5])
{
	long ret;

	__asm__ volatile(
		"movabs $0x1111222233334444, %%rbx\n\t"
		"movabs $0x5555666677778888, %%r12\n\t"
		"movabs $0x9999aaaabbbbcccc, %%r13\n\t"
		"movabs $0xddddeeeeffff0000, %%r14\n\t"
		"movabs $0x0f1e2d3c4b5a6978, %%r15\n\t"
		"syscall\n\t"
		"mov %%rbx, 0(%[got])\n\t" "mov %%r12, 8(%[got])\n\t"
		"mov %%r13, 16(%[got])\n\t" "mov %%r14, 24(%[got])\n\t"
		"mov %%r15, 32(%[got])\n\t"
		: "=a"(ret)
		: "a"((long)SYS_read), "D"((long)fd), "S"(buf), "d"(1L), [got] "r"(got)
		: "rcx", "r11", "rbx", "r12", "r13", "r14", "r15", "memory");
	return ret;
}

/* The same, with zmm16-31 and k1-k7 too, loaded from in[] and k[] and stored to out[] and k[] after. */
__attribute__((target("avx512f,avx512bw")))
static long read_holding_zmm(int fd, char *buf, const uint64_t *in, uint64_t *out, uint64_t k[7],
			     uint64_t got[5])
{
	long ret;

	__asm__ volatile(
		"movabs $0x1111222233334444, %%rbx\n\t"
		"movabs $0x5555666677778888, %%r12\n\t"
		"movabs $0x9999aaaabbbbcccc, %%r13\n\t"
		"movabs $0xddddeeeeffff0000, %%r14\n\t"
		"movabs $0x0f1e2d3c4b5a6978, %%r15\n\t"
		"vmovdqu64 0*64(%[in]), %%zmm16\n\t" "vmovdqu64 1*64(%[in]), %%zmm17\n\t"
		"vmovdqu64 2*64(%[in]), %%zmm18\n\t" "vmovdqu64 3*64(%[in]), %%zmm19\n\t"
		"vmovdqu64 4*64(%[in]), %%zmm20\n\t" "vmovdqu64 5*64(%[in]), %%zmm21\n\t"
		"vmovdqu64 6*64(%[in]), %%zmm22\n\t" "vmovdqu64 7*64(%[in]), %%zmm23\n\t"
		"vmovdqu64 8*64(%[in]), %%zmm24\n\t" "vmovdqu64 9*64(%[in]), %%zmm25\n\t"
		"vmovdqu64 10*64(%[in]), %%zmm26\n\t" "vmovdqu64 11*64(%[in]), %%zmm27\n\t"
		"vmovdqu64 12*64(%[in]), %%zmm28\n\t" "vmovdqu64 13*64(%[in]), %%zmm29\n\t"
		"vmovdqu64 14*64(%[in]), %%zmm30\n\t" "vmovdqu64 15*64(%[in]), %%zmm31\n\t"
		"kmovq 0*8(%[k]), %%k1\n\t" "kmovq 1*8(%[k]), %%k2\n\t" "kmovq 2*8(%[k]), %%k3\n\t"
		"kmovq 3*8(%[k]), %%k4\n\t" "kmovq 4*8(%[k]), %%k5\n\t" "kmovq 5*8(%[k]), %%k6\n\t"
		"kmovq 6*8(%[k]), %%k7\n\t"
		"syscall\n\t"
		"vmovdqu64 %%zmm16, 0*64(%[out])\n\t" "vmovdqu64 %%zmm17, 1*64(%[out])\n\t"
		"vmovdqu64 %%zmm18, 2*64(%[out])\n\t" "vmovdqu64 %%zmm19, 3*64(%[out])\n\t"
		"vmovdqu64 %%zmm20, 4*64(%[out])\n\t" "vmovdqu64 %%zmm21, 5*64(%[out])\n\t"
		"vmovdqu64 %%zmm22, 6*64(%[out])\n\t" "vmovdqu64 %%zmm23, 7*64(%[out])\n\t"
		"vmovdqu64 %%zmm24, 8*64(%[out])\n\t" "vmovdqu64 %%zmm25, 9*64(%[out])\n\t"
		"vmovdqu64 %%zmm26, 10*64(%[out])\n\t" "vmovdqu64 %%zmm27, 11*64(%[out])\n\t"
		"vmovdqu64 %%zmm28, 12*64(%[out])\n\t" "vmovdqu64 %%zmm29, 13*64(%[out])\n\t"
		"vmovdqu64 %%zmm30, 14*64(%[out])\n\t" "vmovdqu64 %%zmm31, 15*64(%[out])\n\t"
		"kmovq %%k1, 0*8(%[k])\n\t" "kmovq %%k2, 1*8(%[k])\n\t" "kmovq %%k3, 2*8(%[k])\n\t"
		"kmovq %%k4, 3*8(%[k])\n\t" "kmovq %%k5, 4*8(%[k])\n\t" "kmovq %%k6, 5*8(%[k])\n\t"
		"kmovq %%k7, 6*8(%[k])\n\t"
		"mov %%rbx, 0(%[got])\n\t" "mov %%r12, 8(%[got])\n\t"
		"mov %%r13, 16(%[got])\n\t" "mov %%r14, 24(%[got])\n\t"
		"mov %%r15, 32(%[got])\n\t"
		: "=a"(ret)
		: "a"((long)SYS_read), "D"((long)fd), "S"(buf), "d"(1L),
		  [in] "r"(in), [out] "r"(out), [k] "r"(k), [got] "r"(got)
		: "rcx", "r11", "rbx", "r12", "r13", "r14", "r15", "memory",
		  "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",
		  "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31",
		  "k1", "k2", "k3", "k4", "k5", "k6", "k7");
	return ret;
}

int main(int argc, char **argv)
{
	static const uint64_t gprs[5] = {
		0x1111222233334444ULL, 0x5555666677778888ULL, 0x9999aaaabbbbccccULL,
		0xddddeeeeffff0000ULL, 0x0f1e2d3c4b5a6978ULL,
	};
	size_t psz = (size_t)sysconf(_SC_PAGESIZE), len = NPAGES * psz;
	uint64_t zin[16 * 8], zout[16 * 8], k[7], got[5];
	int avx512 = have_avx512(), fifo;
	uint64_t *mem;
	off_t pos;
	long ret;
	char c;

	if (argc != 3) {
		fprintf(stderr, "usage: regs FIFO OUT\n");
		return 2;
	}
	/* O_RDWR: the open does not wait for a writer, and read blocks until one writes. */
	fifo = open(argv[1], O_RDWR);
	out_fd = open(argv[2], O_WRONLY);
	if (fifo < 0 || out_fd < 0) {
		perror("regs: open");
		return 1;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	for (size_t i = 0; i < len / 8; i++)
		mem[i] = pattern(i);
	for (size_t i = 0; i < 16 * 8; i++)
		zin[i] = pattern(i + 7777);
	for (size_t i = 0; i < 7; i++)
		k[i] = pattern(i + 99);
	memset(zout, 0, sizeof(zout));
	say(avx512 ? "READY avx512\n" : "READY\n");
	pos = lseek(out_fd, 0, SEEK_CUR);

	do
		ret = avx512 ? read_holding_zmm(fifo, &c, zin, zout, k, got)
			     : read_holding_gprs(fifo, &c, got);
	while (ret == -EINTR);
	if (ret != 1)
		fail("read of the fifo returned %ld", ret);
	if (lseek(out_fd, 0, SEEK_CUR) != pos)
		fail("OUT is at %lld, was %lld", (long long)lseek(out_fd, 0, SEEK_CUR), (long long)pos);
	for (size_t i = 0; i < len / 8; i++)
		if (mem[i] != pattern(i))
			fail("memory word %zu is %#llx", i, (unsigned long long)mem[i]);
	if (avx512) {
		for (size_t i = 0; i < 16 * 8; i++)
			if (zout[i] != zin[i])
				fail("zmm%zu word %zu is %#llx, want %#llx", 16 + i / 8, i % 8,
				     (unsigned long long)zout[i], (unsigned long long)zin[i]);
		for (size_t i = 0; i < 7; i++)
			if (k[i] != pattern(i + 99))
				fail("k%zu is %#llx", i + 1, (unsigned long long)k[i]);
	}
	for (size_t i = 0; i < 5; i++)
		if (got[i] != gprs[i])
			fail("callee-saved register %zu is %#llx", i, (unsigned long long)got[i]);
	say("PASS\n");
	return 0;
}
