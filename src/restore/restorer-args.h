/*
 * The contract between lmig restore (src/restore/) and the restorer blob
 * (restorer/): the layout of the bootstrap region and of the arguments.
 *
 * Included by both sides, so fixed-width types only and no libc.
 *
 * The bootstrap region is one reservation, placed where neither lmig nor
 * the target has anything mapped:
 *
 *   [ blob (R+X) | args (RW): struct rst_args, rst_vma[], auxv, sigframe,
 *     fpstate | stack (RW) | parking for lmig's vdso/vvar | premapped
 *     target areas, in vma order ]
 *
 * lmig enters the blob at offset 0 with %rdi = args and %rsp = the top of
 * the blob's stack. The blob parks lmig's vdso/vvar, unmaps everything
 * outside the region, moves the special areas and then every premapped
 * area to its final address (mremap: moved, not copied), applies the
 * final protections and advice, restores the mm fields, sigactions,
 * itimers, then creates the other threads with their tids (clone3
 * set_tid, CLONE_THREAD). Every thread restores its own state (struct
 * rst_thread: rseq, robust list, clear_child_tid, fs/gs base, scheduling)
 * and waits on threads_go; the leader, once all are ready, reports to
 * report_fd and stops itself with SIGSTOP (lmig ptraces it). lmig then
 * seizes the other threads, lets the leader set threads_go, and catches
 * every thread at the end of its rt_sigreturn (each on its own frame,
 * prepared by lmig). Then it unmaps the region through the gadget at
 * RST_GADGET_OFFSET, run in the leader, and detaches every thread.
 */
#ifndef LMIG_RESTORER_ARGS_H
#define LMIG_RESTORER_ARGS_H

#include <stdint.h>

#include "restore/restorer-task.h"

#define RST_ARGS_MAGIC		0x6c6d6967525354ULL	/* "lmigRST" */
/* Offset in the blob of "syscall; ud2", which lmig uses to unmap the region. */
#define RST_GADGET_OFFSET	16
/* At most this many special areas of lmig (vdso, vvar, vvar_vclock) to move. */
#define RST_MAX_SPECIAL		4
#define RST_NSIG		64
#define RST_AUXV_MAX		128	/* u64 words, as the kernel's saved_auxv bounds them */
/* The stack of each thread but the leader while it runs the blob. */
#define RST_THREAD_STACK	16384

/* Steps of the blob, reported in rst_report.step when one fails. */
enum rst_step {
	RST_STEP_NONE = 0,
	RST_STEP_RSEQ_UNREG,
	RST_STEP_PARK,
	RST_STEP_UNMAP,
	RST_STEP_SPECIAL,
	RST_STEP_MREMAP,
	RST_STEP_MPROTECT,
	RST_STEP_MADVISE,
	RST_STEP_MM,
	RST_STEP_SIGACTION,
	RST_STEP_ITIMER,
	RST_STEP_RSEQ,
	RST_STEP_ROBUST,
	RST_STEP_FSBASE,
	RST_STEP_REPORT,
	RST_STEP_CLONE_THREAD,
	RST_STEP_SCHED,
	/* task state (restorer-task.h) */
	RST_STEP_PERSONALITY,
	RST_STEP_TIMERS,
	RST_STEP_SIGQUEUE,
	RST_STEP_RLIMITS,
	RST_STEP_GROUPS,
	RST_STEP_SECUREBITS,
	RST_STEP_UIDS,
	RST_STEP_CAPS,
	RST_STEP_BSET,
	RST_STEP_AMBIENT,
	RST_STEP_PRCTL,
	RST_STEP_LSM,
	RST_STEP_SECCOMP,
	RST_STEP_MAX,
};

/*
 * What the restored process (lmig's child, or the blob) tells lmig over
 * report_fd: one record. rc == 0 means the blob is about to stop itself
 * and run rt_sigreturn; otherwise rc is -errno and msg (lmig's child) or
 * step (the blob) says what failed.
 */
struct rst_report {
	int32_t rc;
	uint32_t step;		/* enum rst_step */
	uint64_t region_start;	/* from the blob: the region lmig unmaps at the end */
	uint64_t region_len;
	char msg[232];		/* NUL-terminated; empty from the blob */
};

