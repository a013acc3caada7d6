#define LOG_PREFIX "dump-sk-unix: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/sk-unix.h"
#include "dump/sk-unix-diag.h"
#include "dump/sk-unix-queue.h"

/* One socket record and the buffers it points to. */
struct unix_rec {
	UnixSkEntry e;
	UnixSkOpts o;
	uint8_t name[UNIX_DIAG_NAME_MAX];
	struct unix_queue queue;	/* e.queue */
	uint64_t pending[UNIX_DIAG_ICONS_MAX];	/* e.pending */
	char bind_dir[PATH_MAX];		/* e.bind_dir */
};

struct sk_unix_dump {
	pid_t pid;
	int pidfd;
	int nl;				/* sock_diag, in the target's network namespace */
	uint64_t *tree_inos;		/* every socket held by a process of the tree, sorted */
	size_t nr_tree_inos;
	bool tree_read;
	/* The sockets whose connections wait in the accept queues of the tree's listeners, sorted. */
	uint64_t *waiting;
	size_t nr_waiting;
	bool waiting_read;
	struct unix_rec **recs;
	size_t nr_recs;
};

/* What a socket is, for messages: "unix stream /run/x.sock (listening)". */
struct sk_label {
	char s[UNIX_DIAG_NAME_MAX * 2 + 64];
};

static const char *type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	default:
		return "of an unknown type";
	}
}

/* A name as users write it: a path, or @ and the abstract name (NULs as @). */
static void name_str(const uint8_t *name, size_t len, char *buf, size_t size)
{
	size_t j = 0;

	for (size_t i = 0; i < len && j + 1 < size; i++) {
		char c = (char)name[i];

		if (i == 0 && c == '\0')
			c = '@';
		else if (c == '\0' && name[0] != '\0')
			break;
		buf[j++] = (c == '\0' || c < ' ') ? '@' : c;
	}
	buf[j] = '\0';
}

