/*
 * Unix sockets through dump --leave-running and through dump, kill and
 * restore (run-cr):
 *   - stream, dgram and seqpacket socketpairs with data queued both ways
 *     (datagrams of 0, 1, 1000 and 60000 bytes keep their boundaries);
 *   - a stream pair shut down for writing on one side ("bye", then EOF);
 *   - a pair held by this process and its child: the child blocks in
 *     read() on one end, is pinged through the other after the restore
 *     and answers (one socket in both processes, not two);
 *   - a listening stream socket bound to a path (its socket file with
 *     mode 0604, owned by 65534:65534), one to an abstract name, a
 *     seqpacket one: a client connects after the restore and is accepted; two
 *     clients that connected before the dump, not yet accepted, are
 *     accepted first, in their order;
 *   - a datagram socket bound to a path with two datagrams queued (one
 *     from an unconnected socket, one from a socket connected to it),
 *     which then receives from both again;
 *   - a datagram socket whose path was removed after bind(), with a
 *     socket connected to it: still connected, and the path still gone;
 *   - a stream pair whose one end was closed with bytes queued to the
 *     other: the bytes, then EOF;
 *   - a stream pair filled until a write would block (hundreds of KiB
 *     queued in one direction), every byte back in order;
 *   - a listener bound to a relative path from the working directory,
 *     which accepts after the restore (its name still the relative one);
 *   - a stream socket peeked by the program under SO_PEEK_OFF: its offset
 *     (which lmig's own peek moves and puts back) and its queue as left;
 *   - options: O_NONBLOCK, SO_PASSCRED, SO_SNDBUF, SO_RCVTIMEO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crtest.h"

static const size_t dgram_sizes[] = { 0, 1, 1000, 60000 };
#define NR_DGRAMS	(sizeof(dgram_sizes) / sizeof(dgram_sizes[0]))

static char dir[64];

static void fill(char *buf, size_t len, int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(seed + i * 7);
}

static void send_exact(int fd, const void *buf, size_t len, const char *what)
{
	ssize_t n = send(fd, buf, len, 0);

	if (n != (ssize_t)len)
		cr_fail_errno("%s: send of %zu bytes gave %zd", what, len, n);
}

/* One message (or up to len stream bytes, all of them) that must equal want. */
static void expect(int fd, const void *want, size_t len, const char *what)
{
	static char buf[65536 + 1];
	size_t got = 0;
	int stream = 0;
	socklen_t sl = sizeof(stream);

	getsockopt(fd, SOL_SOCKET, SO_TYPE, &stream, &sl);
	stream = stream == SOCK_STREAM;
	do {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - got, MSG_DONTWAIT);

		if (n < 0)
			cr_fail_errno("%s: recv after %zu of %zu bytes", what, got, len);
		if (n == 0 && stream)
			cr_fail("%s: EOF after %zu of %zu bytes", what, got, len);
		got += (size_t)n;
	} while (stream && got < len);
	if (got != len || memcmp(buf, want, len))
		cr_fail("%s: got %zu bytes, want %zu (or they differ)", what, got, len);
}

static void expect_empty(int fd, const char *what)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

	if (n >= 0 || errno != EAGAIN)
		cr_fail("%s: more queued than expected (recv gave %zd)", what, n);
}

static socklen_t addr(struct sockaddr_un *sa, const char *name, int abstract)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (abstract) {
		size_t len = strlen(name);

		memcpy(sa->sun_path + 1, name, len);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	}
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, name);
	return sizeof(*sa);
}

static int bound(int type, const char *name, int abstract)
{
	struct sockaddr_un sa;
	socklen_t len = addr(&sa, name, abstract);
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len))
		cr_fail_errno("bind %s%s", abstract ? "@" : "", name);
	return fd;
}

static void check_accepts(int lfd, int type, const char *name, int abstract)
{
	struct sockaddr_un sa;
	socklen_t len = addr(&sa, name, abstract);
	int c = socket(AF_UNIX, type, 0), a;

	if (c < 0 || connect(c, (struct sockaddr *)&sa, len))
		cr_fail_errno("connect to the listener %s%s", abstract ? "@" : "", name);
	a = accept(lfd, NULL, NULL);
	if (a < 0)
		cr_fail_errno("accept on %s%s", abstract ? "@" : "", name);
	send_exact(c, "hi", 2, "client");
	expect(a, "hi", 2, "accepted socket");
	send_exact(a, "ho", 2, "accepted socket");
	expect(c, "ho", 2, "client");
	close(a);
	close(c);
}

