/*
 * Probes on a target child: what dump does to a process, on a small scale.
 * Each probe starts its own target, and kills and reaps it before returning.
 */
#define LOG_PREFIX "check: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "log.h"
#include "probe.h"

#define TARGET_MEMFD_NAME "lmig-check-target"
#define TARGET_MAGIC 0x6c6d69672d636b00ULL	/* "lmig-ck" */

struct target {
	pid_t pid;
	uint64_t marker_addr;	/* in the target */
	uint64_t marker;	/* the value the target stored there */
	int memfd;		/* a descriptor number in the target */
};

/* What the target tells us once it is ready (or why it is not). */
struct target_ready {
	uint64_t marker_addr;
	uint64_t marker;
	int memfd;
	int err;		/* errno of a failed step, 0 when ready */
};

static int install_allow_filter(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	return 0;
}

static __attribute__((noreturn)) void target_body(int ready_fd, pid_t parent, bool seccomp)
{
	/* Lives in this frame for the target's whole life; the prober reads it remotely. */
	volatile uint64_t marker = TARGET_MAGIC ^ (uint64_t)getpid();
	struct target_ready r = { .marker_addr = (uintptr_t)&marker, .marker = marker };
	int rc = child_die_with_parent(parent);

	if (rc == 0) {
		r.memfd = memfd_create(TARGET_MEMFD_NAME, 0);
		rc = r.memfd < 0 ? -errno : 0;
	}
	if (rc == 0 && seccomp)
		rc = install_allow_filter();
	r.err = -rc;
	if (write(ready_fd, &r, sizeof(r)) != (ssize_t)sizeof(r) || r.err)
		_exit(1);
	close(ready_fd);
	for (;;)
		pause();
}

