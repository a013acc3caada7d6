/*
 * src/net/tcp-repair within one process on loopback: a connection's
 * end is saved in repair mode, closed (silently), restored into a new
 * socket, and the other end never notices: every byte arrives once, in
 * order, in both directions; half-closed connections keep their FINs.
 * Needs CAP_NET_ADMIN (skips without it).
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/unit.h"
#include "net/tcp-repair.h"

#define BIG	(3u << 20)

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

/* A connected pair over loopback of family fam: *a is the client, *b the accepted end. */
static int make_pair(int fam, int *a, int *b)
{
	union tcp_repair_addr addr;
	socklen_t len;
	int l, one = 1;

	memset(&addr, 0, sizeof(addr));
	if (fam == AF_INET) {
		addr.v4.sin_family = AF_INET;
		addr.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(addr.v4);
	} else {
		addr.v6.sin6_family = AF_INET6;
		addr.v6.sin6_addr = in6addr_loopback;
		len = sizeof(addr.v6);
	}
	l = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, &addr.sa, len) || listen(l, 4) || getsockname(l, &addr.sa, &len))
		return -1;
	*a = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*a < 0 || connect(*a, &addr.sa, len))
		return -1;
	*b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return *b < 0 ? -1 : 0;
}

/* Read exactly len bytes (or up to EOF when eof_ok), within 10 s. Returns bytes read or -1. */
static ssize_t read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) != 1)
			return -1;
		n = read(fd, buf + got, len - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Write up to len bytes without blocking; returns how many went in. */
static size_t fill(int fd, uint64_t off, size_t len)
{
	uint8_t buf[65536];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + done + i);
		w = send(fd, buf, n, MSG_DONTWAIT);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	return done;
}

static int check_stream(int fd, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	ssize_t n = read_full(fd, buf, len);
	int ok = n == (ssize_t)len;

	for (size_t i = 0; ok && i < len; i++)
		if (buf[i] != pattern(off + i)) {
			fprintf(stderr, "byte %zu differs\n", (size_t)(off + i));
			ok = 0;
		}
	if (n != (ssize_t)len)
		fprintf(stderr, "read %zd of %zu bytes\n", n, len);
	free(buf);
	return ok;
}

/* Save fd, close it in repair mode, restore into a new socket (repair off). Returns it or -1. */
static int migrate(int fd, struct tcp_repair_state *st)
{
	const char *what = "";
	int nfd, ret, big = 4 << 20;

	CHECK(tcp_repair_on(fd) == 0);
	ret = tcp_repair_save(fd, st, &what);
	if (ret) {
		fprintf(stderr, "save: %s: %s\n", what, strerror(-ret));
		return -1;
	}
	close(fd);
	nfd = socket(st->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(nfd >= 0);
	CHECK(tcp_repair_on(nfd) == 0);
	CHECK(setsockopt(nfd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) == 0);
	CHECK(setsockopt(nfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) == 0);
	ret = tcp_repair_restore(nfd, st, &what);
	if (ret) {
		fprintf(stderr, "restore: %s: %s\n", what, strerror(-ret));
		close(nfd);
		return -1;
	}
	CHECK(tcp_repair_off(nfd) == 0);
	return nfd;
}

static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len) ? -1 : ti.tcpi_state;
}

