/*
 * Personality, umask, comm and the prctl values: dumpable, child
 * subreaper, timer slack, THP disable, no_new_privs, and the
 * parent-death signal (kept while the process runs on; not restored
 * for the root of a tree restored with --detach, whose parent there,
 * lmig, leaves at once: then it must be 0, not a signal about to fire).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "crtest.h"

#define PERSONA		(PER_LINUX | ADDR_NO_RANDOMIZE | UNAME26)
#define SLACK_NS	123457

/* Field 22 of /proc/self/stat: a restored process is a new one to the kernel. */
static unsigned long long start_time(void)
{
	char buf[1024], *p;
	unsigned long long t = 0;
	FILE *f = fopen("/proc/self/stat", "re");

	if (!f || !fgets(buf, sizeof(buf), f))
		cr_fail_errno("/proc/self/stat");
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &t) != 1)
		cr_fail("cannot parse /proc/self/stat");
	return t;
}

/* restored: 1 when this is the restored process (its parent-death signal is then 0). */
static void check(int restored)
{
	char comm[17] = "";
	struct utsname u;
	mode_t m = umask(0);
	int pdeath = -1;

	umask(m);
	if (m != 027)
		cr_fail("umask %03o, want 027", m);
	if (personality(0xffffffff) != PERSONA)
		cr_fail("personality %#x, want %#x", personality(0xffffffff), PERSONA);
	/* UNAME26 is visible: uname reports a 2.6 kernel. */
	if (uname(&u) || strncmp(u.release, "2.6.", 4) != 0)
		cr_fail("uname release %s under UNAME26", u.release);
	if (prctl(PR_GET_NAME, comm, 0, 0, 0) || strcmp(comm, "cr-prctl-x") != 0)
		cr_fail("comm '%s', want cr-prctl-x", comm);
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		cr_fail("dumpable %d, want 0", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	{
		int sub = 0;

		if (prctl(PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0) || sub != 1)
			cr_fail("child subreaper %d, want 1", sub);
	}
	if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != SLACK_NS)
		cr_fail("timer slack %d ns, want %d", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), SLACK_NS);
	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 1)
		cr_fail("THP disable %d, want 1", prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		cr_fail("no_new_privs is off");
	if (prctl(PR_GET_PDEATHSIG, &pdeath, 0, 0, 0))
		cr_fail_errno("PR_GET_PDEATHSIG");
	if (!restored && pdeath != SIGUSR2)
		cr_fail("parent-death signal %d, want SIGUSR2", pdeath);
	if (restored && pdeath != 0)
		cr_fail("parent-death signal %d in the restored root, want 0", pdeath);
}

int main(void)
{
	unsigned long long started;

	cr_init();
	umask(027);
	if (personality(PERSONA) < 0)
		cr_fail_errno("personality");
	if (prctl(PR_SET_NAME, "cr-prctl-x", 0, 0, 0) || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) || prctl(PR_SET_TIMERSLACK, SLACK_NS, 0, 0, 0) ||
	    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0))
		cr_fail_errno("prctl");
	started = start_time();
	check(0);

	cr_ready();
	cr_wait();
	check(start_time() != started);
	cr_pass();
}
