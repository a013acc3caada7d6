/*
 * The uring back end: the same TCP sockets as tcp.c (sock.c sets them
 * up), with the bytes moved by io_uring.
 *
 * A frame (header and the caller's page segments) goes out as one
 * SENDMSG request. Large frames start as SENDMSG_ZC, so that the
 * caller's pages are not copied into the socket on a NIC that can send
 * from them; the call returns only after the kernel's notification says
 * it is done with them (the caller's buffers are free on return). When
 * a notification reports that the kernel copied the data anyway (veth,
 * loopback), the link sends by copying from then on: there zero-copy
 * only adds a notification per frame. transport.c's own long-lived
 * buffers (headers) are registered with the ring: receives into them
 * use IORING_OP_READ_FIXED.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>

#include "transport/backend.h"
#include "transport/sock.h"

#define URING_ENTRIES	64u
#define URING_ZC_MIN	(16u << 10)	/* smaller pieces are cheaper to copy */
#define URING_DRAIN_MS	1000u
/*
 * IORING_SEND_ZC_REPORT_USAGE and IORING_NOTIF_USAGE_ZC_COPIED (Linux
 * 6.2): the installed <linux/io_uring.h> has them, liburing 2.3's own
 * copy of it does not. An older kernel refuses the flag (-EINVAL) and
 * the link then copies.
 */
#define URING_ZC_REPORT_USAGE	(1u << 3)
#define URING_ZC_COPIED		(1u << 31)

struct uring_link {
	struct tp_link base;
	int fd;
	struct io_uring ring;
	bool zc;		/* IORING_OP_SEND_ZC usable */
	bool no_waitall;	/* kernel TLS on the socket: sends without MSG_WAITALL */
	bool fixed;		/* reg_base..+reg_len is registered as buffer 0 */
	uint8_t *reg_base;
	size_t reg_len;
};

struct uring_lis {
	struct tp_blis base;
	int fd;
};

static int uring_probe(const char **why)
{
	struct io_uring_probe *p = io_uring_get_probe();
	bool ok;

	if (!p) {
		*why = "uring: io_uring is not available (kernel or seccomp)";
		return -ENODEV;
	}
	ok = io_uring_opcode_supported(p, IORING_OP_SEND) &&
	     io_uring_opcode_supported(p, IORING_OP_RECV);
	io_uring_free_probe(p);
	if (!ok) {
		*why = "uring: io_uring lacks SEND/RECV (kernel older than 5.6)";
		return -ENODEV;
	}
	*why = "io_uring over TCP sockets";
	return 0;
}

static int uring_listen(const char *addr, uint16_t port, unsigned int timeout_ms,
			struct tp_blis **out)
{
	struct uring_lis *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	rc = sock_listen(addr, port, &l->fd, &l->base.port, l->base.name,
			 sizeof(l->base.name));
	if (rc) {
		free(l);
		return rc;
	}
	l->base.be = &tp_uring_backend;
	l->base.timeout_ms = timeout_ms;
	*out = &l->base;
	return 0;
}

static void uring_listen_close(struct tp_blis *bl)
{
	struct uring_lis *l = (struct uring_lis *)bl;

	close(l->fd);
	free(l);
}

static int link_new(int fd, unsigned int timeout_ms, const char *peer, struct tp_link **out)
{
	struct uring_link *k = calloc(1, sizeof(*k));
	struct io_uring_probe *p;
	int rc;

	if (!k) {
		close(fd);
		return -ENOMEM;
	}
	/*
	 * Completion work runs when we enter the kernel to wait, not as an
	 * interrupt of whatever we are doing (5.19); older kernels refuse
	 * the flag.
	 */
	rc = io_uring_queue_init(URING_ENTRIES, &k->ring, IORING_SETUP_COOP_TASKRUN);
	if (rc == -EINVAL)
		rc = io_uring_queue_init(URING_ENTRIES, &k->ring, 0);
	if (rc) {
		close(fd);
		free(k);
		return rc;
	}
	p = io_uring_get_probe_ring(&k->ring);
	k->zc = p && io_uring_opcode_supported(p, IORING_OP_SEND_ZC);
	if (p)
		io_uring_free_probe(p);
	k->base.be = &tp_uring_backend;
	k->base.timeout_ms = timeout_ms;
	strncpy(k->base.peer, peer, sizeof(k->base.peer) - 1);
	k->fd = fd;
	*out = &k->base;
	return 0;
}

