#define LOG_PREFIX "dump-files: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "fdinfo.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"
#include "dump/sk-inet.h"
#include "dump/fd-epoll.h"
#include "dump/fd-event.h"
#include "dump/sk-unix.h"
#include "dump/tty.h"
#include "dump/mqueue.h"
#include "dump/file-share.h"

/* Content carried in the image (unlinked files, memfds) must fit one record. */
#define FILE_CONTENT_MAX	(IMG_MAX_RECORD / 2)

/* One fd already dumped, to find dup()s of the same open file description. */
struct seen_fd {
	int fd;
	uint32_t id;
	dev_t dev;
	ino_t ino;
};

struct files_dump {
	struct dump_ctx *ctx;
	struct img *fdinfo, *files;
	struct seen_fd *seen;
	size_t nr_seen, cap_seen;
	/* Pipe inodes whose queued data is saved already (with their first read end). */
	uint64_t *pipes_with_data;
	size_t nr_pipes;
	struct sk_unix_dump *unix_sk;	/* made on the first unix socket */
};

/* One fd being dumped: what /proc says about it, and the buffers its FileEntry points to. */
struct fd_info {
	int fd;
	char link[PATH_MAX];
	struct stat st;
	struct proc_fdinfo fi;
	uint8_t *content;
	size_t content_len;
	void *kind_mem;		/* what an fd-event.h or fd-epoll.h FileEntry points to */
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Open the target's fd afresh through /proc (a new description of the same file). */
static int reopen_fd(pid_t pid, int fd, int flags)
{
	char path[64];
	int lfd;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	lfd = open(path, flags | O_CLOEXEC);
	return lfd < 0 ? -errno : lfd;
}

static int read_content(struct files_dump *d, struct fd_info *f)
{
	size_t cap = f->st.st_size, n = 0;
	int lfd, ret = 0;

	if ((uint64_t)f->st.st_size > FILE_CONTENT_MAX) {
		pr_err("pid %d: fd %d: %s: unlinked file of %lld bytes is too large to carry (limit %u)",
		       (int)d->ctx->pid, f->fd, f->link, (long long)f->st.st_size, FILE_CONTENT_MAX);
		return -EFBIG;
	}
	lfd = reopen_fd(d->ctx->pid, f->fd, O_RDONLY);
	if (lfd < 0) {
		pr_err_rc(lfd, "pid %d: fd %d: %s: cannot open to read its content",
			  (int)d->ctx->pid, f->fd, f->link);
		return lfd;
	}
	f->content = malloc(cap ? cap : 1);
	if (!f->content) {
		ret = -ENOMEM;
		goto out;
	}
	while (n < cap) {
		ssize_t r = pread(lfd, f->content + n, cap - n, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			pr_err_rc(ret, "pid %d: fd %d: %s: cannot read its content",
				  (int)d->ctx->pid, f->fd, f->link);
			goto out;
		}
		if (r == 0)
			break;
		n += r;
	}
	f->content_len = n;
out:
	close(lfd);
	return ret;
}

/*
 * The bytes queued in a pipe, read without consuming them: tee(2) them
 * into a pipe of ours of the same size, then read that.
 */
static int read_pipe_data(struct files_dump *d, struct fd_info *f)
{
	int lfd, p[2] = { -1, -1 }, size, ret = 0;
	ssize_t t;

	lfd = reopen_fd(d->ctx->pid, f->fd, O_RDONLY | O_NONBLOCK);
	if (lfd < 0) {
		pr_err_rc(lfd, "pid %d: fd %d: %s: cannot open to read queued data",
			  (int)d->ctx->pid, f->fd, f->link);
		return lfd;
	}
	size = fcntl(lfd, F_GETPIPE_SZ);
	if (size < 0 || pipe2(p, O_NONBLOCK | O_CLOEXEC) ||
	    fcntl(p[1], F_SETPIPE_SZ, size) < size) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: fd %d: %s: cannot make a pipe of %d bytes to copy its data",
			  (int)d->ctx->pid, f->fd, f->link, size);
		goto out;
	}
	t = tee(lfd, p[1], size, SPLICE_F_NONBLOCK);
	if (t < 0 && errno != EAGAIN) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: fd %d: %s: cannot copy queued data", (int)d->ctx->pid,
			  f->fd, f->link);
		goto out;
	}
	if (t > 0) {
		f->content = malloc(t);
		if (!f->content) {
			ret = -ENOMEM;
			goto out;
		}
		while (f->content_len < (size_t)t) {
			ssize_t r = read(p[0], f->content + f->content_len, t - f->content_len);

			if (r <= 0) {
				ret = r < 0 ? -errno : -EIO;
				pr_err_rc(ret, "pid %d: fd %d: cannot read back queued data",
					  (int)d->ctx->pid, f->fd);
				goto out;
			}
			f->content_len += r;
		}
	}
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	close(lfd);
	return ret;
}

