/*
 * A tree of 50 processes, deep and broad, dumped and restored whole:
 *
 *   R (this program)
 *   +- Z1 zombie, exit(42)          +- Z2 zombie, killed by SIGTERM
 *   +- W blocked in waitpid() for W1, which exits 7 once woken
 *   +- P holding the write end of a pipe; its child K blocked reading it,
 *   |  with "abc" queued at dump and "def" written after
 *   +- S writes MAP_SHARED anonymous memory that R reads after S ends
 *   +- A session leader (setsid): A1..A4; A2 leads a group with A2a, A2b
 *   |  and its sibling A3 joins that group
 *   +- B group leader: B1..B5 in its group, B1's child B1a too
 *   +- C1 -> C2 -> ... -> C10, a chain
 *   +- D with 17 children
 *
 * Every process records its ppid, pgid and sid before the dump and checks
 * them when woken (one byte each from a pipe shared by the whole tree);
 * parents reap their children and fail if one failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crtest.h"

#define NPROCS		50
#define NREADERS	46	/* everyone but R, W and the two zombies */
#define SHM_MAGIC	0x5ea5ea5eaULL

static int go_pipe[2], ready_pipe[2];
static volatile uint64_t *shm;

struct ids {
	pid_t ppid, pgid, sid;
};

static struct ids my_ids(void)
{
	struct ids i = { getppid(), getpgid(0), getsid(0) };

	return i;
}

static void check_ids(const char *who, struct ids want)
{
	struct ids have = my_ids();

	if (have.ppid != want.ppid)
		cr_fail("%s (pid %d): parent %d, want %d", who, (int)getpid(), (int)have.ppid,
			(int)want.ppid);
	if (have.pgid != want.pgid)
		cr_fail("%s (pid %d): process group %d, want %d", who, (int)getpid(),
			(int)have.pgid, (int)want.pgid);
	if (have.sid != want.sid)
		cr_fail("%s (pid %d): session %d, want %d", who, (int)getpid(), (int)have.sid,
			(int)want.sid);
}

static void say_ready(void)
{
	if (write(ready_pipe[1], "r", 1) != 1)
		cr_fail_errno("write ready");
}

