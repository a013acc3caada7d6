/*
 * An epoll comes back with its interest list, each item under its fd
 * number and with its data and flags: a pipe with data queued (level-
 * triggered), an eventfd (EPOLLET), a listening TCP socket
 * (EPOLLONESHOT), another epoll watching an eventfd, and one-shot
 * items that had fired before the dump (they stay disabled, also for
 * the EPOLLHUP of a pipe whose writer closes). After
 * restore the events arrive, edge-triggered ones once, a one-shot item
 * once, and EPOLL_CTL_MOD and EPOLL_CTL_DEL find the items.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crtest.h"

#define D_PIPE		0x1111000000000001ULL
#define D_EVENT		0x2222000000000002ULL
#define D_LISTEN	0x3333000000000003ULL
#define D_INNER		0x4444000000000004ULL
#define D_FIRED		0x5555000000000005ULL
#define D_NESTED	0x6666000000000006ULL
#define D_HUP		0x7777000000000007ULL

static void add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		cr_fail_errno("epoll_ctl(ADD, %d)", fd);
}

/* The data of the events ready now (or within ms), as a bit set of D_* indexes. */
static unsigned ready(int ep, int ms)
{
	struct epoll_event ev[8];
	unsigned set = 0;
	int n = epoll_wait(ep, ev, 8, ms);

	if (n < 0)
		cr_fail_errno("epoll_wait");
	for (int i = 0; i < n; i++)
		set |= 1u << (ev[i].data.u64 & 0xf);
	return set;
}

static void expect(int ep, int ms, unsigned want, const char *when)
{
	unsigned got = ready(ep, ms);

	if (got != want)
		cr_fail("%s: events of items %#x, not %#x (bit N: data ending in N)", when, got,
			want);
}

static void bump(int efd)
{
	if (write(efd, &(uint64_t){ 1 }, 8) != 8)
		cr_fail_errno("eventfd write");
}

static void connect_to(const struct sockaddr_in *a)
{
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (c < 0 || connect(c, (const struct sockaddr *)a, sizeof(*a)))
		cr_fail_errno("connect");
	/* Left open: the listener's queue holds it until accepted. */
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int p[2], q[2], efd, lsk, inner, inner_efd, fired, ep;
	char c;

	cr_init();
	ep = epoll_create1(EPOLL_CLOEXEC);
	inner = epoll_create1(0);
	efd = eventfd(0, EFD_NONBLOCK);
	inner_efd = eventfd(0, EFD_NONBLOCK);
	fired = eventfd(0, EFD_NONBLOCK);
	lsk = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (ep < 0 || inner < 0 || efd < 0 || inner_efd < 0 || fired < 0 || lsk < 0 ||
	    pipe2(p, O_NONBLOCK) || pipe2(q, O_NONBLOCK))
		cr_fail_errno("create");
	if (bind(lsk, (struct sockaddr *)&a, sizeof(a)) || listen(lsk, 8) ||
	    getsockname(lsk, (struct sockaddr *)&a, &alen))
		cr_fail_errno("listen");
	add(ep, p[0], EPOLLIN, D_PIPE);
	add(ep, efd, EPOLLIN | EPOLLET, D_EVENT);
	add(ep, lsk, EPOLLIN | EPOLLONESHOT, D_LISTEN);
	add(inner, inner_efd, EPOLLIN, D_INNER);
	add(ep, inner, EPOLLIN, D_NESTED);
	add(ep, fired, EPOLLIN | EPOLLONESHOT, D_FIRED);
	add(ep, q[0], EPOLLIN | EPOLLONESHOT, D_HUP);
	bump(fired);
	if (write(q[1], "z", 1) != 1)
		cr_fail_errno("pipe write");
	expect(ep, 0, 1u << 5 | 1u << 7, "before the dump, the one-shots firing");
	if (write(p[1], "x", 1) != 1)
		cr_fail_errno("pipe write");
	expect(ep, 0, 1u << 1, "before the dump, the pipe");
	cr_ready();
	cr_wait();

	/* Level-triggered: the pipe's byte still reported, again and again. */
	expect(ep, 0, 1u << 1, "after restore");
	expect(ep, 0, 1u << 1, "after restore, again");
	/* Edge-triggered: once per write. */
	bump(efd);
	expect(ep, 0, 1u << 1 | 1u << 2, "eventfd written");
	expect(ep, 0, 1u << 1, "eventfd not written again");
	/* The one-shot that fired before the dump stays disabled. */
	bump(fired);
	expect(ep, 0, 1u << 1, "fired one-shot written again");
	close(q[1]);
	expect(ep, 0, 1u << 1, "fired one-shot's pipe writer closed");
	/* The nested epoll reports its eventfd. */
	bump(inner_efd);
	expect(ep, 0, 1u << 1 | 1u << 6, "inner epoll's eventfd written");
	if (read(inner_efd, &(uint64_t){ 0 }, 8) != 8)
		cr_fail_errno("inner eventfd read");
	/* One-shot listener: the first connection, then nothing. */
	if (read(p[0], &c, 1) != 1)
		cr_fail_errno("pipe read");
	connect_to(&a);
	expect(ep, 1000, 1u << 3, "a connection");
	connect_to(&a);
	expect(ep, 100, 0, "a second connection to the one-shot listener");
	/* MOD re-arms it; DEL finds the items under their numbers. */
	if (epoll_ctl(ep, EPOLL_CTL_MOD, lsk, &(struct epoll_event){ EPOLLIN, { .u64 = D_LISTEN } }))
		cr_fail_errno("epoll_ctl(MOD) of the listener");
	expect(ep, 0, 1u << 3, "listener re-armed");
	if (epoll_ctl(ep, EPOLL_CTL_DEL, lsk, NULL) || epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) || epoll_ctl(ep, EPOLL_CTL_DEL, fired, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_DEL, inner, NULL) || epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL))
		cr_fail_errno("epoll_ctl(DEL)");
	if (write(p[1], "y", 1) != 1)
		cr_fail_errno("pipe write");
	bump(efd);
	expect(ep, 0, 0, "every item deleted");
	if (epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) != -1 || errno != ENOENT)
		cr_fail("a deleted item was still there");
	cr_pass();
}
