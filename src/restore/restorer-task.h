/*
 * The task state part of the contract between lmig restore and the
 * restorer blob (see restorer-args.h, which embeds these): what
 * src/restore/task.c fills from task-<pid>.img and core-<tid>.img, and
 * restorer/task-*.c applies inside the restored process.
 *
 * Included by both sides: fixed-width types only, no libc. Pointers are
 * u64 addresses inside the args area of the bootstrap region.
 *
 * Order in the blob, and why:
 *   1. personality            after the memory moves (READ_IMPLIES_EXEC
 *                             would add PROT_EXEC to later mprotects)
 *   2. POSIX timers           created with their saved ids, armed with the
 *                             time that was left; their signals wait
 *                             behind the blob's full signal mask
 *   3. pending signals        re-queued while every signal is blocked: the
 *                             process-wide queue by the leader
 *                             (rt_sigqueueinfo), each thread's own queue by
 *                             that thread (rt_tgsigqueueinfo, which only a
 *                             thread itself may do with a kernel si_code);
 *                             delivered once rt_sigreturn restores the mask
 *   4. rlimits                after the signals (RLIMIT_SIGPENDING counts
 *                             them), before creds
 *   5. creds                  per thread (raw setresuid is per thread):
 *                             groups, uids/gids kept from dropping the
 *                             capabilities by SECBIT_NO_SETUID_FIXUP,
 *                             inheritable, bounding set, ambient,
 *                             securebits, then the final capability sets
 *   6. prctl values           after creds, which reset pdeath_sig and
 *                             dumpable: pdeath_sig, timerslack (per
 *                             thread), dumpable, child subreaper,
 *                             THP disable, no_new_privs
 *   7. LSM label              written to /proc/thread-self/attr/current,
 *                             opened by the blob before creds (while it
 *                             is still root; the process's root must
 *                             have /proc)
 *   8. seccomp filters        the very last step before the report and
 *                             rt_sigreturn, with TSYNC when other threads
 *                             exist (they have no filter yet). lmig
 *                             traces the process with
 *                             PTRACE_O_SUSPEND_SECCOMP, so the blob's own
 *                             last syscalls and lmig's unmap are not
 *                             filtered; the filters bite once lmig detaches.
 */
#ifndef LMIG_RESTORER_TASK_H
#define LMIG_RESTORER_TASK_H

#include <stdint.h>

#define RST_NLIMITS		16	/* RLIM_NLIMITS */
#define RST_SIGINFO_SIZE	128
#define RST_MAX_GROUPS		256	/* as /proc/PID/status is parsed at dump */

struct rst_rlimit {
	uint64_t cur, max;	/* RLIM_INFINITY is ~0 */
};

/* A POSIX timer: created with sigevent { value, signo, notify, tid } and id. */
struct rst_posix_timer {
	int32_t id;
	int32_t clock_id;
	int32_t notify;		/* SIGEV_* (SIGEV_THREAD_ID included) */
	int32_t signo;
	int32_t notify_tid;
	uint32_t pad;
	uint64_t sival;
	/* struct itimerspec: what was left, relative */
	int64_t interval_sec, interval_nsec;
	int64_t value_sec, value_nsec;
};

struct rst_seccomp_filter {
	uint64_t insns;		/* struct sock_filter[nr_insns] */
	uint32_t nr_insns;
	uint32_t flags;		/* SECCOMP_FILTER_FLAG_* as saved (LOG, ...) */
};

struct rst_creds {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint64_t groups;	/* uint32_t[nr_groups] */
	uint32_t nr_groups;
	uint32_t securebits;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t cap_last_cap;	/* /proc/sys/kernel/cap_last_cap here */
	uint32_t pad;
};

/* Process-wide task state, applied by the leader (creds by every thread). */
struct rst_task {
	uint32_t set_personality;
	uint32_t personality;

	uint32_t nr_timers;
	uint32_t pad0;
	uint64_t timers;	/* struct rst_posix_timer[nr_timers], by id */

	uint64_t shared_pending;	/* nr_shared_pending siginfo_t, queue order */
	uint32_t nr_shared_pending;

	/* Bit r of set_rlimits: rlimits[r] is applied. */
	uint32_t set_rlimits;
	struct rst_rlimit rlimits[RST_NLIMITS];

	uint32_t set_creds;
	uint32_t pad1;
	struct rst_creds creds;

	/* prctl values; set_* 0: left as a new process has it */
	uint32_t set_pdeath_sig, pdeath_sig;
	uint32_t set_timerslack, pad2;
	uint64_t timerslack_ns;
	uint32_t set_dumpable, dumpable;
	uint32_t set_child_subreaper, child_subreaper;
	uint32_t set_thp_disable, thp_disable;
	uint32_t no_new_privs;

	uint32_t lsm_label_len;	/* without the NUL; 0: no label to set */
	uint64_t lsm_label;	/* the SELinux context, NUL-terminated */

	uint32_t nr_seccomp;
	uint64_t seccomp;	/* struct rst_seccomp_filter[nr_seccomp], oldest first */
};

/* One thread's own part, restored by that thread. */
struct rst_thread_task {
	uint64_t pending;	/* nr_pending siginfo_t, thread-directed, queue order */
	uint32_t nr_pending;
	uint32_t pad;
};

#endif
