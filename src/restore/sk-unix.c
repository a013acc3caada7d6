#define LOG_PREFIX "restore-sk-unix: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "restore/restore.h"
#include "restore/sk-unix.h"

/* Room made in a sender's buffer for the queue it writes back, beyond the queue itself. */
#define SNDBUF_SLACK	(1 << 20)

/* One socket of the images (by inode), as lmig made it. */
struct usk {
	const UnixSkEntry *e;		/* its first record */
	int fd;				/* lmig's, -1 until made */
	int far;			/* the far end of a pair whose peer was gone: closed at the end */
	struct usk *pair;		/* made by socketpair() with this one */
	ino_t file_ino;			/* bound to a path: the socket file bind() made */
	struct usk *waits_on;		/* a listener whose accept queue it waits in */
};

struct sk_unix_rst {
	struct usk *sk;
	size_t nr;
};

/* "unix stream socket /run/x.sock (inode 123)", for messages. */
struct sk_label {
	char s[2 * sizeof(((struct sockaddr_un *)0)->sun_path) + 64];
};

static const char *label(const UnixSkEntry *e, struct sk_label *l)
{
	const char *type = e->type == SOCK_STREAM ? "stream" :
			   e->type == SOCK_DGRAM ? "dgram" :
			   e->type == SOCK_SEQPACKET ? "seqpacket" : "of an unknown type";
	char name[sizeof(l->s) / 2];
	size_t j = 0;

	for (size_t i = 0; e->has_name && i < e->name.len && j + 1 < sizeof(name); i++) {
		char c = (char)e->name.data[i];

		name[j++] = (c == '\0' || c < ' ') ? '@' : c;
	}
	name[j] = '\0';
	snprintf(l->s, sizeof(l->s), "unix %s socket %s%s(inode %llu)", type, j ? name : "",
		 j ? " " : "", (unsigned long long)e->ino);
	return l->s;
}

static struct usk *find(const struct sk_unix_rst *u, uint64_t ino)
{
	for (size_t i = 0; u && i < u->nr; i++)
		if (u->sk[i].e->ino == ino)
			return &u->sk[i];
	return NULL;
}

/* A connected stream socket keeps no name of its own here: see sk-unix.h. */
static bool needs_bind(const UnixSkEntry *e)
{
	return e->has_name && e->name.len &&
	       !(e->type != SOCK_DGRAM && e->state == TCP_ESTABLISHED);
}

static bool is_path(const UnixSkEntry *e)
{
	return e->has_name && e->name.len && e->name.data[0] != '\0';
}

/* The name as bound (relative names too), in sa. */
static int bound_addr(const UnixSkEntry *e, struct sockaddr_un *sa, socklen_t *len)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!e->has_name || !e->name.len || e->name.len >= sizeof(sa->sun_path))
		return -EINVAL;
	memcpy(sa->sun_path, e->name.data, e->name.len);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + e->name.len +
			   (is_path(e) ? 1 : 0));
	return 0;
}

/* Where lmig reaches the socket: a relative name made absolute with its bind_dir. */
static int make_addr(const UnixSkEntry *e, struct sockaddr_un *sa, socklen_t *len)
{
	int n;

	if (!is_path(e) || !e->bind_dir)
		return bound_addr(e, sa, len);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%.*s", e->bind_dir, (int)e->name.len,
		     (const char *)e->name.data);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return -EINVAL;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 0;
}

/* bind() to the name as it was bound: a relative one from its directory. */
static int bind_as_bound(int fd, const UnixSkEntry *e)
{
	struct sockaddr_un sa;
	socklen_t len;
	int cwd, ret = 0;

	if (bound_addr(e, &sa, &len))
		return -EINVAL;
	if (!is_path(e) || !e->bind_dir)
		return bind(fd, (struct sockaddr *)&sa, len) ? -errno : 0;
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return -errno;
	if (chdir(e->bind_dir) || bind(fd, (struct sockaddr *)&sa, len))
		ret = -errno;
	if (fchdir(cwd) && !ret)
		ret = -errno;
	close(cwd);
	return ret;
}

