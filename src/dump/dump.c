#define LOG_PREFIX "dump: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "image/image.h"
#include "dump/dump.h"
#include "dump/file-share.h"
#include "dump/ipc.h"
#include "dump/sk-inet.h"

/*
 * inventory.img marks a complete dump: remove an old one first, so that a
 * dump failing half way never leaves a directory that looks complete.
 */
static int forget_old_dump(int dirfd, const char *dir)
{
	char name[64];
	int ret = img_file_name(IMG_INVENTORY, 0, name, sizeof(name));

	if (ret)
		return ret;
	if (unlinkat(dirfd, name, 0) && errno != ENOENT) {
		ret = -errno;
		pr_err_rc(ret, "cannot remove %s/%s of an earlier dump", dir, name);
		return ret;
	}
	return 0;
}

static int open_images_dir(const char *dir, int *dirfd)
{
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int ret = -errno;

		pr_err_rc(ret, "cannot create the images directory %s", dir);
		return ret;
	}
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0) {
		int ret = -errno;

		pr_err_rc(ret, "cannot open the images directory %s", dir);
		return ret;
	}
	return 0;
}

int dump_process(struct dump_ctx *ctx)
{
	struct timespec ts;
	int ret;

	clock_gettime(CLOCK_REALTIME, &ts);
	ctx->freeze_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	ret = proc_read_stat(ctx->pid, 0, &ctx->stat);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot parse /proc/%d/stat", (int)ctx->pid, (int)ctx->pid);
		return ret;
	}
	if (ctx->stat.state == 'Z' || ctx->stat.state == 'X') {
		pr_err("pid %d: is a zombie", (int)ctx->pid);
		return -ESRCH;
	}
	ret = ctx->vmas_read ? 0 : proc_read_smaps(ctx->pid, &ctx->vmas);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot parse /proc/%d/smaps", (int)ctx->pid, (int)ctx->pid);
		return ret;
	}
	ret = sk_inet_prepare(ctx);
	if (!ret)
		ret = dump_files(ctx);
	if (!ret)
		ret = parasite_state_collect(ctx, &ctx->ps);
	if (!ret)
		ret = dump_cores(ctx);
	if (!ret)
		ret = dump_task(ctx);
	if (!ret)
		ret = dump_mm(ctx);
	if (!ret)
		ret = dump_pages(ctx);
	return ret;
}

void dump_ctx_init(struct dump_ctx *ctx, const struct dump_opts *o)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->opts = o;
	ctx->pid = o->pid;
	ctx->dirfd = -1;
	ctx->next_file_id = 1;
	ctx->page_size = sysconf(_SC_PAGESIZE);
	dump_probe_xsave(&ctx->xsave_buf, &ctx->xfeatures);
}

void dump_ctx_fini(struct dump_ctx *ctx)
{
	parasite_state_free(&ctx->ps);
	proc_vmas_free(&ctx->vmas);
}

int dump_tree_ctxs(const struct dump_opts *o, const struct seized_tree *tree, int dirfd,
		   struct dump_ctx **out)
{
	struct dump_ctx *ctxs = calloc(tree->nr, sizeof(*ctxs));

	if (!ctxs)
		return -ENOMEM;
	for (size_t i = 0; i < tree->nr; i++) {
		dump_ctx_init(&ctxs[i], o);
		ctxs[i].pid = tree->p[i].pid;
		ctxs[i].dirfd = dirfd;
		ctxs[i].seized = tree->p[i].s;	/* borrowed: unseize_tree() lets go */
		ctxs[i].tree = tree;
	}
	*out = ctxs;
	return 0;
}

int dump_tree_release(struct dump_ctx *ctxs, struct seized_tree *tree, bool kill_it)
{
	int ret = 0, r;

	/* Sockets out of repair mode (or left in it to close silently) while still frozen. */
	for (size_t i = 0; i < tree->nr; i++) {
		r = sk_inet_finish(&ctxs[i], kill_it);
		if (!ret)
			ret = r;
	}
	unseize_tree(tree, kill_it);
	for (size_t i = 0; ctxs && i < tree->nr; i++)
		dump_ctx_fini(&ctxs[i]);
	free(ctxs);
	return ret;
}

int dump_tree(struct dump_ctx *ctxs, const struct seized_tree *tree)
{
	struct dump_ctx *root = &ctxs[0];
	struct img *files = NULL;
	struct file_share shares = { 0 };
	uint32_t next_id = 1;
	int ret, cret;

	ret = img_open_write(root->dirfd, IMG_FILES, 0, &files);
	if (ret)
		return ret;
	for (size_t i = 0; i < tree->nr && !ret; i++) {
		struct dump_ctx *c = &ctxs[i];

		if (tree->p[i].zombie)
			continue;
		c->files_img = files;
		c->shares = &shares;
		c->next_file_id = next_id;
		ret = dump_process(c);
		next_id = c->next_file_id;
		root->features |= c->features;
		root->pages_saved += i ? c->pages_saved : 0;
		root->pages_zero += i ? c->pages_zero : 0;
	}
	cret = img_close(files);
	file_share_free(&shares);
	if (!ret)
		ret = cret;
	if (!ret)
		ret = dump_ipc(ctxs, tree->nr);
	if (!ret)
		ret = dump_pstree(root);
	if (!ret)
		ret = dump_inventory(root);
	return ret;
}

int dump_run(const struct dump_opts *o)
{
	struct seized_tree tree = { 0 };
	struct dump_ctx *ctxs = NULL, *ctx;
	bool kill_it;
	int ret, fret, dirfd = -1;

	ret = open_images_dir(o->images_dir, &dirfd);
	if (ret)
		return ret;
	ret = forget_old_dump(dirfd, o->images_dir);
	if (ret)
		goto out;
	ret = seize_tree(o->pid, &tree);
	if (ret)
		goto out;
	ret = dump_tree_ctxs(o, &tree, dirfd, &ctxs);
	if (ret) {
		unseize_tree(&tree, false);
		goto out;
	}
	ctx = &ctxs[0];
	ret = dump_tree(ctxs, &tree);
	if (!ret) {
		ret = action_scripts_run(&o->scripts, ACT_POST_DUMP, ctx->pid, o->images_dir);
		if (ret)
			forget_old_dump(dirfd, o->images_dir);
	}
	/* The failure was logged where it happened: one error line, not two. */
	if (ret)
		pr_info("pid %d: dump failed; the process continues", (int)ctx->pid);
	else
		pr_info("pid %d: dumped %zu process(es) to %s (%llu pages, %llu zero)", (int)ctx->pid,
			tree.nr, o->images_dir, (unsigned long long)ctx->pages_saved,
			(unsigned long long)ctx->pages_zero);
	/* CRIU's convention: a dumped process does not run on unless asked to. */
	kill_it = ret == 0 && !o->leave_running;
	fret = dump_tree_release(ctxs, &tree, kill_it);
	if (!ret)
		ret = fret;
	if (ret)
		action_scripts_run(&o->scripts, ACT_ROLLBACK, o->pid, o->images_dir);
out:
	close(dirfd);
	return ret;
}
