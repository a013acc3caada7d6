#define LOG_PREFIX "pageserver: "
#include "cmd.h"
#include "log.h"
#include "pageserver-opts.h"

int cmd_pageserver(int argc, char **argv)
{
	struct pageserver_opts o;

	if (pageserver_parse_opts(argc, argv, &o) < 0)
		return LMIG_EXIT_USAGE;
	if (o.help) {
		pageserver_usage();
		return LMIG_EXIT_OK;
	}
	pr_err("the page server (lmig pageserver) is not built yet");
	return LMIG_EXIT_UNSUPPORTED;
}