/* Collect one usk per inode, its first record in files.img. */
static int collect(struct restore_ctx *ctx, struct sk_unix_rst *u)
{
	for (size_t i = 0; i < ctx->nr_files; i++) {
		const FileEntry *fe = ctx->files[i];
		struct usk *n;

		if (fe->kind != FD_KIND__FD_UNIX_SK || !fe->unix_sk || find(u, fe->unix_sk->ino))
			continue;
		n = realloc(u->sk, (u->nr + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		u->sk = n;
		n[u->nr++] = (struct usk){ .e = fe->unix_sk, .fd = -1, .far = -1 };
	}
	for (size_t i = 0; i < u->nr; i++) {
		const UnixSkEntry *e = u->sk[i].e;

		for (size_t j = 0; j < e->n_pending; j++) {
			struct usk *c = find(u, e->pending[j]);
			struct sk_label l;

			if (!c) {
				pr_err("%s: a connection waiting in its accept queue comes from a socket (inode %llu) that is not in the images",
				       label(e, &l), (unsigned long long)e->pending[j]);
				return -EINVAL;
			}
			c->waits_on = &u->sk[i];
		}
	}
	return 0;
}

/* socket() or socketpair() for s (and its peer), as sk-unix.h says. */
static int make_socket(struct sk_unix_rst *u, struct usk *s, const char **what)
{
	const UnixSkEntry *e = s->e;
	struct usk *p = e->has_peer_ino ? find(u, e->peer_ino) : NULL;
	/*
	 * A datagram socket's state says nothing: the kernel marks the target
	 * of a connect() established too. Only peers connected to each other
	 * are a pair; one whose peer was closed comes back unconnected.
	 */
	bool pair = e->type == SOCK_DGRAM ?
		    p && p->e->has_peer_ino && p->e->peer_ino == e->ino :
		    e->state == TCP_ESTABLISHED;
	int sv[2];

	if (s->fd >= 0)
		return 0;
	if (s->waits_on)
		pair = false;
	else if (e->has_peer_ino && !p) {
		*what = "its peer is not in the images";
		return -ENOENT;
	}
	if (!pair) {
		*what = "cannot create it";
		s->fd = socket(AF_UNIX, (int)e->type | SOCK_CLOEXEC, 0);
		return s->fd < 0 ? -errno : 0;
	}
	*what = "cannot create it as a pair (socketpair)";
	if (p && p->fd >= 0) {
		*what = "its peer is connected to another socket";
		return -EINVAL;
	}
	if (socketpair(AF_UNIX, (int)e->type | SOCK_CLOEXEC, 0, sv))
		return -errno;
	s->fd = sv[0];
	if (p) {
		p->fd = sv[1];
		p->pair = s;
		s->pair = p;
	} else {
		s->far = sv[1];
	}
	return 0;
}

/* Bind s to its name; a stale socket file (and only a socket) at the path goes first. */
static int bind_name(struct usk *s, const char **what)
{
	const UnixSkEntry *e = s->e;
	struct sockaddr_un sa;
	struct stat st;
	socklen_t len;
	int ret;

	*what = "has a name too long to bind";
	if (make_addr(e, &sa, &len))
		return -ENAMETOOLONG;
	if (is_path(e) && lstat(sa.sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*what = "cannot be bound: its path exists and is not a socket";
			return -EEXIST;
		}
		if (e->has_name_gone && e->name_gone) {
			*what = "cannot be bound: its path (removed since it was bound) belongs to another socket now";
			return -EEXIST;
		}
		*what = "cannot remove the stale socket file at its path";
		if (unlink(sa.sun_path) && errno != ENOENT)
			return -errno;
	}
	*what = "cannot bind it";
	ret = bind_as_bound(s->fd, e);
	if (ret)
		return ret;
	if (is_path(e) && lstat(sa.sun_path, &st) == 0)
		s->file_ino = st.st_ino;
	if (e->state == TCP_LISTEN) {
		*what = "cannot listen";
		if (listen(s->fd, e->has_backlog ? (int)e->backlog : SOMAXCONN))
			return -errno;
	}
	return 0;
}

/* A listener's accept queue: its clients connect again, in the order they waited. */
static int connect_waiting(struct sk_unix_rst *u, struct usk *s, const char **what)
{
	struct sockaddr_un sa;
	socklen_t len;

	*what = "cannot queue the connections that waited to be accepted";
	if (make_addr(s->e, &sa, &len))
		return -EINVAL;
	for (size_t i = 0; i < s->e->n_pending; i++) {
		struct usk *c = find(u, s->e->pending[i]);

		if (connect(c->fd, (struct sockaddr *)&sa, len))
			return -errno;
	}
	return 0;
}

/* A datagram socket connected to a peer that is not connected back: connect to its name. */
static int connect_peer(struct sk_unix_rst *u, struct usk *s, const char **what)
{
	struct usk *p = find(u, s->e->peer_ino);
	struct sockaddr_un sa;
	socklen_t len;

	*what = "cannot connect it to its peer, which has no name";
	if (!p || make_addr(p->e, &sa, &len))
		return -EINVAL;
	*what = "cannot connect it to its peer";
	return connect(s->fd, (struct sockaddr *)&sa, len) ? -errno : 0;
}

static size_t queue_bytes(const UnixSkEntry *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n_queue; i++)
		n += e->queue[i].len;
	return n;
}

/* Make room in sender's buffer for what it writes back (its own size comes back later). */
static void grow_sndbuf(int fd, size_t bytes)
{
	int cur = 0, want;
	socklen_t len = sizeof(cur);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &len) ||
	    bytes * 2 + SNDBUF_SLACK > (size_t)INT32_MAX / 2)
		return;
	want = (int)(bytes * 2 + SNDBUF_SLACK);
	if (want > cur)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want));
}

