/*
 * Process-wide and per-thread task state in the restorer: personality,
 * POSIX timers, pending signals, rlimits, prctl values and the LSM
 * label; creds.c and seccomp.c do the rest. See
 * src/restore/restorer-task.h for the order.
 */
#include <stdint.h>
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/signal.h>
#include <linux/time.h>

#include "syscall.h"
#include "compat.h"
#include "task-state.h"

/* Placeholder timers made and dropped to reach one id, on kernels without PR_TIMER_CREATE_RESTORE_IDS. */
#define MAX_TIMER_PLACEHOLDERS	(1 << 20)

/* struct sigevent as the kernel reads it (64 bytes). */
struct k_sigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t pad[11];
};

static long create_timer(const struct rst_posix_timer *pt, int by_id)
{
	struct k_sigevent sev = {
		.value = pt->sival, .signo = pt->signo, .notify = pt->notify, .tid = pt->notify_tid,
	};
	int32_t id = pt->id;
	long ret;

	if (by_id) {
		ret = sys_call3(__NR_timer_create, pt->clock_id, (long)&sev, (long)&id);
		return ret < 0 ? ret : (id == pt->id ? 0 : -EINVAL);
	}
	/* Ids are handed out in increasing order: make and drop timers up to it. */
	for (long n = 0; n < MAX_TIMER_PLACEHOLDERS; n++) {
		ret = sys_call3(__NR_timer_create, pt->clock_id, (long)&sev, (long)&id);
		if (ret < 0)
			return ret;
		if (id == pt->id)
			return 0;
		sys_call1(__NR_timer_delete, id);
		if (id > pt->id)
			return -EEXIST;
	}
	return -EEXIST;
}

/* Create every timer with its id, unarmed (timers are sorted by id). */
static long create_timers(const struct rst_task *t)
{
	const struct rst_posix_timer *pt = (const struct rst_posix_timer *)t->timers;
	int by_id;
	long ret = 0;

	if (!t->nr_timers)
		return 0;
	by_id = sys_call5(__NR_prctl, PR_TIMER_CREATE_RESTORE_IDS,
			  PR_TIMER_CREATE_RESTORE_IDS_ON, 0, 0, 0) == 0;
	for (uint32_t i = 0; i < t->nr_timers && ret == 0; i++)
		ret = create_timer(&pt[i], by_id);
	if (by_id)
		sys_call5(__NR_prctl, PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_OFF,
			  0, 0, 0);
	return ret;
}

