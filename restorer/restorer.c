/*
 * The restorer: runs inside the process being restored, after lmig has
 * premapped its memory into the bootstrap region, and turns it into the
 * dumped process. See src/restore/restorer-args.h for the contract.
 *
 * Freestanding: raw syscalls (nolibc/syscall.h), no data, no libc. After
 * the unmap step nothing of lmig is left, so a failure can only be
 * reported (report_fd) and the process ended.
 */
#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/signal.h>

#include "syscall.h"
#include "string.h"
#include "restore/restorer-args.h"
#include "task-state.h"

#define RSEQ_FLAG_UNREGISTER	1

#define PRIO_PROCESS		0

void restorer_main(struct rst_args *args);
void restorer_thread(struct rst_thread *t);
void rst_sigreturn(uint64_t sp) __attribute__((noreturn));
/* clone3(ca, size); the new thread calls fn(arg) on its stack and never returns (head.S). */
long rst_clone_thread(struct clone_args *ca, uint64_t size, void (*fn)(struct rst_thread *),
		      struct rst_thread *arg);

static void report(const struct rst_args *args, long rc, enum rst_step step)
{
	struct rst_report r;

	memset(&r, 0, sizeof(r));
	r.rc = (int32_t)rc;
	r.step = step;
	r.region_start = args->region_start;
	r.region_len = args->region_len;
	sys_call3(__NR_write, args->report_fd, (long)&r, sizeof(r));
	sys_call1(__NR_close, args->report_fd);
}

static __attribute__((noreturn)) void fail(const struct rst_args *args, long rc, enum rst_step step)
{
	report(args, rc, step);
	for (;;)
		sys_call1(__NR_exit_group, 1);
}

/*
 * lmig's glibc registered rseq at its TLS: once that memory is gone the
 * kernel would fault writing cpu_id on the next preemption. glibc
 * registers 32 bytes but may publish a smaller __rseq_size; the kernel
 * wants the registered length back, so try both.
 */
static void drop_self_rseq(const struct rst_args *args)
{
	long ret;

	if (!args->self_rseq)
		return;
	ret = sys_call4(__NR_rseq, (long)args->self_rseq, 32, RSEQ_FLAG_UNREGISTER,
			args->self_rseq_sig);
	if (ret == -22 && args->self_rseq_len != 32)	/* EINVAL: another length */
		ret = sys_call4(__NR_rseq, (long)args->self_rseq, args->self_rseq_len,
				RSEQ_FLAG_UNREGISTER, args->self_rseq_sig);
	if (ret < 0)
		fail(args, ret, RST_STEP_RSEQ_UNREG);
}

static long move(uint64_t from, uint64_t len, uint64_t to)
{
	long ret = sys_call5(__NR_mremap, (long)from, (long)len, (long)len,
			     MREMAP_MAYMOVE | MREMAP_FIXED, (long)to);

	return ret < 0 ? ret : 0;
}

