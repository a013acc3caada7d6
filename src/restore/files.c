#define LOG_PREFIX "restore-files: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "restore/restore.h"
#include "restore/tree.h"
#include "restore/sk-inet.h"
#include "restore/fd-epoll.h"
#include "restore/fd-event.h"
#include "restore/sk-unix.h"
#include "restore/stdio.h"
#include "restore/tty.h"
#include "restore/mqueue.h"
#include "restore/file-share.h"

/* Open flags that made the file rather than describe how it is open. */
#define CREATE_FLAGS	(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC)

/* Pipes created so far in this process, by pipe id: both ends, or -1 once taken. */
struct pipe_slot {
	uint64_t id;
	int fds[2];
};

struct files_state {
	struct restore_ctx *ctx;
	struct rst_proc *p;
	int base;
	struct pipe_slot *pipes;
	size_t nr_pipes;
};

static const FileEntry *find_file(const struct restore_ctx *ctx, uint32_t id)
{
	for (size_t i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->id == id)
			return ctx->files[i];
	return NULL;
}

int files_max_fd(const struct rst_proc *p)
{
	int max = -1;

	for (size_t i = 0; i < p->nr_fds; i++)
		if ((int)p->fds[i]->fd > max)
			max = (int)p->fds[i]->fd;
	return max;
}

/* Move fd to a scratch number >= base (closing the old one). */
static int to_scratch(int fd, int base)
{
	int nfd;

	if (fd < 0 || fd >= base)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, base);
	if (nfd < 0)
		nfd = -errno;
	close(fd);
	return nfd;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int files_refill_pipe(int wfd, const PipeEntry *pe)
{
	/* It must fit the pipe: nobody reads it before the process runs. */
	if ((size_t)fcntl(wfd, F_GETPIPE_SZ) < pe->data.len &&
	    fcntl(wfd, F_SETPIPE_SZ, (int)pe->data.len) < 0)
		return -errno;
	return write_all(wfd, pe->data.data, pe->data.len);
}