static const char *label(const struct unix_diag_info *di, struct sk_label *l)
{
	char name[UNIX_DIAG_NAME_MAX * 2];

	name_str(di->name, di->name_len, name, sizeof(name));
	snprintf(l->s, sizeof(l->s), "unix %s socket %s%s", type_name(di->type),
		 di->name_len ? name : "(unnamed)", di->state == TCP_LISTEN ? " (listening)" : "");
	return l->s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int add_ino(struct sk_unix_dump *d, uint64_t ino, size_t *cap)
{
	if (d->nr_tree_inos == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		uint64_t *n = realloc(d->tree_inos, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->tree_inos = n;
		*cap = ncap;
	}
	d->tree_inos[d->nr_tree_inos++] = ino;
	return 0;
}

static int read_proc_sockets(struct sk_unix_dump *d, pid_t pid, size_t *cap)
{
	char name[32], link[64];
	int *fds = NULL, ret;
	size_t nr = 0;

	ret = proc_list_numbers(pid, "fd", &fds, &nr);
	for (size_t i = 0; !ret && i < nr; i++) {
		unsigned long long ino;

		snprintf(name, sizeof(name), "fd/%d", fds[i]);
		if (proc_readlink(pid, name, link, sizeof(link)) == 0 &&
		    sscanf(link, "socket:[%llu]", &ino) == 1)
			ret = add_ino(d, ino, cap);
	}
	free(fds);
	return ret;
}

/* The sockets of every live process of the tree (frozen: the set holds). */
static int read_tree_sockets(struct sk_unix_dump *d, const struct dump_ctx *ctx)
{
	size_t cap = 0;
	int ret = 0;

	if (d->tree_read)
		return 0;
	if (!ctx->tree) {
		ret = read_proc_sockets(d, ctx->pid, &cap);
	} else {
		for (size_t i = 0; i < ctx->tree->nr && !ret; i++)
			if (!ctx->tree->p[i].zombie)
				ret = read_proc_sockets(d, ctx->tree->p[i].pid, &cap);
	}
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot list the sockets of its process tree", (int)ctx->pid);
		return ret;
	}
	qsort(d->tree_inos, d->nr_tree_inos, sizeof(uint64_t), cmp_u64);
	d->tree_read = true;
	return 0;
}

static bool in_tree(const struct sk_unix_dump *d, uint64_t ino)
{
	return bsearch(&ino, d->tree_inos, d->nr_tree_inos, sizeof(ino), cmp_u64) != NULL;
}

/* The clients of the tree's listeners that wait in their accept queues. */
static int read_waiting(struct sk_unix_dump *d)
{
	size_t cap = 0;

	if (d->waiting_read)
		return 0;
	for (size_t i = 0; i < d->nr_tree_inos; i++) {
		struct unix_diag_info di;

		if (unix_diag_get(d->nl, d->tree_inos[i], true, &di) || di.state != TCP_LISTEN)
			continue;
		for (size_t j = 0; j < di.nr_icons && j < UNIX_DIAG_ICONS_MAX; j++) {
			if (d->nr_waiting == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				uint64_t *n = realloc(d->waiting, ncap * sizeof(*n));

				if (!n)
					return -ENOMEM;
				d->waiting = n;
				cap = ncap;
			}
			d->waiting[d->nr_waiting++] = di.icons[j];
		}
	}
	qsort(d->waiting, d->nr_waiting, sizeof(uint64_t), cmp_u64);
	d->waiting_read = true;
	return 0;
}

static bool is_waiting(const struct sk_unix_dump *d, uint64_t ino)
{
	return bsearch(&ino, d->waiting, d->nr_waiting, sizeof(ino), cmp_u64) != NULL;
}

/*
 * A listener's accept queue, as the clients of the tree that wait there
 * (into pending[], in accept order): NULL, or why it cannot be restored.
 */
static const char *read_pending(struct sk_unix_dump *d, const struct unix_diag_info *di,
				uint64_t *pending)
{
	if (di->nr_icons > UNIX_DIAG_ICONS_MAX)
		return "more than lmig describes";
	/* The kernel lists the clients; what a client sent is still charged to it (wqueue). */
	for (size_t i = 0; i < di->nr_icons; i++) {
		struct unix_diag_info c;

		if (!di->icons[i] || !in_tree(d, di->icons[i]) ||
		    unix_diag_get(d->nl, di->icons[i], false, &c))
			return "one from outside the dumped tree";
		if (c.wqueue)
			return "one with bytes already sent on it";
		pending[i] = di->icons[i];
	}
	return NULL;
}

static int getint(int fd, int level, int name, int *v)
{
	socklen_t len = sizeof(*v);

	return getsockopt(fd, level, name, v, &len) ? -errno : 0;
}

static bool needs_bind(const struct unix_diag_info *di)
{
	/* A connected stream socket is remade by socketpair(): its name (the listener's) is not bound again. */
	return di->name_len && !(di->type != SOCK_DGRAM && di->state == TCP_ESTABLISHED);
}

/*
 * A connection not yet accepted: the kernel names no peer (the socket
 * waiting in the accept queue has no inode), and, unlike a connection
 * whose peer was closed, it is not shut down both ways.
 */
static bool waits_to_be_accepted(const struct unix_diag_info *di)
{
	return di->type != SOCK_DGRAM && di->state == TCP_ESTABLISHED && !di->peer_ino &&
	       (di->shutdown & 3) != 3;
}

/* The address a connected socket's peer has: its listener's. */
static void peer_name(int lfd, char *buf, size_t size)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if (getpeername(lfd, (struct sockaddr *)&sa, &len) == 0 &&
	    len > offsetof(struct sockaddr_un, sun_path))
		name_str((const uint8_t *)sa.sun_path, len - offsetof(struct sockaddr_un, sun_path),
			 buf, size);
	else
		snprintf(buf, size, "an unnamed socket");
}

/*
 * A name bound to a relative path: the directory it is relative to, if
 * that is the process's working directory still (the socket file found
 * there is this socket's). 0, or -ENOENT.
 */
static int find_bind_dir(pid_t pid, const struct unix_diag_info *di, char *dir, size_t size)
{
	char path[PATH_MAX + 64];
	struct stat st;
	size_t len;

	snprintf(path, sizeof(path), "cwd");
	if (proc_readlink(pid, path, dir, size) || dir[0] != '/')
		return -ENOENT;
	len = strnlen((const char *)di->name, di->name_len);
	/* The address it is reached at must fit sun_path whole. */
	if (strlen(dir) + 1 + len >= UNIX_DIAG_NAME_MAX)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/cwd/%.*s", (int)pid, (int)len,
		 (const char *)di->name);
	if (lstat(path, &st) || !S_ISSOCK(st.st_mode) || st.st_ino != di->vfs_ino)
		return -ENOENT;
	return 0;
}

