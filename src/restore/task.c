#define LOG_PREFIX "restore-task: "
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "restore/restore.h"

int task_fill_args(struct rst_proc *p, struct rst_args *a)
{
	const TaskEntry *t = p->task;

	/* Signals the image does not list are at their defaults. */
	memset(a->sigactions, 0, sizeof(a->sigactions));
	for (size_t i = 0; i < t->n_sigactions; i++) {
		const SigactionEntry *s = t->sigactions[i];

		if (s->sig < 1 || s->sig > RST_NSIG) {
			pr_err("pid %u: sigaction for signal %u in task-%u.img", p->pid, s->sig, p->pid);
			return -EINVAL;
		}
		a->sigactions[s->sig - 1].handler = s->handler;
		a->sigactions[s->sig - 1].flags = s->flags;
		a->sigactions[s->sig - 1].restorer = s->restorer;
		a->sigactions[s->sig - 1].mask = s->mask;
	}
	if (t->n_itimers > 3) {
		pr_err("pid %u: %zu itimers in task-%u.img", p->pid, t->n_itimers, p->pid);
		return -EINVAL;
	}
	a->nr_itimers = 0;
	for (size_t i = 0; i < t->n_itimers; i++) {
		const ItimerEntry *it = t->itimers[i];
		struct rst_itimer *r = &a->itimers[a->nr_itimers];

		if (it->which > ITIMER_PROF) {
			pr_err("pid %u: itimer %u in task-%u.img", p->pid, it->which, p->pid);
			return -EINVAL;
		}
		if (!it->value_us)
			continue;	/* disarmed, as in a new process */
		a->itimer_which[a->nr_itimers] = it->which;
		r->interval_sec = it->interval_us / 1000000;
		r->interval_usec = it->interval_us % 1000000;
		r->value_sec = it->value_us / 1000000;
		r->value_usec = it->value_us % 1000000;
		a->nr_itimers++;
	}
	return 0;
}

int task_restore_self(struct rst_proc *p)
{
	const TaskEntry *t = p->task;
	int ret;

	if (t->root && strcmp(t->root, "/") != 0 && chroot(t->root)) {
		ret = -errno;
		pr_perror("pid %u: cannot chroot to %s", p->pid, t->root);
		return ret;
	}
	if (t->cwd && chdir(t->cwd)) {
		ret = -errno;
		pr_perror("pid %u: cannot change to its working directory %s", p->pid, t->cwd);
		return ret;
	}
	if (t->has_umask)
		umask(t->umask);
	if (t->comm)
		prctl(PR_SET_NAME, t->comm, 0, 0, 0);
	/* Session and process group: tree.c, before the children are created. */
	return 0;
}
