/*
 * mtdirty: memdirty with several threads. Each thread owns its own share
 * of one anonymous mapping and writes it at R MiB/s (0: as fast as it
 * goes), each page carrying the version it was last written with, the
 * versions kept by the thread. A live migration moves the process while
 * every thread writes.
 *
 *   mtdirty [--threads N] [--size-mib M] [--rate-mib R] [--churn]
 *
 * --churn: one more thread creates and joins short-lived threads without
 * pause, so that threads come and go while the process is seized.
 *
 * On SIGUSR1 (crtest protocol) the main thread proves that:
 *  - every thread still runs: each one's write count moves on within a
 *    bounded wait after the signal;
 *  - every thread kept its identity: its tid (gettid) and a thread-local
 *    value, checked by the thread itself on each write;
 *  - no write was lost: the threads are stopped and joined (a join needs
 *    clear_child_tid restored), then every page is checked against its
 *    version.
 * Only the main thread takes SIGUSR1: the others block it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

#define MAX_THREADS	64

struct worker {
	pthread_t th;
	unsigned idx;
	pid_t tid;
	uint64_t *mem;		/* this thread's pages */
	size_t npages;
	size_t page_words;
	uint32_t *version;
	double rate_pages;	/* pages per second; 0 = as fast as it goes */
	uint64_t rng;
	_Atomic uint64_t written;
	char err[160];		/* set by the thread: what went wrong */
};

static atomic_int stop;
static _Atomic uint64_t churned;	/* short-lived threads joined so far */
static __thread uint64_t tls_tag;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static uint64_t page_seed(const struct worker *w, size_t i)
{
	return mix(((uint64_t)w->idx << 56) ^ ((uint64_t)i << 24) ^ w->version[i]);
}

static void fill_page(struct worker *w, size_t i)
{
	uint64_t *p = w->mem + i * w->page_words;
	uint64_t seed = page_seed(w, i);

	for (size_t k = 0; k < w->page_words; k++)
		p[k] = seed + k;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t n = 0;
	double start = now();

	w->tid = gettid();
	tls_tag = mix(0x7a6 + w->idx);
	for (size_t i = 0; i < w->npages; i++)
		fill_page(w, i);
	while (!atomic_load(&stop)) {
		size_t i;

		w->rng += 0x9e3779b97f4a7c15ULL;
		i = (size_t)(mix(w->rng) % w->npages);
		w->version[i]++;
		fill_page(w, i);
		atomic_store(&w->written, ++n);
		if (gettid() != w->tid) {
			snprintf(w->err, sizeof(w->err), "thread %u: tid %d, was %d",
				 w->idx, (int)gettid(), (int)w->tid);
			break;
		}
		if (tls_tag != mix(0x7a6 + w->idx)) {
			snprintf(w->err, sizeof(w->err), "thread %u: thread-local value %#llx lost",
				 w->idx, (unsigned long long)tls_tag);
			break;
		}
		if (w->rate_pages > 0 && n % 16 == 0) {
			double ahead = (double)n / w->rate_pages - (now() - start);

			if (ahead > 0.0005)
				usleep((useconds_t)(ahead * 1e6));
		}
	}
	return NULL;
}

static void *short_lived(void *arg)
{
	return arg;
}

static void *churn_threads(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		pthread_t th;
		void *ret;

		if (pthread_create(&th, NULL, short_lived, &churned))
			continue;	/* EAGAIN: the last ones are not reaped yet */
		if (pthread_join(th, &ret) || ret != &churned)
			return "a short-lived thread did not come back";
		atomic_fetch_add(&churned, 1);
	}
	return NULL;
}

static void verify(const struct worker *w)
{
	for (size_t i = 0; i < w->npages; i++) {
		const uint64_t *p = w->mem + i * w->page_words;
		uint64_t seed = page_seed(w, i);

		for (size_t k = 0; k < w->page_words; k++)
			if (p[k] != seed + k)
				cr_fail("thread %u: page %zu (version %u) word %zu: %#llx, want %#llx",
					w->idx, i, w->version[i], k, (unsigned long long)p[k],
					(unsigned long long)(seed + k));
	}
}