/* Returns 0 with t filled, or -1 with p saying why (nothing left running). */
static int target_start(struct target *t, struct check_probe *p, bool seccomp)
{
	struct target_ready r;
	pid_t parent = getpid();
	int pfd[2], ret = -1;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		probe_set(p, false, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	t->pid = fork();
	if (t->pid < 0) {
		probe_set(p, false, "fork: %s", strerror(errno));
		goto out;
	}
	if (t->pid == 0) {
		close(pfd[0]);
		target_body(pfd[1], parent, seccomp);
	}
	close(pfd[1]);
	pfd[1] = -1;
	n = read_bounded(pfd[0], &r, sizeof(r), PROBE_TIMEOUT_MS);
	if (n != (ssize_t)sizeof(r)) {
		probe_set(p, false, "the target child did not start: %s",
			  n < 0 ? strerror((int)-n) : "it exited");
	} else if (r.err) {
		probe_set(p, false, "the target child could not %s: %s",
			  seccomp ? "install a seccomp filter" : "set itself up", strerror(r.err));
	} else {
		t->marker_addr = r.marker_addr;
		t->marker = r.marker;
		t->memfd = r.memfd;
		ret = 0;
	}
	if (ret < 0) {
		child_kill(t->pid);
		t->pid = 0;
	}
out:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return ret;
}

static void target_stop(struct target *t)
{
	child_kill(t->pid);	/* also ends the trace: no detach needed */
	t->pid = 0;
}

/* Seize and interrupt the target, as dump does. Returns 0, or -1 with p saying why. */
static int target_seize(struct target *t, struct check_probe *p)
{
	int status, rc;

	if (ptrace(PTRACE_SEIZE, t->pid, NULL, NULL) < 0) {
		probe_set(p, false, "PTRACE_SEIZE of a child: %s", strerror(errno));
		return -1;
	}
	if (ptrace(PTRACE_INTERRUPT, t->pid, NULL, NULL) < 0) {
		probe_set(p, false, "PTRACE_INTERRUPT of a seized child: %s", strerror(errno));
		return -1;
	}
	rc = child_wait(t->pid, &status, PROBE_TIMEOUT_MS);
	if (rc < 0) {
		probe_set(p, false, "waiting for the PTRACE_INTERRUPT stop: %s", strerror(-rc));
		return -1;
	}
	if (!WIFSTOPPED(status) || (status >> 16) != PTRACE_EVENT_STOP) {
		probe_set(p, false, "PTRACE_INTERRUPT gave wait status %#x, not an event stop", status);
		return -1;
	}
	return 0;
}

void probe_ptrace_seize(struct check_probe *p)
{
	struct target t;

	if (target_start(&t, p, false) < 0)
		return;
	if (target_seize(&t, p) == 0)
		probe_set(p, true, "seized a child and stopped it with PTRACE_INTERRUPT");
	target_stop(&t);
}

void probe_process_vm_readv(struct check_probe *p)
{
	struct target t;
	uint64_t got = 0;
	struct iovec local = { .iov_base = &got, .iov_len = sizeof(got) };
	struct iovec remote;
	ssize_t n;

	if (target_start(&t, p, false) < 0)
		return;
	remote.iov_base = (void *)(uintptr_t)t.marker_addr;
	remote.iov_len = sizeof(got);
	n = process_vm_readv(t.pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		probe_set(p, false, "process_vm_readv of a child: %s", strerror(errno));
	else if (n != (ssize_t)sizeof(got) || got != t.marker)
		probe_set(p, false, "process_vm_readv read %zd bytes, not the value the child stored", n);
	else
		probe_set(p, true, "read a value the child stored after fork");
	target_stop(&t);
}

void probe_pidfd_getfd(struct check_probe *p)
{
	static const char want[] = "/memfd:" TARGET_MEMFD_NAME;
	char fdpath[64], link[256];
	struct target t;
	int pidfd, fd;
	ssize_t n;

	if (target_start(&t, p, false) < 0)
		return;
	pidfd = (int)syscall(SYS_pidfd_open, t.pid, 0);
	if (pidfd < 0) {
		probe_set(p, false, "pidfd_open of a child: %s", strerror(errno));
		goto out_target;
	}
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, t.memfd, 0);
	if (fd < 0) {
		probe_set(p, false, "pidfd_getfd of a child's memfd: %s", strerror(errno));
		goto out_pidfd;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	n = readlink(fdpath, link, sizeof(link) - 1);
	if (n >= 0)
		link[n] = '\0';
	if (n < 0 || strncmp(link, want, sizeof(want) - 1) != 0)
		probe_set(p, false, "pidfd_getfd returned a descriptor that is not the child's memfd");
	else
		probe_set(p, true, "took a child's memfd with pidfd_open + pidfd_getfd");
	close(fd);
out_pidfd:
	close(pidfd);
out_target:
	target_stop(&t);
}

void probe_seccomp_get_filter(struct check_probe *p)
{
	struct target t;
	long n;

	if (target_start(&t, p, true) < 0)
		return;
	if (target_seize(&t, p) < 0)
		goto out;
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, t.pid, (void *)0, NULL);
	if (n == 1)
		probe_set(p, true, "read back the child's one-instruction seccomp filter");
	else if (n >= 0)
		probe_set(p, false, "the child's filter read back as %ld instructions, not 1", n);
	else if (errno == EIO)
		probe_set(p, false, "request unknown to this kernel (EIO)");
	else if (errno == EACCES)
		probe_set(p, false, "refused (EACCES): needs CAP_SYS_ADMIN and lmig itself not under seccomp");
	else if (errno == EINVAL)
		probe_set(p, false, "EINVAL: kernel without CONFIG_SECCOMP_FILTER or CONFIG_CHECKPOINT_RESTORE");
	else
		probe_set(p, false, "PTRACE_SECCOMP_GET_FILTER: %s", strerror(errno));
out:
	target_stop(&t);
}

void probe_rseq_configuration(struct check_probe *p)
{
	struct __ptrace_rseq_configuration conf = { 0 };
	struct target t;
	long n;

	if (target_start(&t, p, false) < 0)
		return;
	if (target_seize(&t, p) < 0)
		goto out;
	n = ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t.pid, (void *)sizeof(conf), &conf);
	if (n < 0 && errno == EIO)
		probe_set(p, false, "request unknown to this kernel (EIO)");
	else if (n < 0)
		probe_set(p, false, "PTRACE_GET_RSEQ_CONFIGURATION: %s", strerror(errno));
	else if (n < (long)offsetof(struct __ptrace_rseq_configuration, flags))
		probe_set(p, false, "PTRACE_GET_RSEQ_CONFIGURATION returned only %ld bytes", n);
	else if (conf.rseq_abi_pointer)
		probe_set(p, true, "read the child's rseq area (%u bytes, signature %#x)",
			  conf.rseq_abi_size, conf.signature);
	else
		probe_set(p, true, "works; the child had no rseq area registered");
out:
	target_stop(&t);
}
