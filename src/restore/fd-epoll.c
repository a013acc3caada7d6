#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* What epoll keeps of a one-shot item's events once it fired (the kernel's EP_PRIVATE_BITS). */
#define FIRED_BITS	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

static bool fired(const EpollTfdEntry *t)
{
	return (t->events & EPOLLONESHOT) && !(t->events & ~FIRED_BITS);
}

/*
 * The items of one epoll. A one-shot item that had fired is added first,
 * for what its file is ready for now, and fired again by an epoll_wait()
 * while only such items are in: the kernel then disables it as it was
 * (epoll_ctl() alone would leave it armed for EPOLLERR and EPOLLHUP).
 * One whose file is ready for nothing stays so armed.
 */
static int add_items(int epfd, const EpollEntry *e)
{
	struct epoll_event got[64];
	int n;

	for (size_t k = 0; k < e->n_tfds; k++) {
		const EpollTfdEntry *t = e->tfds[k];
		struct pollfd pfd = { .fd = (int)t->tfd,
				      .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP };
		struct epoll_event ev = { .events = t->events, .data.u64 = t->data };

		if (!fired(t))
			continue;
		if (poll(&pfd, 1, 0) == 1)
			ev.events |= pfd.revents & (POLLIN | POLLOUT | POLLPRI | POLLRDHUP);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, (int)t->tfd, &ev))
			return -errno;
	}
	do
		n = epoll_wait(epfd, got, (int)(sizeof(got) / sizeof(got[0])), 0);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0)
		return -errno;
	for (size_t k = 0; k < e->n_tfds; k++) {
		const EpollTfdEntry *t = e->tfds[k];
		struct epoll_event ev = { .events = t->events, .data.u64 = t->data };

		if (!fired(t) && epoll_ctl(epfd, EPOLL_CTL_ADD, (int)t->tfd, &ev))
			return -errno;
	}
	return 0;
}

int fd_epoll_install(const struct restore_ctx *ctx, const struct rst_proc *p)
{
	for (size_t i = 0; i < p->nr_fds; i++) {
		const FileEntry *fe = find_epoll(ctx, p->fds[i]->id);
		int ret;

		if (!fe || !fe->epoll || seen_before(p, i))
			continue;
		ret = add_items((int)p->fds[i]->fd, fe->epoll);
		if (ret)
			return ret;
	}
	return 0;
}
