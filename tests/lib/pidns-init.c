/*
 * pidns-init: pid 1 of a test's pid namespace.
 *
 *   unshare --pid --fork --mount-proc pidns-init CMD [ARGS...]
 *
 * Runs CMD as its child, reaps every process that is re-parented to it
 * (restored processes whose parent exited), and exits once no process is
 * left in the namespace, with CMD's exit status (128 + signal if it was
 * killed). Killing this process (SIGKILL from outside) ends the whole
 * namespace: that is how a test removes everything it started there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status, code = 0;
	pid_t cmd, w;

	if (argc < 2) {
		fprintf(stderr, "usage: pidns-init CMD [ARGS...]\n");
		return 2;
	}
	cmd = fork();
	if (cmd < 0) {
		perror("pidns-init: fork");
		return 1;
	}
	if (cmd == 0) {
		execvp(argv[1], argv + 1);
		perror("pidns-init: exec");
		_exit(127);
	}
	for (;;) {
		w = wait(&status);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;		/* ECHILD: nobody left */
		}
		if (w == cmd)
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return code;
}
