#define LOG_PREFIX "precopy: "
#include "config.h"
#include <signal.h>

#include "cmd.h"
#include "log.h"
#include "dump/precopy.h"
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
	if (o.tcp_established) {
		pr_err("--tcp-established: migrating TCP connections is not supported yet");
		return LMIG_EXIT_UNSUPPORTED;
	}
	/* A page server that goes away must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return precopy_run(&o) ? LMIG_EXIT_FAIL : LMIG_EXIT_OK;
}
