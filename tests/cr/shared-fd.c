/*
 * One open file description shared by parent and child (a file opened
 * before fork): after restore a write by the child moves the position
 * the parent sees, as it did before. The child waits on a pipe for the
 * parent's go, writes two bytes at the shared position and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crtest.h"

int main(void)
{
	char path[] = "/tmp/lmig-shared-fd.XXXXXX", buf[16];
	int fd, go[2], status;
	pid_t pid;
	off_t pos;

	cr_init();
	fd = mkstemp(path);
	if (fd < 0)
		cr_fail_errno("mkstemp");
	if (write(fd, "0123456789", 10) != 10 || lseek(fd, 3, SEEK_SET) != 3)
		cr_fail_errno("write");
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
		/* EOF: the parent is gone without a go. */
		_exit(n == 1 && write(fd, "AB", 2) == 2 ? 0 : 1);
	}
	close(go[0]);
	cr_ready();
	cr_wait();

	pos = lseek(fd, 0, SEEK_CUR);
	if (pos != 3)
		cr_fail("the position is %lld, was 3", (long long)pos);
	if (write(go[1], "g", 1) != 1)
		cr_fail_errno("write to the child");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		cr_fail("the child could not write");
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos != 5)
		cr_fail("the child's write left the parent's position at %lld, not 5 "
			"(the description is not shared)", (long long)pos);
	if (pread(fd, buf, 10, 0) != 10 || memcmp(buf, "012AB56789", 10))
		cr_fail("the file holds %.10s", buf);
	unlink(path);
	cr_pass();
}
