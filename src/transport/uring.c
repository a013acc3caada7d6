/*
 * The uring back end: the same TCP sockets as tcp.c (sock.c sets them
 * up), with the bytes moved by io_uring.
 *
 * A frame's pieces (header, then the caller's page segments) go out as
 * one batch of linked send requests in a single submission. Large
 * pieces use IORING_OP_SEND_ZC when the kernel has it (probed once per
 * link; a refusal at run time turns it off quietly for that link), so
 * that the caller's pages are not copied into the socket; the call
 * returns only after the kernel's notifications say it is done with
 * them. transport.c's own long-lived buffers (headers, LZ4 data) are
 * registered with the ring: sends from them use the fixed-buffer
 * variant, receives into them IORING_OP_READ_FIXED.
 */
#include "config.h"

#include <errno.h>
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

struct uring_link {
	struct tp_link base;
	int fd;
	struct io_uring ring;
	bool zc;		/* IORING_OP_SEND_ZC usable */
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

static int wait_cqe(struct uring_link *k, unsigned int ms, struct io_uring_cqe **cqe)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	int rc;

	do
		rc = io_uring_wait_cqe_timeout(&k->ring, cqe, &ts);
	while (rc == -EINTR);
	return rc == -ETIME ? -ETIMEDOUT : rc;
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

/* One piece of a send batch. */
struct piece {
	const uint8_t *p;
	size_t len;
	ssize_t res;
};

static void prep_piece(struct uring_link *k, struct io_uring_sqe *sqe, const struct piece *pc)
{
	if (k->zc && pc->len >= URING_ZC_MIN) {
		if (in_fixed(k, pc->p, pc->len))
			io_uring_prep_send_zc_fixed(sqe, k->fd, pc->p, pc->len, MSG_WAITALL, 0, 0);
		else
			io_uring_prep_send_zc(sqe, k->fd, pc->p, pc->len, MSG_WAITALL, 0);
	} else {
		io_uring_prep_send(sqe, k->fd, pc->p, pc->len, MSG_WAITALL);
	}
}

/*
 * Send pieces[0..n) as one linked batch. Returns the number of pieces
 * sent whole (a short or failed one ends the chain: the caller goes on
 * from there) or -errno.
 */
static int send_batch(struct uring_link *k, struct piece *pcs, int n)
{
	unsigned int inflight = 0;	/* CQEs still to come, notifications included */
	int i, rc, done;

	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&k->ring);

		prep_piece(k, sqe, &pcs[i]);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		if (i < n - 1)
			sqe->flags |= IOSQE_IO_LINK;
		pcs[i].res = -ECANCELED;
	}
	rc = io_uring_submit(&k->ring);
	if (rc < 0)
		return rc;
	inflight = (unsigned int)n;
	while (inflight > 0) {
		struct io_uring_cqe *cqe;

		rc = wait_cqe(k, k->base.timeout_ms, &cqe);
		if (rc) {
			drain(k, inflight);
			return rc;
		}
		/*
		 * A zero-copy send posts its result with F_MORE, then a
		 * notification (F_NOTIF) once the kernel lets go of the
		 * buffer: only that one ends the piece.
		 */
		if (!(cqe->flags & IORING_CQE_F_NOTIF)) {
			i = (int)io_uring_cqe_get_data64(cqe);
			if (i >= 0 && i < n)
				pcs[i].res = cqe->res;
		}
		if (!(cqe->flags & IORING_CQE_F_MORE))
			inflight--;
		io_uring_cqe_seen(&k->ring, cqe);
	}
	for (done = 0; done < n; done++) {
		struct piece *pc = &pcs[done];

		if (pc->res == (ssize_t)pc->len)
			continue;
		if (pc->res >= 0) {
			pc->p += pc->res;
			pc->len -= (size_t)pc->res;
			break;
		}
		if (k->zc && pc->len >= URING_ZC_MIN &&
		    (pc->res == -EOPNOTSUPP || pc->res == -EINVAL)) {
			/* This socket or kernel does not do it: copy instead. */
			k->zc = false;
			break;
		}
		if (pc->res == -EINTR || pc->res == -EAGAIN)
			break;
		return pc->res == -EPIPE || pc->res == -ECONNRESET ? -EPIPE : (int)pc->res;
	}
	return done;
}

static int uring_sendv(struct tp_link *bk, const struct iovec *iov, int iovcnt, size_t total)
{
	struct uring_link *k = (struct uring_link *)bk;
	struct piece pcs[URING_ENTRIES];
	int i = 0, n = 0, rc;

	(void)total;
	while (i < iovcnt || n > 0) {
		/* Refill the batch behind what is left of the last one. */
		while (n < (int)URING_ENTRIES && i < iovcnt) {
			if (iov[i].iov_len) {
				pcs[n].p = iov[i].iov_base;
				pcs[n].len = iov[i].iov_len;
				n++;
			}
			i++;
		}
		if (n == 0)
			break;
		rc = send_batch(k, pcs, n);
		if (rc < 0)
			return rc;
		memmove(pcs, pcs + rc, (size_t)(n - rc) * sizeof(*pcs));
		n -= rc;
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
	do
		rc = io_uring_submit(&k->ring);
	while (rc == -EINTR);
	if (rc < 0)
		return rc;
	rc = wait_cqe(k, k->base.timeout_ms, &cqe);
	if (rc) {
		drain(k, 1);
		return rc;
	}
	rc = cqe->res;
	io_uring_cqe_seen(&k->ring, cqe);
	return rc == -EINTR || rc == -EAGAIN ? -ETIMEDOUT : rc;
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
};