static int uring_accept(struct tp_blis *bl, struct tp_link **out)
{
	struct uring_lis *l = (struct uring_lis *)bl;
	char peer[SOCK_NAME_LEN];
	int fd, rc;

	rc = sock_accept(l->fd, bl->timeout_ms, &fd, peer, sizeof(peer));
	return rc ? rc : link_new(fd, bl->timeout_ms, peer, out);
}

static int uring_connect(const char *host, uint16_t port, unsigned int timeout_ms,
			 struct tp_link **out)
{
	char peer[SOCK_NAME_LEN];
	int fd, rc;

	rc = sock_connect(host, port, timeout_ms, &fd, peer, sizeof(peer));
	return rc ? rc : link_new(fd, timeout_ms, peer, out);
}

static int uring_register(struct tp_link *bk, const struct iovec *bufs, int nr)
{
	struct uring_link *k = (struct uring_link *)bk;
	int rc;

	if (nr != 1 || k->fixed)
		return -EINVAL;
	rc = io_uring_register_buffers(&k->ring, bufs, 1);
	if (rc)
		return rc;
	k->fixed = true;
	k->reg_base = bufs[0].iov_base;
	k->reg_len = bufs[0].iov_len;
	return 0;
}

static bool in_fixed(const struct uring_link *k, const void *p, size_t len)
{
	const uint8_t *b = p;

	return k->fixed && b >= k->reg_base && len <= k->reg_len &&
	       (size_t)(b - k->reg_base) <= k->reg_len - len;
}

static struct __kernel_timespec ms_ts(unsigned int ms)
{
	return (struct __kernel_timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
}

static int wait_cqe(struct uring_link *k, unsigned int ms, struct io_uring_cqe **cqe)
{
	struct __kernel_timespec ts = ms_ts(ms);
	int rc;

	do
		rc = io_uring_wait_cqe_timeout(&k->ring, cqe, &ts);
	while (rc == -EINTR);
	return rc == -ETIME ? -ETIMEDOUT : rc;
}

/*
 * Submit what is queued and wait (bounded) for the first completion,
 * in one system call where the kernel allows it.
 */
static int submit_wait(struct uring_link *k, struct io_uring_cqe **cqe)
{
	struct __kernel_timespec ts = ms_ts(k->base.timeout_ms);
	int rc;

	*cqe = NULL;
	rc = io_uring_submit_and_wait_timeout(&k->ring, cqe, 1, &ts, NULL);
	if (rc == -ETIME)
		return -ETIMEDOUT;
	if (rc >= 0 && *cqe)
		return 0;
	if (rc < 0 && rc != -EINTR && rc != -EAGAIN)
		return rc;
	/* Submitted, not yet complete (or interrupted): wait for it. */
	return wait_cqe(k, k->base.timeout_ms, cqe);
}

/*
 * After a timeout requests may still point at the caller's buffers:
 * shut the socket so that they fail, and reap them (bounded). The link
 * is unusable afterwards, which the caller knows from the error.
 */
static void drain(struct uring_link *k, unsigned int inflight)
{
	struct io_uring_cqe *cqe;

	shutdown(k->fd, SHUT_RDWR);
	while (inflight > 0 && wait_cqe(k, URING_DRAIN_MS, &cqe) == 0) {
		if (!(cqe->flags & IORING_CQE_F_MORE))
			inflight--;
		io_uring_cqe_seen(&k->ring, cqe);
	}
}

/*
 * Submit the send queued and wait for it to end: its result, and for a
 * zero-copy send also its notification (the kernel is done with the
 * buffers only then). Returns the send's result (bytes or -errno), or
 * -ETIMEDOUT (after drain()).
 */
static int reap_send(struct uring_link *k, bool zc)
{
	unsigned int inflight = zc ? 2 : 1;
	bool first = true;
	int res = -ECANCELED, rc;

	while (inflight > 0) {
		struct io_uring_cqe *cqe;

		rc = first ? submit_wait(k, &cqe) : wait_cqe(k, k->base.timeout_ms, &cqe);
		first = false;
		if (rc) {
			drain(k, inflight);
			return rc;
		}
		if (cqe->flags & IORING_CQE_F_NOTIF) {
			/* Copied anyway (veth, loopback): zero-copy only costs here. */
			if ((uint32_t)cqe->res & URING_ZC_COPIED)
				k->zc = false;
			inflight--;
		} else {
			res = cqe->res;
			/* No F_MORE: no notification will follow (the send failed). */
			inflight -= cqe->flags & IORING_CQE_F_MORE ? 1 : inflight;
		}
		io_uring_cqe_seen(&k->ring, cqe);
	}
	return res;
}

/*
 * A frame goes out as one SENDMSG request (header and pages in one
 * iovec list, MSG_WAITALL), submitted and waited for in one system call.
 * Large frames use SENDMSG_ZC while the link has zero-copy; its first
 * notification that says the kernel copied the data anyway turns it off
 * for the link (measured: on veth zero-copy costs more CPU and is slower
 * than copying; see docs/bench/transport.md).
 */
static int uring_sendv(struct tp_link *bk, const struct iovec *iov, int iovcnt, size_t total)
{
	struct uring_link *k = (struct uring_link *)bk;
	struct iovec local[IOV_MAX];
	struct msghdr mh = { .msg_iov = local };
	int n = iovcnt < IOV_MAX ? iovcnt : IOV_MAX;

	memcpy(local, iov, (size_t)n * sizeof(*iov));
	mh.msg_iovlen = (size_t)n;
	while (total > 0) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&k->ring);
		bool zc = k->zc && total >= URING_ZC_MIN;
		int flags = k->no_waitall ? MSG_NOSIGNAL : MSG_WAITALL | MSG_NOSIGNAL;
		int w;

