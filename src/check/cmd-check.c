#define LOG_PREFIX "check: "
#include "config.h"
#include <stdio.h>

#include "check.h"
#include "check-opts.h"
#include "cmd.h"
#include "log.h"

int cmd_check(int argc, char **argv)
{
	struct check_result r;
	struct check_opts o;
	char missing[256];

	if (check_parse_opts(argc, argv, &o) < 0)
		return LMIG_EXIT_USAGE;
	if (o.help) {
		check_usage();
		return LMIG_EXIT_OK;
	}
	check_run(&r);
	if (o.json)
		check_print_json(stdout, &r);
	else
		check_print_text(stdout, &r);
	if (fflush(stdout) == EOF) {
		pr_perror("writing the report");
		return LMIG_EXIT_FAIL;
	}
	if (check_missing(&r, missing, sizeof(missing))) {
		pr_err("migration is not possible here: missing %s", missing);
		return LMIG_EXIT_UNSUPPORTED;
	}
	return LMIG_EXIT_OK;
}
