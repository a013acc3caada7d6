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
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/signal.h>

#include "syscall.h"
#include "string.h"
#include "restore/restorer-args.h"

#define RSEQ_FLAG_UNREGISTER	1

void restorer_main(struct rst_args *args);
void rst_sigreturn(uint64_t sp) __attribute__((noreturn));

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

static void restore_thread(struct rst_args *args)
{
	long ret;

	if (args->rseq) {
		ret = sys_call4(__NR_rseq, (long)args->rseq, args->rseq_len, 0, args->rseq_sig);
		if (ret < 0)
			fail(args, ret, RST_STEP_RSEQ);
	}
	if (args->robust_list_len) {
		ret = sys_call2(__NR_set_robust_list, (long)args->robust_list,
				(long)args->robust_list_len);
		if (ret < 0)
			fail(args, ret, RST_STEP_ROBUST);
	}
	sys_call1(__NR_set_tid_address, (long)args->clear_child_tid);
	ret = sys_call2(__NR_arch_prctl, ARCH_SET_FS, (long)args->fs_base);
	if (ret == 0)
		ret = sys_call2(__NR_arch_prctl, ARCH_SET_GS, (long)args->gs_base);
	if (ret < 0)
		fail(args, ret, RST_STEP_FSBASE);
}

void restorer_main(struct rst_args *args)
{
	long tid;

	if (args->magic != RST_ARGS_MAGIC)
		for (;;)
			sys_call1(__NR_exit_group, 127);

	drop_self_rseq(args);
	restore_memory(args);
	restore_mm(args);
	restore_signals(args);
	restore_thread(args);

	report(args, 0, RST_STEP_NONE);
	/* lmig ptraces us: it suppresses this stop and catches the end of rt_sigreturn. */
	tid = sys_call0(__NR_gettid);
	sys_call3(__NR_tgkill, tid, tid, SIGSTOP);
	rst_sigreturn(args->sigframe_sp);
}
