/*
 * The soft-dirty tracker: exact rounds, a copy that converges under writes,
 * and a collect refused while the process runs. Skips where the kernel
 * has no soft-dirty; tests/vm runs it under Debian's 6.1 kernel.
 */
#include <stdio.h>
#include <unistd.h>

#include "scenario.h"

int main(void)
{
	int ret;

	alarm(120);
	if (!(tracker_available() & TRACKER_SOFT_DIRTY)) {
		printf("SKIP: soft-dirty is compiled out of this kernel (CONFIG_MEM_SOFT_DIRTY); "
		       "tests/vm/tracker.sh runs this test under Debian's kernel\n");
		return 77;
	}
	ret = scenario_exact("soft-dirty");
	if (ret == 0)
		ret = scenario_refuse_running();
	if (ret == 0)
		ret = scenario_converge("soft-dirty");
	printf("%s: tracker soft-dirty\n", ret == 0 ? "PASS" : ret == 77 ? "SKIP" : "FAIL");
	return ret;
}
