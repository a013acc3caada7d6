#define LOG_PREFIX "dump-task: "
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <selinux/selinux.h>

#include "log.h"
#include "task.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"

#define SIGINFO_SIZE	128
/* The kernel caps a filter chain at MAX_INSNS_PER_PATH (32768 insns); this caps the count. */
#define SECCOMP_MAX_FILTERS	512

struct task_bufs {
	SigactionEntry sa[PARASITE_NSIG];
	SigactionEntry *sap[PARASITE_NSIG];
	ItimerEntry it[3];
	ItimerEntry *itp[3];
	PosixTimerEntry *pt;
	PosixTimerEntry **ptp;
	RlimitEntry rl[RLIM_NLIMITS];
	RlimitEntry *rlp[RLIM_NLIMITS];
	ProtobufCBinaryData *shared;
	uint8_t *sigs;
	SeccompFilterEntry *sf;
	SeccompFilterEntry **sfp;
	size_t nr_sf;
};

static void task_bufs_free(struct task_bufs *b)
{
	for (size_t i = 0; i < b->nr_sf; i++)
		free(b->sf[i].filter.data);
	free(b->ptp);
	free(b->pt);
	free(b->sfp);
	free(b->sf);
	free(b->sigs);
	free(b->shared);
}

static void fill_creds(const struct proc_status *st, CredsEntry *c)
{
	c->uid = st->uid[0];
	c->euid = st->uid[1];
	c->suid = st->uid[2];
	c->fsuid = st->uid[3];
	c->gid = st->gid[0];
	c->egid = st->gid[1];
	c->sgid = st->gid[2];
	c->fsgid = st->gid[3];
	c->n_groups = st->nr_groups;
	c->groups = (uint32_t *)st->groups;
	c->cap_inh = st->cap_inh;
	c->cap_prm = st->cap_prm;
	c->cap_eff = st->cap_eff;
	c->cap_bnd = st->cap_bnd;
	c->has_cap_amb = true;
	c->cap_amb = st->cap_amb;
}

/*
 * The seccomp filters of the leader, oldest first. The kernel numbers
 * them newest first (index 0 is the last installed).
 */
static int dump_seccomp(struct dump_ctx *ctx, struct task_bufs *b)
{
	pid_t pid = ctx->pid;
	size_t n;

	b->sf = calloc(SECCOMP_MAX_FILTERS, sizeof(*b->sf));
	b->sfp = calloc(SECCOMP_MAX_FILTERS, sizeof(*b->sfp));
	if (!b->sf || !b->sfp)
		return -ENOMEM;
	for (n = 0; n < SECCOMP_MAX_FILTERS; n++) {
		struct __ptrace_seccomp_metadata md = { .filter_off = n };
		long insns = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)n, NULL);
		struct sock_filter *f;

		if (insns < 0 && errno == ENOENT)
			break;
		if (insns <= 0) {
			int ret = insns < 0 ? -errno : -EINVAL;

			pr_err_rc(ret, "pid %d: cannot read seccomp filter %zu", (int)pid, n);
			return ret;
		}
		f = calloc(insns, sizeof(*f));
		if (!f)
			return -ENOMEM;
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)n, f) != insns ||
		    ptrace(PTRACE_SECCOMP_GET_METADATA, pid, (void *)sizeof(md), &md) < 0) {
			int ret = -errno;

			free(f);
			pr_err_rc(ret, "pid %d: cannot read seccomp filter %zu", (int)pid, n);
			return ret;
		}
		seccomp_filter_entry__init(&b->sf[n]);
		b->sf[n].filter.data = (uint8_t *)f;
		b->sf[n].filter.len = insns * sizeof(*f);
		b->sf[n].has_flags = true;
		b->sf[n].flags = md.flags;
		b->nr_sf++;
	}
	if (n == SECCOMP_MAX_FILTERS) {
		pr_err("pid %d: more than %d seccomp filters", (int)pid, SECCOMP_MAX_FILTERS);
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++)
		b->sfp[i] = &b->sf[n - 1 - i];
	ctx->features |= DF_SECCOMP;
	return 0;
}

