#define LOG_PREFIX "restore-task: "
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <selinux/selinux.h>

#include "log.h"
#include "restore/bootstrap.h"
#include "restore/restore.h"

#define CAP_SYS_RESOURCE_BIT	24

static const char *const rlimit_names[RST_NLIMITS] = {
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
	"RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
	"RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
	"RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

/* What lmig itself holds: the ceiling of what it can give the process. */
struct own_privs {
	uint64_t prm, inh, bnd;
	uint32_t last_cap;
	uint64_t nr_open;
};

static int read_u64_file(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	unsigned long long x;
	int ret = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "%llu", &x) != 1)
		ret = -EINVAL;
	fclose(f);
	*v = x;
	return ret;
}

static int read_own_privs(struct own_privs *o)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uint64_t last;
	int ret;

	if (syscall(SYS_capget, &hdr, d)) {
		ret = -errno;
		pr_perror("cannot read lmig's own capabilities");
		return ret;
	}
	o->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	o->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	ret = read_u64_file("/proc/sys/kernel/cap_last_cap", &last);
	if (ret || last > 63) {
		pr_err("cannot read /proc/sys/kernel/cap_last_cap");
		return ret ? ret : -EINVAL;
	}
	o->last_cap = (uint32_t)last;
	o->bnd = 0;
	for (uint32_t c = 0; c <= o->last_cap; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			o->bnd |= 1ULL << c;
	ret = read_u64_file("/proc/sys/fs/nr_open", &o->nr_open);
	if (ret) {
		pr_err_rc(ret, "cannot read /proc/sys/fs/nr_open");
		return ret;
	}
	return 0;
}

static int lowest_bit(uint64_t v)
{
	return __builtin_ctzll(v);
}

/* Every capability the process had must be one lmig can hand out. */
static int fill_creds(const struct rst_proc *p, const struct own_privs *o, struct rst_creds *rc,
		      struct bootstrap *b)
{
	const CredsEntry *c = p->task->creds;
	uint64_t missing;
	uint32_t *groups;

	if (c->n_groups > RST_MAX_GROUPS) {
		pr_err("pid %u: %zu supplementary groups in task-%u.img", p->pid, c->n_groups, p->pid);
		return -EINVAL;
	}
	missing = (c->cap_prm | c->cap_eff | c->cap_amb) & ~o->prm;
	if (missing) {
		pr_err("pid %u: it holds capability %d, which lmig itself lacks", p->pid,
		       lowest_bit(missing));
		return -EPERM;
	}
	missing = c->cap_bnd & ~o->bnd & ((2ULL << o->last_cap) - 1);
	if (missing) {
		pr_err("pid %u: capability %d is in its bounding set, not in lmig's: a bounding set "
		       "cannot grow", p->pid, lowest_bit(missing));
		return -EPERM;
	}
	missing = c->cap_inh & ~(o->inh | o->bnd);
	if (missing) {
		pr_err("pid %u: capability %d is inheritable to it but neither inheritable to nor "
		       "in the bounding set of lmig", p->pid, lowest_bit(missing));
		return -EPERM;
	}
	if ((c->cap_eff & ~c->cap_prm) || (c->cap_amb & ~(c->cap_prm & c->cap_inh))) {
		pr_err("pid %u: inconsistent capability sets in task-%u.img", p->pid, p->pid);
		return -EINVAL;
	}

	rc->uid = c->uid; rc->euid = c->euid; rc->suid = c->suid; rc->fsuid = c->fsuid;
	rc->gid = c->gid; rc->egid = c->egid; rc->sgid = c->sgid; rc->fsgid = c->fsgid;
	rc->nr_groups = (uint32_t)c->n_groups;
	if (c->n_groups) {
		groups = bootstrap_alloc(b, c->n_groups * sizeof(*groups), 8);
		if (!groups)
			return -ENOMEM;
		memcpy(groups, c->groups, c->n_groups * sizeof(*groups));
		rc->groups = (uint64_t)groups;
	}
	rc->cap_inh = c->cap_inh;
	rc->cap_prm = c->cap_prm;
	rc->cap_eff = c->cap_eff;
	rc->cap_bnd = c->cap_bnd;
	rc->cap_amb = c->has_cap_amb ? c->cap_amb : 0;
	rc->securebits = c->has_securebits ? c->securebits : 0;
	rc->cap_last_cap = o->last_cap;
	return 0;
}

