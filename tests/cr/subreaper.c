/*
 * Run a command as a child subreaper, so that processes restored with
 * --detach are re-parented to the test rather than to PID 1, which on
 * these machines reaps only every second or two and would keep their
 * pids busy between tests.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: subreaper CMD [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		fprintf(stderr, "subreaper: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "subreaper: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
