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
#include "dump/proc.h"
#include "dump/seize.h"

/* A process may keep spawning threads; give up rather than loop forever. */
#define SEIZE_MAX_PASSES	64

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds, to the microsecond, since t0 (CLOCK_MONOTONIC). */
static double ms_since(const struct timespec *t0)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - t0->tv_sec) * 1e3 + (double)(ts.tv_nsec - t0->tv_nsec) / 1e6;
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

/*
 * Seize and interrupt every thread listed in /proc/PID/task not yet held,
 * all of them first and then wait for each stop: the stops happen side by
 * side instead of one after the other. *added counts the threads held now
 * that were not before.
 */
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
		if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) && errno != ESRCH) {
			ret = -errno;
			pr_perror("pid %d: cannot interrupt thread %ld", (int)s->pid, tid);
			goto out;
		}
		(*added)++;
	}
	if (errno)
		ret = -errno;
	for (size_t i = 0; !ret && i < s->nr;) {
		struct seized_thread *t = &s->t[i];

		if (t->stopped) {
			i++;
			continue;
		}
		ret = wait_stop(s->pid, t);
		if (ret == -ESRCH) {	/* it exited: the next one moved to i */
			drop_thread(s, t);
			(*added)--;
			ret = 0;
		} else if (!ret) {
			i++;
		}
	}
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
		/*
		 * PTRACE_DETACH needs a stopped tracee: a thread interrupted but
		 * not yet waited for (a seize that failed half way) is first let
		 * reach its stop, unless it is being killed anyway.
		 */
		if (!s->t[i].stopped && !kill_it)
			wait_stop(s->pid, &s->t[i]);
		if (ptrace(PTRACE_DETACH, s->t[i].tid, NULL, NULL) && errno != ESRCH)
			pr_perror("pid %d: cannot detach thread %d", (int)s->pid, (int)s->t[i].tid);
	}
	free(s->t);
	s->t = NULL;
	s->nr = s->cap = 0;
}

static int add_proc(struct seized_tree *t, pid_t pid, pid_t ppid)
{
	struct seized_proc *sp;

	for (size_t i = 0; i < t->nr; i++)
		if (t->p[i].pid == pid)
			return 0;
	if (t->nr == SEIZE_MAX_PROCS) {
		pr_err("pid %d: the tree has more than %d processes", (int)t->p[0].pid,
		       SEIZE_MAX_PROCS);
		return -E2BIG;
	}
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct seized_proc *np = realloc(t->p, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		t->p = np;
		t->cap = cap;
	}
	sp = &t->p[t->nr++];
	memset(sp, 0, sizeof(*sp));
	sp->pid = pid;
	sp->ppid = ppid;
	return 0;
}

/* The children of every thread of the frozen process sp, added to t. */
static int add_children(struct seized_tree *t, size_t idx)
{
	for (size_t i = 0; i < t->p[idx].s.nr; i++) {
		pid_t pid = t->p[idx].pid, tid = t->p[idx].s.t[i].tid;
		char path[96], *text, *cur;
		int ret;

		snprintf(path, sizeof(path), "%d/task/%d/children", (int)pid, (int)tid);
		ret = proc_read_file(path, 1 << 20, &text, NULL);
		if (ret == -ENOENT)
			continue;	/* a thread that just ended */
		if (ret) {
			pr_err_rc(ret, "pid %d: cannot read /proc/%s", (int)pid, path);
			return ret;
		}
		for (cur = text; *cur;) {
			char *end;
			long child = strtol(cur, &end, 10);

			if (end == cur)
				break;
			cur = end;
			ret = add_proc(t, (pid_t)child, pid);
			if (ret) {
				free(text);
				return ret;
			}
		}
		free(text);
	}
	return 0;
}

/* Zombie: record its wait status instead of seizing it. 1 if it is one, 0 if not, -errno. */
static int check_zombie(struct seized_proc *sp)
{
	struct proc_stat st;
	int ret = proc_read_stat(sp->pid, 0, &st);

	if (ret)
		return ret;
	if (st.state != 'Z')
		return 0;
	sp->zombie = true;
	sp->exit_status = st.exit_code;
	return 1;
}

int seize_tree(pid_t root, struct seized_tree *t)
{
	struct timespec t0;
	size_t threads = 0;
	int ret;

	memset(t, 0, sizeof(*t));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pr_info("pid %d: seizing the tree", (int)root);
	ret = add_proc(t, root, 0);
	if (ret)
		return ret;
	for (size_t i = 0; i < t->nr; i++) {
		struct seized_proc *sp = &t->p[i];

		ret = check_zombie(sp);
		if (ret == 1 && i == 0) {
			pr_err("pid %d: is a zombie", (int)root);
			ret = -ESRCH;
		}
		if (ret == 1)
			continue;
		if (ret)
			goto fail;
		ret = seize_process(sp->pid, &sp->s);
		/* It may have exited since its parent was frozen: then it is a zombie now. */
		if (ret && i > 0 && check_zombie(sp) == 1)
			continue;
		if (ret)
			goto fail;
		ret = add_children(t, i);
		if (ret)
			goto fail;
	}
	for (size_t i = 0; i < t->nr; i++)
		threads += t->p[i].s.nr;
	/* From the first seize to every thread stopped; bench/threads reads it. */
	pr_info("pid %d: seized a tree of %zu process(es), %zu thread(s), frozen in %.3f ms",
		(int)root, t->nr, threads, ms_since(&t0));
	return 0;
fail:
	unseize_tree(t, false);
	return ret;
}

void unseize_tree(struct seized_tree *t, bool kill_it)
{
	/* Kill every process first, so that none sees another die and reacts. */
	if (kill_it)
		for (size_t i = 0; i < t->nr; i++)
			if (!t->p[i].zombie && t->p[i].s.nr && kill(t->p[i].pid, SIGKILL))
				pr_perror("pid %d: cannot kill", (int)t->p[i].pid);
	for (size_t i = 0; i < t->nr; i++)
		unseize_process(&t->p[i].s, false);
	free(t->p);
	memset(t, 0, sizeof(*t));
}
