#define LOG_PREFIX "dump-sk-unix: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "image/image.h"
#include "dump/sk-unix-queue.h"

/* The most queued data one socket may carry in its record. */
#define QUEUE_MAX		(IMG_MAX_RECORD / 2)
/* First buffer for one peek; a larger datagram grows it. */
#define PEEK_CHUNK		(64 * 1024)
/* Room for the most fds one SCM_RIGHTS message carries (SCM_MAX_FD). */
#define FDS_IN_FLIGHT_MAX	253

static int push_msg(struct unix_queue *uq, const uint8_t *data, size_t len)
{
	ProtobufCBinaryData *q = realloc(uq->msgs, (uq->nr + 1) * sizeof(*q));
	uint8_t *copy = malloc(len ? len : 1);

	if (q)
		uq->msgs = q;
	if (!q || !copy) {
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, data, len);
	q[uq->nr].data = copy;
	q[uq->nr].len = len;
	uq->nr++;
	return 0;
}

/* SCM_RIGHTS in what a peek gave: the fds we got are closed; true when there were any. */
static bool fds_in_flight(struct msghdr *mh)
{
	bool found = (mh->msg_flags & MSG_CTRUNC) != 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		found = true;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
		}
	}
	return found;
}

/* unix_queue_peek() but for SO_PEEK_OFF, which the caller puts back. */
static int peek_all(int lfd, int type, bool rd_shut, struct unix_queue *uq, const char **what)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_IN_FLIGHT_MAX)];
		struct cmsghdr align;
	} ctl;
	size_t cap = PEEK_CHUNK, off = 0, total = 0;
	uint8_t *buf = malloc(cap);
	bool stream = type == SOCK_STREAM;
	int zero = 0, ret = 0;

	*what = "cannot read its queue";
	if (!buf)
		return -ENOMEM;
	if (setsockopt(lfd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero))) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		struct iovec iov = { buf + (stream ? total : 0), cap - (stream ? total : 0) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		/* MSG_TRUNC: a datagram's whole length, even when larger than the buffer. */
		ssize_t n = recvmsg(lfd, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC |
				    (stream ? 0 : MSG_TRUNC));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (fds_in_flight(&mh)) {
			*what = "has file descriptors in flight in its queue: not supported";
			ret = -ENOTSUP;
			goto out;
		}
		/* A stream at its end; a datagram socket shut down for reading with nothing left. */
		if (n == 0 && (stream || rd_shut))
			break;
		if (!stream && (size_t)n > cap) {
			/* Larger than the buffer: peek it again, whole. */
			int at = (int)off;
			uint8_t *nb = realloc(buf, (size_t)n);

			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = (size_t)n;
			if (setsockopt(lfd, SOL_SOCKET, SO_PEEK_OFF, &at, sizeof(at))) {
				ret = -errno;
				goto out;
			}
			continue;
		}
		total += (size_t)n;
		off += (size_t)n;
		if (total > QUEUE_MAX) {
			*what = "has more queued data than an image record holds";
			ret = -EFBIG;
			goto out;
		}
		if (!stream) {
			ret = push_msg(uq, buf, (size_t)n);
			if (ret)
				goto out;
		} else if (total == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (stream && total)
		ret = push_msg(uq, buf, total);
out:
	free(buf);
	return ret;
}

int unix_queue_peek(int lfd, int type, bool rd_shut, struct unix_queue *uq, const char **what)
{
	socklen_t len = sizeof(int);
	int old, ret;

	memset(uq, 0, sizeof(*uq));
	*what = "cannot read its SO_PEEK_OFF";
	if (getsockopt(lfd, SOL_SOCKET, SO_PEEK_OFF, &old, &len))
		return -errno;
	ret = peek_all(lfd, type, rd_shut, uq, what);
	if (setsockopt(lfd, SOL_SOCKET, SO_PEEK_OFF, &old, sizeof(old)) && !ret) {
		ret = -errno;
		*what = "cannot put its SO_PEEK_OFF back";
	}
	if (ret)
		unix_queue_free(uq);
	return ret;
}

void unix_queue_free(struct unix_queue *uq)
{
	for (size_t i = 0; i < uq->nr; i++)
		free(uq->msgs[i].data);
	free(uq->msgs);
	uq->msgs = NULL;
	uq->nr = 0;
}
