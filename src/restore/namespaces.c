#define LOG_PREFIX "restore-ns: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "restore/namespaces.h"
#include "restore/restore.h"

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int restore_write_pidfile(const char *path, pid_t pid)
{
	char buf[24];
	int fd, len, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		pr_perror("pid %d runs, but its pid file %s cannot be created", (int)pid, path);
		return ret;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write(fd, buf, len) != len) {
		ret = errno ? -errno : -EIO;
		pr_perror("pid %d runs, but its pid file %s cannot be written", (int)pid, path);
	}
	close(fd);
	return ret;
}

static int join_netns(const char *path)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("--netns %s: cannot open it", path);
		return ret;
	}
	if (setns(fd, CLONE_NEWNET)) {
		ret = -errno;
		pr_perror("--netns %s: cannot join it as a network namespace", path);
	}
	close(fd);
	return ret;
}

/*
 * In the init: a /proc of the new pid namespace, so that lmig's reads of
 * /proc/PID while restoring (and the restored processes' own) name the
 * namespace's pids. Mounted in a private mount namespace: nothing of it
 * reaches the host's mounts.
 */
static int own_proc(void)
{
	if (unshare(CLONE_NEWNS)) {
		pr_perror("cannot create a mount namespace for the new pid namespace's /proc");
		return -errno;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		pr_perror("cannot make the new mount namespace private");
		return -errno;
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		pr_perror("cannot mount /proc for the new pid namespace");
		return -errno;
	}
	return 0;
}

/* pid 1 of the new namespace: restore as its child, then reap. Never returns. */
__attribute__((noreturn))
static void init_main(const struct restore_opts *o, int ready_fd)
{
	struct ns_init ni = { .ready_fd = ready_fd };
	struct restore_opts io = *o;

	/*
	 * Until the tree runs, lmig outside is the one waiting: do not outlive
	 * it. (getppid() is 0 in here, the parent being outside: no check.)
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		_exit(LMIG_EXIT_FAIL);
	/* Its own session and group (1): the outside's are not visible in here. */
	setsid();
	if (own_proc())
		_exit(LMIG_EXIT_FAIL);
	io.new_pidns = false;
	io.netns = NULL;
	io.pidfile = NULL;	/* lmig outside writes it, with the pid it sees */
	io.ns_init = &ni;
	_exit(restore_run(&io));
}

int ns_init_reap(struct ns_init *ni, pid_t root)
{
	int status, code = LMIG_EXIT_FAIL;
	pid_t w;

	prctl(PR_SET_PDEATHSIG, 0);
	/* lmig outside may be gone already (killed): the tree runs on regardless. */
	if (write(ni->ready_fd, "r", 1) != 1)
		pr_warn("pid %d runs, but lmig outside the namespace did not hear it", (int)root);
	close(ni->ready_fd);
	ni->ready_fd = -1;
	for (;;) {
		w = wait(&status);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;		/* ECHILD: nobody left in the namespace */
		}
		if (w == root)
			code = exit_code(status);
	}
	return code;
}

/* The host pid of the init's first child (the restored root), read from outside. */
static pid_t root_host_pid(pid_t init)
{
	char path[64];
	long pid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)init, (int)init);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -ESRCH;
	fclose(f);
	return (pid_t)pid;
}

static int wait_init(pid_t init)
{
	int status;

	while (waitpid(init, &status, 0) < 0) {
		if (errno != EINTR) {
			pr_perror("pid %d (the new pid namespace's init): cannot wait for it", (int)init);
			return LMIG_EXIT_FAIL;
		}
	}
	return exit_code(status);
}

static int restore_new_pidns(const struct restore_opts *o)
{
	int ready[2], code;
	pid_t init, root;
	ssize_t n;
	char c;

	if (pipe2(ready, O_CLOEXEC)) {
		pr_perror("cannot create a pipe to the new pid namespace's init");
		return LMIG_EXIT_FAIL;
	}
	if (unshare(CLONE_NEWPID)) {
		pr_perror("cannot create a pid namespace");
		code = errno == EPERM ? LMIG_EXIT_UNSUPPORTED : LMIG_EXIT_FAIL;
		goto out;
	}
	init = fork();
	if (init < 0) {
		pr_perror("cannot fork the new pid namespace's init");
		code = LMIG_EXIT_FAIL;
		goto out;
	}
	if (init == 0) {
		close(ready[0]);
		init_main(o, ready[1]);
	}
	close(ready[1]);
	ready[1] = -1;
	do
		n = read(ready[0], &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		/* The init failed and said why; its exit code is the restore's. */
		code = wait_init(init);
		if (code == LMIG_EXIT_OK)
			code = LMIG_EXIT_FAIL;
		goto out;
	}
	root = root_host_pid(init);
	if (root < 0)
		pr_warn("cannot read the restored root's pid from pid %d's children", (int)init);
	else
		pr_info("the restored root is host pid %d, in the pid namespace of init %d",
			(int)root, (int)init);
	if (o->pidfile && (root < 0 || restore_write_pidfile(o->pidfile, root))) {
		code = LMIG_EXIT_FAIL;
		goto out;
	}
	code = o->detach ? LMIG_EXIT_OK : wait_init(init);
out:
	close(ready[0]);
	if (ready[1] >= 0)
		close(ready[1]);
	return code;
}

int restore_in_namespaces(const struct restore_opts *o)
{
	if (o->netns && join_netns(o->netns))
		return LMIG_EXIT_FAIL;
	return o->new_pidns ? restore_new_pidns(o) : restore_run(o);
}