/* What lmig cannot restore, named in one line. */
static int refuse(struct sk_unix_dump *d, const struct dump_ctx *ctx, int fd, int lfd,
		  const struct unix_diag_info *di, struct unix_rec *r)
{
	struct unix_diag_info peer;
	struct sk_label l;
	char pname[UNIX_DIAG_NAME_MAX * 2];
	const char *why;
	int ret;

	if (di->state == TCP_LISTEN && di->nr_icons) {
		ret = read_tree_sockets(d, ctx);
		if (ret)
			return ret;
		why = read_pending(d, di, r->pending);
		if (why) {
			pr_err("pid %d: fd %d: %s has %zu connection%s not yet accepted by the process, %s: lmig cannot put %s back in its queue",
			       (int)ctx->pid, fd, label(di, &l), di->nr_icons,
			       di->nr_icons > 1 ? "s" : "", why, di->nr_icons > 1 ? "them" : "it");
			return -ENOTSUP;
		}
	}
	if (di->state != TCP_LISTEN && di->state != TCP_ESTABLISHED && di->state != TCP_CLOSE) {
		pr_err("pid %d: fd %d: %s is in state %u (connecting): not supported", (int)ctx->pid,
		       fd, label(di, &l), di->state);
		return -ENOTSUP;
	}
	if (needs_bind(di) && di->name[0] != '\0' && di->name[0] != '/' &&
	    find_bind_dir(ctx->pid, di, r->bind_dir, sizeof(r->bind_dir))) {
		pr_err("pid %d: fd %d: %s is bound to a relative path, not found from its working directory: not supported",
		       (int)ctx->pid, fd, label(di, &l));
		return -ENOTSUP;
	}
	if (waits_to_be_accepted(di)) {
		/* The listener's record names it, when the listener is the tree's. */
		ret = read_tree_sockets(d, ctx);
		if (!ret)
			ret = read_waiting(d);
		if (ret || is_waiting(d, di->ino))
			return ret;
		peer_name(lfd, pname, sizeof(pname));
	} else {
		if (!di->peer_ino)
			return 0;
		ret = read_tree_sockets(d, ctx);
		if (ret || in_tree(d, di->peer_ino))
			return ret;
		if (unix_diag_get(d->nl, di->peer_ino, false, &peer) == 0 && peer.name_len)
			name_str(peer.name, peer.name_len, pname, sizeof(pname));
		else
			snprintf(pname, sizeof(pname), "an unnamed socket (inode %llu)",
				 (unsigned long long)di->peer_ino);
	}
	pr_err("pid %d: fd %d: %s is connected to %s, which no process of the dumped tree holds (a peer outside it, or a connection not yet accepted): not supported",
	       (int)ctx->pid, fd, label(di, &l), pname);
	return -ENOTSUP;
}