/* Unmap [lo, hi) except the kept ranges (sorted, disjoint). */
static long unmap_except(uint64_t lo, uint64_t hi, const uint64_t (*keep)[2], unsigned int n)
{
	uint64_t cur = lo;
	long ret;

	for (unsigned int i = 0; i < n; i++) {
		if (keep[i][0] > cur) {
			ret = sys_call2(__NR_munmap, (long)cur, (long)(keep[i][0] - cur));
			if (ret < 0)
				return ret;
		}
		if (keep[i][1] > cur)
			cur = keep[i][1];
	}
	if (hi > cur) {
		ret = sys_call2(__NR_munmap, (long)cur, (long)(hi - cur));
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void restore_memory(struct rst_args *args)
{
	uint64_t keep[1 + RST_MAX_SPECIAL][2];
	const struct rst_vma *v = (const struct rst_vma *)args->vmas;
	unsigned int n = 0;
	long ret;

	/* Park first: a target address of a special area may hold another one of ours. */
	for (unsigned int i = 0; i < args->nr_special; i++) {
		ret = move(args->special[i].start, args->special[i].len, args->special[i].park);
		if (ret)
			fail(args, ret, RST_STEP_PARK);
	}
	keep[n][0] = args->region_start;
	keep[n][1] = args->region_start + args->region_len;
	n++;
	ret = unmap_except(0, args->task_size, (const uint64_t (*)[2])keep, n);
	if (ret)
		fail(args, ret, RST_STEP_UNMAP);

	for (unsigned int i = 0; i < args->nr_special; i++) {
		const struct rst_special *s = &args->special[i];

		ret = s->dst ? move(s->park, s->len, s->dst)
			     : sys_call2(__NR_munmap, (long)s->park, (long)s->len);
		if (ret)
			fail(args, ret, RST_STEP_SPECIAL);
	}

	for (unsigned int i = 0; i < args->nr_vmas; i++) {
		ret = move(v[i].src, v[i].len, v[i].dst);
		if (ret)
			fail(args, ret, RST_STEP_MREMAP);
		ret = sys_call3(__NR_mprotect, (long)v[i].dst, (long)v[i].len, v[i].prot);
		if (ret < 0)
			fail(args, ret, RST_STEP_MPROTECT);
		for (int adv = 0; adv < 32; adv++) {
			if (!(v[i].madv & (1u << adv)))
				continue;
			ret = sys_call3(__NR_madvise, (long)v[i].dst, (long)v[i].len, adv);
			if (ret < 0)
				fail(args, ret, RST_STEP_MADVISE);
		}
	}
}

static void restore_mm(struct rst_args *args)
{
	long ret;

	if (!args->set_mm)
		return;
	ret = sys_call5(__NR_prctl, PR_SET_MM, PR_SET_MM_MAP, (long)&args->mm,
			sizeof(args->mm), 0);
	if (ret < 0)
		fail(args, ret, RST_STEP_MM);
	if (args->exe_fd >= 0)
		sys_call1(__NR_close, args->exe_fd);
}

static void restore_signals(struct rst_args *args)
{
	long ret;

	for (int sig = 1; sig <= RST_NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		ret = sys_call4(__NR_rt_sigaction, sig, (long)&args->sigactions[sig - 1], 0, 8);
		if (ret < 0)
			fail(args, ret, RST_STEP_SIGACTION);
	}
	for (unsigned int i = 0; i < args->nr_itimers; i++) {
		ret = sys_call3(__NR_setitimer, args->itimer_which[i], (long)&args->itimers[i], 0);
		if (ret < 0)
			fail(args, ret, RST_STEP_ITIMER);
	}
}

/* The scheduling policy and nice value of the calling thread. */
static long restore_sched(const struct rst_thread *t)
{
	struct { int32_t prio; } sp = { (int32_t)t->sched_priority };
	long ret;

	if (!t->set_sched)
		return 0;
	ret = sys_call3(__NR_sched_setscheduler, 0, t->sched_policy, (long)&sp);
	if (ret < 0)
		return ret;
	return sys_call3(__NR_setpriority, PRIO_PROCESS, 0, t->nice);
}

/* What every thread restores for itself; 0, or -errno with *step set. */
static long restore_thread(const struct rst_thread *t, enum rst_step *step)
{
	long ret;

	if (t->rseq) {
		*step = RST_STEP_RSEQ;
		ret = sys_call4(__NR_rseq, (long)t->rseq, t->rseq_len, 0, t->rseq_sig);
		if (ret < 0)
			return ret;
	}
	if (t->robust_list_len) {
		*step = RST_STEP_ROBUST;
		ret = sys_call2(__NR_set_robust_list, (long)t->robust_list, (long)t->robust_list_len);
		if (ret < 0)
			return ret;
	}
	sys_call1(__NR_set_tid_address, (long)t->clear_child_tid);
	*step = RST_STEP_FSBASE;
	ret = sys_call2(__NR_arch_prctl, ARCH_SET_FS, (long)t->fs_base);
	if (ret == 0)
		ret = sys_call2(__NR_arch_prctl, ARCH_SET_GS, (long)t->gs_base);
	if (ret < 0)
		return ret;
	*step = RST_STEP_SCHED;
	return restore_sched(t);
}

static void futex_wait(uint32_t *word, uint32_t val)
{
	sys_call4(__NR_futex, (long)word, FUTEX_WAIT, val, 0);
}

static void futex_wake(uint32_t *word)
{
	sys_call3(__NR_futex, (long)word, FUTEX_WAKE, 0x7fffffff);
}

/*
 * A thread other than the leader, on its own stack in the region: its
 * state, then wait for lmig (through the leader) and return into the
 * dumped context. A failure is left for the leader to report.
 */
void restorer_thread(struct rst_thread *t)
{
	struct rst_args *args = (struct rst_args *)t->args;
	enum rst_step step = RST_STEP_NONE;
	long ret = restore_thread(t, &step);

	if (ret == 0)
		ret = rst_task_thread(&args->task, &t->task, &step);

	if (ret < 0) {
		int32_t none = 0;

		if (__atomic_compare_exchange_n(&args->thread_rc, &none, (int32_t)ret, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			args->thread_step = step;
	}
	__atomic_add_fetch(&args->threads_ready, 1, __ATOMIC_SEQ_CST);
	futex_wake(&args->threads_ready);
	while (!__atomic_load_n(&args->threads_go, __ATOMIC_SEQ_CST))
		futex_wait(&args->threads_go, 0);
	if (ret < 0)	/* the leader ends the process; never get here */
		for (;;)
			sys_call1(__NR_exit, 1);
	rst_sigreturn(t->sigframe_sp);
}

/* Every thread but the leader, with its tid, then wait until all have their state. */
static void create_threads(struct rst_args *args)
{
	struct rst_thread *t = (struct rst_thread *)args->threads;
	uint32_t ready;

	for (uint32_t i = 1; i < args->nr_threads; i++) {
		struct clone_args ca;
		int32_t set_tid = (int32_t)t[i].tid;	/* set_tid points to pid_t[] */
		long ret;

		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			   CLONE_SYSVSEM;
		ca.stack = t[i].stack_top - RST_THREAD_STACK;
		ca.stack_size = RST_THREAD_STACK;
		ca.set_tid = (uint64_t)&set_tid;
		ca.set_tid_size = 1;
		t[i].args = (uint64_t)args;
		ret = rst_clone_thread(&ca, sizeof(ca), restorer_thread, &t[i]);
		if (ret < 0)
			fail(args, ret, RST_STEP_CLONE_THREAD);
	}
	while ((ready = __atomic_load_n(&args->threads_ready, __ATOMIC_SEQ_CST)) + 1 < args->nr_threads)
		futex_wait(&args->threads_ready, ready);
	if (args->thread_rc)
		fail(args, args->thread_rc, (enum rst_step)args->thread_step);
}

void restorer_main(struct rst_args *args)
{
	struct rst_thread *leader = (struct rst_thread *)args->threads;
	enum rst_step step = RST_STEP_NONE;
	long tid, ret;

	if (args->magic != RST_ARGS_MAGIC || !args->nr_threads)
		for (;;)
			sys_call1(__NR_exit_group, 127);

	drop_self_rseq(args);
	restore_memory(args);
	restore_mm(args);
	restore_signals(args);
	ret = restore_thread(leader, &step);
	if (ret < 0)
		fail(args, ret, step);
	create_threads(args);
	ret = rst_task_leader(&args->task, &leader->task, args->nr_threads, &step);
	if (ret < 0)
		fail(args, ret, step);

	report(args, 0, RST_STEP_NONE);
	/*
	 * lmig ptraces us: it suppresses this stop, seizes the other threads
	 * and lets us go on to release them and catch each rt_sigreturn.
	 */
	tid = sys_call0(__NR_gettid);
	sys_call3(__NR_tgkill, tid, tid, SIGSTOP);
	__atomic_store_n(&args->threads_go, 1, __ATOMIC_SEQ_CST);
	futex_wake(&args->threads_go);
	rst_sigreturn(leader->sigframe_sp);
}
