/*
 * Seccomp filters built with libseccomp (two, stacked) are active after
 * restore: getppid fails with ENOMSG, uname with ENOLINK; every other
 * syscall works, and the kernel counts two filters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

static void install(int nr, int err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int ret;

	if (!ctx)
		cr_fail("seccomp_init failed");
	ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), nr, 0);
	if (!ret)
		ret = seccomp_load(ctx);	/* sets no_new_privs first */
	seccomp_release(ctx);
	if (ret)
		cr_fail("libseccomp: %s", strerror(-ret));
}

static int status_field(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	int v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		cr_fail_errno("open /proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = atoi(line + n + 1);
	fclose(f);
	return v;
}

static void check(void)
{
	struct utsname u;
	struct timespec ts;

	/* Through syscall(): glibc's getppid returns the raw value, never -1. */
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != ENOMSG)
		cr_fail("getppid is not filtered (errno %d)", errno);
	errno = 0;
	if (syscall(SYS_uname, &u) != -1 || errno != ENOLINK)
		cr_fail("uname is not filtered (errno %d)", errno);
	if (getpid() <= 0 || clock_gettime(CLOCK_MONOTONIC, &ts) ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		cr_fail_errno("an unfiltered syscall failed, or no_new_privs is off");
	if (status_field("Seccomp") != 2 || status_field("Seccomp_filters") != 2)
		cr_fail("Seccomp %d, Seccomp_filters %d: want 2 and 2", status_field("Seccomp"),
			status_field("Seccomp_filters"));
}

int main(void)
{
	cr_init();
	install(SCMP_SYS(getppid), ENOMSG);
	install(SCMP_SYS(uname), ENOLINK);
	check();

	cr_ready();
	cr_wait();
	check();
	cr_pass();
}
