/* Lowered soft and hard limits of several resources are back exactly. */
#include <stddef.h>
#include <sys/resource.h>

#include "crtest.h"

static const struct {
	int res;
	const char *name;
	rlim_t cur, max;
} lims[] = {
	{ RLIMIT_NOFILE, "RLIMIT_NOFILE", 200, 300 },
	{ RLIMIT_CORE, "RLIMIT_CORE", 0, 1 << 20 },
	{ RLIMIT_STACK, "RLIMIT_STACK", 4 << 20, 6 << 20 },
	{ RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", 4096, 8192 },
	{ RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING", 100, 500 },
	{ RLIMIT_FSIZE, "RLIMIT_FSIZE", 1 << 30, RLIM_INFINITY },
	{ RLIMIT_CPU, "RLIMIT_CPU", 3600, 7200 },
};

#define NR (sizeof(lims) / sizeof(lims[0]))

int main(void)
{
	struct rlimit r;

	cr_init();
	for (size_t i = 0; i < NR; i++) {
		if (getrlimit(lims[i].res, &r))
			cr_fail_errno("getrlimit(%s)", lims[i].name);
		if (lims[i].max > r.rlim_max)
			cr_fail("%s: hard limit %llu is below the test's %llu", lims[i].name,
				(unsigned long long)r.rlim_max, (unsigned long long)lims[i].max);
		r.rlim_cur = lims[i].cur;
		r.rlim_max = lims[i].max;
		if (setrlimit(lims[i].res, &r))
			cr_fail_errno("setrlimit(%s)", lims[i].name);
	}

	cr_ready();
	cr_wait();

	for (size_t i = 0; i < NR; i++) {
		if (getrlimit(lims[i].res, &r))
			cr_fail_errno("getrlimit(%s)", lims[i].name);
		if (r.rlim_cur != lims[i].cur || r.rlim_max != lims[i].max)
			cr_fail("%s is %llu/%llu, want %llu/%llu", lims[i].name,
				(unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max,
				(unsigned long long)lims[i].cur, (unsigned long long)lims[i].max);
	}
	cr_pass();
}
