/*
 * Borrowing a seized thread: save, run a syscall or the blob, restore.
 * The contract and the restart reasoning are in infect-thread.h.
 */
#include "config.h"

#define LOG_PREFIX "infect: "
#include "log.h"

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "infect-thread.h"

#define X86_EFLAGS_TF	0x100
#define X86_EFLAGS_DF	0x400
#define USER64_CS	0x33

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Wait for the next stop of TID, at most INFECT_STOP_TIMEOUT_MS. A stop
 * usually comes within microseconds, so poll with yields first and with
 * short sleeps after: no SIGCHLD handler, no process-wide state touched.
 * Returns 0 with *status of a stop, -ESRCH if the thread ended,
 * -ETIMEDOUT, or another -errno from waitpid.
 */
static int wait_stop(pid_t tid, int *status)
{
	uint64_t deadline = now_ms() + INFECT_STOP_TIMEOUT_MS;
	struct timespec nap = { 0, 50 * 1000 };
	unsigned int spins = 0;
	pid_t ret;

	for (;;) {
		ret = waitpid(tid, status, __WALL | WNOHANG);
		if (ret == tid)
			break;
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("tid %d: waitpid", tid);
			return errno == ECHILD ? -ESRCH : -errno;
		}
		if (now_ms() > deadline) {
			pr_err("tid %d: no stop within %d ms", tid, INFECT_STOP_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		if (spins++ < 200)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}

	if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
		if (WIFSIGNALED(*status))
			pr_err("tid %d: killed by signal %d while infected", tid, WTERMSIG(*status));
		else
			pr_err("tid %d: exited with %d while infected", tid, WEXITSTATUS(*status));
		return -ESRCH;
	}
	return 0;
}

static size_t xstate_size(void)
{
	unsigned int eax, ebx, ecx, edx;

	/* CPUID.(EAX=0DH,ECX=0):ECX: XSAVE area size for every feature the CPU has */
	if (!__get_cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx) || ecx < 512)
		return 4096;
	return ecx;
}

int infect_thread_save(struct infect_thread *t, pid_t tid)
{
	uint64_t all = ~0ULL;
	struct iovec iov;
	int ret;

	memset(t, 0, sizeof(*t));
	t->tid = tid;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &t->regs)) {
		ret = -errno;
		pr_perror("tid %d: PTRACE_GETREGS (is it seized and stopped?)", tid);
		return ret;
	}
	if (t->regs.cs != USER64_CS) {
		pr_err("tid %d: runs in 32-bit mode (cs %#llx): not supported", tid, t->regs.cs);
		return -EOPNOTSUPP;
	}

	t->xstate_len = xstate_size();
	t->xstate = calloc(1, t->xstate_len);
	if (!t->xstate)
		return -ENOMEM;
	iov.iov_base = t->xstate;
	iov.iov_len = t->xstate_len;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov)) {
		ret = -errno;
		pr_perror("tid %d: PTRACE_GETREGSET NT_X86_XSTATE", tid);
		goto err;
	}
	t->xstate_len = iov.iov_len;

	/* While a sigsuspend/ppoll-style call waits, this is the mask it will put back. */
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(t->sigmask), &t->sigmask)) {
		ret = -errno;
		pr_perror("tid %d: PTRACE_GETSIGMASK", tid);
		goto err;
	}
	if (ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(all), &all)) {
		ret = -errno;
		pr_perror("tid %d: PTRACE_SETSIGMASK", tid);
		goto err;
	}
	t->saved = true;
	return 0;
err:
	free(t->xstate);
	t->xstate = NULL;
	return ret;
}

static void prepare_regs(const struct infect_thread *t, struct user_regs_struct *r)
{
	*r = t->regs;
	/* ours is no interrupted syscall: keep the kernel's restart logic off it */
	r->orig_rax = (unsigned long long)-1;
	r->eflags &= ~(unsigned long long)(X86_EFLAGS_TF | X86_EFLAGS_DF);
}

static int set_regs(pid_t tid, struct user_regs_struct *r)
{
	if (ptrace(PTRACE_SETREGS, tid, NULL, r)) {
		int ret = -errno;

		pr_perror("tid %d: PTRACE_SETREGS", tid);
		return ret;
	}
	return 0;
}

