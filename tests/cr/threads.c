/*
 * 200 threads, each with its own state, blocked in different calls when
 * dumped: read, poll, a raw futex wait, nanosleep, sigtimedwait, a
 * condition variable. Each keeps a thread-local value, its tid, a signal
 * mask and a nice value of its own, and callee-saved registers plus one
 * vector register set around its blocking system call. After the signal
 * every thread is woken, checks its state, and is joined (which needs
 * clear_child_tid back).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

#define NTHREADS	200
#define NKINDS		6
#define MASK_SIGS	8	/* SIGRTMIN+1 .. SIGRTMIN+8 carry each thread's mask bits */

enum kind { K_READ, K_POLL, K_FUTEX, K_SLEEP, K_SIGWAIT, K_COND };

struct thr {
	pthread_t th;
	int idx;
	pid_t tid;
	volatile int blocked;	/* about to block */
	char err[160];		/* empty: all good */
	int done;
};

static struct thr thr[NTHREADS];
static int read_pipe[2], poll_pipe[2];
static uint32_t futex_word;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int cond_go;
static __thread uint64_t tls_value;

static uint64_t magic_of(int i)
{
	return 0x5eed000000000000ULL ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL);
}

/* A raw system call with r12-r15 and xmm8 holding values derived from m across it. */
static long raw_blocking(long nr, long a1, long a2, long a3, long a4, uint64_t m, uint64_t out[5])
{
	register long r10 asm("r10") = a4;
	long ret;

	asm volatile("movq %[m], %%r12\n\t"
		     "leaq 1(%[m]), %%r13\n\t"
		     "leaq 2(%[m]), %%r14\n\t"
		     "leaq 3(%[m]), %%r15\n\t"
		     "movq %[m], %%xmm8\n\t"
		     "syscall\n\t"
		     "movq %%r12, 0(%[o])\n\t"
		     "movq %%r13, 8(%[o])\n\t"
		     "movq %%r14, 16(%[o])\n\t"
		     "movq %%r15, 24(%[o])\n\t"
		     "movq %%xmm8, 32(%[o])\n\t"
		     : "=a"(ret)
		     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), [m] "r"(m), [o] "r"(out)
		     : "rcx", "r11", "r12", "r13", "r14", "r15", "xmm8", "memory");
	return ret;
}

static void check_regs(struct thr *t, const uint64_t r[5], uint64_t m)
{
	for (int k = 0; k < 4; k++)
		if (r[k] != m + k && !t->err[0])
			snprintf(t->err, sizeof(t->err), "thread %d: r%d is %#llx, want %#llx", t->idx,
				 12 + k, (unsigned long long)r[k], (unsigned long long)(m + k));
	if (r[4] != m && !t->err[0])
		snprintf(t->err, sizeof(t->err), "thread %d: xmm8 is %#llx, want %#llx", t->idx,
			 (unsigned long long)r[4], (unsigned long long)m);
}

