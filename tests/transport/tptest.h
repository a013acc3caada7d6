/*
 * Helpers for the transport tests: a server in a child process with a
 * bounded wait, key files, and reproducible page contents.
 */
#ifndef LMIG_TESTS_TPTEST_H
#define LMIG_TESTS_TPTEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "transport/transport.h"

/* Page contents: random (incompressible), zero, or text (compressible). */
enum tpt_kind { TPT_RANDOM, TPT_ZERO, TPT_TEXT };

/* Deterministic contents of len bytes (a multiple of 8) for seed. */
void tpt_fill(void *buf, size_t len, enum tpt_kind kind, uint64_t seed);

/*
 * Fork; the child runs fn(arg) and exits with its return value. The
 * parent gets the child's pid, or -1 (after a message).
 */
pid_t tpt_fork(int (*fn)(void *), void *arg);
/*
 * Wait for child pid at most secs seconds; returns its exit code, or
 * -1 if it died of a signal or was killed (SIGKILL, by pid) for taking
 * too long.
 */
int tpt_wait(pid_t pid, unsigned int secs);

/* Each test program's count of failed CHECKs; a CHECK that fails prints where and goes on. */
static int failures __attribute__((unused));
#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

/*
 * For tpt_fork(): accept one connection on arg (a struct tp_listener *),
 * take a COMMIT and answer OK "welcome". Exit 0; 2 when the accept was
 * refused (-EACCES: the handshake); 3 otherwise.
 */
int tpt_serve_commit(void *listener);
/* Send a COMMIT on c and expect tpt_serve_commit()'s RESULT: 0, or -1. */
int tpt_commit_welcome(struct tp_conn *c);

/* Write a key file of 32 bytes derived from seed into dir; path out. */
int tpt_key(const char *dir, int seed, char *path, size_t len);
/* A private temporary directory for the test; removed by tpt_cleanup(). */
const char *tpt_tmpdir(void);
void tpt_cleanup(void);

#endif
