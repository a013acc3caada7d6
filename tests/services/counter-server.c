/*
 * counter-server: the smallest stateful HTTP service, for the fast-start
 * and migration tests when a real server cannot be used.
 *
 *   counter-server ADDR PORT READY-FILE [--warmup-ms N]
 *
 * Every request (any method or path) is answered "HTTP/1.1 200 OK" with
 * the next number of one counter as its body (1, 2, 3, ...); connections
 * are kept alive until the client closes them. One thread, poll(): no fd
 * kind lmig cannot restore. --warmup-ms spends N ms computing a table
 * before listening, standing in for a slow start (the table's checksum is
 * part of every answer, so the work cannot be skipped). READY-FILE is
 * created once the socket listens.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	64
#define REQ_MAX		4096

struct conn {
	int fd;
	size_t len;
	char buf[REQ_MAX];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A slow start that leaves state behind: a table the answers depend on. */
static uint64_t warm_up(long ms)
{
	static uint64_t table[1 << 16];
	uint64_t end = now_ms() + (uint64_t)ms, x = 88172645463325252ull, sum = 0;

	while (ms > 0 && now_ms() < end) {
		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			table[i] += x;
		}
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		sum += table[i];
	return sum;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "counter-server: bad address %s\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		perror("counter-server: listen");
		return -1;
	}
	return fd;
}

/* Answer every complete request in c->buf; 0, or -1 to close. */
static int serve(struct conn *c, uint64_t *counter, uint64_t sum)
{
	char *end;

	while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
		char body[64], out[256];
		size_t used = (size_t)(end + 4 - c->buf);
		int bl, ol;

		bl = snprintf(body, sizeof(body), "%llu\n", (unsigned long long)++*counter);
		ol = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			      "X-Table: %016llx\r\nContent-Length: %d\r\n\r\n%s",
			      (unsigned long long)sum, bl, body);
		if (write(c->fd, out, ol) != ol)
			return -1;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	return c->len == sizeof(c->buf) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct conn conns[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS + 1];
	uint64_t counter = 0, sum;
	long warmup = 0;
	int lfd, fd;

	if (argc == 6 && strcmp(argv[4], "--warmup-ms") == 0)
		warmup = atol(argv[5]);
	else if (argc != 4) {
		fprintf(stderr, "usage: counter-server ADDR PORT READY-FILE [--warmup-ms N]\n");
		return 2;
	}
	sum = warm_up(warmup);
	lfd = listen_on(argv[1], atoi(argv[2]));
	if (lfd < 0)
		return 1;
	fd = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror("counter-server: ready file");
		return 1;
	}
	close(fd);
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	for (;;) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < MAX_CONNS; i++)
			pfd[n++] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("counter-server: poll");
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			for (int i = 0; c >= 0 && i <= MAX_CONNS; i++) {
				if (i == MAX_CONNS) {
					close(c);	/* full: the client sees a close */
				} else if (conns[i].fd < 0) {
					conns[i].fd = c;
					conns[i].len = 0;
					break;
				}
			}
		}
		for (int i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			ssize_t r;

			if (c->fd < 0 || !(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
			if (r > 0) {
				c->len += (size_t)r;
				if (!serve(c, &counter, sum))
					continue;
			} else if (r < 0 && errno == EINTR) {
				continue;
			}
			close(c->fd);
			c->fd = -1;
		}
	}
}
