#define LOG_PREFIX "precopy: "
#include "cmd.h"
#include "log.h"
#include "precopy-opts.h"

int cmd_precopy(int argc, char **argv)
{
	struct precopy_opts o;

	if (precopy_parse_opts(argc, argv, &o) < 0)
		return LMIG_EXIT_USAGE;
	if (o.help) {
		precopy_usage();
		return LMIG_EXIT_OK;
	}
	pr_err("live migration (lmig precopy) is not built yet; use lmig dump and lmig restore");
	return LMIG_EXIT_UNSUPPORTED;
}