/* Arm them with the time that was left (relative: the downtime is not counted). */
static long arm_timers(const struct rst_task *t)
{
	const struct rst_posix_timer *pt = (const struct rst_posix_timer *)t->timers;

	for (uint32_t i = 0; i < t->nr_timers; i++) {
		struct __kernel_itimerspec its = {
			.it_interval = { pt[i].interval_sec, pt[i].interval_nsec },
			.it_value = { pt[i].value_sec, pt[i].value_nsec },
		};
		long ret;

		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			continue;
		ret = sys_call4(__NR_timer_settime, pt[i].id, 0, (long)&its, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The signal number is in the saved siginfo itself (si_signo, first word). */
static long queue_signals(uint64_t infos, uint32_t nr, int thread)
{
	long tgid = sys_call0(__NR_getpid), tid = sys_call0(__NR_gettid);

	for (uint32_t i = 0; i < nr; i++) {
		uint8_t *info = (uint8_t *)(infos + (uint64_t)i * RST_SIGINFO_SIZE);
		int32_t sig = *(int32_t *)info;
		long ret;

		if (thread)
			ret = sys_call4(__NR_rt_tgsigqueueinfo, tgid, tid, sig, (long)info);
		else
			ret = sys_call3(__NR_rt_sigqueueinfo, tgid, sig, (long)info);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static long restore_rlimits(const struct rst_task *t)
{
	for (uint32_t r = 0; r < RST_NLIMITS; r++) {
		long ret;

		if (!(t->set_rlimits & (1u << r)))
			continue;
		ret = sys_call4(__NR_prlimit64, 0, r, (long)&t->rlimits[r], 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static long prctl2(long option, long arg)
{
	return sys_call5(__NR_prctl, option, arg, 0, 0, 0);
}

long rst_task_thread(const struct rst_task *t, const struct rst_thread_task *tt,
		     enum rst_step *step)
{
	long ret;

	*step = RST_STEP_SIGQUEUE;
	ret = queue_signals(tt->pending, tt->nr_pending, 1);
	if (ret < 0)
		return ret;
	if (t->set_creds) {
		ret = rst_restore_creds(&t->creds, step);
		if (ret < 0)
			return ret;
	}
	/* After creds: a change of uid clears pdeath_sig. */
	*step = RST_STEP_PRCTL;
	if (t->set_pdeath_sig && (ret = prctl2(PR_SET_PDEATHSIG, t->pdeath_sig)) < 0)
		return ret;
	if (t->set_timerslack && (ret = prctl2(PR_SET_TIMERSLACK, (long)t->timerslack_ns)) < 0)
		return ret;
	if (t->no_new_privs && (ret = sys_call5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) < 0)
		return ret;
	return 0;
}

/* Opened while the blob is still root: the label is written after creds. */
static long open_lsm(const struct rst_task *t)
{
	if (!t->lsm_label_len)
		return -EBADF;
	return sys_call4(__NR_openat, AT_FDCWD, (long)"/proc/thread-self/attr/current",
			 O_WRONLY | O_CLOEXEC, 0);
}

static long restore_lsm(const struct rst_task *t, long fd)
{
	long ret;

	if (!t->lsm_label_len)
		return 0;
	ret = sys_call3(__NR_write, fd, (long)t->lsm_label, t->lsm_label_len);
	sys_call1(__NR_close, fd);
	if (ret >= 0 && (uint64_t)ret != t->lsm_label_len)
		ret = -EIO;
	return ret < 0 ? ret : 0;
}

long rst_task_leader(const struct rst_task *t, const struct rst_thread_task *tt,
		     uint32_t nr_threads, enum rst_step *step)
{
	long ret, lsm_fd;

	*step = RST_STEP_LSM;
	lsm_fd = open_lsm(t);
	if (t->lsm_label_len && lsm_fd < 0)
		return lsm_fd;

	*step = RST_STEP_PERSONALITY;
	if (t->set_personality && (ret = sys_call1(__NR_personality, t->personality)) < 0)
		return ret;

	*step = RST_STEP_TIMERS;
	ret = create_timers(t);
	if (ret < 0)
		return ret;
	*step = RST_STEP_SIGQUEUE;
	ret = queue_signals(t->shared_pending, t->nr_shared_pending, 0);
	if (ret < 0)
		return ret;
	ret = rst_task_thread(t, tt, step);
	if (ret < 0)
		return ret;
	/* Armed after the saved signals are queued, so that theirs come after. */
	*step = RST_STEP_TIMERS;
	ret = arm_timers(t);
	if (ret < 0)
		return ret;

	*step = RST_STEP_RLIMITS;
	ret = restore_rlimits(t);
	if (ret < 0)
		return ret;

	/* After every thread's creds: a change of uid resets dumpable. */
	*step = RST_STEP_PRCTL;
	if (t->set_dumpable && (ret = prctl2(PR_SET_DUMPABLE, t->dumpable)) < 0)
		return ret;
	if (t->set_child_subreaper && (ret = prctl2(PR_SET_CHILD_SUBREAPER, t->child_subreaper)) < 0)
		return ret;
	if (t->set_thp_disable && (ret = prctl2(PR_SET_THP_DISABLE, t->thp_disable)) < 0)
		return ret;

	*step = RST_STEP_LSM;
	ret = restore_lsm(t, lsm_fd);
	if (ret < 0)
		return ret;
	return rst_restore_seccomp(t, nr_threads, step);
}
