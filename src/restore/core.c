#define LOG_PREFIX "restore-core: "
#include "config.h"
#include <cpuid.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

#include "log.h"
#include "restore/bootstrap.h"
#include "restore/restore.h"

/*
 * The kernel's x86_64 rt_sigframe (arch/x86/include/asm/sigframe.h),
 * written out with fixed widths: glibc's and the uapi definitions of
 * struct sigcontext collide in one file.
 */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t di, si, bp, bx, dx, ax, cx, sp, ip, flags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;	/* 64-byte aligned xsave area, or 0 */
	uint64_t reserved1[8];
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		uint64_t ss_sp;
		int32_t ss_flags;
		int32_t pad;
		uint64_t ss_size;
	} uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct k_rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	uint8_t info[128];
};

_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext layout");
_Static_assert(offsetof(struct k_ucontext, uc_sigmask) == 296, "ucontext layout");

#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4
#define SS_DISABLE_FLAG		2

/* The fxsave area's sw_reserved bytes, which tell sigreturn an xsave area follows. */
#define FX_SW_OFFSET		464
#define XSAVE_HDR_OFFSET	512
#define FP_XSTATE_MAGIC1	0x46505853U
#define FP_XSTATE_MAGIC2	0x46505845U
#define XSAVE_MIN_SIZE		576	/* legacy area + header */

/* Kernel-internal restart codes, as a stopped syscall leaves them in ax. */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

/* XCR0 and the standard-format xsave size for it, on this CPU. */
static void cpu_xsave(uint64_t *xcr0, uint32_t *size)
{
	unsigned a, b, c, d;

	*xcr0 = 0;
	*size = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return;
	if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d))
		return;
	*size = b;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	*xcr0 = ((uint64_t)d << 32) | a;
}

/* Copy the saved xsave area of core into fp (64-aligned) and mark it for sigreturn. */
static int build_fpstate(const struct rst_proc *p, const CoreEntry *core, struct bootstrap *b,
			 uint64_t *fpstate)
{
	const ProtobufCBinaryData *xs = &core->xsave;
	uint64_t xcr0, bv;
	uint32_t size, magic2 = FP_XSTATE_MAGIC2;
	uint8_t *fp;

	*fpstate = 0;
	if (!core->has_xsave || xs->len == 0)
		return 0;	/* sigreturn starts the FPU afresh */
	cpu_xsave(&xcr0, &size);
	if (!size) {
		pr_err("pid %u: the images hold xsave state, this CPU has no xsave", p->pid);
		return -ENOTSUP;
	}
	if (xs->len < XSAVE_MIN_SIZE) {
		pr_err("pid %u: xsave area of %zu bytes in core-%u.img is too short", p->pid,
		       xs->len, core->tid);
		return -EINVAL;
	}
	memcpy(&bv, xs->data + XSAVE_HDR_OFFSET, sizeof(bv));
	if (bv & ~xcr0) {
		pr_err("pid %u: thread %u: its registers use xsave features %#" PRIx64 " this CPU "
		       "lacks (it has %#" PRIx64 ")", p->pid, core->tid, bv & ~xcr0, xcr0);
		return -ENOTSUP;
	}
	fp = bootstrap_alloc(b, (size_t)size + sizeof(magic2), 64);
	if (!fp)
		return -ENOMEM;
	memcpy(fp, xs->data, xs->len < size ? xs->len : size);
	memset(fp + FX_SW_OFFSET, 0, 48);
	{
		uint32_t magic1 = FP_XSTATE_MAGIC1, ext = size + sizeof(magic2);

		memcpy(fp + FX_SW_OFFSET, &magic1, 4);
		memcpy(fp + FX_SW_OFFSET + 4, &ext, 4);
		memcpy(fp + FX_SW_OFFSET + 8, &xcr0, 8);
		memcpy(fp + FX_SW_OFFSET + 16, &size, 4);
	}
	/* The standard format: no compaction bit, reserved header bytes zero. */
	memset(fp + XSAVE_HDR_OFFSET + 8, 0, 56);
	memcpy(fp + size, &magic2, sizeof(magic2));
	*fpstate = (uint64_t)fp;
	return 0;
}

/*
 * A thread stopped inside an interrupted syscall holds the kernel's
 * restart code in ax; sigreturn would hand that to the program as a
 * result. Arrange for the syscall to run again instead, as the kernel
 * itself does on the way out of a signal without a handler. A restart
 * block (nanosleep, ...) does not survive: restart_syscall then returns
 * -EINTR, which callers of such syscalls handle.
 */