/* Full queues both ways: a's unsent and unacked data, b's unread data. */
static void test_established(int fam)
{
	struct tcp_repair_state st;
	int a, b, small = 64 << 10;
	size_t a_sent, b_sent;
	uint8_t buf[16];

	CHECK(make_pair(fam, &a, &b) == 0);
	CHECK(setsockopt(b, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	a_sent = fill(a, 0, BIG);
	b_sent = fill(b, 1000000, 5000);
	usleep(100000);
	a_sent += fill(a, a_sent, BIG);
	CHECK(a_sent > 0 && b_sent == 5000);

	a = migrate(a, &st);
	CHECK(a >= 0);
	if (a < 0)
		return;
	CHECK(st.state == TCP_ESTABLISHED);
	CHECK(st.inq_len == 5000);
	CHECK(st.outq_len > 0);
	fprintf(stderr, "family %d: %zu written, outq %u (unsent %u), inq %u, mss %u, opts %#x, wscale %u/%u\n",
		fam, a_sent, st.outq_len, st.unsent_len, st.inq_len, st.mss_clamp, st.opt_mask,
		st.snd_wscale, st.rcv_wscale);

	/* The restored end carries on in both directions. */
	CHECK(check_stream(b, 0, a_sent));
	CHECK(check_stream(a, 1000000, b_sent));
	CHECK(fill(a, a_sent, 1000) == 1000);
	CHECK(check_stream(b, a_sent, 1000));
	CHECK(write(b, "pong", 4) == 4);
	CHECK(read_full(a, buf, 4) == 4 && memcmp(buf, "pong", 4) == 0);
	close(a);
	CHECK(read_full(b, buf, 1) == 0);
	close(b);
	tcp_repair_state_free(&st);
}

/* The peer closed its side with data still unread: CLOSE_WAIT. */
static void test_close_wait(int fam)
{
	struct tcp_repair_state st;
	uint8_t buf[16];
	int a, b;

	CHECK(make_pair(fam, &a, &b) == 0);
	CHECK(write(b, "tail", 4) == 4);
	CHECK(shutdown(b, SHUT_WR) == 0);
	usleep(50000);
	CHECK(tcp_state(a) == TCP_CLOSE_WAIT);
	a = migrate(a, &st);
	CHECK(a >= 0);
	if (a < 0)
		return;
	CHECK(st.state == TCP_CLOSE_WAIT && st.inq_len == 4);
	usleep(50000);
	CHECK(tcp_state(a) == TCP_CLOSE_WAIT);
	CHECK(read_full(a, buf, sizeof(buf)) == 4 && memcmp(buf, "tail", 4) == 0);
	CHECK(write(a, "reply", 5) == 5);
	CHECK(read_full(b, buf, 5) == 5 && memcmp(buf, "reply", 5) == 0);
	close(a);
	CHECK(read_full(b, buf, 1) == 0);
	close(b);
	tcp_repair_state_free(&st);
}

/* We closed our side and the peer acknowledged it: FIN_WAIT2. */
static void test_fin_wait2(int fam)
{
	struct tcp_repair_state st;
	uint8_t buf[16];
	int a, b;

	CHECK(make_pair(fam, &a, &b) == 0);
	CHECK(write(a, "bye", 3) == 3);
	CHECK(shutdown(a, SHUT_WR) == 0);
	CHECK(write(b, "more", 4) == 4);
	usleep(50000);
	CHECK(tcp_state(a) == TCP_FIN_WAIT2);
	a = migrate(a, &st);
	CHECK(a >= 0);
	if (a < 0)
		return;
	CHECK(st.state == TCP_FIN_WAIT2 && st.inq_len == 4 && st.outq_len == 0);
	usleep(50000);
	CHECK(tcp_state(a) == TCP_FIN_WAIT2);
	CHECK(read_full(b, buf, sizeof(buf)) == 3 && memcmp(buf, "bye", 3) == 0);
	CHECK(read_full(a, buf, 4) == 4 && memcmp(buf, "more", 4) == 0);
	CHECK(write(b, "last", 4) == 4);
	CHECK(read_full(a, buf, 4) == 4 && memcmp(buf, "last", 4) == 0);
	close(b);
	CHECK(read_full(a, buf, 1) == 0);
	close(a);
	tcp_repair_state_free(&st);
}

/* Our FIN queued behind data the peer has no room for: FIN_WAIT1. */
static void test_fin_wait1(int fam)
{
	struct tcp_repair_state st;
	int a, b, small = 32 << 10;
	size_t sent;
	uint8_t buf[4];

	CHECK(make_pair(fam, &a, &b) == 0);
	CHECK(setsockopt(b, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	sent = fill(a, 0, 1 << 20);
	usleep(100000);
	sent += fill(a, sent, 1 << 20);
	CHECK(shutdown(a, SHUT_WR) == 0);
	CHECK(tcp_state(a) == TCP_FIN_WAIT1);
	a = migrate(a, &st);
	CHECK(a >= 0);
	if (a < 0)
		return;
	CHECK(st.state == TCP_FIN_WAIT1 && st.unsent_len > 0);
	CHECK(check_stream(b, 0, sent));
	CHECK(read_full(b, buf, 1) == 0);
	close(b);
	CHECK(read_full(a, buf, 1) == 0);
	close(a);
	tcp_repair_state_free(&st);
}

static void test_refusals(void)
{
	struct tcp_repair_state st;
	const char *what = NULL;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(l >= 0 && listen(l, 1) == 0);
	CHECK(tcp_repair_on(l) == 0 || errno);
	CHECK(tcp_repair_save(l, &st, &what) == -ENOTCONN && what);
	CHECK(st.inq == NULL && st.outq == NULL);
	close(l);
	CHECK(!tcp_repair_state_supported(TCP_LISTEN));
	CHECK(tcp_repair_state_supported(TCP_ESTABLISHED));
}

int main(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || tcp_repair_on(s)) {
		printf("SKIP: TCP_REPAIR needs CAP_NET_ADMIN (%s)\n", strerror(errno));
		return 77;
	}
	close(s);
	test_refusals();
	test_established(AF_INET);
	test_established(AF_INET6);
	test_close_wait(AF_INET);
	test_close_wait(AF_INET6);
	test_fin_wait2(AF_INET);
	test_fin_wait2(AF_INET6);
	test_fin_wait1(AF_INET);
	return unit_result();
}