/* Block until the tree is woken after the restore. */
static void wait_go(const char *who)
{
	char c;
	ssize_t n;

	do
		n = read(go_pipe[0], &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		cr_fail("%s (pid %d): read of the go pipe gave %zd", who, (int)getpid(), n);
}

/* Reap every child; fail if one did not exit 0. */
static void reap_all(const char *who)
{
	int status;
	pid_t pid;

	while ((pid = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			cr_fail("%s: child %d ended with status %#x", who, (int)pid, status);
}

/* A process that waits, checks itself, reaps what it forked and exits 0. */
static void leaf_end(const char *who, struct ids ids)
{
	say_ready();
	wait_go(who);
	check_ids(who, ids);
	reap_all(who);
	exit(0);
}

typedef void (*body_fn)(int arg);

static pid_t spawn(body_fn fn, int arg)
{
	pid_t pid = fork();

	if (pid < 0)
		cr_fail_errno("fork");
	if (pid == 0) {
		alarm(60);	/* nothing of the tree outlives a broken run for long */
		fn(arg);
		exit(0);
	}
	return pid;
}

static void leaf(int arg)
{
	char who[32];

	snprintf(who, sizeof(who), "leaf %d", arg);
	leaf_end(who, my_ids());
}

static void w1(int arg)
{
	(void)arg;
	say_ready();
	wait_go("W1");
	exit(7);
}

static void w(int arg)
{
	struct ids ids;
	pid_t c;
	int status;

	(void)arg;
	c = spawn(w1, 0);
	ids = my_ids();
	say_ready();
	/* Blocked here across the dump and restore. */
	if (waitpid(c, &status, 0) != c)
		cr_fail_errno("W: waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 7)
		cr_fail("W: child ended with %#x, want exit 7", status);
	check_ids("W", ids);
	exit(0);
}

static int pk_pipe[2];

static void k(int arg)
{
	struct ids ids = my_ids();
	char buf[7] = "";
	size_t got = 0;

	(void)arg;
	close(pk_pipe[1]);
	say_ready();
	/* "abc" stays queued in the pipe across the dump. */
	wait_go("K");
	while (got < 6) {
		ssize_t n = read(pk_pipe[0], buf + got, 6 - got);

		if (n <= 0)
			cr_fail("K: read of its parent's pipe gave %zd after %zu bytes", n, got);
		got += (size_t)n;
	}
	if (strcmp(buf, "abcdef") != 0)
		cr_fail("K: read '%s' from its parent's pipe, want 'abcdef'", buf);
	check_ids("K", ids);
	exit(0);
}

static void p(int arg)
{
	struct ids ids;

	(void)arg;
	if (pipe(pk_pipe))
		cr_fail_errno("pipe");
	spawn(k, 0);
	close(pk_pipe[0]);
	if (write(pk_pipe[1], "abc", 3) != 3)
		cr_fail_errno("P: write");
	ids = my_ids();
	say_ready();
	wait_go("P");
	if (write(pk_pipe[1], "def", 3) != 3)
		cr_fail_errno("P: write after restore");
	check_ids("P", ids);
	reap_all("P");
	exit(0);
}

static void s(int arg)
{
	struct ids ids = my_ids();

	(void)arg;
	say_ready();
	wait_go("S");
	if (shm[0] != SHM_MAGIC)
		cr_fail("S: shared memory holds %#llx, want what R wrote", (unsigned long long)shm[0]);
	shm[1] = SHM_MAGIC + 1;
	check_ids("S", ids);
	exit(0);
}

static void a2(int arg)
{
	(void)arg;
	if (setpgid(0, 0))
		cr_fail_errno("A2: setpgid");
	spawn(leaf, 200);
	spawn(leaf, 201);
	leaf_end("A2", my_ids());
}

static void a3(int a2pid)
{
	/* Wait for A2's group to exist, then join it. */
	for (int i = 0; i < 1000 && getpgid(a2pid) != a2pid; i++)
		usleep(1000);
	if (setpgid(0, a2pid))
		cr_fail_errno("A3: setpgid(%d)", a2pid);
	leaf_end("A3", my_ids());
}

static void a(int arg)
{
	pid_t a2pid;

	(void)arg;
	if (setsid() < 0)
		cr_fail_errno("A: setsid");
	spawn(leaf, 100);
	a2pid = spawn(a2, 0);
	spawn(a3, a2pid);
	spawn(leaf, 101);
	leaf_end("A", my_ids());
}

static void b1(int arg)
{
	(void)arg;
	spawn(leaf, 300);
	leaf_end("B1", my_ids());
}

static void b(int arg)
{
	(void)arg;
	if (setpgid(0, 0))
		cr_fail_errno("B: setpgid");
	spawn(b1, 0);
	for (int i = 0; i < 4; i++)
		spawn(leaf, 310 + i);
	leaf_end("B", my_ids());
}

static void c(int depth)
{
	char who[16];

	if (depth < 10)
		spawn(c, depth + 1);
	snprintf(who, sizeof(who), "C%d", depth);
	leaf_end(who, my_ids());
}

static void d(int arg)
{
	(void)arg;
	for (int i = 0; i < 17; i++)
		spawn(leaf, 400 + i);
	leaf_end("D", my_ids());
}

static void z1(int arg)
{
	(void)arg;
	exit(42);
}

static void z2(int arg)
{
	(void)arg;
	signal(SIGTERM, SIG_DFL);
	kill(getpid(), SIGTERM);
	pause();
}

static int is_zombie(pid_t pid)
{
	char path[64], buf[512], *q;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	q = strrchr(buf, ')');
	return q && q[2] == 'Z';
}

static int count_tree(pid_t pid)
{
	char path[96], buf[4096], *q;
	int fd, n = 1;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return n;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[len > 0 ? len : 0] = '\0';
	for (q = buf; *q;) {
		char *end;
		long child = strtol(q, &end, 10);

		if (end == q)
			break;
		n += count_tree((pid_t)child);
		q = end;
	}
	return n;
}

int main(void)
{
	pid_t zombie1, zombie2, others[8];
	struct ids ids;
	char buf[NREADERS + 1];
	int status, nr = 0;

	cr_init();
	alarm(120);
	shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		cr_fail_errno("mmap");
	shm[0] = SHM_MAGIC;
	if (pipe(go_pipe) || pipe(ready_pipe))
		cr_fail_errno("pipe");
	zombie1 = spawn(z1, 0);
	zombie2 = spawn(z2, 0);
	others[nr++] = spawn(w, 0);
	others[nr++] = spawn(p, 0);
	others[nr++] = spawn(s, 0);
	others[nr++] = spawn(a, 0);
	others[nr++] = spawn(b, 0);
	others[nr++] = spawn(c, 1);
	others[nr++] = spawn(d, 0);
	ids = my_ids();
	close(ready_pipe[1]);
	for (size_t got = 0; got < NREADERS + 1;) {
		ssize_t n = read(ready_pipe[0], buf, 1);

		if (n <= 0)
			cr_fail("only %zu of %d processes got ready", got, NREADERS + 1);
		got += (size_t)n;
	}
	for (int i = 0; i < 2000 && !(is_zombie(zombie1) && is_zombie(zombie2)); i++)
		usleep(1000);
	if (count_tree(getpid()) != NPROCS)
		cr_fail("the tree has %d processes, want %d", count_tree(getpid()), NPROCS);

	cr_ready();
	cr_wait();

	if (count_tree(getpid()) != NPROCS)
		cr_fail("after restore the tree has %d processes, want %d", count_tree(getpid()),
			NPROCS);
	check_ids("R", ids);
	memset(buf, 'g', sizeof(buf));
	if (write(go_pipe[1], buf, NREADERS) != NREADERS)
		cr_fail_errno("write go");
	if (waitpid(zombie1, &status, WNOHANG) != zombie1)
		cr_fail("zombie %d is not waitable", (int)zombie1);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
		cr_fail("zombie %d: status %#x, want exit 42", (int)zombie1, status);
	if (waitpid(zombie2, &status, WNOHANG) != zombie2)
		cr_fail("zombie %d is not waitable", (int)zombie2);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
		cr_fail("zombie %d: status %#x, want killed by SIGTERM", (int)zombie2, status);
	for (int i = 0; i < nr; i++) {
		if (waitpid(others[i], &status, 0) != others[i])
			cr_fail_errno("waitpid %d", (int)others[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			cr_fail("child %d ended with status %#x", (int)others[i], status);
	}
	if (shm[1] != SHM_MAGIC + 1)
		cr_fail("shared memory: S's write is not seen by R (%#llx)",
			(unsigned long long)shm[1]);
	cr_pass();
}