static void fixup_restart(const X86Regs *r, struct k_sigcontext *sc)
{
	if ((int64_t)r->orig_ax < 0)
		return;
	switch ((int64_t)r->ax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		sc->ax = r->orig_ax;
		sc->ip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		sc->ax = __NR_restart_syscall;
		sc->ip -= 2;
		break;
	}
}

/* One thread: its rt_sigframe (registers, fpstate, mask, altstack) and struct rst_thread. */
static int prepare_thread(const struct rst_proc *p, const CoreEntry *core, struct bootstrap *b,
			  struct rst_thread *t)
{
	const X86Regs *r = core->regs;
	struct k_rt_sigframe *f;
	struct k_sigcontext *sc;
	int ret;

	f = bootstrap_alloc(b, sizeof(*f), 64);
	if (!f)
		return -ENOMEM;
	sc = &f->uc.uc_mcontext;
	sc->r8 = r->r8; sc->r9 = r->r9; sc->r10 = r->r10; sc->r11 = r->r11;
	sc->r12 = r->r12; sc->r13 = r->r13; sc->r14 = r->r14; sc->r15 = r->r15;
	sc->di = r->di; sc->si = r->si; sc->bp = r->bp; sc->bx = r->bx;
	sc->dx = r->dx; sc->ax = r->ax; sc->cx = r->cx; sc->sp = r->sp;
	sc->ip = r->ip; sc->flags = r->flags;
	sc->cs = (uint16_t)r->cs;
	sc->ss = (uint16_t)r->ss;
	fixup_restart(r, sc);

	ret = build_fpstate(p, core, b, &sc->fpstate);
	if (ret)
		return ret;
	f->uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS |
			 (sc->fpstate ? UC_FP_XSTATE : 0);
	f->uc.uc_sigmask = core->has_blocked ? core->blocked : 0;
	if (core->sigaltstack) {
		f->uc.uc_stack.ss_sp = core->sigaltstack->ss_sp;
		f->uc.uc_stack.ss_flags = (int32_t)core->sigaltstack->ss_flags;
		f->uc.uc_stack.ss_size = core->sigaltstack->ss_size;
	} else {
		f->uc.uc_stack.ss_flags = SS_DISABLE_FLAG;
	}
	t->sigframe_sp = (uint64_t)&f->uc;
	t->tid = core->tid;
	t->fs_base = r->fs_base;
	t->gs_base = r->gs_base;
	if (core->rseq && core->rseq->rseq_abi_pointer) {
		t->rseq = core->rseq->rseq_abi_pointer;
		t->rseq_len = core->rseq->rseq_abi_size;
		t->rseq_sig = core->rseq->signature;
	}
	if (core->has_robust_list && core->robust_list) {
		t->robust_list = core->robust_list;
		t->robust_list_len = core->has_robust_list_len ? core->robust_list_len : 24;
	}
	t->clear_child_tid = core->has_clear_child_tid ? core->clear_child_tid : 0;
	if (core->has_sched_policy) {
		t->set_sched = 1;
		t->sched_policy = (int32_t)core->sched_policy;
		t->sched_priority = core->has_sched_priority ? core->sched_priority : 0;
		t->nice = core->has_nice ? core->nice : 0;
	}
	return task_fill_thread(p, core, b, &t->task);
}

int core_prepare(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap *b)
{
	struct rst_args *a = bootstrap_args(b);
	struct rst_thread *t;
	int ret;

	(void)ctx;
	t = bootstrap_alloc(b, p->nr_cores * sizeof(*t), 64);
	if (!t)
		return -ENOMEM;
	a->threads = (uint64_t)t;
	a->nr_threads = (uint32_t)p->nr_cores;
	for (size_t i = 0; i < p->nr_cores; i++) {
		if (p->cores[i]->tid != p->pstree->threads[i]) {
			pr_err("pid %u: core-%u.img is of thread %u", p->pid,
			       p->pstree->threads[i], p->cores[i]->tid);
			return -EINVAL;
		}
		ret = prepare_thread(p, p->cores[i], b, &t[i]);
		if (ret)
			return ret;
		if (i)
			t[i].stack_top = b->thread_stacks + i * (uint64_t)RST_THREAD_STACK;
	}
	return 0;
}
