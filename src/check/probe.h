/*
 * Private to src/check: the probes and what they share.
 *
 * A probe fills one struct check_probe. It never fails as a function:
 * whatever goes wrong becomes "absent" with the reason in the detail.
 */
#ifndef LMIG_CHECK_PROBE_H
#define LMIG_CHECK_PROBE_H

#include <stdbool.h>
#include <sys/types.h>

#include "check.h"

/* Each probe child (and each wait on one) gets at most this long. */
#define PROBE_TIMEOUT_MS 5000

__attribute__((format(printf, 3, 4)))
void probe_set(struct check_probe *p, bool available, const char *fmt, ...);

typedef void (*probe_fn)(struct check_probe *p, void *arg);

/*
 * Run fn(p, arg) in a forked child, which dies with its parent, and copy
 * its result back into p. A child that crashes, or does not answer within
 * PROBE_TIMEOUT_MS, is killed and reaped, and p says so. Nested calls are
 * fine (a probe child may run its own probe children).
 */
void probe_in_child(struct check_probe *p, probe_fn fn, void *arg);
/* The same with another time limit (tests). */
void probe_in_child_within(struct check_probe *p, probe_fn fn, void *arg, int timeout_ms);

/*
 * Wait for pid (a child of ours, traced or not) to change state, at most
 * timeout_ms. Returns 0 with *status set, -ETIMEDOUT, or -errno.
 */
int child_wait(pid_t pid, int *status, int timeout_ms);
/* SIGKILL pid and reap it (bounded); pid <= 0 is ignored. */
void child_kill(pid_t pid);
/*
 * Read len bytes from fd (a pipe) within timeout_ms. Returns len, a
 * shorter count at end of file, -ETIMEDOUT or -errno.
 */
ssize_t read_bounded(int fd, void *buf, size_t len, int timeout_ms);
/* Make the calling (just forked) child die with its parent parent_pid. */
int child_die_with_parent(pid_t parent_pid);

/* Memory: src/check/probe-mm.c */
void probe_soft_dirty(struct check_probe *p);
void probe_uffd_wp(struct check_probe *p);
void probe_memfd(struct check_probe *p);
void probe_pr_set_mm_map(struct check_probe *p);

/* ptrace and pidfd on a child: src/check/probe-ptrace.c */
void probe_ptrace_seize(struct check_probe *p);
void probe_process_vm_readv(struct check_probe *p);
void probe_pidfd_getfd(struct check_probe *p);
void probe_seccomp_get_filter(struct check_probe *p);
void probe_rseq_configuration(struct check_probe *p);

/* Namespaces: src/check/probe-ns.c */
void probe_clone3_set_tid(struct check_probe *p);
void probe_time_ns(struct check_probe *p);
void probe_net_ns(struct check_probe *p);

/* Sockets and transports: src/check/probe-net.c */
void probe_tcp_repair(struct check_probe *p);
void probe_io_uring(struct check_probe *p);
void probe_io_uring_send_zc(struct check_probe *p);
void probe_rdma(struct check_probe *p);
void probe_tls(struct check_probe *p);
void probe_ktls(struct check_probe *p);
void probe_accept_queue(struct check_probe *p);

/* Security modules: src/check/probe-lsm.c */
void probe_selinux(struct check_probe *p);

#endif
