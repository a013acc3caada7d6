/*
 * The automatic choice: uffd-wp when the kernel has it (and the target
 * gave a userfaultfd), else soft-dirty, else -ENOTSUP; then the chosen
 * tracker must converge. `auto --expect NAME` also checks the name
 * (tests/vm uses it: Debian's 6.1 has no PAGEMAP_SCAN, so soft-dirty).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

int main(int argc, char **argv)
{
	const char *expect = argc == 3 && strcmp(argv[1], "--expect") == 0 ? argv[2] : NULL;
	unsigned avail = tracker_available();
	const char *want = avail & TRACKER_UFFD_WP ? "uffd-wp" :
			   avail & TRACKER_SOFT_DIRTY ? "soft-dirty" : NULL;
	struct tracker *t = NULL;
	struct mutator m;
	bool ok;
	int ret;

	alarm(120);
	printf("available:%s%s\n", avail & TRACKER_UFFD_WP ? " uffd-wp" : "",
	       avail & TRACKER_SOFT_DIRTY ? " soft-dirty" : "");
	if (expect && (!want || strcmp(want, expect) != 0)) {
		printf("FAIL: expected %s to be chosen, the kernel offers %s\n", expect,
		       want ? want : "none");
		return 1;
	}
	if (mutator_start(&m)) {
		printf("FAIL: fork\n");
		return 1;
	}
	ret = scenario_open(&m, NULL, &t);
	if (ret == 0 && (!want || strcmp(tracker_name(t), want) != 0)) {
		printf("FAIL: chose %s, expected %s\n", tracker_name(t), want ? want : "none");
		ret = 1;
	} else if (ret == -ENOTSUP && want) {
		printf("FAIL: no tracker chosen, expected %s\n", want);
		ret = 1;
	} else if (ret && ret != -ENOTSUP) {
		printf("FAIL: tracker_open: %s\n", strerror(-ret));
		ret = 1;
	}
	tracker_close(t);
	mutator_stop(&m);
	if (ret == -ENOTSUP) {
		printf("SKIP: no dirty-page tracker on this kernel (correctly -ENOTSUP)\n");
		return 77;
	}
	if (ret)
		return 1;

	/* Without a userfaultfd only soft-dirty can be chosen. */
	if (mutator_start(&m)) {
		printf("FAIL: fork\n");
		return 1;
	}
	t = NULL;
	ret = tracker_open(NULL, m.pid, -1, &t);
	ok = avail & TRACKER_SOFT_DIRTY ? ret == 0 && strcmp(tracker_name(t), "soft-dirty") == 0
					: ret == -ENOTSUP;
	printf("%s: without a userfaultfd: %s\n", ok ? "ok" : "FAIL",
	       ret ? strerror(-ret) : tracker_name(t));
	if (ret == 0)
		tracker_close(t);
	ret = ok ? 0 : 1;
	mutator_stop(&m);
	if (ret)
		return 1;

	/* A name: that back end or nothing; an unknown name: -EINVAL. */
	if (mutator_start(&m)) {
		printf("FAIL: fork\n");
		return 1;
	}
	ret = tracker_open("bogus", m.pid, -1, &t);
	ok = ret == -EINVAL;
	if (ret == 0)
		tracker_close(t);
	ret = tracker_open("soft-dirty", m.pid, -1, &t);
	if (ret == 0)
		tracker_close(t);
	if (avail & TRACKER_SOFT_DIRTY ? ret != 0 : ret != -ENOTSUP)
		ok = false;
	ret = scenario_open(&m, "uffd-wp", &t);
	if (ret == 0)
		tracker_close(t);
	if (avail & TRACKER_UFFD_WP ? ret != 0 : ret != -ENOTSUP)
		ok = false;
	mutator_stop(&m);
	printf("%s: named trackers open where available, an unknown name is -EINVAL\n",
	       ok ? "ok" : "FAIL");
	if (!ok)
		return 1;

	printf("ok: chose %s\n", want);
	ret = scenario_converge(NULL);
	printf("%s: tracker auto (%s)\n", ret == 0 ? "PASS" : ret == 77 ? "SKIP" : "FAIL", want);
	return ret;
}
