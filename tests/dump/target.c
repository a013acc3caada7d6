/*
 * A process for lmig dump to dump: it builds known state, describes it
 * in DIR/info (read by check-images), writes READY, and waits in
 * sigsuspend() for SIGUSR1. Then it checks that its state is still
 * exactly what it built (a dump must not change anything) and writes
 * PASS or FAIL to DIR/result.
 *
 *   target DIR [inotify|io_uring]   the extra fd makes the dump refuse it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PS		4096
#define PATTERN_PAGES	64
#define ZERO_PAGES	32
#define UNTOUCHED_PAGES	16
#define FILE_PAGES	4
#define NR_THREADS	2
#define FILE_POS	1234
#define PIPE_DATA	"pipe-data-0123456789"

static const char *dir;
static volatile uint64_t counters[NR_THREADS];

static uint8_t pattern_byte(size_t page, size_t off)
{
	return (uint8_t)(page * 7 + off * 13 + 1) | 1;	/* never zero */
}

static void fill_pattern(uint8_t *p, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		for (size_t j = 0; j < PS; j++)
			p[i * PS + j] = pattern_byte(i, j);
}

static int check_pattern(const uint8_t *p, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		for (size_t j = 0; j < PS; j++)
			if (p[i * PS + j] != pattern_byte(i, j))
				return -1;
	return 0;
}

static void result(const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/result", dir);
	f = fopen(path, "w");
	if (!f)
		exit(1);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static void die(const char *what)
{
	result("FAIL %s: %s", what, strerror(errno));
	exit(1);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *spin(void *arg)
{
	volatile uint64_t *c = arg;

	for (;;) {
		struct timespec ts = { 0, 2000000 };

		(*c)++;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint8_t *pattern, *zero, *untouched, *fmap, *shmap;
	char path[4096], info[4096], buf[64];
	int fd, datafd, pfd[2], extra = -1;
	uint64_t before[NR_THREADS];
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct itimerspec its = { { 100, 0 }, { 200, 0 } };
	timer_t timer;
	pthread_t th[NR_THREADS];
	sigset_t set, empty;
	FILE *f;

	if (argc < 2)
		return 2;
	dir = argv[1];
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR1, on_usr1);

	pattern = mmap(NULL, PATTERN_PAGES * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	zero = mmap(NULL, ZERO_PAGES * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	untouched = mmap(NULL, UNTOUCHED_PAGES * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pattern == MAP_FAILED || zero == MAP_FAILED || untouched == MAP_FAILED)
		die("mmap");
	fill_pattern(pattern, PATTERN_PAGES);
	for (size_t i = 0; i < ZERO_PAGES; i++) {
		zero[i * PS] = 1;	/* a real page, then back to zero */
		zero[i * PS] = 0;
	}

	snprintf(path, sizeof(path), "%s/data", dir);
	datafd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (datafd < 0)
		die("open data");
	for (size_t i = 0; i < FILE_PAGES; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		for (size_t j = 0; j < PS; j += sizeof(buf))
			if (write(datafd, buf, sizeof(buf)) != sizeof(buf))
				die("write data");
	}
	fmap = mmap(NULL, FILE_PAGES * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE, datafd, 0);
	shmap = mmap(NULL, FILE_PAGES * PS, PROT_READ | PROT_WRITE, MAP_SHARED, datafd, 0);
	if (fmap == MAP_FAILED || shmap == MAP_FAILED)
		die("mmap data");
	/* Read every page (page cache, not saved), write page 1 (copy-on-write, saved). */
	for (size_t i = 0; i < FILE_PAGES; i++)
		if (fmap[i * PS] != 'a' + i || shmap[i * PS] != 'a' + i)
			die("data content");
	memset(fmap + PS, 'X', PS);
	shmap[3 * PS] = 'd';	/* a write to the file itself: never in the pagemap */

	fd = open(path, O_RDONLY);
	if (fd < 0 || lseek(fd, FILE_POS, SEEK_SET) != FILE_POS)
		die("open file");
	if (pipe(pfd) || write(pfd[1], PIPE_DATA, strlen(PIPE_DATA)) != (ssize_t)strlen(PIPE_DATA))
		die("pipe");
	if (argc > 2 && strcmp(argv[2], "inotify") == 0)
		extra = inotify_init1(0);
	else if (argc > 2 && strcmp(argv[2], "io_uring") == 0) {
		struct io_uring_params p = { 0 };

		extra = syscall(SYS_io_uring_setup, 4, &p);
	}
	if (argc > 2 && extra < 0)
		die(argv[2]);

	umask(027);
	if (sigaltstack(&ss, NULL))
		die("sigaltstack");
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL))
		die("timer_create");

	for (int i = 0; i < NR_THREADS; i++)
		if (pthread_create(&th[i], NULL, spin, (void *)&counters[i]))
			die("pthread_create");

	snprintf(info, sizeof(info), "%s/info.tmp", dir);
	f = fopen(info, "w");
	if (!f)
		die("info");
	fprintf(f, "pid %d\n", getpid());
	fprintf(f, "pattern %p %d\n", (void *)pattern, PATTERN_PAGES);
	fprintf(f, "zero %p %d\n", (void *)zero, ZERO_PAGES);
	fprintf(f, "untouched %p %d\n", (void *)untouched, UNTOUCHED_PAGES);
	fprintf(f, "fmap %p %d\n", (void *)fmap, FILE_PAGES);
	fprintf(f, "shmap %p %d\n", (void *)shmap, FILE_PAGES);
	fprintf(f, "file %d %d %s\n", fd, FILE_POS, path);
	fprintf(f, "pipe %d %d %s\n", pfd[0], pfd[1], PIPE_DATA);
	fprintf(f, "threads %d\n", NR_THREADS + 1);
	fprintf(f, "extra %d\n", extra);
	fprintf(f, "altstack %p %zu\n", (void *)altstack, sizeof(altstack));
	fprintf(f, "handler %p\n", (void *)on_usr1);
	fprintf(f, "brk %p\n", sbrk(0));
	fclose(f);
	snprintf(path, sizeof(path), "%s/info", dir);
	if (rename(info, path))
		die("rename info");

	sigemptyset(&empty);
	sigsuspend(&empty);	/* the dump stops us here, in a syscall */
	for (int i = 0; i < NR_THREADS; i++)
		before[i] = counters[i];

	if (check_pattern(pattern, PATTERN_PAGES))
		return result("FAIL pattern changed"), 1;
	for (size_t i = 0; i < ZERO_PAGES * PS; i++)
		if (zero[i])
			return result("FAIL zero area changed"), 1;
	for (size_t i = 0; i < UNTOUCHED_PAGES * PS; i++)
		if (untouched[i])
			return result("FAIL untouched area changed"), 1;
	if (fmap[PS] != 'X' || fmap[0] != 'a' || fmap[3 * PS] != 'd')
		return result("FAIL private file mapping changed"), 1;
	if (lseek(fd, 0, SEEK_CUR) != FILE_POS)
		return result("FAIL file position changed"), 1;
	memset(buf, 0, sizeof(buf));
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	if (read(pfd[0], buf, sizeof(buf)) != (ssize_t)strlen(PIPE_DATA) || strcmp(buf, PIPE_DATA))
		return result("FAIL pipe data changed: '%s'", buf), 1;
	{
		struct timespec ts = { 0, 50000000 };

		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < NR_THREADS; i++)
		if (counters[i] == before[i])
			return result("FAIL thread %d stopped", i), 1;
	result("PASS");
	return 0;
}