static void read_opts(struct unix_rec *r, int lfd)
{
	UnixSkOpts *o = &r->o;
	struct timeval tv;
	socklen_t len;
	int v;

	unix_sk_opts__init(o);
#define GET(name, field)	\
	if (getint(lfd, SOL_SOCKET, name, &v) == 0) { o->has_##field = true; o->field = v; }
	GET(SO_PASSCRED, passcred);
	GET(SO_PASSSEC, passsec);
	GET(SO_SNDBUF, sndbuf);
	GET(SO_RCVBUF, rcvbuf);
	GET(SO_PEEK_OFF, peek_off);
#undef GET
	len = sizeof(tv);
	if (getsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0) {
		o->has_rcvtimeo_us = true;
		o->rcvtimeo_us = (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	}
	len = sizeof(tv);
	if (getsockopt(lfd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) == 0) {
		o->has_sndtimeo_us = true;
		o->sndtimeo_us = (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	}
	r->e.opts = o;
}

/* The socket file of a name bound to a path, as the target sees it. */
static void read_file(struct unix_rec *r, pid_t pid, const struct unix_diag_info *di)
{
	char path[PATH_MAX + UNIX_DIAG_NAME_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/root%s%s%.*s", (int)pid, r->bind_dir,
		 r->bind_dir[0] ? "/" : "", (int)r->e.name.len, (const char *)r->e.name.data);
	if (lstat(path, &st) || !S_ISSOCK(st.st_mode) || st.st_ino != di->vfs_ino) {
		r->e.has_name_gone = r->e.name_gone = true;
		return;
	}
	r->e.has_file_mode = r->e.has_file_uid = r->e.has_file_gid = true;
	r->e.file_mode = st.st_mode & 07777;
	r->e.file_uid = st.st_uid;
	r->e.file_gid = st.st_gid;
}

static void fill_entry(struct unix_rec *r, const struct unix_diag_info *di, int lfd)
{
	UnixSkEntry *e = &r->e;
	int fl = fcntl(lfd, F_GETFL);

	e->ino = di->ino;
	e->type = di->type;
	e->state = di->state;
	e->has_flags = true;
	e->flags = fl < 0 ? O_RDWR : (uint32_t)fl;
	e->has_shutdown = true;
	e->shutdown = di->shutdown;
	if (di->peer_ino) {
		e->has_peer_ino = true;
		e->peer_ino = di->peer_ino;
	}
	if (di->name_len) {
		size_t len = di->name_len;

		/* A path is kept without the NUL the kernel stores after it. */
		if (di->name[0] != '\0')
			len = strnlen((const char *)di->name, len);
		memcpy(r->name, di->name, len);
		e->has_name = true;
		e->name.data = r->name;
		e->name.len = len;
	}
	if (di->state == TCP_LISTEN) {
		e->has_backlog = true;
		e->backlog = di->wqueue;
	}
	read_opts(r, lfd);
}

static int dump_open(struct dump_ctx *ctx, struct sk_unix_dump **dp)
{
	struct sk_unix_dump *d;
	int ret;

	if (*dp)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->pid = ctx->pid;
	d->nl = -1;
	d->pidfd = (int)syscall(SYS_pidfd_open, ctx->pid, 0);
	if (d->pidfd < 0) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: pidfd_open", (int)ctx->pid);
		goto err;
	}
	d->nl = unix_diag_open(ctx->pid);
	if (d->nl < 0) {
		ret = d->nl;
		pr_err_rc(ret, "pid %d: cannot open a sock_diag socket in its network namespace",
			  (int)ctx->pid);
		goto err;
	}
	*dp = d;
	return 0;
err:
	sk_unix_dump_free(d);
	return ret;
}

static int add_rec(struct sk_unix_dump *d, struct unix_rec **out)
{
	struct unix_rec **nr = realloc(d->recs, (d->nr_recs + 1) * sizeof(*nr));
	struct unix_rec *r;

	if (!nr)
		return -ENOMEM;
	d->recs = nr;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	unix_sk_entry__init(&r->e);
	d->recs[d->nr_recs++] = r;
	*out = r;
	return 0;
}

/* Reads the socket under lfd into r, leaving it as it was. */
static int read_socket(struct unix_rec *r, int lfd, const struct dump_ctx *ctx, int fd,
		       const struct unix_diag_info *di)
{
	const char *what = NULL;
	struct sk_label l;
	int ret;

	fill_entry(r, di, lfd);
	if (r->bind_dir[0])
		r->e.bind_dir = r->bind_dir;
	if (r->e.has_name && r->e.name.data[0] != '\0' && needs_bind(di))
		read_file(r, ctx->pid, di);
	if (di->state == TCP_LISTEN)
		return 0;
	ret = unix_queue_peek(lfd, di->type, di->shutdown & 1, &r->queue, &what);
	r->e.queue = r->queue.msgs;
	r->e.n_queue = r->queue.nr;
	if (ret == -ENOTSUP)
		pr_err("pid %d: fd %d: %s %s", (int)ctx->pid, fd, label(di, &l), what);
	else if (ret)
		pr_err_rc(ret, "pid %d: fd %d: %s: %s", (int)ctx->pid, fd, label(di, &l), what);
	return ret;
}

int sk_unix_describe(struct dump_ctx *ctx, struct sk_unix_dump **dp, int fd, FileEntry *fe)
{
	struct unix_diag_info di;
	struct unix_rec *r;
	struct stat st;
	int lfd, domain, ret;

	ret = dump_open(ctx, dp);
	if (ret)
		return ret;
	lfd = (int)syscall(SYS_pidfd_getfd, (*dp)->pidfd, fd, 0);
	if (lfd < 0) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: fd %d: cannot take the socket (pidfd_getfd)", (int)ctx->pid, fd);
		return ret;
	}
	ret = getint(lfd, SOL_SOCKET, SO_DOMAIN, &domain);
	if (!ret && domain != AF_UNIX)
		ret = -ENOENT;
	if (ret)
		goto out;
	if (fstat(lfd, &st)) {
		ret = -errno;
		goto out;
	}
	ret = unix_diag_get((*dp)->nl, st.st_ino, true, &di);
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: unix socket (inode %llu): sock_diag cannot describe it",
			  (int)ctx->pid, fd, (unsigned long long)st.st_ino);
		goto out;
	}
	ret = add_rec(*dp, &r);
	if (!ret)
		ret = refuse(*dp, ctx, fd, lfd, &di, r);
	if (!ret && di.state == TCP_LISTEN) {
		r->e.n_pending = di.nr_icons;
		r->e.pending = r->pending;
	}
	if (!ret)
		ret = read_socket(r, lfd, ctx, fd, &di);
	if (ret)
		goto out;
	fe->kind = FD_KIND__FD_UNIX_SK;
	fe->unix_sk = &r->e;
out:
	close(lfd);
	return ret;
}

void sk_unix_dump_free(struct sk_unix_dump *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nr_recs; i++) {
		struct unix_rec *r = d->recs[i];

		unix_queue_free(&r->queue);
		free(r);
	}
	free(d->recs);
	free(d->tree_inos);
	free(d->waiting);
	if (d->nl >= 0)
		close(d->nl);
	if (d->pidfd >= 0)
		close(d->pidfd);
	free(d);
}
