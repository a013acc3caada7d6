#define LOG_PREFIX "dump-seize: "
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "dump/seize.h"

/* A process may keep spawning threads; give up rather than loop forever. */
#define SEIZE_MAX_PASSES	64

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct seized_thread *find_thread(struct seized *s, pid_t tid)
{
	for (size_t i = 0; i < s->nr; i++)
		if (s->t[i].tid == tid)
			return &s->t[i];
	return NULL;
}

static int add_thread(struct seized *s, pid_t tid)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct seized_thread *nt = realloc(s->t, cap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		s->t = nt;
		s->cap = cap;
	}
	memset(&s->t[s->nr], 0, sizeof(s->t[0]));
	s->t[s->nr++].tid = tid;
	return 0;
}

static void drop_thread(struct seized *s, struct seized_thread *t)
{
	size_t i = t - s->t;

	memmove(&s->t[i], &s->t[i + 1], (s->nr - i - 1) * sizeof(s->t[0]));
	s->nr--;
}

/*
 * Wait for tid's ptrace stop. A signal that arrives first is delivered
 * (the thread runs its handler) and we wait again: the interrupt stays
 * pending. Returns 0, -ESRCH if the thread went away, -ETIMEDOUT.
 */
static int wait_stop(pid_t pid, struct seized_thread *t)
{
	long deadline = now_ms() + SEIZE_STOP_TIMEOUT_MS;

	for (;;) {
		int status, sig;
		pid_t r = waitpid(t->tid, &status, __WALL | WNOHANG);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? -ESRCH : -errno;
		}
		if (r == 0) {
			if (now_ms() > deadline) {
				pr_err("pid %d: thread %d did not stop within %d ms",
				       (int)pid, (int)t->tid, SEIZE_STOP_TIMEOUT_MS);
				return -ETIMEDOUT;
			}
			usleep(1000);
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -ESRCH;
		if (!WIFSTOPPED(status))
			continue;
		sig = WSTOPSIG(status);
		if ((status >> 16) == PTRACE_EVENT_STOP) {
			/* Group-stop signals report here too: the thread was stopped (T). */
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
				t->group_stop_sig = sig;
			t->stopped = true;
			return 0;
		}
		/* Signal-delivery stop: hand the signal over unchanged and wait again. */
		pr_debug("pid %d: thread %d: passing signal %d on while seizing",
			 (int)pid, (int)t->tid, sig);
		if (ptrace(PTRACE_CONT, t->tid, NULL, (void *)(long)sig))
			return errno == ESRCH ? -ESRCH : -errno;
	}
}

/* Seize and interrupt every thread listed in /proc/PID/task not yet held; *added counts them. */
static int seize_pass(struct seized *s, int *added)
{
	char path[64];
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	*added = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)s->pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((errno = 0, de = readdir(dir))) {
		struct seized_thread *t;
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0 || find_thread(s, tid))
			continue;
		if (ptrace(PTRACE_SEIZE, tid, NULL, NULL)) {
			if (errno == ESRCH)	/* exited since readdir */
				continue;
			ret = -errno;
			pr_perror("pid %d: cannot seize thread %ld%s", (int)s->pid, tid,
				  errno == EPERM ? " (traced by another process, or not permitted)" : "");
			goto out;
		}
		ret = add_thread(s, tid);
		if (ret) {
			ptrace(PTRACE_DETACH, tid, NULL, NULL);
			goto out;
		}
		t = &s->t[s->nr - 1];
		if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) && errno != ESRCH) {
			ret = -errno;
			pr_perror("pid %d: cannot interrupt thread %ld", (int)s->pid, tid);
			goto out;
		}
		ret = wait_stop(s->pid, t);
		if (ret == -ESRCH) {
			drop_thread(s, t);
			ret = 0;
			continue;
		}
		if (ret)
			goto out;
		(*added)++;
	}
	if (errno)
		ret = -errno;
out:
	closedir(dir);
	return ret;
}

int seize_process(pid_t pid, struct seized *s)
{
	int ret, added, pass;

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	if (pid == getpid()) {
		pr_err("pid %d: cannot dump lmig itself", (int)pid);
		return -EINVAL;
	}
	for (pass = 0; pass < SEIZE_MAX_PASSES; pass++) {
		ret = seize_pass(s, &added);
		if (ret)
			goto fail;
		if (!added && s->nr)
			break;
		if (!s->nr) {
			ret = -ESRCH;
			goto fail;
		}
	}
	if (pass == SEIZE_MAX_PASSES) {
		ret = -EAGAIN;
		pr_err("pid %d: threads keep appearing, giving up after %d passes", (int)pid, pass);
		goto fail;
	}
	if (!find_thread(s, pid)) {
		ret = -ESRCH;
		pr_err("pid %d: the thread group leader is gone", (int)pid);
		goto fail;
	}
	/* Leader first: the images name the process by it. */
	for (size_t i = 0; i < s->nr; i++) {
		if (s->t[i].tid == pid) {
			struct seized_thread tmp = s->t[0];

			s->t[0] = s->t[i];
			s->t[i] = tmp;
			break;
		}
	}
	pr_info("pid %d: seized %zu thread(s)", (int)pid, s->nr);
	return 0;
fail:
	if (ret == -ESRCH)
		pr_err("pid %d: no such process", (int)pid);
	unseize_process(s, false);
	return ret;
}

void unseize_process(struct seized *s, bool kill_it)
{
	if (kill_it && s->nr && kill(s->pid, SIGKILL))
		pr_perror("pid %d: cannot kill", (int)s->pid);
	for (size_t i = 0; i < s->nr; i++) {
		/* A thread still running toward its stop detaches as well. */
		if (ptrace(PTRACE_DETACH, s->t[i].tid, NULL, NULL) && errno != ESRCH)
			pr_perror("pid %d: cannot detach thread %d", (int)s->pid, (int)s->t[i].tid);
	}
	free(s->t);
	s->t = NULL;
	s->nr = s->cap = 0;
}
