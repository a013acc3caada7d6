/*
 * POSIX timers come back with their ids (a gap left by deleted timers
 * included), clocks, signals and values: a periodic one keeps ticking
 * with its interval, a one-shot one to this thread (SIGEV_THREAD_ID)
 * fires once, an unarmed one stays unarmed. Raw syscalls: the kernel's
 * ids, not glibc's timer_t.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile sig_atomic_t ticks, shots, shot_value, shot_id, tick_value;

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	tick_value = si->si_value.sival_int;
	ticks++;
}

static void on_shot(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	shot_value = si->si_value.sival_int;
	shot_id = si->si_timerid;
	shots++;
}

static int tcreate(clockid_t clk, struct sigevent *sev)
{
	int id;

	if (syscall(SYS_timer_create, clk, sev, &id))
		cr_fail_errno("timer_create");
	return id;
}

static void tget(int id, struct itimerspec *its)
{
	if (syscall(SYS_timer_gettime, id, its))
		cr_fail_errno("timer_gettime(%d)", id);
}

static long long ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int main(void)
{
	int tick_sig = SIGRTMIN + 3, shot_sig = SIGRTMIN + 4, ids[6];
	struct sigaction sa = { .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigevent sev;
	struct itimerspec its, periodic = { { 0, 50000000 }, { 0, 50000000 } };
	struct itimerspec oneshot = { { 0, 0 }, { 4, 0 } };
	struct timespec nap = { 0, 300000000 }, t0, now;
	int before;

	cr_init();
	sa.sa_sigaction = on_tick;
	sigemptyset(&sa.sa_mask);
	if (sigaction(tick_sig, &sa, NULL))
		cr_fail_errno("sigaction");
	sa.sa_sigaction = on_shot;
	if (sigaction(shot_sig, &sa, NULL))
		cr_fail_errno("sigaction");

	/* Ids 0..5; 0, 1 and 3 deleted: 2, 4 and 5 remain. */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	for (int i = 0; i < 6; i++)
		ids[i] = tcreate(CLOCK_MONOTONIC, &sev);
	if (ids[0] != 0 || ids[5] != 5)
		cr_fail("timer ids %d..%d, want 0..5", ids[0], ids[5]);
	for (int i = 0; i < 6; i++)
		if (syscall(SYS_timer_delete, ids[i]))
			cr_fail_errno("timer_delete");
	/* Recreate with the ids the kernel gives now (6, 7, 8), then make a gap. */
	sev.sigev_signo = tick_sig;
	sev.sigev_value.sival_int = 0x1234;
	ids[0] = tcreate(CLOCK_MONOTONIC, &sev);		/* periodic */
	ids[1] = tcreate(CLOCK_MONOTONIC, &sev);		/* deleted: a gap */
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_notify_thread_id = gettid();
	sev.sigev_signo = shot_sig;
	sev.sigev_value.sival_int = 0x4444;
	ids[2] = tcreate(CLOCK_REALTIME, &sev);		/* one-shot, to this thread */
	sev.sigev_notify = SIGEV_SIGNAL;
	ids[3] = tcreate(CLOCK_BOOTTIME, &sev);		/* never armed */
	if (syscall(SYS_timer_delete, ids[1]))
		cr_fail_errno("timer_delete");
	if (syscall(SYS_timer_settime, ids[0], 0, &periodic, NULL) ||
	    syscall(SYS_timer_settime, ids[2], 0, &oneshot, NULL))
		cr_fail_errno("timer_settime");

	cr_ready();
	cr_wait();

	/* The deleted id stays free; the others are there, as they were. */
	if (syscall(SYS_timer_gettime, ids[1], &its) == 0 || errno != EINVAL)
		cr_fail("deleted timer %d exists after restore", ids[1]);
	tget(ids[0], &its);
	if (ns(&its.it_interval) != 50000000)
		cr_fail("periodic timer %d: interval %lld ns, want 50 ms", ids[0], ns(&its.it_interval));
	tget(ids[3], &its);
	if (ns(&its.it_value) || ns(&its.it_interval))
		cr_fail("unarmed timer %d is armed", ids[3]);
	tget(ids[2], &its);
	if (ns(&its.it_interval))
		cr_fail("one-shot timer %d has an interval", ids[2]);
	if (!shots && !ns(&its.it_value))
		cr_fail("one-shot timer %d is disarmed and never fired", ids[2]);

	/* Ticks cut naps short: wait by the clock, up to 6 s (the one-shot is due within 4 s). */
	before = ticks;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((ticks - before < 3 || !shots) && ns(&now) - ns(&t0) < 6000000000LL);
	if (ticks - before < 3)
		cr_fail("periodic timer: %d ticks in the last wait", ticks - before);
	if (tick_value != 0x1234)
		cr_fail("periodic timer: value %#x, want 0x1234", (int)tick_value);
	if (shots != 1)
		cr_fail("one-shot timer fired %d times, want 1", (int)shots);
	if (shot_value != 0x4444 || shot_id != ids[2])
		cr_fail("one-shot timer: value %#x id %d, want 0x4444 id %d", (int)shot_value,
			(int)shot_id, ids[2]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (ns(&now) - ns(&t0) < 300000000LL);
	if (shots != 1)
		cr_fail("one-shot timer fired again");
	cr_pass();
}
