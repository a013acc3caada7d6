#define LOG_PREFIX "dump-core: "
#include "config.h"
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include "log.h"
#include "core.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"

#define SIGINFO_SIZE	128
/* Queued signals are bounded by RLIMIT_SIGPENDING; this bounds our memory too. */
#define SIGINFO_MAX	65536

void dump_probe_xsave(uint32_t *size, uint64_t *xcr0)
{
	unsigned a, b, c, d;

	*size = 0;
	*xcr0 = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return;
	if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d))
		return;
	/* EBX: size for the features enabled in XCR0; ECX: for all supported (AMX may be enabled later). */
	*size = b > c ? b : c;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	*xcr0 = ((uint64_t)d << 32) | a;
}

int dump_peek_siginfo(pid_t tid, bool shared, uint8_t **out, size_t *nr)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	*out = NULL;
	*nr = 0;
	for (;;) {
		struct __ptrace_peeksiginfo_args args = {
			.off = n, .flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0, .nr = 32,
		};
		long got;

		if (n + 32 > cap) {
			uint8_t *nb;

			if (cap >= SIGINFO_MAX) {
				free(buf);
				return -E2BIG;
			}
			cap = cap ? cap * 2 : 32;
			nb = realloc(buf, cap * SIGINFO_SIZE);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		got = ptrace(PTRACE_PEEKSIGINFO, tid, &args, buf + n * SIGINFO_SIZE);
		if (got < 0) {
			int ret = -errno;

			free(buf);
			return ret;
		}
		if (got == 0)
			break;
		n += got;
	}
	*out = buf;
	*nr = n;
	return 0;
}

static void regs_to_entry(const struct user_regs_struct *r, X86Regs *e)
{
	e->r15 = r->r15; e->r14 = r->r14; e->r13 = r->r13; e->r12 = r->r12;
	e->bp = r->rbp; e->bx = r->rbx; e->r11 = r->r11; e->r10 = r->r10;
	e->r9 = r->r9; e->r8 = r->r8; e->ax = r->rax; e->cx = r->rcx;
	e->dx = r->rdx; e->si = r->rsi; e->di = r->rdi; e->orig_ax = r->orig_rax;
	e->ip = r->rip; e->cs = r->cs; e->flags = r->eflags; e->sp = r->rsp;
	e->ss = r->ss; e->fs_base = r->fs_base; e->gs_base = r->gs_base;
	e->ds = r->ds; e->es = r->es; e->fs = r->fs; e->gs = r->gs;
}

static int read_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "%d/task/%d/comm", (int)pid, (int)tid);
	ret = proc_read_file(path, 256, &text, NULL);
	if (ret)
		return ret;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "%s", text);
	free(text);
	return 0;
}

/* Everything one thread's CoreEntry points to, so that one free releases it. */
struct core_bufs {
	uint8_t *xsave;
	uint8_t *sigs;
	SiginfoEntry *si;
	SiginfoEntry **sip;
};

static void core_bufs_free(struct core_bufs *b)
{
	free(b->sip);
	free(b->si);
	free(b->sigs);
	free(b->xsave);
}

