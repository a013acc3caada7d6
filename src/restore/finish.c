#define LOG_PREFIX "restore: "
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
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
	};

	return step < RST_STEP_MAX && names[step] ? names[step] : "an unknown step";
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* waitpid bounded by timeout_ms: 0 with *status, -ETIMEDOUT, or -errno. */
static int wait_bounded(pid_t pid, int *status, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG | __WALL);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(200);
	}
}

static void describe_death(pid_t pid, int status)
{
	if (WIFEXITED(status))
		pr_err("pid %d: the restored process exited with status %d before it ran",
		       (int)pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		pr_err("pid %d: the restored process was killed by signal %d (%s) before it ran",
		       (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		pr_err("pid %d: the restored process stopped unexpectedly (status %#x)",
		       (int)pid, status);
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
	ret = wait_bounded(pid, &status, timeout_ms);
	if (ret) {
		pr_err_rc(ret, "pid %d: waiting for %s", (int)pid, what);
		return ret;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		describe_death(pid, status);
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
		if (wait_bounded(pid, &status, 1000) == 0)
			describe_death(pid, status);
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

/*
 * The restorer stops itself with SIGSTOP before rt_sigreturn: let it run
 * the call, take the registers rt_sigreturn gave, run munmap of the
 * region through the blob's gadget, put the registers back and detach.
 */
static int unmap_restorer(pid_t pid, const struct rst_report *a, int timeout_ms)
{
	struct user_regs_struct saved, r;
	int status, ret;

	ret = wait_bounded(pid, &status, timeout_ms);
	if (ret) {
		pr_err_rc(ret, "pid %d: waiting for the restorer to stop", (int)pid);
		return ret;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP) {
		describe_death(pid, status);
		return -ECHILD;
	}
	ret = next_syscall_stop(pid, timeout_ms, "enter rt_sigreturn");
	if (!ret)
		ret = next_syscall_stop(pid, timeout_ms, "leave rt_sigreturn");
	if (ret)
		return ret;
	if (ptrace(PTRACE_GETREGS, pid, NULL, &saved)) {
		ret = -errno;
		pr_perror("pid %d: cannot read its registers after rt_sigreturn", (int)pid);
		return ret;
	}
	r = saved;
	r.rip = a->region_start + RST_GADGET_OFFSET;
	r.rax = __NR_munmap;
	r.orig_rax = -1;
	r.rdi = a->region_start;
	r.rsi = a->region_len;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &r)) {
		ret = -errno;
		pr_perror("pid %d: cannot point it at the unmap gadget", (int)pid);
		return ret;
	}
	ret = next_syscall_stop(pid, timeout_ms, "enter munmap of the restorer");
	if (!ret)
		ret = next_syscall_stop(pid, timeout_ms, "leave munmap of the restorer");
	if (ret)
		return ret;
	if (ptrace(PTRACE_GETREGS, pid, NULL, &r)) {
		ret = -errno;
		pr_perror("pid %d: cannot read the result of munmap", (int)pid);
		return ret;
	}
	if ((long)r.rax < 0) {
		pr_err_rc((int)r.rax, "pid %d: cannot unmap the restorer", (int)pid);
		return (int)r.rax;
	}
	if (ptrace(PTRACE_SETREGS, pid, NULL, &saved) || ptrace(PTRACE_DETACH, pid, NULL, NULL)) {
		ret = -errno;
		pr_perror("pid %d: cannot let the restored process go", (int)pid);
		return ret;
	}
	return 0;
}

int restore_finish(pid_t pid, int report_fd, int timeout_ms)
{
	struct rst_report r = { 0 };
	int ret;

	ret = read_report(pid, report_fd, timeout_ms, &r);
	if (ret)
		return ret;
	return unmap_restorer(pid, &r, timeout_ms);
}
