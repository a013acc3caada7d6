/*
 * Blocked pending signals of both queues, with their siginfo, are
 * delivered after restore exactly once: a standard and two real-time
 * signals (sigqueue values, queue order) on the process-wide queue, a
 * standard and a real-time one (rt_tgsigqueueinfo value) on the thread's.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "crtest.h"

#define MAX_GOT	16

static struct {
	int sig, code, value;
	pid_t pid;
} got[MAX_GOT];
static volatile sig_atomic_t nr_got;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (nr_got < MAX_GOT) {
		got[nr_got].sig = sig;
		got[nr_got].code = si->si_code;
		got[nr_got].value = si->si_value.sival_int;
		got[nr_got].pid = si->si_pid;
		nr_got++;
	}
}

/* The hex mask of the line "name:" of /proc/self/status. */
static unsigned long long status_mask(const char *name)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		cr_fail_errno("open /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

static unsigned long long bit(int sig)
{
	return 1ULL << (sig - 1);
}

int main(void)
{
	int rt1 = SIGRTMIN + 1, rt2 = SIGRTMIN + 2;
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	sigset_t block, none;
	siginfo_t si;
	pid_t pid = getpid();
	unsigned long long shd, prv;

	cr_init();
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, rt1);
	sigaddset(&block, rt2);
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGHUP, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
	    sigaction(rt1, &sa, NULL) || sigaction(rt2, &sa, NULL))
		cr_fail_errno("sigaction");
	if (sigprocmask(SIG_BLOCK, &block, NULL))
		cr_fail_errno("sigprocmask");

	/* Process-wide: kill (SI_USER), two sigqueue values in order (SI_QUEUE). */
	if (kill(pid, SIGHUP) || sigqueue(pid, rt1, (union sigval){ .sival_int = 111 }) ||
	    sigqueue(pid, rt1, (union sigval){ .sival_int = 222 }))
		cr_fail_errno("queueing process-wide signals");
	/* Thread-directed: tgkill (SI_TKILL), rt_tgsigqueueinfo with a value. */
	if (syscall(SYS_tgkill, pid, pid, SIGUSR2))
		cr_fail_errno("tgkill");
	memset(&si, 0, sizeof(si));
	si.si_signo = rt2;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_uid = getuid();
	si.si_value.sival_int = 333;
	if (syscall(SYS_rt_tgsigqueueinfo, pid, pid, rt2, &si))
		cr_fail_errno("rt_tgsigqueueinfo");

	cr_ready();
	cr_wait();

	shd = status_mask("ShdPnd");
	prv = status_mask("SigPnd");
	if (shd != (bit(SIGHUP) | bit(rt1)))
		cr_fail("process-wide pending %#llx, want SIGHUP and SIGRTMIN+1", shd);
	if (prv != (bit(SIGUSR2) | bit(rt2)))
		cr_fail("thread pending %#llx, want SIGUSR2 and SIGRTMIN+2", prv);
	if (nr_got)
		cr_fail("%d signals delivered while blocked", (int)nr_got);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * Delivered on the way out of sigprocmask, one handler at a time: the
	 * thread's queue first, then the process's, lowest signal first,
	 * real-time instances in queue order.
	 */
	if (nr_got != 5)
		cr_fail("%d signals delivered, want 5", (int)nr_got);
	{
		const struct { int sig, code, value; } want[5] = {
			{ SIGUSR2, SI_TKILL, 0 }, { rt2, SI_QUEUE, 333 },
			{ SIGHUP, SI_USER, 0 }, { rt1, SI_QUEUE, 111 }, { rt1, SI_QUEUE, 222 },
		};

		for (int i = 0; i < 5; i++) {
			if (got[i].sig != want[i].sig || got[i].code != want[i].code ||
			    (want[i].code == SI_QUEUE && got[i].value != want[i].value))
				cr_fail("signal %d: sig %d code %d value %d, want sig %d code %d value %d",
					i, got[i].sig, got[i].code, got[i].value, want[i].sig,
					want[i].code, want[i].value);
			if (got[i].pid != pid)
				cr_fail("signal %d: si_pid %d, want %d", i, (int)got[i].pid, (int)pid);
		}
	}
	if (status_mask("ShdPnd") || status_mask("SigPnd"))
		cr_fail("signals still pending after delivery");
	cr_pass();
}
