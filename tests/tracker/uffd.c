/* The uffd-wp tracker: exact rounds, and a copy that converges under writes. */
#include <stdio.h>
#include <unistd.h>

#include "scenario.h"

int main(void)
{
	int ret;

	alarm(120);
	if (!(tracker_available() & TRACKER_UFFD_WP)) {
		printf("SKIP: uffd-wp tracking needs UFFD_FEATURE_WP_ASYNC and PAGEMAP_SCAN (Linux 6.7)\n");
		return 77;
	}
	ret = scenario_exact("uffd-wp");
	if (ret == 0)
		ret = scenario_converge("uffd-wp");
	printf("%s: tracker uffd-wp\n", ret == 0 ? "PASS" : ret == 77 ? "SKIP" : "FAIL");
	return ret;
}