static int getint(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, name, &v, &len))
		cr_fail_errno("getsockopt %d", name);
	return v;
}

/* The child: blocked reading its end of the shared pair until pinged. */
static void child(int fd, pid_t parent)
{
	char buf[8];
	ssize_t n;

	/* It holds both ends itself: never left blocked when the test ends early. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(4);
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n != 4 || memcmp(buf, "ping", 4))
		_exit(2);
	_exit(write(fd, "pong", 4) == 4 ? 0 : 3);
}

int main(void)
{
	static char big[60000];
	int st[2], dg[2], sp[2], sh[2], shared[2], dead[2], lpath, labs, dbound, sender, logc;
	int full[2], gone, gonec, wait1, wait2, pk[2], lseq, lrel, sndbuf, status;
	char seq_name[64];
	struct sockaddr_un gsa;
	socklen_t gsalen;
	size_t full_len = 0;
	struct sockaddr_un sa;
	struct timeval tv = { .tv_sec = 7 };
	socklen_t salen;
	pid_t kid, me;
	char abs_name[64];

	cr_init();
	snprintf(dir, sizeof(dir), "/tmp/lmig-cr-unix.%d", (int)getpid());
	if (mkdir(dir, 0700) && errno != EEXIST)
		cr_fail_errno("mkdir %s", dir);
	snprintf(abs_name, sizeof(abs_name), "lmig-cr-unix-%d", (int)getpid());

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) || socketpair(AF_UNIX, SOCK_STREAM, 0, sh) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, shared) || socketpair(AF_UNIX, SOCK_STREAM, 0, dead) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, full) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, pk))
		cr_fail_errno("socketpair");
	send_exact(st[0], "from 0 to 1", 11, "stream 0");
	send_exact(st[1], "from 1 to 0, longer", 19, "stream 1");
	send_exact(st[0], "; again", 7, "stream 0");
	for (size_t i = 0; i < NR_DGRAMS; i++) {
		fill(big, dgram_sizes[i], (int)i);
		send_exact(dg[0], big, dgram_sizes[i], "dgram 0");
		fill(big, dgram_sizes[i], (int)i + 100);
		send_exact(dg[1], big, dgram_sizes[i], "dgram 1");
	}
	send_exact(sp[0], "packet one", 10, "seqpacket 0");
	send_exact(sp[0], "two", 3, "seqpacket 0");
	send_exact(sp[1], "back", 4, "seqpacket 1");
	send_exact(sh[0], "bye", 3, "shut pair");
	if (shutdown(sh[0], SHUT_WR))
		cr_fail_errno("shutdown");
	for (;;) {
		ssize_t n;

		fill(big, sizeof(big), (int)full_len);
		n = send(full[0], big, sizeof(big), 0);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			cr_fail_errno("filling a pair");
		full_len += (size_t)n;
		/* Each chunk's pattern starts where the last one ended. */
		if ((size_t)n < sizeof(big))
			break;
	}
	send_exact(dead[1], "last words", 10, "dead pair");
	close(dead[1]);
	send_exact(pk[0], "0123456789", 10, "peeked pair");
	if (setsockopt(pk[1], SOL_SOCKET, SO_PEEK_OFF, &(int){ 3 }, sizeof(int)) ||
	    recv(pk[1], big, 2, MSG_PEEK) != 2)
		cr_fail_errno("peek under SO_PEEK_OFF");
	gone = bound(SOCK_DGRAM, "gone.sock", 0);
	gsalen = addr(&gsa, "gone.sock", 0);
	gonec = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (gonec < 0 || connect(gonec, (struct sockaddr *)&gsa, gsalen) || unlink(gsa.sun_path))
		cr_fail_errno("connect to gone.sock and remove it");
	send_exact(gonec, "x", 1, "to a socket whose path is gone");

	lpath = bound(SOCK_STREAM, "listen.sock", 0);
	labs = bound(SOCK_STREAM, abs_name, 1);
	snprintf(seq_name, sizeof(seq_name), "lmig-cr-unix-seq-%d", (int)getpid());
	lseq = bound(SOCK_SEQPACKET, seq_name, 1);
	if (chdir(dir))
		cr_fail_errno("chdir %s", dir);
	lrel = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lrel < 0 || bind(lrel, (struct sockaddr *)&(struct sockaddr_un){ .sun_family = AF_UNIX,
								    .sun_path = "rel.sock" },
			     sizeof(struct sockaddr_un)))
		cr_fail_errno("bind rel.sock");
	if (listen(lpath, 5) || listen(labs, 5) || listen(lseq, 5) || listen(lrel, 5))
		cr_fail_errno("listen");
	salen = addr(&sa, "listen.sock", 0);
	if (chmod(sa.sun_path, 0604) || chown(sa.sun_path, 65534, 65534))
		cr_fail_errno("chmod/chown %s", sa.sun_path);
	wait1 = socket(AF_UNIX, SOCK_STREAM, 0);
	wait2 = socket(AF_UNIX, SOCK_STREAM, 0);
	if (wait1 < 0 || wait2 < 0 || connect(wait1, (struct sockaddr *)&sa, salen) ||
	    connect(wait2, (struct sockaddr *)&sa, salen))
		cr_fail_errno("connect clients that wait to be accepted");
	dbound = bound(SOCK_DGRAM, "dgram.sock", 0);
	sender = socket(AF_UNIX, SOCK_DGRAM, 0);
	salen = addr(&sa, "dgram.sock", 0);
	if (sender < 0 || sendto(sender, "first", 5, 0, (struct sockaddr *)&sa, salen) != 5 ||
	    (logc = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 ||
	    connect(logc, (struct sockaddr *)&sa, salen) || send(logc, "second!", 7, 0) != 7)
		cr_fail_errno("send to the bound dgram socket");

	if (fcntl(st[1], F_SETFL, O_NONBLOCK) || setsockopt(dg[1], SOL_SOCKET, SO_PASSCRED,
							     &(int){ 1 }, sizeof(int)) ||
	    setsockopt(st[0], SOL_SOCKET, SO_SNDBUF, &(int){ 50000 }, sizeof(int)) ||
	    setsockopt(dg[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		cr_fail_errno("set options");
	sndbuf = getint(st[0], SO_SNDBUF);

	me = getpid();
	kid = fork();
	if (kid < 0)
		cr_fail_errno("fork");
	if (kid == 0)
		child(shared[1], me);

	cr_ready();
	cr_wait();

	/* The child holds both ends too: it must get the ping through this very socket. */
	send_exact(shared[0], "ping", 4, "shared pair");
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status))
		cr_fail("the child holding the shared pair failed (status %#x)", status);
	expect(shared[0], "pong", 4, "shared pair");

	expect(st[1], "from 0 to 1; again", 18, "stream 1");
	expect(st[0], "from 1 to 0, longer", 19, "stream 0");
	expect_empty(st[0], "stream 0");
	for (size_t i = 0; i < NR_DGRAMS; i++) {
		fill(big, dgram_sizes[i], (int)i);
		expect(dg[1], big, dgram_sizes[i], "dgram 1");
		fill(big, dgram_sizes[i], (int)i + 100);
		expect(dg[0], big, dgram_sizes[i], "dgram 0");
	}
	expect_empty(dg[0], "dgram 0");
	expect_empty(dg[1], "dgram 1");
	expect(sp[1], "packet one", 10, "seqpacket 1");
	expect(sp[1], "two", 3, "seqpacket 1");
	expect(sp[0], "back", 4, "seqpacket 0");
	/* Still connected both ways. */
	send_exact(st[1], "more", 4, "stream 1");
	expect(st[0], "more", 4, "stream 0");
	send_exact(dg[0], "more", 4, "dgram 0");
	expect(dg[1], "more", 4, "dgram 1");

	expect(sh[1], "bye", 3, "shut pair");
	if (recv(sh[1], big, 1, MSG_DONTWAIT) != 0)
		cr_fail("shut pair: no EOF after the queued bytes");
	if (send(sh[0], "x", 1, MSG_NOSIGNAL) != -1 || errno != EPIPE)
		cr_fail("shut pair: writing on the shut-down side did not fail with EPIPE");

	for (int i = 0; i < 2; i++) {
		int a = accept(lpath, NULL, NULL);

		if (a < 0)
			cr_fail_errno("accept a client that waited");
		send_exact(i ? wait2 : wait1, i ? "two" : "one", 3, "waiting client");
		expect(a, i ? "two" : "one", 3, "accepted a client that waited (in its order)");
		send_exact(a, "ok", 2, "accepted a client that waited");
		expect(i ? wait2 : wait1, "ok", 2, "waiting client");
		close(a);
	}
	{
		struct sockaddr_un lsa;
		struct stat st;

		addr(&lsa, "listen.sock", 0);
		if (lstat(lsa.sun_path, &st) || !S_ISSOCK(st.st_mode))
			cr_fail_errno("%s is not a socket file", lsa.sun_path);
		if ((st.st_mode & 07777) != 0604 || st.st_uid != 65534 || st.st_gid != 65534)
			cr_fail("%s: mode %o owner %u:%u, want 604 65534:65534", lsa.sun_path,
				st.st_mode & 07777, st.st_uid, st.st_gid);
	}
	check_accepts(lpath, SOCK_STREAM, "listen.sock", 0);
	check_accepts(labs, SOCK_STREAM, abs_name, 1);
	check_accepts(lseq, SOCK_SEQPACKET, seq_name, 1);
	check_accepts(lrel, SOCK_STREAM, "rel.sock", 0);
	{
		struct sockaddr_un rsa;
		socklen_t rlen = sizeof(rsa);

		if (getsockname(lrel, (struct sockaddr *)&rsa, &rlen) || strcmp(rsa.sun_path, "rel.sock"))
			cr_fail("the relative listener's name is not \"rel.sock\" any more");
		unlink("rel.sock");
	}
	expect(dbound, "first", 5, "bound dgram");
	expect(dbound, "second!", 7, "bound dgram");
	if (sendto(sender, "third", 5, 0, (struct sockaddr *)&sa, salen) != 5)
		cr_fail_errno("sendto the bound dgram socket after the restore");
	expect(dbound, "third", 5, "bound dgram");
	if (send(logc, "fourth", 6, 0) != 6)
		cr_fail_errno("send on the socket connected to the bound dgram socket after the restore");
	expect(dbound, "fourth", 6, "bound dgram");
	for (size_t got = 0; got < full_len;) {
		static char chunk[sizeof(big)];
		size_t want = full_len - got < sizeof(big) ? full_len - got : sizeof(big);
		size_t have = 0;

		while (have < want) {
			ssize_t n = recv(full[1], chunk + have, want - have, 0);

			if (n <= 0)
				cr_fail_errno("full pair: recv after %zu of %zu bytes", got + have, full_len);
			have += (size_t)n;
		}
		fill(big, sizeof(big), (int)got);
		if (memcmp(chunk, big, want))
			cr_fail("full pair: the bytes at %zu differ", got);
		got += want;
	}
	expect_empty(full[1], "full pair");
	if (getint(pk[1], SO_PEEK_OFF) != 5)
		cr_fail("SO_PEEK_OFF %d, want 5", getint(pk[1], SO_PEEK_OFF));
	if (recv(pk[1], big, 2, MSG_PEEK) != 2 || memcmp(big, "56", 2))
		cr_fail("peeked pair: the next peek is not \"56\"");
	expect(pk[1], "0123456789", 10, "peeked pair");
	if (access(gsa.sun_path, F_OK) == 0)
		cr_fail("%s exists again", gsa.sun_path);
	expect(gone, "x", 1, "socket whose path is gone");
	send_exact(gonec, "y", 1, "to a socket whose path is gone");
	expect(gone, "y", 1, "socket whose path is gone");
	expect(dead[0], "last words", 10, "dead pair");
	if (recv(dead[0], big, 1, MSG_DONTWAIT) != 0)
		cr_fail("dead pair: no EOF after the queued bytes");

	if (!(fcntl(st[1], F_GETFL) & O_NONBLOCK))
		cr_fail("O_NONBLOCK lost");
	if (getint(dg[1], SO_PASSCRED) != 1)
		cr_fail("SO_PASSCRED lost");
	if (getint(st[0], SO_SNDBUF) != sndbuf)
		cr_fail("SO_SNDBUF %d, want %d", getint(st[0], SO_SNDBUF), sndbuf);
	{
		struct timeval got;
		socklen_t len = sizeof(got);

		if (getsockopt(dg[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len) || got.tv_sec != 7)
			cr_fail("SO_RCVTIMEO lost");
	}
	unlink(sa.sun_path);
	addr(&sa, "listen.sock", 0);
	unlink(sa.sun_path);
	rmdir(dir);
	cr_pass();
}