/* An unlinked file or memfd: its content in a new memfd, reopened with the file's flags. */
static int open_content(const char *path, const RegFileEntry *reg)
{
	const char *slash = strrchr(path, '/');
	char self[64];
	int mfd, fd, ret;

	mfd = memfd_create(slash ? slash + 1 : path, MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	ret = reg->has_content ? write_all(mfd, reg->content.data, reg->content.len) : 0;
	if (ret)
		goto out;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", mfd);
	fd = open(self, (int)(reg->flags & ~CREATE_FLAGS) | O_CLOEXEC);
	ret = fd < 0 ? -errno : fd;
out:
	close(mfd);
	return ret;
}

int files_open_reg(const FileEntry *fe, const char **what)
{
	const RegFileEntry *reg = fe->reg;
	int fd;

	if (!reg) {
		*what = "no file record";
		return -EINVAL;
	}
	if (fe->kind == FD_KIND__FD_MEMFD || (reg->has_unlinked && reg->unlinked)) {
		*what = "cannot recreate its content";
		fd = open_content(reg->path, reg);
	} else if (fe->kind == FD_KIND__FD_FIFO) {
		/* Opening one end of a fifo alone blocks: hold both while opening ours. */
		int both = open(reg->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);

		*what = "cannot open";
		if (both < 0)
			return -errno;
		fd = open(reg->path, (int)(reg->flags & ~CREATE_FLAGS) | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		else if (fcntl(fd, F_SETFL, reg->flags & ~CREATE_FLAGS) < 0)
			fd = -errno;
		close(both);
		return fd;
	} else {
		*what = "cannot open";
		fd = open(reg->path, (int)(reg->flags & ~CREATE_FLAGS) | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (fd >= 0 && (fe->kind == FD_KIND__FD_REG || fe->kind == FD_KIND__FD_MEMFD) &&
	    lseek(fd, (off_t)reg->pos, SEEK_SET) < 0) {
		int ret = -errno;

		*what = "cannot seek";
		close(fd);
		return ret;
	}
	return fd;
}

static int open_pipe(struct files_state *st, const FileEntry *fe, const char **what)
{
	const PipeEntry *pe = fe->pipe;
	const struct rst_shared_pipe *shared;
	struct pipe_slot *slot = NULL;
	int end, fd, ret;

	if (!pe) {
		*what = "no pipe record";
		return -EINVAL;
	}
	for (size_t i = 0; i < st->nr_pipes; i++)
		if (st->pipes[i].id == pe->pipe_id)
			slot = &st->pipes[i];
	/* A pipe between processes of the tree: lmig made it, we inherited it. */
	shared = tree_shared_pipe(st->ctx, pe->pipe_id);
	if (shared) {
		*what = "cannot set up the shared pipe end";
		fd = fcntl(shared->fds[pe->write_end ? 1 : 0], F_DUPFD_CLOEXEC, st->base);
		if (fd < 0)
			return -errno;
		if (fcntl(fd, F_SETFL, pe->flags & ~CREATE_FLAGS) < 0) {
			ret = -errno;
			close(fd);
			return ret;
		}
		return fd;
	}
	if (!slot) {
		struct pipe_slot *np = realloc(st->pipes, (st->nr_pipes + 1) * sizeof(*np));

		if (!np)
			return -ENOMEM;
		st->pipes = np;
		slot = &np[st->nr_pipes];
		slot->id = pe->pipe_id;
		*what = "cannot create the pipe";
		if (pipe2(slot->fds, O_CLOEXEC))
			return -errno;
		st->nr_pipes++;
		slot->fds[0] = to_scratch(slot->fds[0], st->base);
		slot->fds[1] = to_scratch(slot->fds[1], st->base);
		if (slot->fds[0] < 0 || slot->fds[1] < 0)
			return slot->fds[0] < 0 ? slot->fds[0] : slot->fds[1];
	}
	if (pe->has_data && pe->data.len) {
		*what = "cannot refill the pipe";
		ret = files_refill_pipe(slot->fds[1], pe);
		if (ret)
			return ret;
	}
	end = pe->write_end ? 1 : 0;
	*what = "cannot set up the pipe end";
	fd = fcntl(slot->fds[end], F_DUPFD_CLOEXEC, st->base);
	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETFL, pe->flags & ~CREATE_FLAGS) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static const char *kind_name(FdKind k)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&fd_kind__descriptor, k);

	return v ? v->name : "unknown";
}

int files_open(struct restore_ctx *ctx, struct rst_proc *p, int base, int *scratch)
{
	struct files_state st = { .ctx = ctx, .p = p, .base = base };
	int ret = 0;

	for (size_t i = 0; i < p->nr_fds; i++)
		scratch[i] = -1;
	for (size_t i = 0; i < p->nr_fds; i++) {
		const FdinfoEntry *fdi = p->fds[i];
		const FileEntry *fe = find_file(ctx, fdi->id);
		const char *what = "cannot open";
		int fd;

		if (!fe) {
			pr_err("pid %u: fd %u: file id %u is not in files.img", p->pid, fdi->fd, fdi->id);
			ret = -EINVAL;
			goto err;
		}
		/* Streams and terminals the restore gives rather than recreates. */
		if (stdio_inherited(ctx, p, fdi->fd))
			fd = stdio_open(fdi->fd, &what);
		else if (fe->kind == FD_KIND__FD_TTY)
			fd = tty_open(ctx, fe, &what);
		else switch (fe->kind) {
		case FD_KIND__FD_REG:
		case FD_KIND__FD_DIR:
		case FD_KIND__FD_CHR:
		case FD_KIND__FD_MEMFD:
		case FD_KIND__FD_FIFO:
			/* One description for several processes: lmig opened it (file-share.h). */
			fd = file_share_fd(ctx, fe->id) >= 0 ? file_share_take(ctx, fe->id, &what) :
				files_open_reg(fe, &what);
			break;
		case FD_KIND__FD_PIPE:
			fd = open_pipe(&st, fe, &what);
			break;
		case FD_KIND__FD_INET_SK:
			fd = sk_inet_open(fe, &what);
			break;
		case FD_KIND__FD_EVENTFD: case FD_KIND__FD_SIGNALFD: case FD_KIND__FD_TIMERFD:
			fd = fd_event_open(ctx, fe, &what);
			break;
		case FD_KIND__FD_EPOLL:
			fd = fd_epoll_open(fe, &what);
			break;
		case FD_KIND__FD_UNIX_SK:
			fd = sk_unix_open(ctx, fe, &what);
			break;
		case FD_KIND__FD_MQUEUE:
			fd = mqueue_open(ctx, fe, &what);
			break;
		default:
			pr_err("pid %u: fd %u: %s files are not restorable yet", p->pid, fdi->fd,
			       kind_name(fe->kind));
			ret = -ENOTSUP;
			goto err;
		}
		fd = to_scratch(fd, base);
		if (fd < 0) {
			ret = fd;
			pr_err_rc(ret, "pid %u: fd %u: %s%s%s", p->pid, fdi->fd, what,
				  fe->reg ? " " : "", fe->reg ? fe->reg->path : "");
			goto err;
		}
		scratch[i] = fd;
	}
	goto out;
err:
	for (size_t i = 0; i < p->nr_fds; i++)
		if (scratch[i] >= 0)
			close(scratch[i]);
out:
	/* Ends of pipes nobody here holds are closed: their peer process is not restored. */
	for (size_t i = 0; i < st.nr_pipes; i++) {
		close(st.pipes[i].fds[0]);
		close(st.pipes[i].fds[1]);
	}
	free(st.pipes);
	return ret;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * Runs after log_close(): nothing may be logged (fd 2 is the target's by
 * now). Every fd but the target's and keep[] is closed.
 */
int files_install(const struct restore_ctx *ctx, struct rst_proc *p, const int *scratch,
		  const int *keep, size_t nr_keep)
{
	size_t n = p->nr_fds + nr_keep, k = 0;
	int *kept = malloc((n ? n : 1) * sizeof(int)), ret = 0;
	unsigned int lo = 0;

	if (!kept)
		return -ENOMEM;
	for (size_t i = 0; i < p->nr_fds; i++) {
		int fd = (int)p->fds[i]->fd;

		if (dup3(scratch[i], fd, p->fds[i]->cloexec ? O_CLOEXEC : 0) < 0) {
			ret = -errno;
			goto out;
		}
		kept[k++] = fd;
	}
	/* Epoll items are keyed by fd number: added once every file is on its own. */
	ret = fd_epoll_install(ctx, p);
	if (ret)
		goto out;
	for (size_t i = 0; i < nr_keep; i++)
		if (keep[i] >= 0)
			kept[k++] = keep[i];
	qsort(kept, k, sizeof(int), cmp_int);
	for (size_t i = 0; i < k; i++) {
		if ((unsigned int)kept[i] > lo)
			close_range(lo, (unsigned int)kept[i] - 1, 0);
		lo = (unsigned int)kept[i] + 1;
	}
	close_range(lo, ~0U, 0);
out:
	free(kept);
	return ret;
}
