/*
 * memdirty: owns N MiB of memory and writes it at R MiB/s, so that
 * migrations have something to chase, and proves afterwards that no
 * write was lost.
 *
 *   memdirty [--size-mib N] [--rate-mib R] [--pattern random|hotset|sweep]
 *
 * Every page carries the version it was last written with: page i,
 * version v holds words derived from (i, v). A separate array records the
 * version of each page. A page left stale by a migration (an old copy
 * restored) no longer matches the version the array says, and the check
 * names it. The check runs when SIGUSR1 arrives (crtest protocol, so the
 * program runs under tests/cr/run-cr and in the benchmarks alike); the
 * write in progress is finished first, so a freeze in the middle of a page
 * is not an error.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

enum pattern { PAT_RANDOM, PAT_HOTSET, PAT_SWEEP };

struct workload {
	size_t npages;
	size_t page_words;
	uint64_t *mem;
	uint32_t *version;
	double rate_pages;	/* pages per second; 0 = as fast as it goes */
	enum pattern pattern;
	uint64_t rng;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static uint64_t next_rand(struct workload *w)
{
	w->rng += 0x9e3779b97f4a7c15ULL;
	return mix(w->rng);
}

static void fill_page(struct workload *w, size_t i)
{
	uint64_t *p = w->mem + i * w->page_words;
	uint64_t seed = mix(((uint64_t)i << 32) | w->version[i]);

	for (size_t k = 0; k < w->page_words; k++)
		p[k] = seed + k;
}

static size_t pick_page(struct workload *w, uint64_t n)
{
	switch (w->pattern) {
	case PAT_SWEEP:
		return n % w->npages;
	case PAT_HOTSET: {
		/* 90% of writes go to the first 10% of memory. */
		size_t hot = w->npages / 10 ? w->npages / 10 : 1;
		uint64_t r = next_rand(w);

		return (r % 10) ? (size_t)(r >> 8) % hot : (size_t)(r >> 8) % w->npages;
	}
	case PAT_RANDOM:
	default:
		return (size_t)(next_rand(w) % w->npages);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void verify(struct workload *w)
{
	for (size_t i = 0; i < w->npages; i++) {
		uint64_t *p = w->mem + i * w->page_words;
		uint64_t seed = mix(((uint64_t)i << 32) | w->version[i]);

		for (size_t k = 0; k < w->page_words; k++)
			if (p[k] != seed + k)
				cr_fail("page %zu (version %u) word %zu: %#llx, want %#llx",
					i, w->version[i], k, (unsigned long long)p[k],
					(unsigned long long)(seed + k));
	}
}

static int parse(int argc, char **argv, struct workload *w, size_t *size_mib)
{
	static const struct option opts[] = {
		{ "size-mib", required_argument, NULL, 's' },
		{ "rate-mib", required_argument, NULL, 'r' },
		{ "pattern", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	int c;

	*size_mib = 64;
	w->rate_pages = 10.0 * (1 << 20) / (double)psz;
	w->pattern = PAT_RANDOM;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			*size_mib = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			w->rate_pages = strtod(optarg, NULL) * (1 << 20) / (double)psz;
			break;
		case 'p':
			if (strcmp(optarg, "random") == 0)
				w->pattern = PAT_RANDOM;
			else if (strcmp(optarg, "hotset") == 0)
				w->pattern = PAT_HOTSET;
			else if (strcmp(optarg, "sweep") == 0)
				w->pattern = PAT_SWEEP;
			else
				return -1;
			break;
		default:
			return -1;
		}
	}
	return *size_mib ? 0 : -1;
}

int main(int argc, char **argv)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE), size_mib;
	struct workload w = { .rng = 42 };
	uint64_t written = 0;
	double start;

	if (parse(argc, argv, &w, &size_mib) < 0) {
		fprintf(stderr, "usage: memdirty [--size-mib N] [--rate-mib R] "
				"[--pattern random|hotset|sweep]\n");
		return 2;
	}
	cr_init();
	w.npages = size_mib * (1 << 20) / psz;
	w.page_words = psz / sizeof(uint64_t);
	w.mem = mmap(NULL, w.npages * psz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w.version = calloc(w.npages, sizeof(*w.version));
	if (w.mem == MAP_FAILED || !w.version)
		cr_fail_errno("cannot allocate %zu MiB", size_mib);
	for (size_t i = 0; i < w.npages; i++)
		fill_page(&w, i);

	cr_ready();
	start = now();
	while (!cr_signalled()) {
		size_t i = pick_page(&w, written);

		w.version[i]++;
		fill_page(&w, i);
		written++;
		if (w.rate_pages > 0 && written % 64 == 0) {
			double ahead = (double)written / w.rate_pages - (now() - start);

			if (ahead > 0.0005)
				usleep((useconds_t)(ahead * 1e6));
		}
	}
	verify(&w);
	cr_pass();
}
