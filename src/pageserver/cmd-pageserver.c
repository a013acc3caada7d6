#define LOG_PREFIX "pageserver: "
#include "cmd.h"
#include "log.h"

int cmd_pageserver(int argc, char **argv)
{
	pr_err("'lmig pageserver' is not built yet");
	return LMIG_EXIT_UNSUPPORTED;
}
