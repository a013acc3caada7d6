/*
 * itimers (setitimer) come back armed with their intervals: ITIMER_REAL
 * counting down and ticking, ITIMER_VIRTUAL and ITIMER_PROF (CPU time:
 * the process sleeps, so their values hardly move).
 */
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "crtest.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long long us(const struct timeval *tv)
{
	return tv->tv_sec * 1000000LL + tv->tv_usec;
}

int main(void)
{
	struct itimerval real = { { 0, 200000 }, { 0, 200000 } };
	struct itimerval virt = { { 7, 0 }, { 30, 0 } }, prof = { { 5, 500000 }, { 20, 0 } };
	struct itimerval v;
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct timespec nap = { 0, 100000000 };
	int before;

	cr_init();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		cr_fail_errno("sigaction");
	if (setitimer(ITIMER_REAL, &real, NULL) || setitimer(ITIMER_VIRTUAL, &virt, NULL) ||
	    setitimer(ITIMER_PROF, &prof, NULL))
		cr_fail_errno("setitimer");

	cr_ready();
	cr_wait();

	if (getitimer(ITIMER_VIRTUAL, &v))
		cr_fail_errno("getitimer");
	/* CPU-time itimers are rounded up to the kernel's tick: allow 20 ms over. */
	if (us(&v.it_interval) != 7000000 || us(&v.it_value) <= 29000000 || us(&v.it_value) > 30020000)
		cr_fail("ITIMER_VIRTUAL: interval %lld us value %lld us, want 7 s and about 30 s",
			us(&v.it_interval), us(&v.it_value));
	if (getitimer(ITIMER_PROF, &v))
		cr_fail_errno("getitimer");
	if (us(&v.it_interval) != 5500000 || us(&v.it_value) <= 19000000 || us(&v.it_value) > 20020000)
		cr_fail("ITIMER_PROF: interval %lld us value %lld us, want 5.5 s and about 20 s",
			us(&v.it_interval), us(&v.it_value));
	if (getitimer(ITIMER_REAL, &v))
		cr_fail_errno("getitimer");
	if (us(&v.it_interval) != 200000 || us(&v.it_value) <= 0 || us(&v.it_value) > 200000)
		cr_fail("ITIMER_REAL: interval %lld us value %lld us, want 200 ms and at most that",
			us(&v.it_interval), us(&v.it_value));
	before = alarms;
	/* Each alarm cuts a nap short: count naps, at most 30 of them whole. */
	for (int i = 0; i < 30 && alarms - before < 3; i++)
		nanosleep(&nap, NULL);
	if (alarms - before < 3)
		cr_fail("ITIMER_REAL: %d alarms in 3 s", alarms - before);
	cr_pass();
}
