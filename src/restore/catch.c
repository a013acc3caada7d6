#define LOG_PREFIX "restore: "
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "log.h"
#include "restore/catch.h"
#include "restore/restore.h"

/* The restorer makes a handful (a futex restarted or woken); more means it went astray. */
#define CATCH_MAX_SYSCALLS	16
/* A SIGCHLD taken by someone else costs at most this much sleep. */
#define CATCH_NAP_MS		100

enum catch_state {
	CATCH_HELD,		/* in a ptrace stop we took, not resumed */
	CATCH_RUNNING,		/* interrupted or resumed: a stop is due */
	CATCH_DONE,		/* in the syscall-exit stop of rt_sigreturn */
};

struct catch_thread {
	pid_t tid;
	enum catch_state state;
	int syscalls;		/* syscall stops seen before rt_sigreturn */
	bool in_sigreturn;	/* its entry seen: the next stop is its exit */
};

struct catch_run {
	pid_t pid;
	struct catch_thread *t;
	size_t nr;
	size_t running;		/* threads in CATCH_RUNNING */
	int timeout_ms;
	const char *what;	/* what the running threads are waited for, for errors */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until a SIGCHLD (blocked by the caller) or left_ms, whichever is first. */
static void nap(int64_t left_ms)
{
	sigset_t chld;
	struct timespec ts;

	if (left_ms > CATCH_NAP_MS)
		left_ms = CATCH_NAP_MS;
	ts.tv_sec = 0;
	ts.tv_nsec = left_ms * 1000000;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigtimedwait(&chld, NULL, &ts);
}

static void block_sigchld(sigset_t *old)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, old);
}