/*
 * Lowering is always allowed; a hard limit above lmig's own needs
 * CAP_SYS_RESOURCE (which root lacks in some containers), and
 * RLIMIT_NOFILE never goes above fs.nr_open. Refuse here, naming the
 * limit, rather than restore a limit other than the saved one.
 */
static int fill_rlimits(const struct rst_proc *p, const struct own_privs *o, struct rst_task *rt)
{
	const TaskEntry *t = p->task;
	bool can_raise = o->prm & (1ULL << CAP_SYS_RESOURCE_BIT);

	for (size_t i = 0; i < t->n_rlimits; i++) {
		const RlimitEntry *e = t->rlimits[i];
		struct rlimit cur;

		if (e->resource >= RST_NLIMITS || e->cur > e->max) {
			pr_err("pid %u: bad rlimit %u in task-%u.img", p->pid, e->resource, p->pid);
			return -EINVAL;
		}
		if (getrlimit(e->resource, &cur)) {
			int ret = -errno;

			pr_perror("pid %u: cannot read lmig's own %s", p->pid, rlimit_names[e->resource]);
			return ret;
		}
		if (e->max > cur.rlim_max && !can_raise) {
			pr_err("pid %u: its hard %s is %" PRIu64 ", above lmig's %llu: raising a hard "
			       "limit needs CAP_SYS_RESOURCE, which lmig lacks", p->pid,
			       rlimit_names[e->resource], e->max, (unsigned long long)cur.rlim_max);
			return -EPERM;
		}
		if (e->resource == RLIMIT_NOFILE && e->max > o->nr_open) {
			pr_err("pid %u: its hard RLIMIT_NOFILE is %" PRIu64 ", above fs.nr_open "
			       "(%" PRIu64 ") here", p->pid, e->max, o->nr_open);
			return -EPERM;
		}
		rt->rlimits[e->resource].cur = e->cur;
		rt->rlimits[e->resource].max = e->max;
		rt->set_rlimits |= 1u << e->resource;
	}
	return 0;
}

static int cmp_timer(const void *a, const void *b)
{
	const struct rst_posix_timer *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static bool is_thread(const struct rst_proc *p, uint32_t tid)
{
	for (size_t i = 0; i < p->pstree->n_threads; i++)
		if (p->pstree->threads[i] == tid)
			return true;
	return false;
}

static int fill_timers(const struct rst_proc *p, struct rst_task *rt, struct bootstrap *b)
{
	const TaskEntry *t = p->task;
	struct rst_posix_timer *pt;

	if (!t->n_posix_timers)
		return 0;
	pt = bootstrap_alloc(b, t->n_posix_timers * sizeof(*pt), 8);
	if (!pt)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_posix_timers; i++) {
		const PosixTimerEntry *e = t->posix_timers[i];

		if (e->id < 0 || (i && e->id == t->posix_timers[i - 1]->id)) {
			pr_err("pid %u: bad POSIX timer id %d in task-%u.img", p->pid, e->id, p->pid);
			return -EINVAL;
		}
		if ((e->notify & SIGEV_THREAD_ID) &&
		    (!e->has_notify_tid || !is_thread(p, (uint32_t)e->notify_tid))) {
			pr_err("pid %u: POSIX timer %d signals thread %d, not one of its threads",
			       p->pid, e->id, e->notify_tid);
			return -EINVAL;
		}
		pt[i].id = e->id;
		pt[i].clock_id = e->clock_id;
		pt[i].notify = e->notify;
		pt[i].signo = e->signo;
		pt[i].notify_tid = e->has_notify_tid ? e->notify_tid : 0;
		pt[i].sival = e->sival;
		pt[i].interval_sec = (int64_t)(e->interval_ns / 1000000000);
		pt[i].interval_nsec = (int64_t)(e->interval_ns % 1000000000);
		pt[i].value_sec = (int64_t)(e->value_ns / 1000000000);
		pt[i].value_nsec = (int64_t)(e->value_ns % 1000000000);
	}
	/* Ids are handed out in increasing order: create them in that order. */
	qsort(pt, t->n_posix_timers, sizeof(*pt), cmp_timer);
	for (size_t i = 1; i < t->n_posix_timers; i++)
		if (pt[i].id == pt[i - 1].id) {
			pr_err("pid %u: POSIX timer id %d twice in task-%u.img", p->pid, pt[i].id, p->pid);
			return -EINVAL;
		}
	rt->timers = (uint64_t)pt;
	rt->nr_timers = (uint32_t)t->n_posix_timers;
	return 0;
}

