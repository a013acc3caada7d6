/*
 * TCP socket set-up shared by the tcp and uring back ends.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/sock.h"

/* Big enough to keep a 10+ Gbit/s link busy across a few ms of RTT. */
#define SOCK_BUF_BYTES (8 << 20)

static void sock_name(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		snprintf(buf, len, "?");
	}
}

int sock_wait(int fd, short events, unsigned int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return 0;
}

/*
 * Frames are written whole in one sendmsg, so Nagle would only delay
 * the small ones (RESULT, COMMIT) that someone waits for: turn it off.
 * Big buffers keep the pipe full; the FORCE variants pass the sysctl
 * caps when we may (root), else the plain ones are capped quietly.
 */
static void sock_tune(int fd, unsigned int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	int one = 1, sz = SOCK_BUF_BYTES;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Blocking sends and receives are bounded: EAGAIN after this long. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int resolve(const char *host, uint16_t port, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP };
	char serv[8];
	int rc;

	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(host, serv, &hints, res);
	if (rc == EAI_SYSTEM)
		return -errno;
	if (rc)
		return -EHOSTUNREACH;
	return 0;
}

int sock_listen(const char *addr, uint16_t port, int *fd, uint16_t *bound_port,
		char *name, size_t namelen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct addrinfo *res, *ai;
	int s = -1, rc, one = 1;

	rc = resolve(addr, port, true, &res);
	if (rc)
		return rc;
	rc = -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0) {
			rc = -errno;
			continue;
		}
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 && listen(s, 8) == 0)
			break;
		rc = -errno;
		close(s);
		s = -1;
	}
	freeaddrinfo(res);
	if (s < 0)
		return rc;
	if (getsockname(s, (struct sockaddr *)&ss, &sl)) {
		rc = -errno;
		close(s);
		return rc;
	}
	sock_name((struct sockaddr *)&ss, name, namelen);
	*bound_port = ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&ss)->sin6_port :
			    ((struct sockaddr_in *)&ss)->sin_port);
	*fd = s;
	return 0;
}

int sock_accept(int lfd, unsigned int timeout_ms, int *fd, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int rc, s;

	rc = sock_wait(lfd, POLLIN, timeout_ms);
	if (rc)
		return rc;
	s = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (s < 0)
		return -errno;
	sock_name((struct sockaddr *)&ss, peer, peerlen);
	sock_tune(s, timeout_ms);
	*fd = s;
	return 0;
}

static int connect_one(const struct addrinfo *ai, unsigned int timeout_ms, int *fd)
{
	int s, rc, err = 0;
	socklen_t el = sizeof(err);

	s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		   ai->ai_protocol);
	if (s < 0)
		return -errno;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
		rc = -errno;
		goto err;
	}
	rc = sock_wait(s, POLLOUT, timeout_ms);
	if (rc)
		goto err;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el)) {
		rc = -errno;
		goto err;
	}
	if (err) {
		rc = -err;
		goto err;
	}
	if (fcntl(s, F_SETFL, 0)) {
		rc = -errno;
		goto err;
	}
	*fd = s;
	return 0;
err:
	close(s);
	return rc;
}

int sock_connect(const char *host, uint16_t port, unsigned int timeout_ms, int *fd,
		 char *peer, size_t peerlen)
{
	struct addrinfo *res, *ai;
	int rc;

	rc = resolve(host, port, false, &res);
	if (rc)
		return rc;
	rc = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		rc = connect_one(ai, timeout_ms, fd);
		if (rc == 0) {
			sock_name(ai->ai_addr, peer, peerlen);
			sock_tune(*fd, timeout_ms);
			break;
		}
	}
	freeaddrinfo(res);
	return rc;
}
