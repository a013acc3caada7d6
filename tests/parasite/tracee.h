/*
 * What the parasite tests need around the code under test: seize a
 * target the way src/dump/seize.c will (PTRACE_SEIZE + PTRACE_INTERRUPT
 * of every thread), snapshot what must not change, and bounded waits.
 * Every function returns 0 / a count on success, -1 after printing why.
 */
#ifndef LMIG_TESTS_PARASITE_TRACEE_H
#define LMIG_TESTS_PARASITE_TRACEE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#define TR_MAX_THREADS	16
#define TR_XSTATE_MAX	16384

/* One thread's registers, FPU/xstate and signal mask, as ptrace shows them. */
struct tr_regs {
	struct user_regs_struct regs;
	uint64_t sigmask;
	size_t xstate_len;
	unsigned char xstate[TR_XSTATE_MAX];
};

/* Seize every thread of PID with OPTIONS and stop each in PTRACE_EVENT_STOP. */
int tr_seize_all(pid_t pid, unsigned long options, pid_t *tids, int max);
int tr_detach_all(const pid_t *tids, int n);

/* Is TID in PTRACE_EVENT_STOP, the stop tr_seize_all() left it in? 1, 0 or -1. */
int tr_in_event_stop(pid_t tid);

int tr_get_regs(pid_t tid, struct tr_regs *out);
/* Byte for byte; prints the first difference. */
int tr_same_regs(pid_t tid, const struct tr_regs *a, const struct tr_regs *b);

/* Whole file, NUL-terminated, malloc'd; NULL on error. */
char *tr_read_file(const char *path);
/* fd numbers, link targets and fdinfo flags/pos of PID, as one string. */
char *tr_fd_table(pid_t pid);

/* Wait until PID has exited (reaped) within MS; -1 on timeout. */
int tr_wait_exit(pid_t pid, int ms, int *status);
/* Wait for the next ptrace stop of PID within MS; *status as waitpid's. */
int tr_wait_stop(pid_t pid, int ms, int *status);
/* Wait until /proc/PID/syscall shows the task blocked in syscall NR. */
int tr_wait_blocked(pid_t pid, long nr, int ms);
/* read() exactly LEN bytes within MS. */
int tr_read_full(int fd, void *buf, size_t len, int ms);

/* Kill and reap a target of ours (by pid), quietly. */
void tr_kill(pid_t pid);

#endif
