#define LOG_PREFIX "action-script: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "action-script.h"
#include "log.h"

const char *action_stage_name(enum action_stage stage)
{
	switch (stage) {
	case ACT_NETWORK_LOCK:		return "network-lock";
	case ACT_POST_DUMP:		return "post-dump";
	case ACT_PRE_RESTORE:		return "pre-restore";
	case ACT_POST_RESTORE:		return "post-restore";
	case ACT_NETWORK_UNLOCK:	return "network-unlock";
	case ACT_ROLLBACK:		return "rollback";
	}
	return "unknown";
}

int action_scripts_add(struct action_scripts *s, const char *path)
{
	if (!path || !path[0]) {
		pr_err("--action-script: an empty script");
		return -EINVAL;
	}
	if (s->n >= ACTION_SCRIPTS_MAX) {
		pr_err("--action-script '%s': more than %d scripts", path, ACTION_SCRIPTS_MAX);
		return -E2BIG;
	}
	s->path[s->n++] = path;
	return 0;
}

/* The child: its own process group (so that a timeout ends all it started), then sh -c. */
__attribute__((noreturn))
static void exec_script(const char *path, const char *stage, pid_t pid, const char *dir)
{
	char pidbuf[16];
	int null;

	setpgid(0, 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	if (setenv("LMIG_SCRIPT_STAGE", stage, 1) || setenv("CRTOOLS_SCRIPT_ACTION", stage, 1) ||
	    setenv("LMIG_PID", pidbuf, 1) || setenv("LMIG_IMAGES_DIR", dir ? dir : "", 1))
		_exit(126);
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0)
		_exit(126);
	if (null > 0)
		close(null);
	execl("/bin/sh", "sh", "-c", path, (char *)NULL);
	_exit(127);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_one(const char *path, enum action_stage stage, pid_t pid, const char *dir)
{
	const char *name = action_stage_name(stage);
	int64_t end = now_ms() + ACTION_SCRIPT_TIMEOUT_S * 1000;
	int status;
	pid_t child;

	pr_info("stage %s: running %s", name, path);
	fflush(NULL);
	child = fork();
	if (child < 0) {
		int ret = -errno;

		pr_perror("stage %s: cannot start %s", name, path);
		return ret;
	}
	if (child == 0)
		exec_script(path, name, pid, dir);
	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);

		if (r == child)
			break;
		if (r < 0 && errno != EINTR) {
			int ret = -errno;

			pr_perror("stage %s: cannot wait for %s", name, path);
			return ret;
		}
		if (now_ms() > end) {
			kill(-child, SIGKILL);
			kill(child, SIGKILL);
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			pr_err("stage %s: %s did not finish within %d s (killed)", name, path,
			       ACTION_SCRIPT_TIMEOUT_S);
			return -ECANCELED;
		}
		usleep(2000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		pr_err("stage %s: %s failed (exit status %d)", name, path, WEXITSTATUS(status));
	else
		pr_err("stage %s: %s was killed by signal %d", name, path, WTERMSIG(status));
	return -ECANCELED;
}

int action_scripts_run(const struct action_scripts *s, enum action_stage stage, pid_t pid,
		       const char *images_dir)
{
	for (unsigned int i = 0; s && i < s->n; i++) {
		int ret = run_one(s->path[i], stage, pid, images_dir);

		if (ret)
			return ret;
	}
	return 0;
}
