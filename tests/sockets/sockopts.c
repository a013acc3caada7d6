/*
 * Listening and UDP sockets keep their addresses and options through
 * dump --leave-running and through dump, kill and restore (run-cr):
 * IPv4 and IPv6 listeners (SO_REUSEADDR, SO_REUSEPORT, TCP_NODELAY,
 * keepalive settings, buffer sizes, backlog, v6only, linger, timeouts,
 * O_NONBLOCK), a bound UDP socket (SO_BROADCAST, IP_TOS), an IPv6 UDP
 * socket connected to it... and each still works: the listeners accept,
 * the UDP sockets exchange a datagram.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../cr/crtest.h"

struct want {
	int level, name, val;
	const char *what;
};

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		cr_fail_errno("getsockopt %d/%d", level, name);
	return v;
}

static void set_all(int fd, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (setsockopt(fd, w[i].level, w[i].name, &w[i].val, sizeof(w[i].val)))
			cr_fail_errno("setsockopt %s", w[i].what);
}

/* Record what the kernel made of each value (buffer sizes come back doubled). */
static void read_all(int fd, struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w[i].val = getint(fd, w[i].level, w[i].name);
}

static void check_all(int fd, const char *sk, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int v = getint(fd, w[i].level, w[i].name);

		if (v != w[i].val)
			cr_fail("%s: %s is %d, was %d", sk, w[i].what, v, w[i].val);
	}
}

static int listener(int family, const struct want *w, size_t n, int backlog,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (fd < 0)
		cr_fail_errno("socket");
	set_all(fd, w, n);
	if (bind(fd, (struct sockaddr *)ss, *len) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)ss, len))
		cr_fail_errno("listen");
	return fd;
}

static void check_listener(int fd, const char *sk, const struct sockaddr_storage *ss,
			   socklen_t len, int backlog)
{
	struct sockaddr_storage now;
	socklen_t nlen = sizeof(now);
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	int c, a;

	if (getsockname(fd, (struct sockaddr *)&now, &nlen) || nlen != len || memcmp(&now, ss, len))
		cr_fail("%s: bound elsewhere after restore", sk);
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &tlen) || ti.tcpi_state != TCP_LISTEN)
		cr_fail("%s: not listening", sk);
	if ((int)ti.tcpi_sacked != backlog)
		cr_fail("%s: backlog %u, was %d", sk, ti.tcpi_sacked, backlog);
	if (!(fcntl(fd, F_GETFL) & O_NONBLOCK))
		cr_fail("%s: lost O_NONBLOCK", sk);
	c = socket(ss->ss_family, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (const struct sockaddr *)ss, len))
		cr_fail_errno("%s: connect", sk);
	for (int i = 0; i < 100; i++) {
		a = accept(fd, NULL, NULL);
		if (a >= 0 || errno != EAGAIN)
			break;
		usleep(10000);
	}
	if (a < 0)
		cr_fail_errno("%s: accept", sk);
	close(a);
	close(c);
}

static int accept_reset(int lfd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct linger rst = { 1, 0 };
	struct tcp_info ti;
	socklen_t tlen;
	int c, a = -1;

	c = socket(ss->ss_family, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (const struct sockaddr *)ss, len))
		cr_fail_errno("reset peer: connect");
	for (int i = 0; i < 100 && a < 0; i++) {
		a = accept(lfd, NULL, NULL);
		if (a < 0 && errno != EAGAIN)
			cr_fail_errno("reset peer: accept");
		if (a < 0)
			usleep(10000);
	}
	if (a < 0 || setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) || close(c))
		cr_fail_errno("reset peer: accept or reset");
	for (int i = 0; i < 100; i++) {
		tlen = sizeof(ti);
		if (getsockopt(a, SOL_TCP, TCP_INFO, &ti, &tlen))
			cr_fail_errno("reset peer: TCP_INFO");
		if (ti.tcpi_state == TCP_CLOSE)
			return a;
		usleep(10000);
	}
	cr_fail("reset peer: the accepted socket is in state %u, not CLOSE", ti.tcpi_state);
	return -1;
}