static int send_all(int fd, const ProtobufCBinaryData *m, bool stream,
		    const struct sockaddr_un *to, socklen_t tolen)
{
	size_t done = 0;

	do {
		ssize_t n = sendto(fd, m->data + done, m->len - done, MSG_DONTWAIT | MSG_NOSIGNAL,
				   (const struct sockaddr *)to, to ? tolen : 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	} while (stream && done < m->len);
	return 0;
}

/*
 * Write s's receive queue back, from its peer: the other end of its pair,
 * the peer it is connected to (addressing s by name), or, for a bound
 * datagram socket connected to nobody, a socket made for the purpose.
 */
static int refill(struct sk_unix_rst *u, struct usk *s, const char **what)
{
	const UnixSkEntry *e = s->e;
	struct usk *p = e->has_peer_ino ? find(u, e->peer_ino) : NULL;
	struct sockaddr_un sa, *to = NULL;
	socklen_t len = 0;
	int from = -1, own = -1, ret = 0;

	if (!e->n_queue)
		return 0;
	*what = "cannot write its queue back: nothing can send to it";
	if (s->far >= 0)
		from = s->far;
	else if (s->pair)
		from = s->pair->fd;
	else if (e->type == SOCK_DGRAM && !make_addr(e, &sa, &len)) {
		to = &sa;
		if (p) {
			from = p->fd;	/* connected: only its peer may send to it */
		} else {
			own = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (own < 0)
				return -errno;
			from = own;
		}
	}
	if (from < 0)
		return -EINVAL;
	grow_sndbuf(from, queue_bytes(e));
	*what = "cannot write its queue back";
	for (size_t i = 0; i < e->n_queue && !ret; i++)
		ret = send_all(from, &e->queue[i], e->type == SOCK_STREAM, to, len);
	if (own >= 0)
		close(own);
	return ret;
}

static int setint(int fd, int name, int v)
{
	return setsockopt(fd, SOL_SOCKET, name, &v, sizeof(v)) ? -errno : 0;
}

static int settime(int fd, int name, uint64_t us)
{
	struct timeval tv = { .tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000) };

	return setsockopt(fd, SOL_SOCKET, name, &tv, sizeof(tv)) ? -errno : 0;
}

/* A buffer size as getsockopt gave it (twice what was asked): above the sysctl limit with FORCE. */
static int set_bufsize(int fd, int force, int plain, uint32_t got)
{
	int half = (int)(got / 2);

	return setint(fd, force, half) ? setint(fd, plain, half) : 0;
}

static int set_opts(const struct usk *s, const char **what)
{
	const UnixSkOpts *o = s->e->opts;
	int fd = s->fd, ret = 0;

	if (!o)
		return 0;
	*what = "cannot set its options";
	if (!ret && o->has_passcred && o->passcred)
		ret = setint(fd, SO_PASSCRED, 1);
	if (!ret && o->has_passsec && o->passsec)
		ret = setint(fd, SO_PASSSEC, 1);
	if (!ret && o->has_sndbuf)
		ret = set_bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF, o->sndbuf);
	if (!ret && o->has_rcvbuf)
		ret = set_bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF, o->rcvbuf);
	if (!ret && o->has_rcvtimeo_us && o->rcvtimeo_us)
		ret = settime(fd, SO_RCVTIMEO, o->rcvtimeo_us);
	if (!ret && o->has_sndtimeo_us && o->sndtimeo_us)
		ret = settime(fd, SO_SNDTIMEO, o->sndtimeo_us);
	if (!ret && o->has_peek_off && o->peek_off >= 0)
		ret = setint(fd, SO_PEEK_OFF, o->peek_off);
	return ret;
}