int catch_wait(pid_t tid, int *status, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	sigset_t old;
	int ret;

	block_sigchld(&old);
	for (;;) {
		pid_t r = waitpid(tid, status, WNOHANG | __WALL);
		int64_t left = end - now_ms();

		if (r == tid) {
			ret = 0;
			break;
		}
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (left < 0) {
			ret = -ETIMEDOUT;
			break;
		}
		nap(left);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

void catch_describe_death(pid_t pid, pid_t tid, int status)
{
	if (tid == pid) {
		if (WIFEXITED(status))
			pr_err("pid %d: the restored process exited with status %d before it ran",
			       (int)pid, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			pr_err("pid %d: the restored process was killed by signal %d (%s) before it ran",
			       (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			pr_err("pid %d: the restored process stopped unexpectedly (status %#x)",
			       (int)pid, status);
		return;
	}
	if (WIFEXITED(status))
		pr_err("pid %d: thread %d exited with status %d before it ran",
		       (int)pid, (int)tid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		pr_err("pid %d: thread %d was killed by signal %d (%s) before it ran",
		       (int)pid, (int)tid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		pr_err("pid %d: thread %d stopped unexpectedly (status %#x)",
		       (int)pid, (int)tid, status);
}

/* On to the next system call stop of t. */
static int resume(struct catch_run *run, struct catch_thread *t)
{
	if (ptrace(PTRACE_SYSCALL, t->tid, NULL, NULL)) {
		int ret = -errno;

		pr_perror("pid %d: thread %d: cannot resume it to %s", (int)run->pid, (int)t->tid,
			  run->what);
		return ret;
	}
	t->state = CATCH_RUNNING;
	run->running++;
	return 0;
}

/*
 * Take the stops of the running threads as they come and hand each to
 * on_stop, which may resume its thread, until no thread runs. Bounded:
 * -ETIMEDOUT when no thread has stopped for run->timeout_ms. SIGCHLD is
 * blocked by the caller. 0, or -errno logged naming a thread.
 */
static int collect(struct catch_run *run,
		   int (*on_stop)(struct catch_run *run, struct catch_thread *t, int status))
{
	int64_t end = now_ms() + run->timeout_ms;

	while (run->running) {
		struct catch_thread *late = NULL;
		bool seen = false;
		int64_t left;

		for (size_t i = 0; i < run->nr; i++) {
			struct catch_thread *t = &run->t[i];
			int status, ret;
			pid_t r;

			if (t->state != CATCH_RUNNING)
				continue;
			r = waitpid(t->tid, &status, WNOHANG | __WALL);
			if (r == 0 || (r < 0 && errno == EINTR)) {
				late = t;
				continue;
			}
			if (r < 0) {
				ret = -errno;
				pr_perror("pid %d: thread %d: waiting for it to %s", (int)run->pid,
					  (int)t->tid, run->what);
				return ret;
			}
			t->state = CATCH_HELD;
			run->running--;
			seen = true;
			ret = on_stop(run, t, status);
			if (ret)
				return ret;
		}
		if (seen) {
			end = now_ms() + run->timeout_ms;
			continue;
		}
		left = end - now_ms();
		if (left < 0) {
			pr_err("pid %d: thread %d (%zu of %zu thread(s) still running): "
			       "it did not %s within %d s", (int)run->pid, late ? (int)late->tid : 0,
			       run->running, run->nr, run->what, run->timeout_ms / 1000);
			return -ETIMEDOUT;
		}
		nap(left);
	}
	return 0;
}

static int on_interrupted(struct catch_run *run, struct catch_thread *t, int status)
{
	if (!WIFSTOPPED(status) || (status >> 16) != PTRACE_EVENT_STOP) {
		catch_describe_death(run->pid, t->tid, status);
		return -ECHILD;
	}
	return 0;
}

/* A system call stop of t on its way out of the restorer: resume it unless it is the last. */
static int on_syscall(struct catch_run *run, struct catch_thread *t, int status)
{
	struct __ptrace_syscall_info si;

	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		catch_describe_death(run->pid, t->tid, status);
		return -ECHILD;
	}
	if (t->in_sigreturn) {
		t->state = CATCH_DONE;
		return 0;
	}
	memset(&si, 0, sizeof(si));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si) <= 0) {
		int ret = -errno;

		pr_perror("pid %d: thread %d: cannot read its syscall stop", (int)run->pid,
			  (int)t->tid);
		return ret;
	}
	if (si.op == PTRACE_SYSCALL_INFO_ENTRY && si.entry.nr == __NR_rt_sigreturn)
		t->in_sigreturn = true;
	else if (++t->syscalls == CATCH_MAX_SYSCALLS) {
		pr_err("pid %d: thread %d: no rt_sigreturn after %d system calls of the restorer",
		       (int)run->pid, (int)t->tid, CATCH_MAX_SYSCALLS);
		return -EPROTO;
	}
	return resume(run, t);
}

/* Seize and interrupt every thread but the leader, then take their stops. */
static int seize_all(struct catch_run *run)
{
	for (size_t i = 1; i < run->nr; i++) {
		struct catch_thread *t = &run->t[i];
		long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL |
			    task_seize_seccomp_opt(run->pid, t->tid);

		if (ptrace(PTRACE_SEIZE, t->tid, NULL, (void *)opts) ||
		    ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL)) {
			int ret = -errno;

			pr_perror("pid %d: cannot seize its thread %d", (int)run->pid, (int)t->tid);
			return ret;
		}
		t->state = CATCH_RUNNING;
		run->running++;
	}
	run->what = "stop";
	return collect(run, on_interrupted);
}

/*
 * Resume every thread, the leader first: the others find threads_go set
 * or are woken by it, and each is followed to the exit of rt_sigreturn.
 */
static int run_all_to_sigreturn(struct catch_run *run)
{
	int ret;

	run->what = "reach the end of rt_sigreturn";
	for (size_t i = 0; i < run->nr; i++) {
		ret = resume(run, &run->t[i]);
		if (ret)
			return ret;
	}
	return collect(run, on_syscall);
}

int catch_threads(pid_t pid, const pid_t *tids, size_t nr, int timeout_ms)
{
	struct catch_run run = { .pid = pid, .nr = nr, .timeout_ms = timeout_ms };
	sigset_t old;
	int ret;

	run.t = calloc(nr, sizeof(*run.t));
	if (!run.t) {
		pr_err("pid %d: no memory to follow its %zu thread(s)", (int)pid, nr);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr; i++) {
		run.t[i].tid = tids[i];
		run.t[i].state = CATCH_HELD;
	}
	block_sigchld(&old);
	ret = seize_all(&run);
	if (!ret)
		ret = run_all_to_sigreturn(&run);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(run.t);
	return ret;
}