static void log_unexpected(pid_t tid, int status, const char *expected)
{
	struct user_regs_struct r;
	unsigned long long ip = 0;

	if (!ptrace(PTRACE_GETREGS, tid, NULL, &r))
		ip = r.rip;
	pr_err("tid %d: expected %s, got stop %#x (signal %d, event %d) at ip %#llx", tid,
	       expected, status, WSTOPSIG(status), status >> 16, ip);
}

/*
 * Resume with PTRACE_SYSCALL and wait for the next syscall stop; *R gets
 * the registers there. Syscall stops are SIGTRAP with si_code SIGTRAP, or
 * SIGTRAP | 0x80 under PTRACE_O_TRACESYSGOOD (the caller's choice, so both
 * are taken); an int3 or a real SIGTRAP has another si_code.
 */
static int step_syscall(pid_t tid, const char *what, struct user_regs_struct *r)
{
	siginfo_t si;
	int status, ret;

	if (ptrace(PTRACE_SYSCALL, tid, NULL, NULL)) {
		ret = -errno;
		pr_perror("tid %d: PTRACE_SYSCALL", tid);
		return ret;
	}
	ret = wait_stop(tid, &status);
	if (ret)
		return ret;
	if ((WSTOPSIG(status) & ~0x80) != SIGTRAP || (status >> 16) ||
	    ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) ||
	    si.si_signo != SIGTRAP || (si.si_code & ~0x80) != SIGTRAP) {
		log_unexpected(tid, status, what);
		return -EIO;
	}
	if (ptrace(PTRACE_GETREGS, tid, NULL, r)) {
		ret = -errno;
		pr_perror("tid %d: PTRACE_GETREGS", tid);
		return ret;
	}
	return 0;
}

int infect_thread_syscall(struct infect_thread *t, uint64_t insn, long nr,
			  const long args[6], long *ret)
{
	struct user_regs_struct r;
	int err;

	prepare_regs(t, &r);
	r.rip = insn;
	r.rax = (unsigned long long)nr;
	r.rdi = (unsigned long long)args[0];
	r.rsi = (unsigned long long)args[1];
	r.rdx = (unsigned long long)args[2];
	r.r10 = (unsigned long long)args[3];
	r.r8 = (unsigned long long)args[4];
	r.r9 = (unsigned long long)args[5];
	err = set_regs(t->tid, &r);
	if (err)
		return err;

	err = step_syscall(t->tid, "a syscall-entry stop", &r);
	if (err)
		return err;
	if ((long)r.orig_rax != nr || r.rip != insn + 2 || (long)r.rax != -ENOSYS) {
		pr_err("tid %d: entered syscall %lld at %#llx, expected %ld at %#llx", t->tid,
		       (long long)r.orig_rax, r.rip, nr, (unsigned long long)insn + 2);
		return -EIO;
	}
	err = step_syscall(t->tid, "a syscall-exit stop", &r);
	if (err)
		return err;
	if ((long)r.orig_rax != nr || r.rip != insn + 2) {
		pr_err("tid %d: left syscall %lld at %#llx, expected %ld at %#llx", t->tid,
		       (long long)r.orig_rax, r.rip, nr, (unsigned long long)insn + 2);
		return -EIO;
	}
	*ret = (long)r.rax;
	return 0;
}

int infect_thread_call(struct infect_thread *t, uint64_t ip, uint64_t sp, uint64_t arg,
		       uint64_t trap_lo, uint64_t trap_hi)
{
	struct user_regs_struct r;
	int status, err;

	prepare_regs(t, &r);
	r.rip = ip;
	r.rsp = sp;
	r.rdi = arg;
	r.rax = 0;
	err = set_regs(t->tid, &r);
	if (err)
		return err;

	/* signal 0: also drops the SIGTRAP of the previous command's int3 */
	if (ptrace(PTRACE_CONT, t->tid, NULL, NULL)) {
		err = -errno;
		pr_perror("tid %d: PTRACE_CONT into the parasite", t->tid);
		return err;
	}
	err = wait_stop(t->tid, &status);
	if (err)
		return err;
	if (WSTOPSIG(status) != SIGTRAP || (status >> 16) ||
	    ptrace(PTRACE_GETREGS, t->tid, NULL, &r) ||
	    r.rip <= trap_lo || r.rip > trap_hi) {
		log_unexpected(t->tid, status, "the parasite's trap");
		return -EIO;
	}
	return 0;
}