int main(void)
{
	struct want w4[] = {
		{ SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR" },
		{ SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT" },
		{ SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE" },
		{ SOL_TCP, TCP_KEEPIDLE, 77, "TCP_KEEPIDLE" },
		{ SOL_TCP, TCP_KEEPINTVL, 11, "TCP_KEEPINTVL" },
		{ SOL_TCP, TCP_KEEPCNT, 5, "TCP_KEEPCNT" },
		{ SOL_TCP, TCP_NODELAY, 1, "TCP_NODELAY" },
		{ SOL_SOCKET, SO_SNDBUF, 100000, "SO_SNDBUF" },
		{ SOL_SOCKET, SO_RCVBUF, 200000, "SO_RCVBUF" },
		{ SOL_TCP, TCP_USER_TIMEOUT, 12345, "TCP_USER_TIMEOUT" },
	};
	struct want w6[] = {
		{ SOL_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY" },
		{ SOL_SOCKET, SO_REUSEADDR, 0, "SO_REUSEADDR" },
		{ SOL_SOCKET, SO_RCVLOWAT, 10, "SO_RCVLOWAT" },
		{ SOL_SOCKET, SO_PRIORITY, 3, "SO_PRIORITY" },
	};
	struct want wd[] = {
		{ SOL_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY" },
	};
	struct want wu[] = {
		{ SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST" },
		{ SOL_IP, IP_TOS, 0x10, "IP_TOS" },
		{ SOL_IP, IP_TTL, 33, "IP_TTL" },
	};
	struct linger lg = { 1, 7 }, lg2;
	struct timeval tv = { 3, 250000 }, tv2;
	struct sockaddr_storage a4, a6, ad, au, pu;
	socklen_t l4, l6, ld, lu, lpu, sl;
	int s4, s6, sd, u, uc, dead;
	char buf[8];

	cr_init();
	s4 = listener(AF_INET, w4, sizeof(w4) / sizeof(w4[0]), 17, &a4, &l4);
	s6 = listener(AF_INET6, w6, sizeof(w6) / sizeof(w6[0]), 5, &a6, &l6);
	sd = listener(AF_INET6, wd, sizeof(wd) / sizeof(wd[0]), 3, &ad, &ld);
	if (setsockopt(s6, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ||
	    setsockopt(s6, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		cr_fail_errno("linger/rcvtimeo");
	sl = sizeof(tv);
	/* The kernel keeps it in jiffies: compare with what it gives back. */
	if (getsockopt(s6, SOL_SOCKET, SO_RCVTIMEO, &tv, &sl))
		cr_fail_errno("rcvtimeo");
	read_all(s4, w4, sizeof(w4) / sizeof(w4[0]));
	read_all(s6, w6, sizeof(w6) / sizeof(w6[0]));

	/* UDP: u bound on ::ffff:127.0.0.1 (v4), uc (v6, dual) connected to it. */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&au, 0, sizeof(au));
	au.ss_family = AF_INET;
	((struct sockaddr_in *)&au)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lu = sizeof(struct sockaddr_in);
	if (u < 0 || bind(u, (struct sockaddr *)&au, lu) || getsockname(u, (struct sockaddr *)&au, &lu))
		cr_fail_errno("udp bind");
	set_all(u, wu, sizeof(wu) / sizeof(wu[0]));
	uc = socket(AF_INET6, SOCK_DGRAM, 0);
	memset(&pu, 0, sizeof(pu));
	pu.ss_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &((struct sockaddr_in6 *)&pu)->sin6_addr);
	((struct sockaddr_in6 *)&pu)->sin6_port = ((struct sockaddr_in *)&au)->sin_port;
	lpu = sizeof(struct sockaddr_in6);
	if (uc < 0 || connect(uc, (struct sockaddr *)&pu, lpu))
		cr_fail_errno("udp connect");

	/*
	 * An accepted connection the peer reset, kept open: CLOSE, but still
	 * on sd's port, which the restored sd holds again.
	 */
	dead = accept_reset(sd, &ad, ld);

	cr_ready();
	cr_wait();

	check_all(s4, "v4 listener", w4, sizeof(w4) / sizeof(w4[0]));
	check_all(s6, "v6 listener", w6, sizeof(w6) / sizeof(w6[0]));
	check_all(sd, "dual listener", wd, sizeof(wd) / sizeof(wd[0]));
	check_all(u, "udp", wu, sizeof(wu) / sizeof(wu[0]));
	sl = sizeof(lg2);
	if (getsockopt(s6, SOL_SOCKET, SO_LINGER, &lg2, &sl) || lg2.l_onoff != 1 || lg2.l_linger != 7)
		cr_fail("v6 listener: SO_LINGER lost");
	sl = sizeof(tv2);
	if (getsockopt(s6, SOL_SOCKET, SO_RCVTIMEO, &tv2, &sl) || tv2.tv_sec != tv.tv_sec ||
	    tv2.tv_usec != tv.tv_usec)
		cr_fail("v6 listener: SO_RCVTIMEO lost");
	check_listener(s4, "v4 listener", &a4, l4, 17);
	/* The dead connection is still an open socket that reads nothing. */
	if (fcntl(dead, F_GETFD) < 0 || recv(dead, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		cr_fail("the reset connection is not a dead socket after restore");
	check_listener(s6, "v6 listener", &a6, l6, 5);
	check_listener(sd, "dual listener", &ad, ld, 3);

	/* The connected UDP socket still talks to the bound one, and back. */
	if (send(uc, "ping", 4, 0) != 4)
		cr_fail_errno("udp send");
	{
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);

		if (recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) != 4 ||
		    memcmp(buf, "ping", 4) || sendto(u, "pong", 4, 0, (struct sockaddr *)&from, fl) != 4)
			cr_fail_errno("udp echo");
		if (recv(uc, buf, sizeof(buf), 0) != 4 || memcmp(buf, "pong", 4))
			cr_fail_errno("udp reply");
	}
	cr_pass();
}
