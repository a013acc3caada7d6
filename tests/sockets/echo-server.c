/*
 * The process the socket tests dump and restore: a TCP echo server on
 * ADDR PORT (one poll loop, one thread), optionally with UDP.
 *
 *   echo-server ADDR PORT READY_FILE [--slow] [--udp] [--udp-peer ADDR:PORT]
 *
 * --slow        read at most 1 KiB per connection every 20 ms (so that a
 *               client's data and FIN wait in the receive queue)
 * --udp         also echo UDP datagrams on PORT
 * --udp-peer    and send a copy of each on a UDP socket bound to PORT+1
 *               and connected to ADDR:PORT (the test checks its source)
 *
 * A connection whose client shut down its side is echoed to the end and
 * closed. Writes "READY\n" to READY_FILE once listening. Runs until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN	64
#define BUF_SIZE	(1 << 20)

struct conn {
	int fd;
	char *buf;		/* read, not yet echoed */
	size_t len;
	int eof;
};

static int parse_addr(const char *a, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int sock(const char *addr, int port, int type, struct sockaddr_storage *ss, socklen_t *len)
{
	int fd, one = 1;

	if (parse_addr(addr, port, ss, len))
		return -1;
	fd = socket(ss->ss_family, type | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)ss, *len))
		return -1;
	return fd;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct conn c[MAX_CONN];
	struct pollfd p[MAX_CONN + 3];
	struct sockaddr_storage ss, peer;
	socklen_t len, plen;
	int l, u = -1, up = -1, slow = 0, one = 1, idle = 30;
	char dgram[65536];
	FILE *ready;

	if (argc < 4) {
		fprintf(stderr, "usage: echo-server ADDR PORT READY_FILE [--slow] [--udp] [--udp-peer A:P]\n");
		return 2;
	}
	l = sock(argv[1], atoi(argv[2]), SOCK_STREAM, &ss, &len);
	if (l < 0 || listen(l, 64))
		die("listen");
	/* Options the restore must keep (checked by nobody but the dump's images). */
	setsockopt(l, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(l, SOL_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--slow")) {
			slow = 1;
		} else if (!strcmp(argv[i], "--udp")) {
			u = sock(argv[1], atoi(argv[2]), SOCK_DGRAM, &ss, &len);
			if (u < 0)
				die("udp");
		} else if (!strcmp(argv[i], "--udp-peer") && i + 1 < argc) {
			char *colon = strrchr(argv[++i], ':');

			if (!colon)
				return 2;
			*colon = '\0';
			up = sock(argv[1], atoi(argv[2]) + 1, SOCK_DGRAM, &ss, &len);
			if (up < 0 || parse_addr(argv[i], atoi(colon + 1), &peer, &plen) ||
			    connect(up, (struct sockaddr *)&peer, plen))
				die("udp peer");
		}
	}
	for (int i = 0; i < MAX_CONN; i++)
		c[i].fd = -1;
	ready = fopen(argv[3], "w");
	if (!ready || fprintf(ready, "READY\n") < 0 || fclose(ready))
		die(argv[3]);

	for (;;) {
		int n = 0;

		p[n++] = (struct pollfd){ .fd = l, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = u, .events = POLLIN };
		for (int i = 0; i < MAX_CONN; i++) {
			short ev = 0;

			if (c[i].fd >= 0) {
				/* Slow: read on the poll timeout only. */
				if (!c[i].eof && c[i].len < BUF_SIZE && !slow)
					ev |= POLLIN;
				if (c[i].len)
					ev |= POLLOUT;
			}
			p[n++] = (struct pollfd){ .fd = ev ? c[i].fd : -1, .events = ev };
		}
		if (poll(p, n, slow ? 20 : 1000) < 0 && errno != EINTR)
			die("poll");
		if (p[0].revents & POLLIN) {
			int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK);

			for (int i = 0; fd >= 0 && i < MAX_CONN; i++)
				if (c[i].fd < 0) {
					c[i] = (struct conn){ .fd = fd, .buf = malloc(BUF_SIZE) };
					fd = -1;
				}
			if (fd >= 0)
				close(fd);
		}
		if (u >= 0 && (p[1].revents & POLLIN)) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			ssize_t r = recvfrom(u, dgram, sizeof(dgram), 0, (struct sockaddr *)&from, &flen);

			if (r > 0) {
				sendto(u, dgram, r, 0, (struct sockaddr *)&from, flen);
				if (up >= 0)
					send(up, dgram, r, 0);
			}
		}
		for (int i = 0; i < MAX_CONN; i++) {
			struct conn *k = &c[i];
			short re = p[i + 2].revents;

			if (k->fd < 0)
				continue;
			if ((re & (POLLIN | POLLHUP | POLLERR)) || (slow && !k->eof)) {
				size_t room = BUF_SIZE - k->len;
				ssize_t r;

				if (slow && room > 1024)
					room = 1024;
				r = room ? read(k->fd, k->buf + k->len, room) : 0;
				if (r > 0)
					k->len += (size_t)r;
				else if (r == 0 && room)
					k->eof = 1;
				else if (r < 0 && errno != EAGAIN)
					die("read");
			}
			if (k->len) {
				ssize_t w = write(k->fd, k->buf, k->len);

				if (w > 0) {
					memmove(k->buf, k->buf + w, k->len - (size_t)w);
					k->len -= (size_t)w;
				} else if (w < 0 && errno != EAGAIN) {
					die("write");
				}
			}
			if (k->eof && !k->len) {
				close(k->fd);
				free(k->buf);
				k->fd = -1;
			}
		}
	}
}
