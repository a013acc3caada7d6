#define LOG_PREFIX "restore: "
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc-list.h"
#include "restore/catch.h"
#include "restore/restore.h"

static const char *step_name(uint32_t step)
{
	static const char *const names[RST_STEP_MAX] = {
		[RST_STEP_NONE] = "preparation",
		[RST_STEP_RSEQ_UNREG] = "dropping lmig's rseq",
		[RST_STEP_PARK] = "parking lmig's vdso",
		[RST_STEP_UNMAP] = "unmapping lmig",
		[RST_STEP_SPECIAL] = "moving the vdso/vvar into place",
		[RST_STEP_MREMAP] = "moving memory into place",
		[RST_STEP_MPROTECT] = "setting memory protections",
		[RST_STEP_MADVISE] = "reapplying madvise advice",
		[RST_STEP_MM] = "PR_SET_MM_MAP (mm fields, auxv, exe)",
		[RST_STEP_SIGACTION] = "sigactions",
		[RST_STEP_ITIMER] = "itimers",
		[RST_STEP_RSEQ] = "rseq registration",
		[RST_STEP_ROBUST] = "robust futex list",
		[RST_STEP_FSBASE] = "fs/gs base",
		[RST_STEP_REPORT] = "report",
		[RST_STEP_CLONE_THREAD] = "creating a thread with its tid (clone3 set_tid)",
		[RST_STEP_SCHED] = "a thread's scheduling policy or nice value",
		[RST_STEP_PERSONALITY] = "personality",
		[RST_STEP_TIMERS] = "POSIX timers (created with their ids, then armed)",
		[RST_STEP_SIGQUEUE] = "queueing its pending signals again",
		[RST_STEP_RLIMITS] = "rlimits",
		[RST_STEP_GROUPS] = "supplementary groups",
		[RST_STEP_SECUREBITS] = "securebits",
		[RST_STEP_UIDS] = "uids and gids",
		[RST_STEP_CAPS] = "capability sets",
		[RST_STEP_BSET] = "capability bounding set",
		[RST_STEP_AMBIENT] = "ambient capabilities",
		[RST_STEP_PRCTL] = "prctl values (pdeath_sig, timerslack, dumpable, subreaper, "
				   "THP, no_new_privs)",
		[RST_STEP_LSM] = "SELinux context",
		[RST_STEP_SECCOMP] = "seccomp filters",
	};

	return step < RST_STEP_MAX && names[step] ? names[step] : "an unknown step";
}

/* Resume to the next syscall stop and check it is one. */
static int next_syscall_stop(pid_t pid, int timeout_ms, const char *what)
{
	int status, ret;

	if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL)) {
		ret = -errno;
		pr_perror("pid %d: ptrace to %s", (int)pid, what);
		return ret;
	}
	ret = catch_wait(pid, &status, timeout_ms);
	if (ret) {
		pr_err_rc(ret, "pid %d: waiting for %s", (int)pid, what);
		return ret;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		catch_describe_death(pid, pid, status);
		return -ECHILD;
	}
	return 0;
}

/* Wait for the child's report; 0 when the restorer is about to return into the process. */
static int read_report(pid_t pid, int report_fd, int timeout_ms, struct rst_report *rp)
{
	struct pollfd pfd = { .fd = report_fd, .events = POLLIN };
	struct rst_report r = { 0 };
	ssize_t n;
	int ret, status;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret == 0) {
		pr_err("pid %d: no word from the restored process within %d s", (int)pid,
		       timeout_ms / 1000);
		return -ETIMEDOUT;
	}
	if (ret < 0) {
		ret = -errno;
		pr_perror("pid %d: waiting for the restored process", (int)pid);
		return ret;
	}
	n = read(report_fd, &r, sizeof(r));
	if (n != (ssize_t)sizeof(r)) {
		if (catch_wait(pid, &status, 1000) == 0)
			catch_describe_death(pid, pid, status);
		else
			pr_err("pid %d: the restored process closed its report without a word", (int)pid);
		return -ECHILD;
	}
	*rp = r;
	if (r.rc == 0)
		return 0;
	r.msg[sizeof(r.msg) - 1] = '\0';
	if (r.step != RST_STEP_NONE)
		pr_err_rc(r.rc, "pid %d: the restorer failed at %s", (int)pid, step_name(r.step));
	else if (r.msg[0])
		pr_err_rc(r.rc, "pid %d: %s", (int)pid, r.msg);
	/* else the child logged the failure itself */
	return r.rc < 0 ? r.rc : -EIO;
}

