#include "config.h"
#include <errno.h>
#include <fcntl.h>

#include "restore/restore.h"
#include "restore/stdio.h"

bool stdio_inherited(const struct restore_ctx *ctx, const struct rst_proc *p, uint32_t fd)
{
	return ctx->opts->inherit_stdio && p == &ctx->procs[0] && fd <= 2;
}

int stdio_open(uint32_t fd, const char **what)
{
	int nfd;

	*what = "--inherit-stdio: lmig restore has no such fd, to replace";
	nfd = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
	return nfd < 0 ? -errno : nfd;
}