static uint64_t tv_us(const struct parasite_timeval *tv)
{
	return tv->sec * 1000000ull + tv->usec;
}

static uint64_t ts_ns(const struct parasite_timespec *ts)
{
	return ts->sec * 1000000000ull + ts->nsec;
}

/* The fields only the parasite could read (ctx->ps). */
static int fill_from_parasite(struct dump_ctx *ctx, TaskEntry *task, CredsEntry *creds,
			      struct task_bufs *b)
{
	const struct parasite_state *ps = &ctx->ps;
	const struct parasite_thread_state *leader = parasite_state_thread(ps, ctx->pid);
	const struct parasite_itimer *its[3] = { &ps->itimers.real, &ps->itimers.virt, &ps->itimers.prof };
	size_t n = 0;

	for (int sig = 1; sig <= PARASITE_NSIG; sig++) {
		const struct parasite_sigaction *sa = &ps->sigactions.sa[sig - 1];

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		sigaction_entry__init(&b->sa[n]);
		b->sa[n].sig = sig;
		b->sa[n].handler = sa->handler;
		b->sa[n].flags = sa->flags;
		b->sa[n].restorer = sa->restorer;
		b->sa[n].mask = sa->mask;
		b->sap[n] = &b->sa[n];
		n++;
	}
	task->n_sigactions = n;
	task->sigactions = b->sap;

	for (int i = 0; i < 3; i++) {
		itimer_entry__init(&b->it[i]);
		b->it[i].which = i;	/* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
		b->it[i].interval_us = tv_us(&its[i]->interval);
		b->it[i].value_us = tv_us(&its[i]->value);
		b->itp[i] = &b->it[i];
	}
	task->n_itimers = 3;
	task->itimers = b->itp;

	if (ps->nr_timers) {
		b->pt = calloc(ps->nr_timers, sizeof(*b->pt));
		b->ptp = calloc(ps->nr_timers, sizeof(*b->ptp));
		if (!b->pt || !b->ptp)
			return -ENOMEM;
		for (size_t i = 0; i < ps->nr_timers; i++) {
			const struct proc_timer *t = &ps->timers[i];
			const struct parasite_posix_timer *v = &ps->timer_values[i];

			posix_timer_entry__init(&b->pt[i]);
			b->pt[i].id = t->id;
			b->pt[i].clock_id = t->clock_id;
			b->pt[i].notify = t->notify;
			b->pt[i].signo = t->signo;
			b->pt[i].sival = t->sival;
			if (t->notify & SIGEV_THREAD_ID) {
				b->pt[i].has_notify_tid = true;
				b->pt[i].notify_tid = t->notify_pid;
			}
			b->pt[i].interval_ns = ts_ns(&v->interval);
			b->pt[i].value_ns = ts_ns(&v->value);
			b->pt[i].has_overrun = true;
			b->pt[i].overrun = v->overrun;
			b->ptp[i] = &b->pt[i];
		}
		task->n_posix_timers = ps->nr_timers;
		task->posix_timers = b->ptp;
	}

	task->has_personality = task->has_umask = true;
	task->personality = ps->process.personality;
	task->umask = ps->process.umask;
	task->has_dumpable = task->has_child_subreaper = task->has_thp_disable = true;
	task->dumpable = ps->process.dumpable;
	task->child_subreaper = ps->process.child_subreaper;
	task->thp_disable = ps->process.thp_disable;
	if (leader) {
		task->has_pdeath_sig = task->has_timerslack_ns = true;
		task->pdeath_sig = leader->pdeathsig;
		task->timerslack_ns = leader->timerslack_ns;
		creds->has_securebits = true;
		creds->securebits = leader->securebits;
	}
	return 0;
}

/*
 * The SELinux context of the process, where SELinux is enabled; *label
 * stays NULL where it is not (nothing to restore then). Free *label.
 */
static int dump_selinux(pid_t pid, char **label)
{
	char path[64];
	size_t len;
	int ret;

	*label = NULL;
	if (is_selinux_enabled() <= 0)
		return 0;
	snprintf(path, sizeof(path), "%d/attr/current", (int)pid);
	ret = proc_read_file(path, 4096, label, &len);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot read its SELinux context", (int)pid);
		return ret;
	}
	/* The kernel ends the context with a NUL, some LSMs with a newline. */
	while (len && ((*label)[len - 1] == '\0' || (*label)[len - 1] == '\n'))
		(*label)[--len] = '\0';
	return 0;
}

int dump_task(struct dump_ctx *ctx)
{
	TaskEntry task = TASK_ENTRY__INIT;
	CredsEntry creds = CREDS_ENTRY__INIT;
	struct task_bufs b;
	struct proc_status st;
	struct proc_limits lim;
	char cwd[PATH_MAX], root[PATH_MAX], *label = NULL;
	size_t nr_rl = 0, nr_sigs;
	pid_t pid = ctx->pid;
	int ret;

	memset(&b, 0, sizeof(b));
	task.pid = pid;
	task.comm = ctx->stat.comm;

	ret = proc_read_status(pid, &st);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot parse /proc/%d/status", (int)pid, (int)pid);
		goto out;
	}
	if (st.nr_groups == PROC_MAX_GROUPS) {
		ret = -E2BIG;
		pr_err("pid %d: more than %d supplementary groups", (int)pid, PROC_MAX_GROUPS);
		goto out;
	}
	fill_creds(&st, &creds);
	task.creds = &creds;
	task.has_no_new_privs = true;
	task.no_new_privs = st.no_new_privs;
	if (st.seccomp == 1) {
		ret = -ENOTSUP;
		pr_err("pid %d: seccomp strict mode is not supported", (int)pid);
		goto out;
	}
	if (st.seccomp == 2) {
		ret = dump_seccomp(ctx, &b);
		if (ret)
			goto out;
		task.n_seccomp = b.nr_sf;
		task.seccomp = b.sfp;
	}

