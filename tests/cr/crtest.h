/*
 * Library for checkpoint/restore test programs (tests/cr/X.cr).
 *
 * A test program builds its state, calls cr_ready(), then cr_wait()
 * blocks until the harness (run-cr) sends SIGUSR1 -- after a dump, or
 * after a dump, kill and restore. Then it checks its state and ends with
 * cr_pass() or cr_fail(). Results go to the file named by $CR_OUT, through
 * an fd the program keeps open: it is dumped and restored with the rest.
 */
#ifndef LMIG_CRTEST_H
#define LMIG_CRTEST_H

#include <stdnoreturn.h>

/* Opens $CR_OUT and installs the SIGUSR1 handler. Exits 1 on failure. */
void cr_init(void);
/* Tell the harness the state is built. */
void cr_ready(void);
/* Block until SIGUSR1 arrives. */
void cr_wait(void);
/* Has SIGUSR1 arrived yet? For programs that keep working until then. */
int cr_signalled(void);

noreturn void cr_pass(void);
__attribute__((format(printf, 1, 2)))
noreturn void cr_fail(const char *fmt, ...);
/* Fail with strerror(errno) appended. */
__attribute__((format(printf, 1, 2)))
noreturn void cr_fail_errno(const char *fmt, ...);

#endif
