#define LOG_PREFIX "restore: "
#include "cmd.h"
#include "log.h"

int cmd_restore(int argc, char **argv)
{
	pr_err("'lmig restore' is not built yet");
	return LMIG_EXIT_UNSUPPORTED;
}
