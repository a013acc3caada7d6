/*
 * The UDP side of the socket tests (never dumped): sends a numbered
 * datagram every 5 ms to echo-server's UDP port and collects the echoes
 * on the same socket, and the copies the server sends from its connected
 * socket (PORT+1) to PEER_PORT, for SECONDS.
 *
 *   udp-client ADDR PORT PEER_PORT SECONDS
 *
 * Passes (exit 0) when the datagrams of the last second were answered
 * both ways (90% at least: it is UDP) and every copy came from PORT+1.
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

#define MAX_SEQ	100000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	static uint8_t echoed[MAX_SEQ], copied[MAX_SEQ];
	static int64_t sent_at[MAX_SEQ];
	struct sockaddr_in to = { .sin_family = AF_INET }, me = { .sin_family = AF_INET };
	int a, b, port, bad_src = 0;
	uint32_t seq = 0, last_sec = 0, e = 0, c = 0, n;
	int64_t start, dur;

	if (argc != 5)
		return 2;
	port = atoi(argv[2]);
	dur = atoll(argv[4]) * 1000;
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
		return 2;
	to.sin_port = htons(port);
	me.sin_addr = to.sin_addr;
	me.sin_port = htons(atoi(argv[3]));
	a = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	b = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (a < 0 || b < 0 || bind(b, (struct sockaddr *)&me, sizeof(me))) {
		perror("udp-client: socket");
		return 1;
	}
	start = now_ms();
	while (now_ms() - start < dur + 500) {
		struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
		int64_t t = now_ms() - start;
		uint32_t v;

		if (t < dur && seq < MAX_SEQ && t >= (int64_t)seq * 5) {
			sent_at[seq] = t;
			if (sendto(a, &seq, sizeof(seq), 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
			    errno != EAGAIN && errno != ECONNREFUSED) {
				perror("udp-client: sendto");
				return 1;
			}
			seq++;
		}
		poll(p, 2, 2);
		while (recv(a, &v, sizeof(v), 0) == sizeof(v))
			if (v < MAX_SEQ)
				echoed[v] = 1;
		for (;;) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);

			if (recvfrom(b, &v, sizeof(v), 0, (struct sockaddr *)&from, &fl) != sizeof(v))
				break;
			if (ntohs(from.sin_port) != port + 1 || from.sin_addr.s_addr != to.sin_addr.s_addr)
				bad_src++;
			else if (v < MAX_SEQ)
				copied[v] = 1;
		}
	}
	for (uint32_t i = 0; i < seq; i++)
		if (sent_at[i] >= dur - 1000) {
			if (!last_sec)
				last_sec = i;
			e += echoed[i];
			c += copied[i];
		}
	n = seq - last_sec;
	printf("udp-client: %u sent, last second %u: %u echoed, %u copied; %d copies from elsewhere\n",
	       seq, n, e, c, bad_src);
	return (n && e * 10 >= n * 9 && c * 10 >= n * 9 && !bad_src) ? 0 : 1;
}