	ret = proc_read_limits(pid, &lim);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot parse /proc/%d/limits", (int)pid, (int)pid);
		goto out;
	}
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		if (!lim.have[r])
			continue;
		rlimit_entry__init(&b.rl[nr_rl]);
		b.rl[nr_rl].resource = r;
		b.rl[nr_rl].cur = lim.lim[r].rlim_cur;
		b.rl[nr_rl].max = lim.lim[r].rlim_max;
		b.rlp[nr_rl] = &b.rl[nr_rl];
		nr_rl++;
	}
	task.n_rlimits = nr_rl;
	task.rlimits = b.rlp;

	ret = proc_readlink(pid, "cwd", cwd, sizeof(cwd));
	if (!ret)
		ret = proc_readlink(pid, "root", root, sizeof(root));
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot read its cwd or root", (int)pid);
		goto out;
	}
	task.cwd = cwd;
	task.root = root;

	ret = dump_selinux(pid, &label);
	if (ret)
		goto out;
	task.selinux_label = label;

	ret = dump_peek_siginfo(pid, true, &b.sigs, &nr_sigs);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot read process-wide pending signals", (int)pid);
		goto out;
	}
	if (nr_sigs) {
		b.shared = calloc(nr_sigs, sizeof(*b.shared));
		if (!b.shared) {
			ret = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nr_sigs; i++) {
			b.shared[i].data = b.sigs + i * SIGINFO_SIZE;
			b.shared[i].len = SIGINFO_SIZE;
		}
		task.n_shared_pending = nr_sigs;
		task.shared_pending = b.shared;
	}

	if (ctx->features & DF_PARASITE) {
		ret = fill_from_parasite(ctx, &task, &creds, &b);
		if (ret)
			goto out;
	}
	ret = img_write_one(ctx->dirfd, IMG_TASK, pid, &task.base);
out:
	free(label);
	task_bufs_free(&b);
	return ret;
}
