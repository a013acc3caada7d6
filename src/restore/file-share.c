#define LOG_PREFIX "restore-files: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "restore/file-share.h"
#include "restore/restore.h"

static bool shareable(const FileEntry *fe)
{
	return fe->kind == FD_KIND__FD_REG || fe->kind == FD_KIND__FD_DIR ||
	       fe->kind == FD_KIND__FD_MEMFD;
}

/* How many processes of the tree hold file id (counting each once). */
static size_t holders(const struct restore_ctx *ctx, uint32_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < ctx->nr_procs; i++) {
		const struct rst_proc *p = &ctx->procs[i];

		for (size_t j = 0; j < p->nr_fds; j++) {
			if (p->fds[j]->id == id) {
				n++;
				break;
			}
		}
	}
	return n;
}

int file_share_prepare(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_files; i++) {
		const FileEntry *fe = ctx->files[i];
		struct rst_shared_file *n;
		const char *what = "cannot open";
		int fd;

		if (!shareable(fe) || holders(ctx, fe->id) < 2)
			continue;
		fd = files_open_reg(fe, &what);
		if (fd < 0) {
			pr_err_rc(fd, "file %u: %s %s (shared by several processes)", fe->id, what,
				  fe->reg ? fe->reg->path : "");
			return fd;
		}
		n = realloc(ctx->shared_files, (ctx->nr_shared_files + 1) * sizeof(*n));
		if (!n) {
			close(fd);
			return -ENOMEM;
		}
		ctx->shared_files = n;
		n[ctx->nr_shared_files++] = (struct rst_shared_file){ fe->id, fd };
	}
	return 0;
}

void file_share_release(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_shared_files; i++)
		if (ctx->shared_files[i].fd >= 0)
			close(ctx->shared_files[i].fd);
	free(ctx->shared_files);
	ctx->shared_files = NULL;
	ctx->nr_shared_files = 0;
}

int file_share_fd(const struct restore_ctx *ctx, uint32_t id)
{
	for (size_t i = 0; i < ctx->nr_shared_files; i++)
		if (ctx->shared_files[i].id == id)
			return ctx->shared_files[i].fd;
	return -1;
}

int file_share_take(const struct restore_ctx *ctx, uint32_t id, const char **what)
{
	int fd = fcntl(file_share_fd(ctx, id), F_DUPFD_CLOEXEC, 0);

	*what = "cannot take the shared file lmig opened";
	return fd < 0 ? -errno : fd;
}