/* The tids of pid's threads, pid first; *out is the caller's. 0 or -errno, not logged. */
static int list_threads(pid_t pid, pid_t **out, size_t *nr)
{
	pid_t *t;
	size_t n, i;
	int ret = proc_list_numbers(pid, "task", &t, &n);

	if (ret)
		return ret;
	for (i = 0; i < n && t[i] != pid; i++)
		;
	if (i == n) {
		free(t);
		return -ESRCH;
	}
	memmove(t + 1, t, i * sizeof(*t));
	t[0] = pid;
	*out = t;
	*nr = n;
	return 0;
}

void restore_held_free(struct rst_held *h)
{
	free(h->tids);
	h->tids = NULL;
	h->nr = 0;
}

/*
 * The restorer stops itself with SIGSTOP once every thread has its state:
 * then every thread is caught at the end of its rt_sigreturn (catch.h).
 */
int restore_catch(pid_t pid, int report_fd, int timeout_ms, struct rst_held *h)
{
	struct timespec t0, t1;
	int status, ret;

	memset(h, 0, sizeof(*h));
	h->pid = pid;
	ret = read_report(pid, report_fd, timeout_ms, &h->rep);
	if (ret)
		return ret;
	ret = catch_wait(pid, &status, timeout_ms);
	if (ret) {
		pr_err_rc(ret, "pid %d: waiting for the restorer to stop", (int)pid);
		return ret;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		catch_describe_death(pid, pid, status);
		return -ECHILD;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = list_threads(pid, &h->tids, &h->nr);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot list its threads", (int)pid);
		return ret;
	}
	ret = catch_threads(pid, h->tids, h->nr, timeout_ms);
	if (ret) {
		restore_held_free(h);
		return ret;
	}
	/* From the restorer's stop to every thread held after rt_sigreturn; bench/threads reads it. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pr_info("pid %d: caught %zu thread(s) in %.3f ms", (int)pid, h->nr,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}

/*
 * Every thread of h sits at the end of its rt_sigreturn: run munmap of
 * the region in the leader through the blob's gadget, put its registers
 * back and detach every thread, which then runs on.
 */
int restore_release(struct rst_held *h, int timeout_ms)
{
	struct user_regs_struct saved, r;
	uint64_t mask, all = ~0ULL;
	pid_t pid = h->pid;
	int ret;

	if (ptrace(PTRACE_GETREGS, pid, NULL, &saved)) {
		ret = -errno;
		pr_perror("pid %d: cannot read its registers after rt_sigreturn", (int)pid);
		goto out;
	}
	/* The signals the restorer queued again wait until it runs its own code, not the gadget. */
	if (ptrace(PTRACE_GETSIGMASK, pid, (void *)sizeof(mask), &mask) ||
	    ptrace(PTRACE_SETSIGMASK, pid, (void *)sizeof(all), &all)) {
		ret = -errno;
		pr_perror("pid %d: cannot block its signals for the unmap", (int)pid);
		goto out;
	}
	r = saved;
	r.rip = h->rep.region_start + RST_GADGET_OFFSET;
	r.rax = __NR_munmap;
	r.orig_rax = -1;
	r.rdi = h->rep.region_start;
	r.rsi = h->rep.region_len;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &r)) {
		ret = -errno;
		pr_perror("pid %d: cannot point it at the unmap gadget", (int)pid);
		goto out;
	}
	ret = next_syscall_stop(pid, timeout_ms, "enter munmap of the restorer");
	if (!ret)
		ret = next_syscall_stop(pid, timeout_ms, "leave munmap of the restorer");
	if (ret)
		goto out;
	if (ptrace(PTRACE_GETREGS, pid, NULL, &r)) {
		ret = -errno;
		pr_perror("pid %d: cannot read the result of munmap", (int)pid);
		goto out;
	}
	if ((long)r.rax < 0) {
		ret = (int)r.rax;
		pr_err_rc(ret, "pid %d: cannot unmap the restorer", (int)pid);
		goto out;
	}
	if (ptrace(PTRACE_SETREGS, pid, NULL, &saved) ||
	    ptrace(PTRACE_SETSIGMASK, pid, (void *)sizeof(mask), &mask)) {
		ret = -errno;
		pr_perror("pid %d: cannot put its registers and signal mask back", (int)pid);
		goto out;
	}
	for (size_t i = 0; i < h->nr; i++) {
		if (ptrace(PTRACE_DETACH, h->tids[i], NULL, NULL)) {
			ret = -errno;
			pr_perror("pid %d: cannot let its thread %d go", (int)pid, (int)h->tids[i]);
			goto out;
		}
	}
out:
	restore_held_free(h);
	return ret;
}

int restore_finish(pid_t pid, int report_fd, int timeout_ms)
{
	struct rst_held h;
	int ret = restore_catch(pid, report_fd, timeout_ms, &h);

	if (ret)
		return ret;
	return restore_release(&h, timeout_ms);
}