static int dump_one_core(struct dump_ctx *ctx, pid_t tid)
{
	CoreEntry core = CORE_ENTRY__INIT;
	X86Regs regs = X86_REGS__INIT;
	RseqEntry rseq = RSEQ_ENTRY__INIT;
	SigaltstackEntry sas = SIGALTSTACK_ENTRY__INIT;
	const struct parasite_thread_state *pt;
	struct user_regs_struct ur;
	struct __ptrace_rseq_configuration rc;
	struct core_bufs b = { 0 };
	struct sched_param sp;
	uint64_t sigmask;
	char comm[64];
	size_t nr_sigs;
	int ret, prio;
	long head_len = 0;
	void *head = NULL;

	core.tid = tid;
	if (ptrace(PTRACE_GETREGS, tid, NULL, &ur)) {
		ret = -errno;
		pr_perror("pid %d: thread %d: cannot read registers", (int)ctx->pid, (int)tid);
		goto out;
	}
	regs_to_entry(&ur, &regs);
	core.regs = &regs;
	if ((long)ur.orig_rax >= 0) {
		/* Stopped inside a syscall: ax holds its result (often -ERESTART*). */
		core.has_syscall_nr = core.has_syscall_ret = true;
		core.syscall_nr = (long)ur.orig_rax;
		core.syscall_ret = (long)ur.rax;
	}

	if (ctx->xsave_buf) {
		struct iovec iov;

		b.xsave = calloc(1, ctx->xsave_buf);
		if (!b.xsave) {
			ret = -ENOMEM;
			goto out;
		}
		iov.iov_base = b.xsave;
		iov.iov_len = ctx->xsave_buf;
		if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov)) {
			ret = -errno;
			pr_perror("pid %d: thread %d: cannot read the xsave area", (int)ctx->pid, (int)tid);
			goto out;
		}
		core.has_xsave = true;
		core.xsave.data = b.xsave;
		core.xsave.len = iov.iov_len;
		ctx->xsave_size = iov.iov_len;
		ctx->features |= DF_XSAVE;
	}

	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(sigmask), &sigmask)) {
		ret = -errno;
		pr_perror("pid %d: thread %d: cannot read the signal mask", (int)ctx->pid, (int)tid);
		goto out;
	}
	core.has_blocked = true;
	core.blocked = sigmask;

	memset(&rc, 0, sizeof(rc));
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, tid, (void *)sizeof(rc), &rc) < 0) {
		ret = -errno;
		pr_perror("pid %d: thread %d: cannot read the rseq configuration", (int)ctx->pid, (int)tid);
		goto out;
	}
	if (rc.rseq_abi_pointer) {
		rseq.rseq_abi_pointer = rc.rseq_abi_pointer;
		rseq.rseq_abi_size = rc.rseq_abi_size;
		rseq.signature = rc.signature;
		rseq.has_flags = true;
		rseq.flags = rc.flags;
		core.rseq = &rseq;
		ctx->features |= DF_RSEQ;
	}

	if (syscall(SYS_get_robust_list, tid, &head, &head_len)) {
		ret = -errno;
		pr_perror("pid %d: thread %d: cannot read the robust list", (int)ctx->pid, (int)tid);
		goto out;
	}
	core.has_robust_list = core.has_robust_list_len = true;
	core.robust_list = (uintptr_t)head;
	core.robust_list_len = head_len;
	pt = (ctx->features & DF_PARASITE) ? parasite_state_thread(&ctx->ps, tid) : NULL;
	if (pt) {
		/* set_tid_address is readable only from inside the thread: the parasite's. */
		core.has_clear_child_tid = true;
		core.clear_child_tid = pt->clear_child_tid;
		sas.ss_sp = pt->ss_sp;
		sas.ss_size = pt->ss_size;
		sas.ss_flags = pt->ss_flags;
		core.sigaltstack = &sas;
	}

	ret = dump_peek_siginfo(tid, false, &b.sigs, &nr_sigs);
	if (ret) {
		pr_err_rc(ret, "pid %d: thread %d: cannot read pending signals", (int)ctx->pid, (int)tid);
		goto out;
	}
	if (nr_sigs) {
		b.si = calloc(nr_sigs, sizeof(*b.si));
		b.sip = calloc(nr_sigs, sizeof(*b.sip));
		if (!b.si || !b.sip) {
			ret = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nr_sigs; i++) {
			siginfo_entry__init(&b.si[i]);
			b.si[i].siginfo.data = b.sigs + i * SIGINFO_SIZE;
			b.si[i].siginfo.len = SIGINFO_SIZE;
			b.sip[i] = &b.si[i];
		}
		core.n_pending = nr_sigs;
		core.pending = b.sip;
	}

	ret = sched_getscheduler(tid);
	if (ret < 0 || sched_getparam(tid, &sp)) {
		ret = -errno;
		pr_perror("pid %d: thread %d: cannot read the scheduling policy", (int)ctx->pid, (int)tid);
		goto out;
	}
	core.has_sched_policy = core.has_sched_priority = true;
	core.sched_policy = ret;
	core.sched_priority = sp.sched_priority;
	errno = 0;
	prio = getpriority(PRIO_PROCESS, tid);
	if (prio == -1 && errno) {
		ret = -errno;
		pr_perror("pid %d: thread %d: cannot read the nice value", (int)ctx->pid, (int)tid);
		goto out;
	}
	core.has_nice = true;
	core.nice = prio;

	ret = read_comm(ctx->pid, tid, comm, sizeof(comm));
	if (ret) {
		pr_err_rc(ret, "pid %d: thread %d: cannot read comm", (int)ctx->pid, (int)tid);
		goto out;
	}
	core.comm = comm;

	ret = img_write_one(ctx->dirfd, IMG_CORE, tid, &core.base);
out:
	core_bufs_free(&b);
	return ret;
}

int dump_cores(struct dump_ctx *ctx)
{
	for (size_t i = 0; i < ctx->seized.nr; i++) {
		int ret = dump_one_core(ctx, ctx->seized.t[i].tid);

		if (ret)
			return ret;
	}
	return 0;
}
