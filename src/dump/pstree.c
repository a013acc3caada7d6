#define LOG_PREFIX "dump-pstree: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "pstree.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"

int dump_pstree(struct dump_ctx *ctx)
{
	PstreeEntry pe = PSTREE_ENTRY__INIT;
	uint32_t *tids;
	int ret;

	tids = calloc(ctx->seized.nr, sizeof(*tids));
	if (!tids)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->seized.nr; i++)
		tids[i] = ctx->seized.t[i].tid;
	pe.pid = ctx->pid;
	pe.ppid = 0;	/* the root of the dumped tree: its parent stays behind */
	pe.pgid = ctx->stat.pgid;
	pe.sid = ctx->stat.sid;
	pe.n_threads = ctx->seized.nr;
	pe.threads = tids;
	ret = img_write_one(ctx->dirfd, IMG_PSTREE, 0, &pe.base);
	free(tids);
	return ret;
}
