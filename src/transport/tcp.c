/*
 * The tcp back end: plain blocking sockets. A frame goes out in one
 * sendmsg (header and page data as one iovec list, straight from the
 * caller's memory); receives use MSG_WAITALL straight into the
 * destination.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/backend.h"
#include "transport/sock.h"

struct tcp_link {
	struct tp_link base;
	int fd;
};

struct tcp_lis {
	struct tp_blis base;
	int fd;
};

static int tcp_probe(const char **why)
{
	*why = "plain TCP sockets";
	return 0;
}

static int tcp_listen(const char *addr, uint16_t port, unsigned int timeout_ms,
		      struct tp_blis **out)
{
	struct tcp_lis *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	rc = sock_listen(addr, port, &l->fd, &l->base.port, l->base.name,
			 sizeof(l->base.name));
	if (rc) {
		free(l);
		return rc;
	}
	l->base.be = &tp_tcp_backend;
	l->base.timeout_ms = timeout_ms;
	*out = &l->base;
	return 0;
}

static struct tcp_link *link_new(int fd, unsigned int timeout_ms)
{
	struct tcp_link *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->base.be = &tp_tcp_backend;
	k->base.timeout_ms = timeout_ms;
	k->fd = fd;
	return k;
}

static int tcp_accept(struct tp_blis *bl, struct tp_link **out)
{
	struct tcp_lis *l = (struct tcp_lis *)bl;
	char peer[SOCK_NAME_LEN];
	struct tcp_link *k;
	int fd, rc;

	rc = sock_accept(l->fd, bl->timeout_ms, &fd, peer, sizeof(peer));
	if (rc)
		return rc;
	k = link_new(fd, bl->timeout_ms);
	if (!k) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(k->base.peer, peer, sizeof(peer));
	*out = &k->base;
	return 0;
}

static void tcp_listen_close(struct tp_blis *bl)
{
	struct tcp_lis *l = (struct tcp_lis *)bl;

	close(l->fd);
	free(l);
}

static int tcp_connect(const char *host, uint16_t port, unsigned int timeout_ms,
		       struct tp_link **out)
{
	char peer[SOCK_NAME_LEN];
	struct tcp_link *k;
	int fd, rc;

	rc = sock_connect(host, port, timeout_ms, &fd, peer, sizeof(peer));
	if (rc)
		return rc;
	k = link_new(fd, timeout_ms);
	if (!k) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(k->base.peer, peer, sizeof(peer));
	*out = &k->base;
	return 0;
}

/* SO_SNDTIMEO/SO_RCVTIMEO make a stuck peer show up as EAGAIN. */
static int sock_err(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
}

static int tcp_sendv(struct tp_link *bk, const struct iovec *iov, int iovcnt, size_t total)
{
	struct tcp_link *k = (struct tcp_link *)bk;
	struct iovec local[IOV_MAX];
	struct msghdr mh = { .msg_iov = local };
	int n = iovcnt < IOV_MAX ? iovcnt : IOV_MAX;

	/* A short write leaves the rest in local[], advanced in place. */
	memcpy(local, iov, (size_t)n * sizeof(*iov));
	mh.msg_iovlen = (size_t)n;
	while (total > 0) {
		ssize_t w = sendmsg(k->fd, &mh, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return sock_err();
		}
		total -= (size_t)w;
		while (w > 0 && mh.msg_iovlen > 0) {
			size_t l = mh.msg_iov->iov_len;

			if ((size_t)w < l) {
				mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + w;
				mh.msg_iov->iov_len = l - (size_t)w;
				break;
			}
			w -= (ssize_t)l;
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

static ssize_t tcp_recv(struct tp_link *bk, void *buf, size_t len)
{
	struct tcp_link *k = (struct tcp_link *)bk;
	ssize_t r;

	do
		r = recv(k->fd, buf, len, MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? sock_err() : r;
}

static int tcp_sockfd(struct tp_link *bk)
{
	return ((struct tcp_link *)bk)->fd;
}

static void tcp_close(struct tp_link *bk)
{
	struct tcp_link *k = (struct tcp_link *)bk;

	close(k->fd);
	free(k);
}

const struct tp_backend tp_tcp_backend = {
	.name = "tcp",
	.probe = tcp_probe,
	.listen = tcp_listen,
	.accept = tcp_accept,
	.listen_close = tcp_listen_close,
	.connect = tcp_connect,
	.sendv = tcp_sendv,
	.recv = tcp_recv,
	.close = tcp_close,
	.sockfd = tcp_sockfd,
};