/* Every thread's write count moves on within 10 s: each one runs. */
static void check_running(struct worker *ws, unsigned n)
{
	uint64_t before[MAX_THREADS];
	double end = now() + 10;
	unsigned moved = 0;
	bool seen[MAX_THREADS] = { false };

	for (unsigned t = 0; t < n; t++)
		before[t] = atomic_load(&ws[t].written);
	while (moved < n && now() < end) {
		usleep(10000);
		for (unsigned t = 0; t < n; t++) {
			if (ws[t].err[0])
				cr_fail("%s", ws[t].err);
			if (!seen[t] && atomic_load(&ws[t].written) != before[t]) {
				seen[t] = true;
				moved++;
			}
		}
	}
	for (unsigned t = 0; t < n; t++)
		if (!seen[t])
			cr_fail("thread %u (tid %d) wrote nothing in 10 s after the signal",
				t, (int)ws[t].tid);
}

/* The churning thread still makes threads: its count moves on within 10 s. */
static void check_churning(void)
{
	uint64_t before = atomic_load(&churned);
	double end = now() + 10;

	while (atomic_load(&churned) == before) {
		if (now() > end)
			cr_fail("no short-lived thread was made in 10 s after the signal");
		usleep(10000);
	}
}

static int parse(int argc, char **argv, unsigned *threads, size_t *size_mib, double *rate_mib,
		 bool *churn)
{
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "size-mib", required_argument, NULL, 's' },
		{ "rate-mib", required_argument, NULL, 'r' },
		{ "churn", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*threads = 4;
	*size_mib = 32;
	*rate_mib = 8;
	*churn = false;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			*threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			*size_mib = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			*rate_mib = strtod(optarg, NULL);
			break;
		case 'c':
			*churn = true;
			break;
		default:
			return -1;
		}
	}
	return *threads >= 1 && *threads <= MAX_THREADS && *size_mib ? 0 : -1;
}

int main(int argc, char **argv)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE), size_mib, per;
	static struct worker ws[MAX_THREADS];
	unsigned threads;
	struct timespec limit;
	sigset_t usr1, old;
	pthread_t churner;
	uint64_t *mem;
	double rate_mib;
	bool churn;

	if (parse(argc, argv, &threads, &size_mib, &rate_mib, &churn) < 0) {
		fprintf(stderr, "usage: mtdirty [--threads 1..%d] [--size-mib M] [--rate-mib R] "
			"[--churn]\n", MAX_THREADS);
		return 2;
	}
	cr_init();
	per = size_mib * (1 << 20) / psz / threads;
	if (!per)
		cr_fail("%zu MiB is less than a page per thread", size_mib);
	mem = mmap(NULL, per * threads * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		cr_fail_errno("cannot allocate %zu MiB", size_mib);
	/* The workers inherit SIGUSR1 blocked: it wakes the main thread only. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, &old);
	for (unsigned t = 0; t < threads; t++) {
		struct worker *w = &ws[t];
		int ret;

		w->idx = t;
		w->mem = mem + t * per * (psz / sizeof(uint64_t));
		w->npages = per;
		w->page_words = psz / sizeof(uint64_t);
		w->rate_pages = rate_mib * (1 << 20) / (double)psz;
		w->rng = mix(t + 1);
		w->version = calloc(per, sizeof(*w->version));
		if (!w->version)
			cr_fail("out of memory");
		ret = pthread_create(&w->th, NULL, work, w);
		if (ret) {
			errno = ret;
			cr_fail_errno("pthread_create %u", t);
		}
	}
	if (churn) {
		int ret = pthread_create(&churner, NULL, churn_threads, NULL);

		if (ret) {
			errno = ret;
			cr_fail_errno("pthread_create (churn)");
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Ready once every thread has filled its pages and is writing. */
	for (unsigned t = 0; t < threads; t++)
		while (atomic_load(&ws[t].written) == 0)
			usleep(1000);
	while (churn && atomic_load(&churned) == 0)
		usleep(1000);
	cr_ready();
	cr_wait();

	check_running(ws, threads);
	if (churn)
		check_churning();
	atomic_store(&stop, 1);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 10;
	if (churn) {
		void *why;
		int ret = pthread_timedjoin_np(churner, &why, &limit);

		if (ret) {
			errno = ret;
			cr_fail_errno("the churning thread: cannot join it");
		}
		if (why)
			cr_fail("the churning thread: %s", (const char *)why);
	}
	for (unsigned t = 0; t < threads; t++) {
		int ret = pthread_timedjoin_np(ws[t].th, NULL, &limit);

		if (ret) {
			errno = ret;
			cr_fail_errno("thread %u (tid %d): cannot join it", t, (int)ws[t].tid);
		}
		if (ws[t].err[0])
			cr_fail("%s", ws[t].err);
	}
	for (unsigned t = 0; t < threads; t++)
		verify(&ws[t]);
	cr_pass();
}