/* One area: premapped at src inside the region, ends up at dst. */
struct rst_vma {
	uint64_t src;
	uint64_t dst;
	uint64_t len;
	uint32_t prot;		/* final PROT_* */
	uint32_t madv;		/* VMA_MADV() bits, see src/image/mm.h */
};

/* A kernel special mapping of lmig: parked in the region, then moved to dst (0: unmapped). */
struct rst_special {
	uint64_t start;		/* where lmig has it now */
	uint64_t len;
	uint64_t park;		/* its parking place in the region */
	uint64_t dst;		/* the target's address for it, or 0 */
};

/* struct sigaction as rt_sigaction(2) takes it (8-byte mask). */
struct rst_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct rst_itimer {
	uint64_t interval_sec, interval_usec;
	uint64_t value_sec, value_usec;
};

/* struct prctl_mm_map, field for field (linux/prctl.h). */
struct rst_mm_map {
	uint64_t start_code, end_code;
	uint64_t start_data, end_data;
	uint64_t start_brk, brk;
	uint64_t start_stack;
	uint64_t arg_start, arg_end;
	uint64_t env_start, env_end;
	uint64_t auxv;		/* pointer */
	uint32_t auxv_size;	/* bytes */
	uint32_t exe_fd;	/* (uint32_t)-1: leave the exe link */
};

struct rst_args {
	uint64_t magic;		/* RST_ARGS_MAGIC */
	uint64_t region_start;	/* the bootstrap region: never unmapped by the blob */
	uint64_t region_len;
	uint64_t task_size;	/* unmap everything below this outside the region */

	/* lmig's own rseq registration, dropped before its memory goes. */
	uint64_t self_rseq;
	uint32_t self_rseq_len;
	uint32_t self_rseq_sig;

	uint32_t nr_special;
	uint32_t nr_vmas;
	struct rst_special special[RST_MAX_SPECIAL];
	uint64_t vmas;		/* struct rst_vma[nr_vmas], inside the args area */

	struct rst_mm_map mm;
	int32_t set_mm;		/* 0: skip PR_SET_MM_MAP (no mm fields in the image) */

	/* Index sig - 1; SIGKILL and SIGSTOP are skipped. */
	struct rst_sigaction sigactions[RST_NSIG];
	uint32_t nr_itimers;
	uint32_t itimer_which[3];
	struct rst_itimer itimers[3];

	int32_t report_fd;	/* closed by the blob after reporting */
	int32_t exe_fd;		/* closed by the blob after PR_SET_MM_MAP; -1: none */

	/* struct rst_thread[nr_threads] in the args area, the leader first. */
	uint64_t threads;
	uint32_t nr_threads;
	/* Futex words, shared by the threads (CLONE_VM): */
	uint32_t threads_ready;	/* threads other than the leader done with their state */
	uint32_t threads_go;	/* 1: lmig holds every thread, run rt_sigreturn */
	int32_t thread_rc;	/* the first failure of a thread other than the leader */
	uint32_t thread_step;
	uint32_t pad;

	struct rst_task task;	/* restorer-task.h */
};

/* One thread's own state, restored by the thread itself. */
struct rst_thread {
	uint64_t args;		/* struct rst_args *, for threads started by the leader */
	uint64_t stack_top;	/* the thread's stack in the region (not the leader's) */
	uint32_t tid;
	int32_t sched_policy;	/* as sched_getscheduler() gave it, SCHED_RESET_ON_FORK included */
	uint32_t sched_priority;
	int32_t nice;
	uint32_t set_sched;	/* 0: leave the policy and nice value inherited */
	uint32_t rseq_len;
	uint64_t rseq;		/* the target's registration; 0: none */
	uint32_t rseq_sig;
	uint32_t pad;
	uint64_t robust_list;
	uint64_t robust_list_len;	/* 0: leave none */
	uint64_t clear_child_tid;
	uint64_t fs_base;
	uint64_t gs_base;
	/* rt_sigreturn runs with %rsp here: &rt_sigframe.uc, prepared by lmig. */
	uint64_t sigframe_sp;
	struct rst_thread_task task;	/* restorer-task.h */
};

#endif
