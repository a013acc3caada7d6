/*
 * restore/sk-unix.c on made-up images, in one process: every kind of unix
 * socket it makes (a stream pair with queues both ways, a datagram socket
 * connected to a bound one, a stream socket whose peer was closed, a
 * listener with a client waiting in its accept queue, a datagram pair),
 * then what it refuses: a peer missing from the images, a datagram socket
 * connected to a peer it cannot reach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/unit.h"
#include "restore/restore.h"
#include "restore/sk-unix.h"

#define MAX_SK	16

struct images {
	FileEntry fe[MAX_SK];
	FileEntry *files[MAX_SK];
	UnixSkEntry sk[MAX_SK];
	ProtobufCBinaryData q[MAX_SK][2];
	size_t nr;
};

static UnixSkEntry *add(struct images *im, uint64_t ino, int type, int state, uint64_t peer)
{
	size_t i = im->nr++;
	UnixSkEntry *e = &im->sk[i];

	unix_sk_entry__init(e);
	file_entry__init(&im->fe[i]);
	e->ino = ino;
	e->type = (uint32_t)type;
	e->state = (uint32_t)state;
	if (peer) {
		e->has_peer_ino = 1;
		e->peer_ino = peer;
	}
	im->fe[i].id = (uint32_t)i + 1;
	im->fe[i].kind = FD_KIND__FD_UNIX_SK;
	im->fe[i].unix_sk = e;
	im->files[i] = &im->fe[i];
	return e;
}

static void name(UnixSkEntry *e, const char *abstract)
{
	static char buf[MAX_SK][64];
	static int n;
	char *b = buf[n++];

	b[0] = '\0';
	snprintf(b + 1, sizeof(buf[0]) - 1, "%s-%d", abstract, (int)getpid());
	e->has_name = 1;
	e->name.data = (uint8_t *)b;
	e->name.len = 1 + strlen(b + 1);
}

static void queue(struct images *im, UnixSkEntry *e, const char *a, const char *b)
{
	size_t i = (size_t)(e - im->sk);

	im->q[i][0] = (ProtobufCBinaryData){ strlen(a), (uint8_t *)a };
	im->q[i][1] = (ProtobufCBinaryData){ b ? strlen(b) : 0, (uint8_t *)b };
	e->queue = im->q[i];
	e->n_queue = b ? 2 : 1;
}

static int fd_of(struct restore_ctx *ctx, struct images *im, UnixSkEntry *e)
{
	const char *what = NULL;
	int fd = sk_unix_open(ctx, &im->fe[e - im->sk], &what);

	if (fd < 0)
		fprintf(stderr, "inode %llu: %s\n", (unsigned long long)e->ino, what);
	return fd;
}

static int got(int fd, const char *want)
{
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)n)) {
		fprintf(stderr, "fd %d: got %zd bytes, want \"%s\"\n", fd, n, want);
		return 0;
	}
	return 1;
}

static void test_made(void)
{
	struct images im = { 0 };
	struct restore_ctx ctx = { 0 };
	UnixSkEntry *a, *b, *c, *d, *dead, *l, *w, *f, *g;
	int fa, fb, fc, fd, fdead, fl, fw, ff, fg, acc;
	char buf[8];

	a = add(&im, 1, SOCK_STREAM, 1, 2);
	b = add(&im, 2, SOCK_STREAM, 1, 1);
	queue(&im, a, "abc", NULL);
	queue(&im, b, "xy", "z");
	c = add(&im, 3, SOCK_DGRAM, 1, 4);
	d = add(&im, 4, SOCK_DGRAM, 1, 0);
	name(d, "lmig-unit-d");
	queue(&im, d, "m1", "m2");
	dead = add(&im, 5, SOCK_STREAM, 1, 0);
	dead->has_shutdown = 1;
	dead->shutdown = 3;
	queue(&im, dead, "bye", NULL);
	l = add(&im, 6, SOCK_STREAM, 10, 0);
	name(l, "lmig-unit-l");
	w = add(&im, 7, SOCK_STREAM, 1, 0);
	l->n_pending = 1;
	l->pending = &w->ino;
	f = add(&im, 8, SOCK_DGRAM, 1, 9);
	g = add(&im, 9, SOCK_DGRAM, 1, 8);
	queue(&im, f, "to f", NULL);
	queue(&im, g, "to g", NULL);
	ctx.files = im.files;
	ctx.nr_files = im.nr;

	CHECK(sk_unix_prepare(&ctx) == 0);
	fa = fd_of(&ctx, &im, a);
	fb = fd_of(&ctx, &im, b);
	fc = fd_of(&ctx, &im, c);
	fd = fd_of(&ctx, &im, d);
	fdead = fd_of(&ctx, &im, dead);
	fl = fd_of(&ctx, &im, l);
	fw = fd_of(&ctx, &im, w);
	ff = fd_of(&ctx, &im, f);
	fg = fd_of(&ctx, &im, g);
	sk_unix_release(&ctx);
	CHECK(ctx.unix_sk == NULL);

	/* The queues, each from its peer; then the pair works both ways. */
	CHECK(got(fa, "abc"));
	CHECK(got(fb, "xyz"));
	CHECK(send(fa, "1", 1, 0) == 1 && got(fb, "1"));
	CHECK(send(fb, "2", 1, 0) == 1 && got(fa, "2"));
	CHECK(got(fd, "m1") && got(fd, "m2"));
	CHECK(send(fc, "c", 1, 0) == 1 && got(fd, "c"));
	CHECK(got(fdead, "bye"));
	CHECK(recv(fdead, buf, 1, MSG_DONTWAIT) == 0);
	acc = accept4(fl, NULL, NULL, SOCK_NONBLOCK);
	CHECK(acc >= 0);
	CHECK(send(fw, "w", 1, 0) == 1 && got(acc, "w"));
	CHECK(got(ff, "to f") && got(fg, "to g"));
	CHECK(send(ff, "3", 1, 0) == 1 && got(fg, "3"));
	{
		int all[] = { fa, fb, fc, fd, fdead, fl, fw, ff, fg, acc };

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (all[i] >= 0)
				close(all[i]);
	}
}

static void test_refused(void)
{
	struct images im = { 0 };
	struct restore_ctx ctx = { 0 };

	add(&im, 1, SOCK_STREAM, 1, 999);
	ctx.files = im.files;
	ctx.nr_files = im.nr;
	CHECK(sk_unix_prepare(&ctx) == -ENOENT);
	CHECK(ctx.unix_sk == NULL);

	/* Connected one way to a peer with no name: nothing reaches it. */
	memset(&im, 0, sizeof(im));
	add(&im, 1, SOCK_DGRAM, 1, 2);
	add(&im, 2, SOCK_DGRAM, 1, 0);
	ctx.files = im.files;
	ctx.nr_files = im.nr;
	CHECK(sk_unix_prepare(&ctx) == -EINVAL);
	CHECK(ctx.unix_sk == NULL);
}

int main(void)
{
	test_made();
	test_refused();
	return unit_result();
}