/* One saved siginfo into dst: a whole siginfo_t of a signal that can be queued. */
static int copy_siginfo(const struct rst_proc *p, const char *what, const ProtobufCBinaryData *si,
			uint8_t *dst)
{
	int32_t sig;

	if (si->len != RST_SIGINFO_SIZE) {
		pr_err("pid %u: %s: siginfo of %zu bytes", p->pid, what, si->len);
		return -EINVAL;
	}
	memcpy(&sig, si->data, sizeof(sig));
	if (sig < 1 || sig > RST_NSIG || sig == SIGKILL || sig == SIGSTOP) {
		pr_err("pid %u: %s: pending signal %d cannot be queued again", p->pid, what, sig);
		return -EINVAL;
	}
	memcpy(dst, si->data, RST_SIGINFO_SIZE);
	return 0;
}

static int fill_shared_pending(const struct rst_proc *p, struct rst_task *rt, struct bootstrap *b)
{
	const TaskEntry *t = p->task;
	uint8_t *dst;

	if (!t->n_shared_pending)
		return 0;
	dst = bootstrap_alloc(b, t->n_shared_pending * RST_SIGINFO_SIZE, 8);
	if (!dst)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_shared_pending; i++) {
		int ret = copy_siginfo(p, "process-wide queue", &t->shared_pending[i],
				       dst + i * RST_SIGINFO_SIZE);

		if (ret)
			return ret;
	}
	rt->shared_pending = (uint64_t)dst;
	rt->nr_shared_pending = (uint32_t)t->n_shared_pending;
	return 0;
}

static int fill_seccomp(const struct rst_proc *p, struct rst_task *rt, struct bootstrap *b)
{
	const TaskEntry *t = p->task;
	struct rst_seccomp_filter *f;

	if (!t->n_seccomp)
		return 0;
	f = bootstrap_alloc(b, t->n_seccomp * sizeof(*f), 8);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_seccomp; i++) {
		const SeccompFilterEntry *e = t->seccomp[i];
		size_t n = e->filter.len / sizeof(struct sock_filter);
		void *insns;

		if (!n || n > BPF_MAXINSNS || e->filter.len % sizeof(struct sock_filter)) {
			pr_err("pid %u: seccomp filter %zu of %zu bytes in task-%u.img", p->pid, i,
			       e->filter.len, p->pid);
			return -EINVAL;
		}
		insns = bootstrap_alloc(b, e->filter.len, 8);
		if (!insns)
			return -ENOMEM;
		memcpy(insns, e->filter.data, e->filter.len);
		f[i].insns = (uint64_t)insns;
		f[i].nr_insns = (uint32_t)n;
		f[i].flags = e->has_flags ? e->flags : 0;
	}
	rt->seccomp = (uint64_t)f;
	rt->nr_seccomp = (uint32_t)t->n_seccomp;
	return 0;
}

/* A saved SELinux context goes back where SELinux runs; elsewhere there is nothing to set. */
static int fill_lsm(const struct rst_proc *p, struct rst_task *rt, struct bootstrap *b)
{
	const char *label = p->task->selinux_label;
	size_t len;
	char *dst;

	if (!label || !*label)
		return 0;
	if (is_selinux_enabled() <= 0) {
		pr_warn("pid %u: its SELinux context %s is not restored: SELinux is disabled here",
			p->pid, label);
		return 0;
	}
	len = strlen(label);
	dst = bootstrap_alloc(b, len + 1, 8);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, label, len + 1);
	rt->lsm_label = (uint64_t)dst;
	rt->lsm_label_len = (uint32_t)len;
	return 0;
}

size_t task_args_size(const struct rst_proc *p)
{
	const TaskEntry *t = p->task;
	size_t n = 4096;	/* alignment slack of the allocations below */

	n += t->n_posix_timers * sizeof(struct rst_posix_timer);
	n += t->n_shared_pending * RST_SIGINFO_SIZE;
	for (size_t i = 0; i < p->nr_cores; i++)
		n += p->cores[i]->n_pending * RST_SIGINFO_SIZE + 8;
	if (t->creds)
		n += t->creds->n_groups * sizeof(uint32_t);
	n += t->n_seccomp * (sizeof(struct rst_seccomp_filter) + 8);
	for (size_t i = 0; i < t->n_seccomp; i++)
		n += t->seccomp[i]->filter.len;
	if (t->selinux_label)
		n += strlen(t->selinux_label) + 8;
	return n;
}