/* Options, shutdown, file flags and the socket file: the last touches, once every queue is in. */
static int finish(struct usk *s, const char **what)
{
	const UnixSkEntry *e = s->e;
	struct sockaddr_un sa;
	struct stat st;
	socklen_t len;
	int ret = set_opts(s, what);

	if (ret)
		return ret;
	*what = "cannot shut it down as it was";
	if (e->has_shutdown && (e->shutdown & 3) && shutdown(s->fd, (int)(e->shutdown & 3) - 1) &&
	    errno != ENOTCONN)
		return -errno;
	*what = "cannot set its file flags";
	if (e->has_flags && fcntl(s->fd, F_SETFL, (int)e->flags) < 0)
		return -errno;
	if (s->far >= 0) {
		close(s->far);
		s->far = -1;
	}
	if (!needs_bind(e) || !is_path(e) || make_addr(e, &sa, &len))
		return 0;
	if (e->has_name_gone && e->name_gone) {
		/* Ours only: another socket of the tree may have been bound to the path since. */
		*what = "cannot remove its socket file again";
		if (lstat(sa.sun_path, &st) || st.st_ino != s->file_ino)
			return 0;
		return unlink(sa.sun_path) ? -errno : 0;
	}
	*what = "cannot give its socket file its mode and owner";
	if (e->has_file_mode && chmod(sa.sun_path, e->file_mode))
		return -errno;
	if (e->has_file_uid && e->has_file_gid && chown(sa.sun_path, e->file_uid, e->file_gid))
		return -errno;
	return 0;
}

enum step { MAKE, BIND, CONNECT, REFILL, FINISH, NR_STEPS };

static int run_step(struct sk_unix_rst *u, struct usk *s, enum step step, const char **what)
{
	const UnixSkEntry *e = s->e;

	switch (step) {
	case MAKE:
		return make_socket(u, s, what);
	case BIND:
		return needs_bind(e) ? bind_name(s, what) : 0;
	case CONNECT:
		if (e->n_pending)
			return connect_waiting(u, s, what);
		return e->type == SOCK_DGRAM && e->has_peer_ino && !s->pair ? connect_peer(u, s, what) : 0;
	case REFILL:
		return refill(u, s, what);
	case FINISH:
		return finish(s, what);
	default:
		return 0;
	}
}

int sk_unix_prepare(struct restore_ctx *ctx)
{
	struct sk_unix_rst *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	ctx->unix_sk = u;
	ret = collect(ctx, u);
	/* Each step for every socket before the next: peers exist before they are connected to. */
	for (int step = MAKE; step < NR_STEPS && !ret; step++) {
		for (size_t i = 0; i < u->nr && !ret; i++) {
			const char *what = "cannot restore it";
			struct sk_label l;

			ret = run_step(u, &u->sk[i], (enum step)step, &what);
			if (ret)
				pr_err_rc(ret, "%s: %s", label(u->sk[i].e, &l), what);
		}
	}
	if (!ret && u->nr)
		pr_info("%zu unix socket(s) made for the tree", u->nr);
	if (ret)
		sk_unix_release(ctx);
	return ret;
}

void sk_unix_release(struct restore_ctx *ctx)
{
	struct sk_unix_rst *u = ctx->unix_sk;

	if (!u)
		return;
	for (size_t i = 0; i < u->nr; i++) {
		if (u->sk[i].fd >= 0)
			close(u->sk[i].fd);
		if (u->sk[i].far >= 0)
			close(u->sk[i].far);
	}
	free(u->sk);
	free(u);
	ctx->unix_sk = NULL;
}

int sk_unix_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what)
{
	const struct usk *s = fe->unix_sk ? find(ctx->unix_sk, fe->unix_sk->ino) : NULL;
	int fd;

	*what = "the socket was not made by lmig";
	if (!s || s->fd < 0)
		return -ENOENT;
	*what = "cannot take the socket lmig made";
	fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}
