#define LOG_PREFIX "dump: "
#include "cmd.h"
#include "log.h"

int cmd_dump(int argc, char **argv)
{
	pr_err("'lmig dump' is not built yet");
	return LMIG_EXIT_UNSUPPORTED;
}
