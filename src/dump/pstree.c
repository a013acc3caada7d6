#define LOG_PREFIX "dump-pstree: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "pstree.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"

/* One process's record; its threads (or its pid alone for a zombie) into tids. */
static int fill_entry(const struct seized_proc *sp, PstreeEntry *pe, uint32_t *tids)
{
	struct proc_stat st;
	int ret = proc_read_stat(sp->pid, 0, &st);

	if (ret) {
		pr_err_rc(ret, "pid %d: cannot parse /proc/%d/stat", (int)sp->pid, (int)sp->pid);
		return ret;
	}
	pe->pid = sp->pid;
	pe->ppid = sp->ppid;	/* 0 for the root: its parent stays behind */
	pe->pgid = st.pgid;
	pe->sid = st.sid;
	if (sp->zombie) {
		tids[0] = sp->pid;
		pe->n_threads = 1;
		pe->has_zombie = pe->has_exit_code = true;
		pe->zombie = true;
		pe->exit_code = sp->exit_status;
	} else {
		for (size_t i = 0; i < sp->s.nr; i++)
			tids[i] = sp->s.t[i].tid;
		pe->n_threads = sp->s.nr;
	}
	pe->threads = tids;
	return 0;
}

int dump_pstree(struct dump_ctx *ctx)
{
	struct seized_proc alone = { .pid = ctx->pid, .s = ctx->seized };
	const struct seized_proc *procs = ctx->tree ? ctx->tree->p : &alone;
	size_t nr = ctx->tree ? ctx->tree->nr : 1;
	struct img *img;
	int ret, cret;

	ret = img_open_write(ctx->dirfd, IMG_PSTREE, 0, &img);
	if (ret)
		return ret;
	for (size_t i = 0; i < nr && !ret; i++) {
		PstreeEntry pe = PSTREE_ENTRY__INIT;
		uint32_t *tids = calloc(procs[i].s.nr ? procs[i].s.nr : 1, sizeof(*tids));

		if (!tids) {
			ret = -ENOMEM;
			break;
		}
		ret = fill_entry(&procs[i], &pe, tids);
		if (!ret)
			ret = img_write_msg(img, &pe.base);
		free(tids);
	}
	cret = img_close(img);
	return ret ? ret : cret;
}