static int fill_sigactions(const struct rst_proc *p, struct rst_args *a)
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
	return 0;
}

static int fill_itimers(const struct rst_proc *p, struct rst_args *a)
{
	const TaskEntry *t = p->task;

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

/*
 * The prctl values and personality: plain copies, but for the
 * parent-death signal of the tree's root under --detach: its parent
 * there is lmig, which exits at once and would send it.
 */
static void fill_values(const struct restore_ctx *ctx, const struct rst_proc *p,
			struct rst_task *rt)
{
	const TaskEntry *t = p->task;

	rt->set_personality = t->has_personality;
	rt->personality = t->personality;
	rt->set_pdeath_sig = t->has_pdeath_sig && t->pdeath_sig;
	rt->pdeath_sig = (uint32_t)t->pdeath_sig;
	if (rt->set_pdeath_sig && p == &ctx->procs[0] && ctx->opts->detach) {
		pr_warn("pid %u: its parent-death signal %d is not restored: its parent is not "
			"restored with it, and lmig, its parent here, leaves (--detach)",
			p->pid, t->pdeath_sig);
		rt->set_pdeath_sig = 0;
	}
	rt->set_timerslack = t->has_timerslack_ns;
	rt->timerslack_ns = t->timerslack_ns;
	rt->set_dumpable = t->has_dumpable;
	rt->dumpable = (uint32_t)t->dumpable;
	rt->set_child_subreaper = t->has_child_subreaper;
	rt->child_subreaper = t->child_subreaper;
	rt->set_thp_disable = t->has_thp_disable;
	rt->thp_disable = (uint32_t)t->thp_disable;
	rt->no_new_privs = t->has_no_new_privs && t->no_new_privs;
}

int task_fill_args(struct restore_ctx *ctx, struct rst_proc *p, struct rst_args *a,
		   struct bootstrap *b)
{
	const TaskEntry *t = p->task;
	struct rst_task *rt = &a->task;
	struct own_privs own;
	int ret;

	memset(rt, 0, sizeof(*rt));
	ret = fill_sigactions(p, a);
	if (!ret)
		ret = fill_itimers(p, a);
	if (!ret)
		ret = read_own_privs(&own);
	if (ret)
		return ret;
	fill_values(ctx, p, rt);
	ret = fill_rlimits(p, &own, rt);
	if (!ret)
		ret = fill_timers(p, rt, b);
	if (!ret)
		ret = fill_shared_pending(p, rt, b);
	if (!ret && t->creds) {
		rt->set_creds = 1;
		ret = fill_creds(p, &own, &rt->creds, b);
	}
	if (!ret)
		ret = fill_seccomp(p, rt, b);
	if (!ret)
		ret = fill_lsm(p, rt, b);
	return ret;
}

int task_fill_thread(const struct rst_proc *p, const CoreEntry *core, struct bootstrap *b,
		     struct rst_thread_task *tt)
{
	char what[48];
	uint8_t *dst;

	memset(tt, 0, sizeof(*tt));
	if (!core->n_pending)
		return 0;
	snprintf(what, sizeof(what), "thread %u", core->tid);
	dst = bootstrap_alloc(b, core->n_pending * RST_SIGINFO_SIZE, 8);
	if (!dst)
		return -ENOMEM;
	for (size_t i = 0; i < core->n_pending; i++) {
		int ret = copy_siginfo(p, what, &core->pending[i]->siginfo, dst + i * RST_SIGINFO_SIZE);

		if (ret)
			return ret;
	}
	tt->pending = (uint64_t)dst;
	tt->nr_pending = (uint32_t)core->n_pending;
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

long task_seize_seccomp_opt(pid_t pid, pid_t tid)
{
	char path[64], line[128];
	long opt = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;	/* the seize that follows names the thread */
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0) {
			opt = atoi(line + 8) ? PTRACE_O_SUSPEND_SECCOMP : 0;
			break;
		}
	fclose(f);
	return opt;
}
