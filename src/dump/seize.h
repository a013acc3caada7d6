/*
 * Seize a process (every thread of it) with ptrace so that its state can
 * be read while it stands still, and let it go again unchanged.
 *
 * PTRACE_SEIZE does not stop the target or send it a signal; each thread
 * is then stopped with PTRACE_INTERRUPT. Threads created while we seize
 * are found by re-reading /proc/PID/task until a pass finds no new tid
 * (a stopped thread cannot clone, so the set converges).
 */
#ifndef LMIG_DUMP_SEIZE_H
#define LMIG_DUMP_SEIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How long one thread may take to reach its ptrace stop. */
#define SEIZE_STOP_TIMEOUT_MS	5000

struct seized_thread {
	pid_t tid;
	bool stopped;		/* in a ptrace stop, waited for */
	int group_stop_sig;	/* nonzero: the thread was in a group stop (T) */
};

struct seized {
	pid_t pid;
	struct seized_thread *t;	/* the leader first; owned */
	size_t nr, cap;
};

/*
 * Seize and stop every thread of pid. On success all threads in s->t are
 * in a ptrace stop. On failure (-errno, logged, naming the pid) every
 * thread already seized has been detached again and s is empty.
 * Returns -ESRCH if the process does not exist, -EPERM if it cannot be
 * traced (e.g. it is already traced by someone else).
 */
int seize_process(pid_t pid, struct seized *s);

/*
 * Detach from every thread: the process continues exactly as before
 * (syscalls the stop interrupted are restarted by the kernel). With
 * kill, SIGKILL the process first, so that it never runs again after a
 * dump. Frees s. Safe to call on an empty s.
 */
void unseize_process(struct seized *s, bool kill);

/*
 * A process tree: the root and every descendant, each frozen (all its
 * threads in a ptrace stop) before its children are listed, so that the
 * set cannot change under us: a stopped process neither forks nor reaps.
 * Zombies are recorded, not seized (ptrace refuses them).
 */
struct seized_proc {
	pid_t pid;
	pid_t ppid;		/* 0 for the root */
	bool zombie;
	int exit_status;	/* zombies: the wait status (stat field 52) */
	struct seized s;	/* the threads; empty for a zombie */
};

struct seized_tree {
	struct seized_proc *p;	/* parents before children, the root first; owned */
	size_t nr, cap;
};

/* The longest tree lmig takes; a fork bomb is not migrated. */
#define SEIZE_MAX_PROCS	4096

/*
 * Seize root and all its descendants. 0, or -errno (logged, naming the
 * pid) with everything already seized let go again and t empty.
 */
int seize_tree(pid_t root, struct seized_tree *t);

/* unseize_process() for every process of t (kill: SIGKILL each first); frees t. */
void unseize_tree(struct seized_tree *t, bool kill);

#endif
