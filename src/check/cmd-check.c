#define LOG_PREFIX "check: "
#include "cmd.h"
#include "log.h"

int cmd_check(int argc, char **argv)
{
	pr_err("'lmig check' is not built yet");
	return LMIG_EXIT_UNSUPPORTED;
}
