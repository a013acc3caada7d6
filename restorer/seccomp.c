/*
 * Seccomp filters, oldest first, as the last thing before rt_sigreturn:
 * once a filter is in, the blob's own syscalls pass only because lmig
 * traces it with PTRACE_O_SUSPEND_SECCOMP.
 */
#include <stdint.h>
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "syscall.h"
#include "task-state.h"

long rst_restore_seccomp(const struct rst_task *t, uint32_t nr_threads, enum rst_step *step)
{
	const struct rst_seccomp_filter *f = (const struct rst_seccomp_filter *)t->seccomp;
	/* The other threads have no filter yet: the leader's chain can be theirs. */
	uint32_t sync = nr_threads > 1 ? SECCOMP_FILTER_FLAG_TSYNC : 0;

	*step = RST_STEP_SECCOMP;
	for (uint32_t i = 0; i < t->nr_seccomp; i++) {
		struct sock_fprog prog = {
			.len = (unsigned short)f[i].nr_insns,
			.filter = (struct sock_filter *)f[i].insns,
		};
		long ret = sys_call3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, f[i].flags | sync,
				     (long)&prog);

		/* TSYNC returns the tid of a thread it could not sync, not an error code. */
		if (ret > 0)
			return -EBUSY;
		if (ret < 0)
			return ret;
	}
	return 0;
}