/* Is fd a dup of one already dumped? Returns its id, or 0. */
static uint32_t find_dup(struct files_dump *d, const struct fd_info *f)
{
	pid_t pid = d->ctx->pid;

	for (size_t i = 0; i < d->nr_seen; i++) {
		const struct seen_fd *s = &d->seen[i];

		if (s->dev == f->st.st_dev && s->ino == f->st.st_ino &&
		    syscall(SYS_kcmp, pid, pid, KCMP_FILE, s->fd, f->fd) == 0)
			return s->id;
	}
	return 0;
}

static int remember_fd(struct files_dump *d, const struct fd_info *f, uint32_t id)
{
	if (d->nr_seen == d->cap_seen) {
		size_t cap = d->cap_seen ? d->cap_seen * 2 : 64;
		struct seen_fd *ns = realloc(d->seen, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		d->seen = ns;
		d->cap_seen = cap;
	}
	d->seen[d->nr_seen++] = (struct seen_fd){ f->fd, id, f->st.st_dev, f->st.st_ino };
	return 0;
}

static bool chr_supported(dev_t rdev)
{
	/* mem devices (major 1): null 3, zero 5, random 8, urandom 9 */
	return major(rdev) == 1 &&
	       (minor(rdev) == 3 || minor(rdev) == 5 || minor(rdev) == 8 || minor(rdev) == 9);
}

static int unsupported(struct files_dump *d, const struct fd_info *f, const char *what)
{
	pr_err("pid %d: fd %d: %s%s is not supported", (int)d->ctx->pid, f->fd, f->link, what);
	return -ENOTSUP;
}

/* Pipe and FIFO data goes with the first read end met; *want says whether this is it. */
static int pipe_wants_data(struct files_dump *d, const struct fd_info *f, bool *want)
{
	uint64_t *np;

	*want = false;
	if ((f->fi.flags & O_ACCMODE) == O_WRONLY)
		return 0;
	for (size_t i = 0; i < d->nr_pipes; i++)
		if (d->pipes_with_data[i] == f->st.st_ino)
			return 0;
	np = realloc(d->pipes_with_data, (d->nr_pipes + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	d->pipes_with_data = np;
	d->pipes_with_data[d->nr_pipes++] = f->st.st_ino;
	*want = true;
	return 0;
}

static int fill_pipe(struct files_dump *d, struct fd_info *f, PipeEntry *pe)
{
	bool want;
	int ret;

	pe->pipe_id = f->st.st_ino;
	pe->write_end = (f->fi.flags & O_ACCMODE) == O_WRONLY;
	pe->flags = f->fi.flags & ~O_CLOEXEC;
	ret = pipe_wants_data(d, f, &want);
	if (ret || !want)
		return ret;
	ret = read_pipe_data(d, f);
	if (ret)
		return ret;
	if (f->content_len) {
		pe->has_data = true;
		pe->data.data = f->content;
		pe->data.len = f->content_len;
	}
	return 0;
}

/* Fill fe for the file behind f; -ENOTSUP (logged) for kinds lmig cannot restore. */
static int describe_file(struct files_dump *d, struct fd_info *f, FileEntry *fe,
			 RegFileEntry *reg, PipeEntry *pipe, struct tty_dump *tty)
{
	mode_t type = f->st.st_mode & S_IFMT;
	int ret;

	reg->flags = f->fi.flags & ~O_CLOEXEC;
	reg->pos = f->fi.pos;
	reg->has_mode = true;
	reg->mode = f->st.st_mode;
	reg->path = f->link;

	if (strncmp(f->link, "pipe:[", 6) == 0) {
		fe->kind = FD_KIND__FD_PIPE;
		fe->pipe = pipe;
		return fill_pipe(d, f, pipe);
	}
	if (strncmp(f->link, "socket:[", 8) == 0) {
		ret = sk_inet_describe(d->ctx, f->fd, fe);
		if (ret == -ENOENT)
			ret = sk_unix_describe(d->ctx, &d->unix_sk, f->fd, fe);
		if (ret != -ENOENT)
			return ret;
	}
	if (strncmp(f->link, "anon_inode:", 11) == 0) {
		ret = fd_event_describe(d->ctx, f->fd, f->link, f->fi.flags, fe, &f->kind_mem);
		if (ret == -ENOENT)
			ret = fd_epoll_describe(d->ctx, f->fd, f->link, f->fi.flags, fe, &f->kind_mem);
		if (ret != -ENOENT)
			return ret;
	}
	if (mqueue_is(d->ctx->pid, f->fd))
		return mqueue_describe(d->ctx, f->fd, f->link, f->fi.flags, fe, &f->kind_mem);
	if (f->link[0] != '/')	/* socket:[N], anon_inode:..., and whatever comes next */
		return unsupported(d, f, "");
	switch (type) {
	case S_IFREG:
		reg->has_size = true;
		reg->size = f->st.st_size;
		fe->reg = reg;
		if (strncmp(f->link, "/memfd:", 7) == 0) {
			fe->kind = FD_KIND__FD_MEMFD;
		} else {
			fe->kind = FD_KIND__FD_REG;
			if (!(f->st.st_nlink == 0 && has_suffix(f->link, " (deleted)")))
				return 0;
			reg->has_unlinked = reg->unlinked = true;
		}
		if (has_suffix(f->link, " (deleted)"))
			f->link[strlen(f->link) - strlen(" (deleted)")] = '\0';
		ret = read_content(d, f);
		if (ret)
			return ret;
		reg->has_content = true;
		reg->content.data = f->content;
		reg->content.len = f->content_len;
		return 0;
	case S_IFDIR:
		fe->kind = FD_KIND__FD_DIR;
		fe->reg = reg;
		return 0;
	case S_IFCHR:
		if (tty_is_terminal(f->st.st_rdev))
			return tty_describe(d->ctx, f->fd, f->link, f->st.st_rdev, fe, reg, tty);
		if (!chr_supported(f->st.st_rdev))
			return unsupported(d, f, " (character device)");
		fe->kind = FD_KIND__FD_CHR;
		fe->reg = reg;
		return 0;
	case S_IFIFO:
		fe->kind = FD_KIND__FD_FIFO;
		fe->reg = reg;
		fe->pipe = pipe;
		return fill_pipe(d, f, pipe);
	default:
		return unsupported(d, f, " (this file type)");
	}
}

static int dump_one_fd(struct files_dump *d, int fd)
{
	FdinfoEntry fde = FDINFO_ENTRY__INIT;
	FileEntry fe = FILE_ENTRY__INIT;
	RegFileEntry reg = REG_FILE_ENTRY__INIT;
	PipeEntry pipe = PIPE_ENTRY__INIT;
	struct tty_dump tty;
	pid_t pid = d->ctx->pid;
	struct fd_info *f;
	char path[64];
	uint32_t id;
	int ret;

	tty_entry__init(&tty.e);
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = fd;
	snprintf(path, sizeof(path), "fd/%d", fd);
	ret = proc_readlink(pid, path, f->link, sizeof(f->link));
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: cannot read its link", (int)pid, fd);
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	if (stat(path, &f->st)) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: fd %d: %s: cannot stat", (int)pid, fd, f->link);
		goto out;
	}
	ret = proc_read_fdinfo(pid, fd, &f->fi);
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: cannot parse its fdinfo", (int)pid, fd);
		goto out;
	}

	id = find_dup(d, f);
	/* Or a description a process dumped before holds too (opened before a fork). */
	if (!id)
		file_share_find(d->ctx, fd, &f->st, f->link, &id);
	if (!id) {
		id = d->ctx->next_file_id++;
		fe.id = id;
		ret = describe_file(d, f, &fe, &reg, &pipe, &tty);
		if (ret)
			goto out;
		ret = img_write_msg(d->files, &fe.base);
		if (ret)
			goto out;
	}
	ret = remember_fd(d, f, id);
	if (!ret)
		ret = file_share_note(d->ctx, fd, &f->st, f->link, id);
	if (ret)
		goto out;
	fde.fd = fd;
	fde.id = id;
	fde.has_cloexec = true;
	fde.cloexec = !!(f->fi.flags & O_CLOEXEC);
	ret = img_write_msg(d->fdinfo, &fde.base);
out:
	free(f->kind_mem);
	free(f->content);
	free(f);
	return ret;
}

int dump_files(struct dump_ctx *ctx)
{
	struct files_dump d = { .ctx = ctx };
	int *fds = NULL, ret, cret;
	size_t nr = 0;

	ret = proc_list_numbers(ctx->pid, "fd", &fds, &nr);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot list its fds", (int)ctx->pid);
		return ret;
	}
	ret = img_open_write(ctx->dirfd, IMG_FDINFO, ctx->pid, &d.fdinfo);
	if (ret)
		goto out;
	/* A tree's processes share one files.img (ctx->files_img). */
	d.files = ctx->files_img;
	if (!d.files)
		ret = img_open_write(ctx->dirfd, IMG_FILES, 0, &d.files);
	if (ret)
		goto out_fdinfo;
	for (size_t i = 0; i < nr && !ret; i++)
		ret = dump_one_fd(&d, fds[i]);
	if (!ctx->files_img) {
		cret = img_close(d.files);
		if (!ret)
			ret = cret;
	}
out_fdinfo:
	cret = img_close(d.fdinfo);
	if (!ret)
		ret = cret;
out:
	sk_unix_dump_free(d.unix_sk);
	free(d.pipes_with_data);
	free(d.seen);
	free(fds);
	return ret;
}
