#include "config.h"
#include <errno.h>
#include <signal.h>

#include "cmd.h"
#include "dump/precopy.h"
#include "precopy-opts.h"

int cmd_precopy(int argc, char **argv)
{
	struct precopy_opts o;
	int ret;

	if (precopy_parse_opts(argc, argv, &o) < 0)
		return LMIG_EXIT_USAGE;
	if (o.help) {
		precopy_usage();
		return LMIG_EXIT_OK;
	}
	/* A page server that goes away must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	ret = precopy_run(&o);
	if (ret == -ENOTSUP)
		return LMIG_EXIT_UNSUPPORTED;
	return ret ? LMIG_EXIT_FAIL : LMIG_EXIT_OK;
}
