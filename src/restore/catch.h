/*
 * Catching the threads of a restored process at the end of the restorer
 * (lmig's side, with ptrace), all of them at once.
 *
 * The restorer leaves the leader in its SIGSTOP stop, traced by lmig, and
 * every other thread waiting on threads_go (restorer-args.h), not traced.
 * catch_threads() seizes and interrupts every other thread before it
 * waits for the first of them, then resumes all (the leader first: it is
 * the one that sets threads_go and wakes the others) and follows their
 * system call stops as they come, so that the cost of a thread is a few
 * stops taken while the others run, not a round trip of its own.
 *
 * Every wait sleeps for SIGCHLD (a tracee's stop sends one to its
 * tracer), bounded by the caller's timeout; each wait is for one given
 * tid (waitpid(tid, __WALL)), never for any child, so that the stops of
 * the other processes of a tree, restored at the same time, stay theirs.
 */
#ifndef LMIG_RESTORE_CATCH_H
#define LMIG_RESTORE_CATCH_H

#include <stddef.h>
#include <sys/types.h>

/*
 * waitpid(tid, status, __WALL) that gives up after timeout_ms: 0 with
 * *status, -ETIMEDOUT, or -errno. Not logged.
 */
int catch_wait(pid_t tid, int *status, int timeout_ms);

/*
 * One error line for status, which is not the stop expected of thread
 * tid of pid (tid == pid: the process): exited, killed, or which stop.
 */
void catch_describe_death(pid_t pid, pid_t tid, int status);

/*
 * Take every thread of pid to the end of its rt_sigreturn. tids[0] is
 * pid, the leader, in the restorer's SIGSTOP stop with its status
 * already taken; tids[1..nr) are the other threads, waiting in the
 * restorer and not yet traced. Returns 0 with every thread traced
 * (PTRACE_O_EXITKILL) and in the syscall-exit stop of its rt_sigreturn;
 * or -errno after one error line naming pid and the thread, with some
 * threads traced and stopped: the caller kills pid. -ETIMEDOUT when no
 * thread has stopped for timeout_ms (the bound is on silence, not on
 * the whole catch, which grows with the threads).
 */
int catch_threads(pid_t pid, const pid_t *tids, size_t nr, int timeout_ms);

#endif
