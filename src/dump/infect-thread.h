/*
 * A seized thread borrowed to run foreign code: save what it is, run one
 * system call or the parasite blob in it, put it back exactly.
 *
 * Private to src/dump/infect.c; the public API is infect.h.
 *
 * A thread handed to infect_thread_save() must be ptrace-seized by the
 * calling thread of lmig and in a ptrace-stop (PTRACE_EVENT_STOP after
 * PTRACE_INTERRUPT). From save until restore the thread's registers are
 * ours: between runs it sits in the stop its last run ended in (a
 * syscall-exit stop or the blob's SIGTRAP). infect_thread_restore() puts
 * back registers, FPU/xstate and signal mask, then takes the thread
 * through PTRACE_INTERRUPT + PTRACE_CONT back into a PTRACE_EVENT_STOP.
 * Resuming from there goes through the kernel's signal path once more, so
 * a system call the thread was blocked in (orig_ax >= 0, ax = -ERESTART*)
 * is restarted as if lmig had never been there. Our own calls run with
 * orig_ax = -1 so that no restart logic ever applies to them.
 *
 * Every wait is bounded (INFECT_STOP_TIMEOUT_MS). Functions return 0 or
 * -errno and log once, naming the thread; -ESRCH means the thread died.
 */
#ifndef LMIG_DUMP_INFECT_THREAD_H
#define LMIG_DUMP_INFECT_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#define INFECT_STOP_TIMEOUT_MS	10000

struct infect_thread {
	pid_t tid;
	struct user_regs_struct regs;	/* as found */
	uint64_t sigmask;		/* as found (PTRACE_GETSIGMASK) */
	void *xstate;			/* NT_X86_XSTATE as found, xstate_len bytes */
	size_t xstate_len;
	bool saved;
};

/* Save registers, xstate and signal mask, then block every signal. */
int infect_thread_save(struct infect_thread *t, pid_t tid);

/*
 * Run system call NR with ARGS at INSN, the address of an existing
 * `syscall` instruction in the target, stepping with PTRACE_SYSCALL from
 * its entry to its exit stop. *RET is the kernel's return value (-errno on
 * the target's failure); the function's own return is the mechanism's.
 */
int infect_thread_syscall(struct infect_thread *t, uint64_t insn, long nr,
			  const long args[6], long *ret);

/*
 * Enter the blob at IP with %rdi = ARG, %rsp = SP and wait for its int3,
 * which must stop the thread with its ip inside (TRAP_LO, TRAP_HI].
 */
int infect_thread_call(struct infect_thread *t, uint64_t ip, uint64_t sp, uint64_t arg,
		       uint64_t trap_lo, uint64_t trap_hi);

/*
 * Put back what infect_thread_save() found and leave the thread in
 * PTRACE_EVENT_STOP. Frees t's buffers whatever happens; calling it on an
 * unsaved thread does nothing.
 */
int infect_thread_restore(struct infect_thread *t);

/*
 * Find the address of a `syscall` instruction already in TID's address
 * space (its vDSO, else another readable executable mapping), so that a
 * remote call needs no write to its text. -ENOENT if there is none.
 */
int infect_find_syscall_insn(pid_t tid, uint64_t *insn);

#endif
