#define LOG_PREFIX "precopy: "
#include "cmd.h"
#include "log.h"

int cmd_precopy(int argc, char **argv)
{
	pr_err("'lmig precopy' is not built yet");
	return LMIG_EXIT_UNSUPPORTED;
}
