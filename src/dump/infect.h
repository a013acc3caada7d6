/*
 * Infection: run code inside a seized target, then leave without a trace.
 *
 * Two levels:
 *  - infect_remote_syscall(): one system call in one thread, no blob;
 *  - a parasite_ctl: the parasite blob (parasite/) mapped into the target
 *    and driven command by command from one thread, until infect_cure().
 *
 * What the caller provides (src/dump/seize.c does it): every thread of
 * the target PTRACE_SEIZE'd by the calling thread of lmig (any options),
 * and each thread these functions are given stopped in PTRACE_EVENT_STOP
 * (PTRACE_INTERRUPT, then waitpid(tid, __WALL)). Other threads of the
 * target must stay stopped for the whole time: the parasite shares their
 * address space.
 *
 * What the caller gets back: every function returns with each thread it
 * was given in PTRACE_EVENT_STOP again, its registers, FPU/xstate and
 * signal mask exactly as found, on success and on failure alike. A thread
 * that was blocked in a system call (nanosleep, read, futex, ...) resumes
 * it when the caller resumes or detaches the thread, as if nothing had
 * happened. The only exceptions are a target that dies (-ESRCH) and a
 * failure to restore, both logged.
 *
 * States of a parasite_ctl:
 *   infect_seized()  -> INFECTED: the area is mapped in the target, the
 *                       thread `tid` is borrowed (its registers are not the
 *                       process's: do not PTRACE_GETREGS, resume or detach
 *                       it until infect_cure() returns);
 *   parasite_*()     -> still INFECTED (on failure too, unless -ESRCH);
 *   infect_cure()    -> the area is unmapped, `tid` is put back, the ctl is
 *                       freed. Always call it, also after a failed command.
 *
 * Functions return 0 or -errno, and log once, naming the pid/tid.
 * Every wait on the target is bounded (INFECT_STOP_TIMEOUT_MS, 10 s).
 */
#ifndef LMIG_DUMP_INFECT_H
#define LMIG_DUMP_INFECT_H

#include <stdint.h>
#include <sys/types.h>

#include "../../parasite/parasite-proto.h"

struct parasite_ctl;

/*
 * Run system call NR with ARGS (unused ones are ignored by the kernel) in
 * the seized, stopped thread TID; *RET gets the kernel's return value
 * (-errno when the call failed in the target). Returns 0 when the call was
 * run, -errno when it could not be. Uses a `syscall` instruction already
 * in the target (its vDSO, else e.g. libc's text): nothing is written to
 * the target's code.
 */
int infect_remote_syscall(pid_t tid, long nr, const long args[6], long *ret);

/*
 * Map the parasite into process PID and borrow its thread TID (usually
 * PID itself) to run it. On success *OUT is the new ctl, owned by the
 * caller until infect_cure(). On failure nothing is left in the target.
 */
int infect_seized(pid_t pid, pid_t tid, struct parasite_ctl **out);

/*
 * Put everything back and free CTL (NULL is fine): munmap the area in
 * the target, restore the borrowed thread. Returns the first error; the
 * ctl is freed in any case.
 */
int infect_cure(struct parasite_ctl *ctl);

/* Run a system call in the borrowed thread, as infect_remote_syscall(). */
int parasite_syscall(struct parasite_ctl *ctl, long nr, const long args[6], long *ret);

/* Every signal's action (process-wide); SIGKILL and SIGSTOP are zeroed. */
int parasite_get_sigactions(struct parasite_ctl *ctl, struct parasite_sigactions *out);

/* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF (process-wide). */
int parasite_get_itimers(struct parasite_ctl *ctl, struct parasite_itimers *out);

/*
 * timer_gettime and timer_getoverrun for the N timer ids in IDS (as read
 * from /proc/PID/timers), into OUT[0..N-1], which the caller provides.
 * Any N: sent in batches of PARASITE_MAX_POSIX_TIMERS.
 */
int parasite_get_posix_timers(struct parasite_ctl *ctl, const int32_t *ids, unsigned int n,
			      struct parasite_posix_timer *out);

/* umask, personality, dumpable, child subreaper, THP disable. */
int parasite_get_process_state(struct parasite_ctl *ctl, struct parasite_process_state *out);

/*
 * sigaltstack and per-task prctl values of thread TID of the ctl's
 * process. TID may be the borrowed thread or any other seized, stopped
 * thread (it is borrowed for the command and put back at once).
 */
int parasite_get_thread_state(struct parasite_ctl *ctl, pid_t tid,
			      struct parasite_thread_state *out);

/*
 * Create a userfaultfd inside the target (UFFD_USER_MODE_ONLY, O_CLOEXEC,
 * O_NONBLOCK; UFFDIO_API with UFFD_FEATURE_WP_ASYNC and
 * UFFD_FEATURE_WP_UNPOPULATED), take it into lmig with pidfd_getfd and
 * close the target's copy, so the target's fd table is unchanged.
 * *LOCAL_FD is lmig's descriptor (O_CLOEXEC), owned by the caller. Its
 * context stays bound to the target's mm: UFFDIO_REGISTER and PAGEMAP_SCAN
 * on /proc/PID/pagemap work from lmig.
 */
int parasite_create_uffd(struct parasite_ctl *ctl, int *local_fd);

#endif