int infect_thread_restore(struct infect_thread *t)
{
	struct iovec iov = { t->xstate, t->xstate_len };
	int status, ret = 0;

	if (!t->saved)
		return 0;
	t->saved = false;

	if (ptrace(PTRACE_SETREGS, t->tid, NULL, &t->regs)) {
		ret = -errno;
		pr_perror("tid %d: restore registers", t->tid);
		goto out;
	}
	if (ptrace(PTRACE_SETREGSET, t->tid, (void *)NT_X86_XSTATE, &iov)) {
		ret = -errno;
		pr_perror("tid %d: restore xstate", t->tid);
		goto out;
	}
	if (ptrace(PTRACE_SETSIGMASK, t->tid, (void *)sizeof(t->sigmask), &t->sigmask)) {
		ret = -errno;
		pr_perror("tid %d: restore signal mask", t->tid);
		goto out;
	}

	/*
	 * Back into the stop the caller left it in. From a syscall-exit stop
	 * the thread would return to user mode with ax = -ERESTART* as a
	 * result; through the event stop, the signal path runs once more and
	 * restarts the interrupted call when the caller resumes the thread.
	 */
	if (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) ||
	    ptrace(PTRACE_CONT, t->tid, NULL, NULL)) {
		ret = -errno;
		pr_perror("tid %d: PTRACE_INTERRUPT/PTRACE_CONT", t->tid);
		goto out;
	}
	ret = wait_stop(t->tid, &status);
	if (ret)
		goto out;
	if ((status >> 16) != PTRACE_EVENT_STOP) {
		log_unexpected(t->tid, status, "PTRACE_EVENT_STOP");
		ret = -EIO;
	}
out:
	free(t->xstate);
	t->xstate = NULL;
	return ret;
}

static int read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n;

	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Look for the bytes of `syscall` (0f 05) in [start, end) of TID. */
static int find_in_range(pid_t tid, uint64_t start, uint64_t end, uint64_t *insn)
{
	unsigned char *text;
	size_t len = end - start, i;
	int ret;

	text = malloc(len);
	if (!text)
		return -ENOMEM;
	ret = read_mem(tid, start, text, len);
	if (ret)
		goto out;
	ret = -ENOENT;
	for (i = 0; i + 1 < len; i++) {
		if (text[i] == 0x0f && text[i + 1] == 0x05) {
			*insn = start + i;
			ret = 0;
			break;
		}
	}
out:
	free(text);
	return ret;
}

/*
 * The vDSO first: it is always there unless unmapped, and small. Then any
 * readable executable mapping (libc, or a static binary's text), at most
 * SCAN_MAX of each: only two bytes are needed, not a real instruction
 * boundary, since the thread jumps straight to them.
 */
#define SCAN_MAX	(1UL << 20)

int infect_find_syscall_insn(pid_t tid, uint64_t *insn)
{
	unsigned long long start, end;
	char path[64], line[512], perms[5];
	int pass, ret = -ENOENT;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", tid);
	for (pass = 0; pass < 2 && ret; pass++) {
		maps = fopen(path, "re");
		if (!maps) {
			ret = -errno;
			pr_perror("tid %d: open %s", tid, path);
			return ret;
		}
		while (ret && fgets(line, sizeof(line), maps)) {
			if (sscanf(line, "%llx-%llx %4s", &start, &end, perms) != 3 ||
			    perms[0] != 'r' || perms[2] != 'x' || start >= end)
				continue;
			if ((pass == 0) != (strstr(line, "[vdso]") != NULL))
				continue;
			if (end - start > SCAN_MAX)
				end = start + SCAN_MAX;
			ret = find_in_range(tid, start, end, insn);
			if (ret == -ENOMEM)
				break;
		}
		fclose(maps);
	}
	if (ret)
		pr_err_rc(ret, "tid %d: no syscall instruction found in its executable mappings", tid);
	else
		pr_debug("tid %d: remote syscalls at %#llx", tid, (unsigned long long)*insn);
	return ret;
}
