/*
 * A client of echo-server, run as its own process (never dumped): it
 * streams BYTES of a pattern of its own (seeded by ID) and checks that
 * every byte comes back once, in order, with no error on the way (a
 * reset is a failure).
 *
 *   echo-client ADDR PORT ID BYTES [--rate KIB_PER_S] [--pause-read MS]
 *               [--half-close] [--timeout S]
 *
 * --rate        pace the sending (default: as fast as the echo allows)
 * --pause-read  read nothing for the first MS ms (queues fill up both ways)
 * --half-close  shut down the sending side once everything is written,
 *               then expect the echo of all of it and EOF
 * Prints "ok ID BYTES" and exits 0, or prints why and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint8_t pattern(uint32_t id, uint64_t i)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)id << 40);

	return (uint8_t)(x >> 29);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	uint64_t total, sent = 0, got = 0;
	int64_t start, pause_ms = 0, timeout_ms = 120000, rate = 0;
	int fd, half = 0, shut = 0;
	uint32_t id;
	socklen_t len;
	uint8_t buf[65536];

	if (argc < 5) {
		fprintf(stderr, "usage: echo-client ADDR PORT ID BYTES [options]\n");
		return 2;
	}
	id = (uint32_t)atoi(argv[3]);
	total = strtoull(argv[4], NULL, 0);
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = atoll(argv[++i]) * 1024;
		else if (!strcmp(argv[i], "--pause-read") && i + 1 < argc)
			pause_ms = atoll(argv[++i]);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_ms = atoll(argv[++i]) * 1000;
		else if (!strcmp(argv[i], "--half-close"))
			half = 1;
		else
			return 2;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[1], &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(atoi(argv[2]));
		len = sizeof(*in);
	} else if (inet_pton(AF_INET6, argv[1], &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(argv[2]));
		len = sizeof(*in6);
	} else {
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
		printf("client %u: connect: %s\n", id, strerror(errno));
		return 1;
	}
	start = now_ms();
	while (got < total || (half && !shut)) {
		int64_t t = now_ms() - start;
		struct pollfd p = { .fd = fd, .events = 0 };
		uint64_t allowed = rate ? (uint64_t)(rate * t / 1000) + 65536 : total;

		if (t > timeout_ms) {
			printf("client %u: timed out: %llu of %llu sent, %llu back\n", id,
			       (unsigned long long)sent, (unsigned long long)total, (unsigned long long)got);
			return 1;
		}
		if (sent < total && sent < allowed)
			p.events |= POLLOUT;
		if (t >= pause_ms)
			p.events |= POLLIN;
		if (poll(&p, 1, 10) < 0)
			continue;
		if (p.revents & POLLOUT) {
			size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
			ssize_t w;

			if (rate && n > allowed - sent)
				n = (size_t)(allowed - sent);
			for (size_t i = 0; i < n; i++)
				buf[i] = pattern(id, sent + i);
			w = send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN) {
				printf("client %u: send after %llu bytes: %s\n", id, (unsigned long long)sent,
				       strerror(errno));
				return 1;
			}
			if (w > 0)
				sent += (uint64_t)w;
		}
		if (half && !shut && sent == total) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r < 0 && errno != EAGAIN) {
				printf("client %u: recv after %llu bytes: %s\n", id, (unsigned long long)got,
				       strerror(errno));
				return 1;
			}
			if (r == 0) {
				printf("client %u: EOF after %llu of %llu bytes\n", id,
				       (unsigned long long)got, (unsigned long long)total);
				return 1;
			}
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] != pattern(id, got + (uint64_t)i)) {
					printf("client %u: byte %llu differs\n", id,
					       (unsigned long long)(got + (uint64_t)i));
					return 1;
				}
			if (r > 0)
				got += (uint64_t)r;
			if (got > sent) {
				printf("client %u: more back than sent\n", id);
				return 1;
			}
		}
	}
	if (half) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10000) != 1 || recv(fd, buf, 1, 0) != 0) {
			printf("client %u: no EOF after the whole echo\n", id);
			return 1;
		}
	}
	close(fd);
	printf("ok %u %llu\n", id, (unsigned long long)total);
	return 0;
}
