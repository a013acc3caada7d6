#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "restore/restore.h"
#include "restore/fd-epoll.h"

int fd_epoll_open(const FileEntry *fe, const char **what)
{
	int fd, ret;

	*what = "no epoll record";
	if (!fe->epoll)
		return -EINVAL;
	*what = "cannot create the epoll";
	fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return -errno;
	*what = "cannot set its file flags";
	if (fcntl(fd, F_SETFL, fe->epoll->flags & ~O_CLOEXEC) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static const FileEntry *find_epoll(const struct restore_ctx *ctx, uint32_t id)
{
	for (size_t i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->id == id)
			return ctx->files[i]->kind == FD_KIND__FD_EPOLL ? ctx->files[i] : NULL;
	return NULL;
}

/* Is p->fds[i] a dup of an earlier fd (whose epoll has its items already)? */
static bool seen_before(const struct rst_proc *p, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (p->fds[j]->id == p->fds[i]->id)
			return true;
	return false;
}

int fd_epoll_install(const struct restore_ctx *ctx, const struct rst_proc *p)
{
	for (size_t i = 0; i < p->nr_fds; i++) {
		const FileEntry *fe = find_epoll(ctx, p->fds[i]->id);

		if (!fe || !fe->epoll || seen_before(p, i))
			continue;
		for (size_t k = 0; k < fe->epoll->n_tfds; k++) {
			const EpollTfdEntry *t = fe->epoll->tfds[k];
			struct epoll_event ev = { .events = t->events, .data.u64 = t->data };

			if (epoll_ctl((int)p->fds[i]->fd, EPOLL_CTL_ADD, (int)t->tfd, &ev))
				return -errno;
		}
	}
	return 0;
}