static void mask_of(int i, sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGUSR1);
	for (int b = 0; b < MASK_SIGS; b++)
		if (i & (1 << b))
			sigaddset(s, SIGRTMIN + 1 + b);
	if (i % NKINDS == K_SIGWAIT)
		sigaddset(s, SIGRTMIN);
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void *run(void *arg)
{
	struct thr *t = arg;
	uint64_t m = magic_of(t->idx), r[5] = { 0 };
	sigset_t want, have;
	char c;
	long ret;

	t->tid = (pid_t)syscall(SYS_gettid);
	tls_value = m ^ 0xabcdef;
	mask_of(t->idx, &want);
	pthread_sigmask(SIG_SETMASK, &want, NULL);
	setpriority(PRIO_PROCESS, (id_t)t->tid, t->idx % 5);
	t->blocked = 1;

	switch (t->idx % NKINDS) {
	case K_READ:
		do
			ret = raw_blocking(SYS_read, read_pipe[0], (long)&c, 1, 0, m, r);
		while (ret == -EINTR);
		if (ret != 1)
			snprintf(t->err, sizeof(t->err), "thread %d: read gave %ld", t->idx, ret);
		check_regs(t, r, m);
		break;
	case K_POLL: {
		struct pollfd p = { .fd = poll_pipe[0], .events = POLLIN };

		do
			ret = raw_blocking(SYS_poll, (long)&p, 1, -1, 0, m, r);
		while (ret == -EINTR);
		if (ret != 1)
			snprintf(t->err, sizeof(t->err), "thread %d: poll gave %ld", t->idx, ret);
		check_regs(t, r, m);
		break;
	}
	case K_FUTEX:
		while (!__atomic_load_n(&futex_word, __ATOMIC_SEQ_CST)) {
			ret = raw_blocking(SYS_futex, (long)&futex_word, FUTEX_WAIT, 0, 0, m, r);
			if (ret && ret != -EAGAIN && ret != -EINTR)
				snprintf(t->err, sizeof(t->err), "thread %d: futex gave %ld", t->idx, ret);
			check_regs(t, r, m);
		}
		break;
	case K_SLEEP: {
		struct timespec ts = { .tv_sec = 1000 };

		/* Woken by SIGUSR2 (EINTR); after restore possibly by restart_syscall's EINTR. */
		ret = raw_blocking(SYS_nanosleep, (long)&ts, 0, 0, 0, m, r);
		if (ret != -EINTR)
			snprintf(t->err, sizeof(t->err), "thread %d: nanosleep gave %ld", t->idx, ret);
		check_regs(t, r, m);
		break;
	}
	case K_SIGWAIT: {
		sigset_t w;
		int sig = 0;

		sigemptyset(&w);
		sigaddset(&w, SIGRTMIN);
		while (sig != SIGRTMIN) {
			sig = sigwaitinfo(&w, NULL);
			if (sig < 0 && errno != EINTR) {
				snprintf(t->err, sizeof(t->err), "thread %d: sigwaitinfo: %s", t->idx,
					 strerror(errno));
				break;
			}
		}
		break;
	}
	case K_COND:
		pthread_mutex_lock(&mu);
		while (!cond_go)
			pthread_cond_wait(&cond, &mu);
		pthread_mutex_unlock(&mu);
		break;
	}

	if (t->err[0])
		goto out;
	if (tls_value != (m ^ 0xabcdef))
		snprintf(t->err, sizeof(t->err), "thread %d: thread-local value %#llx", t->idx,
			 (unsigned long long)tls_value);
	else if (t->tid != (pid_t)syscall(SYS_gettid))
		snprintf(t->err, sizeof(t->err), "thread %d: tid %ld, was %d", t->idx,
			 syscall(SYS_gettid), (int)t->tid);
	else if (pthread_sigmask(SIG_SETMASK, NULL, &have) == 0 &&
		 memcmp(&have, &want, sizeof(have)) != 0) {
		snprintf(t->err, sizeof(t->err), "thread %d: signal mask changed", t->idx);
	} else {
		errno = 0;
		int nice = getpriority(PRIO_PROCESS, (id_t)t->tid);

		if (nice != t->idx % 5)
			snprintf(t->err, sizeof(t->err), "thread %d: nice %d, want %d", t->idx,
				 nice, t->idx % 5);
	}
out:
	t->done = 1;
	return NULL;
}

/* Every thread counted and sleeping in the kernel (state S in its stat). */
static void wait_all_blocked(void)
{
	for (int tries = 0; tries < 500; tries++) {
		int asleep = 0;

		for (int i = 0; i < NTHREADS; i++) {
			char path[64], buf[256], *p;
			int fd;
			ssize_t n;

			if (!thr[i].blocked)
				break;
			snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)thr[i].tid);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				break;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				break;
			buf[n] = '\0';
			p = strrchr(buf, ')');
			if (!p || p[2] != 'S')
				break;
			asleep++;
		}
		if (asleep == NTHREADS)
			return;
		usleep(10000);
	}
	cr_fail("the threads did not all block within 5 s");
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr2 };
	pthread_attr_t attr;
	sigset_t usr1;
	char buf[NTHREADS];

	cr_init();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL))
		cr_fail_errno("sigaction(SIGUSR2)");
	if (pipe(read_pipe) || pipe(poll_pipe))
		cr_fail_errno("pipe");
	/* The threads keep SIGUSR1 blocked: it is for the main thread's cr_wait(). */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (int i = 0; i < NTHREADS; i++) {
		thr[i].idx = i;
		errno = pthread_create(&thr[i].th, &attr, run, &thr[i]);
		if (errno)
			cr_fail_errno("pthread_create %d", i);
	}
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	wait_all_blocked();

	cr_ready();
	cr_wait();

	memset(buf, 'x', sizeof(buf));
	if (write(read_pipe[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    write(poll_pipe[1], buf, 1) != 1)
		cr_fail_errno("write");
	__atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &futex_word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
	pthread_mutex_lock(&mu);
	cond_go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < NTHREADS; i++) {
		if (i % NKINDS == K_SLEEP && !thr[i].done)
			pthread_kill(thr[i].th, SIGUSR2);
		if (i % NKINDS == K_SIGWAIT)
			pthread_kill(thr[i].th, SIGRTMIN);
	}
	for (int i = 0; i < NTHREADS; i++) {
		/* A nanosleep woken before its SIGUSR2 was sent is done already; others may need it again. */
		for (int tries = 0; !thr[i].done && tries < 400; tries++) {
			if (i % NKINDS == K_SLEEP)
				pthread_kill(thr[i].th, SIGUSR2);
			usleep(10000);
		}
		if (!thr[i].done)
			cr_fail("thread %d (tid %d) did not wake up", i, (int)thr[i].tid);
		errno = pthread_join(thr[i].th, NULL);
		if (errno)
			cr_fail_errno("pthread_join %d", i);
		if (thr[i].err[0])
			cr_fail("%s", thr[i].err);
	}
	cr_pass();
}
