#define LOG_PREFIX "show: "
#include "cmd.h"
#include "log.h"

int cmd_show(int argc, char **argv)
{
	pr_err("'lmig show' is not built yet");
	return LMIG_EXIT_UNSUPPORTED;
}
