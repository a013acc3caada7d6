/*
 * Open file descriptions shared between processes (files opened before
 * fork) stay shared after restore: a write by one moves the position the
 * others see.
 *   f1: held by the parent and child 1; child 1 writes, the parent's
 *       position moves.
 *   f2: unlinked (its content in the image), opened by the parent, which forks children 2 and 3 and closes
 *       it: the siblings share it without the parent; child 2 writes,
 *       child 3 checks its position moved.
 * Each child waits on a pipe for the parent's go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crtest.h"

enum act { WRITE_AB, EXPECT_POS_2 };

/* A child that waits for its go, then acts on fd; its exit code says how it went. */
static pid_t spawn(int fd, enum act act, int *go_wr)
{
	int go[2];
	pid_t pid;

	if (pipe(go))
		cr_fail_errno("pipe");
	pid = fork();
	if (pid < 0)
		cr_fail_errno("fork");
	if (pid == 0) {
		char c;
		ssize_t n;

		close(go[1]);
		do
			n = read(go[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)	/* EOF: the parent is gone without a go */
			_exit(2);
		if (act == WRITE_AB)
			_exit(write(fd, "AB", 2) == 2 ? 0 : 1);
		_exit(lseek(fd, 0, SEEK_CUR) == 2 ? 0 : 1);
	}
	close(go[0]);
	*go_wr = go[1];
	return pid;
}

static void run(pid_t pid, int go_wr, const char *what)
{
	int status;

	if (write(go_wr, "g", 1) != 1)
		cr_fail_errno("%s: go", what);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		cr_fail("%s: failed (status %#x)", what, status);
}

/* unlinked: the content is carried in the image (and nothing is left behind). */
static int make_file(char *path, int unlinked)
{
	int fd = mkstemp(path);

	if (fd < 0)
		cr_fail_errno("mkstemp");
	if (write(fd, "0123456789", 10) != 10)
		cr_fail_errno("write");
	if (unlinked)
		unlink(path);
	return fd;
}

int main(void)
{
	char p1[] = "/tmp/lmig-shared-fd.XXXXXX", p2[] = "/tmp/lmig-shared-fd.XXXXXX", buf[16];
	int f1, f2, go1, go2, go3;
	pid_t c1, c2, c3;
	off_t pos;

	cr_init();
	f1 = make_file(p1, 0);
	f2 = make_file(p2, 1);
	if (lseek(f1, 3, SEEK_SET) != 3 || lseek(f2, 0, SEEK_SET) != 0)
		cr_fail_errno("lseek");
	c1 = spawn(f1, WRITE_AB, &go1);
	c2 = spawn(f2, WRITE_AB, &go2);
	c3 = spawn(f2, EXPECT_POS_2, &go3);
	close(f2);
	cr_ready();
	cr_wait();

	pos = lseek(f1, 0, SEEK_CUR);
	if (pos != 3)
		cr_fail("f1: the position is %lld, was 3", (long long)pos);
	run(c1, go1, "child 1 writing to f1");
	pos = lseek(f1, 0, SEEK_CUR);
	if (pos != 5)
		cr_fail("f1: the child's write left the parent's position at %lld, not 5 "
			"(the description is not shared)", (long long)pos);
	if (pread(f1, buf, 10, 0) != 10 || memcmp(buf, "012AB56789", 10))
		cr_fail("f1 holds %.10s", buf);
	run(c2, go2, "child 2 writing to f2");
	run(c3, go3, "child 3 finding f2's position moved by its sibling");
	unlink(p1);
	cr_pass();
}
