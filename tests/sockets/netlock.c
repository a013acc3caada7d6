/*
 * src/net/netlock: a locked connection on loopback carries nothing in
 * either direction until unlocked, then catches up; a locked listener
 * takes no new connection until unlocked; lock and unlock are idempotent
 * and leave no table behind. Needs CAP_NET_ADMIN (skips without it).
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/unit.h"
#include "net/netlock.h"

static int listener(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)addr, len) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)addr, &len))
		return -1;
	return l;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static int writable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, ms) == 1;
}

int main(void)
{
	char name[NETLOCK_NAME_MAX], buf[8];
	struct sockaddr_in la, ca;
	struct netlock_conn c;
	const char *what = NULL;
	socklen_t len = sizeof(ca);
	int l, a, b, ret;

	netlock_table_name(getpid(), name);
	ret = netlock_unlock(name, &what);
	if (ret == -EPERM) {
		printf("SKIP: nftables needs CAP_NET_ADMIN\n");
		return 77;
	}
	CHECK(ret == 0);
	CHECK(netlock_exists(name) == 0);

	l = listener(&la);
	CHECK(l >= 0);
	a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(connect(a, (struct sockaddr *)&la, sizeof(la)) == 0);
	b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(b >= 0);
	CHECK(getsockname(a, (struct sockaddr *)&ca, &len) == 0);

	/* Lock b's connection (b local: la, peer: ca). Twice: idempotent. */
	CHECK(netlock_conn_from_addrs((struct sockaddr *)&la, (struct sockaddr *)&ca, &c) == 0);
	CHECK(c.family == AF_INET && c.lport == ntohs(la.sin_port) && c.pport == ntohs(ca.sin_port));
	ret = netlock_lock(name, &c, 1, &what);
	if (ret)
		fprintf(stderr, "lock: %s: %s\n", what, strerror(-ret));
	CHECK(ret == 0);
	CHECK(netlock_lock(name, &c, 1, &what) == 0);
	CHECK(netlock_exists(name) == 1);
	CHECK(write(a, "ab", 2) == 2);
	CHECK(write(b, "cd", 2) == 2);
	CHECK(!readable(b, 300));
	CHECK(!readable(a, 10));
	CHECK(netlock_unlock(name, &what) == 0);
	CHECK(netlock_exists(name) == 0);
	CHECK(netlock_unlock(name, &what) == 0);
	/* Retransmissions deliver what was dropped. */
	CHECK(readable(b, 5000) && read(b, buf, sizeof(buf)) == 2 && memcmp(buf, "ab", 2) == 0);
	CHECK(readable(a, 5000) && read(a, buf, sizeof(buf)) == 2 && memcmp(buf, "cd", 2) == 0);
	close(a);
	close(b);

	/* A locked listener: a new connection waits for the unlock. */
	CHECK(netlock_conn_from_addrs((struct sockaddr *)&la, NULL, &c) == 0);
	CHECK(c.listen);
	CHECK(netlock_lock(name, &c, 1, &what) == 0);
	a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CHECK(connect(a, (struct sockaddr *)&la, sizeof(la)) < 0 && errno == EINPROGRESS);
	CHECK(!writable(a, 300));
	CHECK(netlock_unlock(name, &what) == 0);
	CHECK(writable(a, 5000));
	b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(b >= 0);
	close(a);
	close(b);
	close(l);
	CHECK(netlock_exists(name) == 0);
	return unit_result();
}
