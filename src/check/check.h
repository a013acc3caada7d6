/*
 * What this kernel offers lmig, found by trying each feature.
 *
 * Every probe does the real thing on a small scale (write-protects a few
 * pages and scans them, seizes a child, clones a task with a chosen pid
 * in a fresh pid namespace, ...), never reads the kernel config. Probes
 * that change process state run in a forked child; every probe is bounded
 * in time, and kills (by pid) and reaps the children it started and closes
 * its descriptors, whatever happens.
 *
 * `lmig check` prints the result; `lmig precopy` picks its dirty tracker
 * and transport from it (it may probe only what it needs with
 * check_run_one()).
 */
#ifndef LMIG_CHECK_H
#define LMIG_CHECK_H

#include <stdbool.h>
#include <stdio.h>

enum check_feature {
	CHECK_SOFT_DIRTY,		/* clear_refs 4 + pagemap bit 55 */
	CHECK_UFFD_WP,			/* uffd-wp async + PAGEMAP_SCAN */
	CHECK_PTRACE_SEIZE,		/* PTRACE_SEIZE + PTRACE_INTERRUPT */
	CHECK_PROCESS_VM_READV,
	CHECK_PIDFD_GETFD,		/* pidfd_open + pidfd_getfd */
	CHECK_CLONE3_SET_TID,		/* in a new pid namespace */
	CHECK_PR_SET_MM_MAP,
	CHECK_MEMFD,
	CHECK_SECCOMP_GET_FILTER,	/* PTRACE_SECCOMP_GET_FILTER */
	CHECK_RSEQ_CONFIGURATION,	/* PTRACE_GET_RSEQ_CONFIGURATION */
	CHECK_TIME_NS,
	CHECK_NET_NS,
	CHECK_TCP_REPAIR,
	CHECK_IO_URING,
	CHECK_IO_URING_SEND_ZC,
	CHECK_RDMA,			/* verbs devices; "not built" without HAVE_RDMA */
	CHECK_SELINUX,			/* enabled or not; disabled is no failure */
	CHECK_TLS,			/* --tls: GnuTLS initialises */
	CHECK_KTLS,			/* kernel TLS (the "tls" TCP ULP) for --tls */
	CHECK_ACCEPT_QUEUE,		/* refilling a listener's accept queue (net/acceptq.h) */
	CHECK_NR_FEATURES
};

#define CHECK_DETAIL_MAX 160

struct check_probe {
	bool probed;			/* false: check_run_one() was not called for it */
	bool available;
	char detail[CHECK_DETAIL_MAX];	/* why, in a few words; NUL-terminated */
};

struct check_result {
	struct check_probe f[CHECK_NR_FEATURES];
};

/* Stable names ("soft-dirty", "uffd-wp", ...), used in text and JSON. */
const char *check_feature_name(enum check_feature f);
/* Whether migration (even stop-and-copy) cannot work without f. */
bool check_feature_required(enum check_feature f);

/*
 * Run every probe / one probe into r. Nothing here fails as a whole: a
 * probe that cannot run reports the feature absent and says why. r need
 * not be initialised before check_run(); check_run_one() leaves the other
 * entries alone (zero r first).
 */
void check_run(struct check_result *r);
void check_run_one(struct check_result *r, enum check_feature f);

/*
 * The dirty tracker pre-copy will use: "uffd-wp" when it works, else
 * "soft-dirty", else NULL (only stop-and-copy is possible). Features not
 * probed count as absent.
 */
const char *check_pick_tracker(const struct check_result *r);

/* "tcp" always; "uring" when io_uring works; "rdma" when devices exist. */
bool check_transport_usable(const struct check_result *r, const char *name);

/*
 * Writes the names of the missing required features, separated by ", ",
 * into buf (NUL-terminated, truncated to len; buf may be NULL when len is
 * 0). Returns how many are missing: 0 means migration can work here.
 */
int check_missing(const struct check_result *r, char *buf, size_t len);

/* The report of `lmig check`: a table, or one JSON object (see lmig(8)). */
void check_print_text(FILE *f, const struct check_result *r);
void check_print_json(FILE *f, const struct check_result *r);

#endif