		if (zc) {
			io_uring_prep_sendmsg_zc(sqe, k->fd, &mh, flags);
			sqe->ioprio |= URING_ZC_REPORT_USAGE;
		} else {
			io_uring_prep_sendmsg(sqe, k->fd, &mh, flags);
		}
		w = reap_send(k, zc);
		if (w < 0) {
			if (zc && (w == -EOPNOTSUPP || w == -EINVAL)) {
				/* This socket or kernel does not do it: copy instead. */
				k->zc = false;
				continue;
			}
			if (w == -EOPNOTSUPP && !k->no_waitall) {
				/* Kernel TLS (--tls) refuses MSG_WAITALL; short sends resume below. */
				k->no_waitall = true;
				continue;
			}
			if (w == -EINTR || w == -EAGAIN)
				continue;
			return w == -EPIPE || w == -ECONNRESET ? -EPIPE : w;
		}
		total -= (size_t)w;
		/* A short send leaves the rest in local[], advanced in place. */
		while (w > 0 && mh.msg_iovlen > 0) {
			size_t l = mh.msg_iov->iov_len;

			if ((size_t)w < l) {
				mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + w;
				mh.msg_iov->iov_len = l - (size_t)w;
				break;
			}
			w -= (int)l;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen == 0 && n < iovcnt) {
			/* More than IOV_MAX elements: go on with the next batch. */
			iov += n;
			iovcnt -= n;
			n = iovcnt < IOV_MAX ? iovcnt : IOV_MAX;
			memcpy(local, iov, (size_t)n * sizeof(*iov));
			mh.msg_iov = local;
			mh.msg_iovlen = (size_t)n;
		}
	}
	return 0;
}

static ssize_t uring_recv(struct tp_link *bk, void *buf, size_t len)
{
	struct uring_link *k = (struct uring_link *)bk;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&k->ring);
	struct io_uring_cqe *cqe;
	int rc;

	if (in_fixed(k, buf, len))
		io_uring_prep_read_fixed(sqe, k->fd, buf, (unsigned int)len, 0, 0);
	else
		io_uring_prep_recv(sqe, k->fd, buf, len, MSG_WAITALL);
	rc = submit_wait(k, &cqe);
	if (rc) {
		drain(k, 1);
		return rc;
	}
	rc = cqe->res;
	io_uring_cqe_seen(&k->ring, cqe);
	return rc == -EINTR || rc == -EAGAIN ? -ETIMEDOUT : rc;
}

static int uring_sockfd(struct tp_link *bk)
{
	return ((struct uring_link *)bk)->fd;
}

static void uring_close(struct tp_link *bk)
{
	struct uring_link *k = (struct uring_link *)bk;

	io_uring_queue_exit(&k->ring);
	close(k->fd);
	free(k);
}

const struct tp_backend tp_uring_backend = {
	.name = "uring",
	.probe = uring_probe,
	.listen = uring_listen,
	.accept = uring_accept,
	.listen_close = uring_listen_close,
	.connect = uring_connect,
	.register_bufs = uring_register,
	.sendv = uring_sendv,
	.recv = uring_recv,
	.close = uring_close,
	.sockfd = uring_sockfd,
};
