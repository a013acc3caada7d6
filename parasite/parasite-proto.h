/*
 * The parasite's command area: the one contract between lmig's driver
 * (src/dump/infect.c) and the blob that runs inside the target.
 *
 * lmig maps one private anonymous area in the target:
 *
 *   base                       blob (read+exec), entry point at offset 0
 *   base + args_off            struct parasite_args (read+write)
 *   ...                        the parasite's stack (read+write), top = end
 *
 * For each command lmig writes the header and the command's input into
 * struct parasite_args, points the thread at the entry with %rdi = &args
 * and %rsp = top of stack, and lets it run. The blob does the work, writes
 * `ret` and the output, and stops itself with int3 ("trap mode"); lmig
 * reads the results while the thread sits in that SIGTRAP stop.
 *
 * Every field has a fixed width and the host's (x86_64, little-endian)
 * byte order: both sides are built from this tree for the same CPU, and the
 * area never leaves the machine. Command numbers are explicit and never
 * renumbered; `version` catches a blob and a driver from different trees.
 */
#ifndef LMIG_PARASITE_PROTO_H
#define LMIG_PARASITE_PROTO_H

#include <stdint.h>

#define PARASITE_PROTO_VERSION	1

/* args.ret before the blob has answered: tells "never ran" from any -errno */
#define PARASITE_RET_UNSET	((int64_t)0x7fffffffdeadbeefLL)

#define PARASITE_CMD_GET_SIGACTIONS	1	/* out: parasite_sigactions */
#define PARASITE_CMD_GET_ITIMERS	2	/* out: parasite_itimers */
#define PARASITE_CMD_GET_POSIX_TIMERS	3	/* in/out: parasite_posix_timers */
#define PARASITE_CMD_GET_THREAD_STATE	4	/* out: parasite_thread_state */
#define PARASITE_CMD_GET_PROCESS_STATE	5	/* out: parasite_process_state */
#define PARASITE_CMD_CREATE_UFFD	6	/* in/out: parasite_uffd */
#define PARASITE_CMD_CLOSE_FD		7	/* in: parasite_close_fd */

/* Signals 1..64; entry sig-1. SIGKILL and SIGSTOP have no action: zeroed. */
#define PARASITE_NSIG		64

struct parasite_sigaction {
	uint64_t handler;	/* SIG_DFL 0, SIG_IGN 1, or an address */
	uint64_t flags;		/* SA_* as the kernel keeps them (SA_RESTORER included) */
	uint64_t restorer;
	uint64_t mask;		/* blocked while the handler runs, bit sig-1 */
};

struct parasite_sigactions {
	struct parasite_sigaction sa[PARASITE_NSIG];
};

struct parasite_timeval {
	int64_t sec;
	int64_t usec;
};

struct parasite_itimer {
	struct parasite_timeval interval;
	struct parasite_timeval value;	/* time left; zero when disarmed */
};

struct parasite_itimers {
	struct parasite_itimer real;	/* ITIMER_REAL */
	struct parasite_itimer virt;	/* ITIMER_VIRTUAL */
	struct parasite_itimer prof;	/* ITIMER_PROF */
};

struct parasite_timespec {
	int64_t sec;
	int64_t nsec;
};

/* Timers per command; the driver sends more in batches. */
#define PARASITE_MAX_POSIX_TIMERS	64

struct parasite_posix_timer {
	int32_t id;			/* in: the kernel's timer id (/proc/PID/timers) */
	int32_t overrun;		/* out: timer_getoverrun() */
	struct parasite_timespec interval;	/* out: timer_gettime() */
	struct parasite_timespec value;
};

struct parasite_posix_timers {
	uint32_t nr;			/* in: entries used in t[] */
	uint32_t pad;
	struct parasite_posix_timer t[PARASITE_MAX_POSIX_TIMERS];
};

/* What belongs to one thread (task) rather than to the process. */
struct parasite_thread_state {
	int32_t tid;		/* gettid() of the thread that answered */
	int32_t pdeathsig;	/* PR_GET_PDEATHSIG */
	uint64_t ss_sp;		/* sigaltstack */
	uint64_t ss_size;
	int32_t ss_flags;	/* SS_ONSTACK, SS_DISABLE, SS_AUTODISARM */
	uint32_t no_new_privs;	/* PR_GET_NO_NEW_PRIVS */
	uint64_t timerslack_ns;	/* PR_GET_TIMERSLACK */
	uint32_t securebits;	/* PR_GET_SECUREBITS */
	uint32_t pad;
	uint64_t clear_child_tid;	/* PR_GET_TID_ADDRESS (set_tid_address, CLONE_CHILD_CLEARTID) */
};

/* Process-wide values (read in the thread the driver runs the parasite in). */
struct parasite_process_state {
	uint32_t umask;		/* read as umask(0) then put back at once */
	uint32_t personality;	/* personality(0xffffffff) */
	int32_t dumpable;	/* PR_GET_DUMPABLE */
	int32_t child_subreaper;/* PR_GET_CHILD_SUBREAPER */
	int32_t thp_disable;	/* PR_GET_THP_DISABLE */
	uint32_t pad;
};

struct parasite_uffd {
	uint64_t features;	/* in: UFFDIO_API features wanted; out: granted */
	uint64_t ioctls;	/* out: UFFDIO_API ioctls */
	int32_t fd;		/* out: the fd number in the target */
	uint32_t pad;
};

struct parasite_close_fd {
	int32_t fd;
	uint32_t pad;
};

struct parasite_args {
	uint32_t version;	/* in: PARASITE_PROTO_VERSION */
	uint32_t cmd;		/* in: PARASITE_CMD_* */
	int64_t ret;		/* out: 0 or -errno; PARASITE_RET_UNSET until then */
	union {
		struct parasite_sigactions sigactions;
		struct parasite_itimers itimers;
		struct parasite_posix_timers posix_timers;
		struct parasite_thread_state thread;
		struct parasite_process_state process;
		struct parasite_uffd uffd;
		struct parasite_close_fd close_fd;
	} u;
};

#define PARASITE_ARGS_HDR_SIZE	16

_Static_assert(sizeof(struct parasite_sigaction) == 32, "parasite_sigaction layout");
_Static_assert(sizeof(struct parasite_posix_timer) == 40, "parasite_posix_timer layout");
_Static_assert(sizeof(struct parasite_thread_state) == 56, "parasite_thread_state layout");
_Static_assert(sizeof(struct parasite_process_state) == 24, "parasite_process_state layout");
_Static_assert(__builtin_offsetof(struct parasite_args, u) == PARASITE_ARGS_HDR_SIZE,
	       "parasite_args header layout");
_Static_assert(sizeof(struct parasite_args) <= 4096, "parasite_args fits one page");

#endif
