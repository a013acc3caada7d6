#define LOG_PREFIX "dump: "
#include "config.h"
#include <errno.h>

#include "cmd.h"
#include "log.h"
#include "dump/dump.h"

int cmd_dump(int argc, char **argv)
{
	struct dump_opts o;
	int ret;

	if (dump_parse_opts(argc, argv, &o) < 0)
		return LMIG_EXIT_USAGE;
	if (o.help) {
		dump_usage();
		return LMIG_EXIT_OK;
	}
	ret = dump_run(&o);
	if (ret == -ENOTSUP)
		return LMIG_EXIT_UNSUPPORTED;
	return ret ? LMIG_EXIT_FAIL : LMIG_EXIT_OK;
}
