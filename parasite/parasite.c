/*
 * The parasite: runs inside the target, one command per entry, for the
 * state only the target itself can read (parasite-proto.h has the
 * protocol). Freestanding: raw system calls, no libc, no writable globals.
 */
#include <stdint.h>
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/signal.h>

#include "compat.h"
#include "syscall.h"
#include "string.h"
#include "parasite-proto.h"

/* prctl checks that the arguments an option does not use are zero */
static long sys_prctl(long option, long arg2)
{
	return sys_call5(__NR_prctl, option, arg2, 0, 0, 0);
}

long parasite_service(struct parasite_args *args);

/* The kernel's struct sigaction for rt_sigaction on x86_64. */
struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct ktimeval {
	long sec;
	long usec;
};

struct kitimerval {
	struct ktimeval interval;
	struct ktimeval value;
};

struct ktimespec {
	long sec;
	long nsec;
};

struct kitimerspec {
	struct ktimespec interval;
	struct ktimespec value;
};

struct kstack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

static long get_sigactions(struct parasite_sigactions *out)
{
	struct ksigaction ka;
	long ret;
	int sig;

	memset(out, 0, sizeof(*out));
	for (sig = 1; sig <= PARASITE_NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		ret = sys_call4(__NR_rt_sigaction, sig, 0, (long)&ka, sizeof(ka.mask));
		if (ret < 0)
			return ret;
		out->sa[sig - 1].handler = ka.handler;
		out->sa[sig - 1].flags = ka.flags;
		out->sa[sig - 1].restorer = ka.restorer;
		out->sa[sig - 1].mask = ka.mask;
	}
	return 0;
}

static long get_itimer(int which, struct parasite_itimer *out)
{
	struct kitimerval it;
	long ret;

	ret = sys_call2(__NR_getitimer, which, (long)&it);
	if (ret < 0)
		return ret;
	out->interval.sec = it.interval.sec;
	out->interval.usec = it.interval.usec;
	out->value.sec = it.value.sec;
	out->value.usec = it.value.usec;
	return 0;
}

static long get_itimers(struct parasite_itimers *out)
{
	long ret;

	ret = get_itimer(0 /* ITIMER_REAL */, &out->real);
	if (!ret)
		ret = get_itimer(1 /* ITIMER_VIRTUAL */, &out->virt);
	if (!ret)
		ret = get_itimer(2 /* ITIMER_PROF */, &out->prof);
	return ret;
}

static long get_posix_timers(struct parasite_posix_timers *io)
{
	struct kitimerspec its;
	uint32_t i;
	long ret;

	if (io->nr > PARASITE_MAX_POSIX_TIMERS)
		return -EINVAL;
	for (i = 0; i < io->nr; i++) {
		struct parasite_posix_timer *t = &io->t[i];

		ret = sys_call2(__NR_timer_gettime, t->id, (long)&its);
		if (ret < 0)
			return ret;
		t->interval.sec = its.interval.sec;
		t->interval.nsec = its.interval.nsec;
		t->value.sec = its.value.sec;
		t->value.nsec = its.value.nsec;
		ret = sys_call1(__NR_timer_getoverrun, t->id);
		if (ret < 0)
			return ret;
		t->overrun = (int32_t)ret;
	}
	return 0;
}

static long get_thread_state(struct parasite_thread_state *out)
{
	struct kstack ss;
	int32_t pdeathsig = 0;
	long ret;

	memset(out, 0, sizeof(*out));
	out->tid = (int32_t)sys_call0(__NR_gettid);

	ret = sys_call2(__NR_sigaltstack, 0, (long)&ss);
	if (ret < 0)
		return ret;
	out->ss_sp = ss.sp;
	out->ss_size = ss.size;
	out->ss_flags = ss.flags;

	ret = sys_prctl(PR_GET_PDEATHSIG, (long)&pdeathsig);
	if (ret < 0)
		return ret;
	out->pdeathsig = pdeathsig;

	ret = sys_prctl(PR_GET_NO_NEW_PRIVS, 0);
	if (ret < 0)
		return ret;
	out->no_new_privs = (uint32_t)ret;

	ret = sys_prctl(PR_GET_TIMERSLACK, 0);
	if (ret < 0)
		return ret;
	out->timerslack_ns = (uint64_t)ret;

	ret = sys_prctl(PR_GET_SECUREBITS, 0);
	if (ret < 0)
		return ret;
	out->securebits = (uint32_t)ret;

	/* pthread_join waits for the kernel to clear this word when the thread ends. */
	ret = sys_prctl(PR_GET_TID_ADDRESS, (long)&out->clear_child_tid);
	if (ret < 0)
		return ret;
	return 0;
}

static long get_process_state(struct parasite_process_state *out)
{
	int32_t subreaper = 0;
	long ret;

	memset(out, 0, sizeof(*out));

	/* umask cannot be read without setting it: put it back at once */
	ret = sys_call1(__NR_umask, 0);
	out->umask = (uint32_t)ret;
	sys_call1(__NR_umask, ret);

	ret = sys_call1(__NR_personality, 0xffffffff);
	if (ret < 0)
		return ret;
	out->personality = (uint32_t)ret;

	ret = sys_prctl(PR_GET_DUMPABLE, 0);
	if (ret < 0)
		return ret;
	out->dumpable = (int32_t)ret;

	ret = sys_prctl(PR_GET_CHILD_SUBREAPER, (long)&subreaper);
	if (ret < 0)
		return ret;
	out->child_subreaper = subreaper;

	ret = sys_prctl(PR_GET_THP_DISABLE, 0);
	if (ret < 0)
		return ret;
	out->thp_disable = (int32_t)ret;
	return 0;
}

static long create_uffd(struct parasite_uffd *io)
{
	struct uffdio_api api;
	long fd, ret;

	fd = sys_call1(__NR_userfaultfd, UFFD_USER_MODE_ONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fd;

	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = io->features;
	ret = sys_call3(__NR_ioctl, fd, UFFDIO_API, (long)&api);
	if (ret < 0) {
		sys_call1(__NR_close, fd);
		return ret;
	}
	io->features = api.features;
	io->ioctls = api.ioctls;
	io->fd = (int32_t)fd;
	return 0;
}

long parasite_service(struct parasite_args *args)
{
	long ret;

	if (args->version != PARASITE_PROTO_VERSION) {
		ret = -EPROTO;
		goto out;
	}

	switch (args->cmd) {
	case PARASITE_CMD_GET_SIGACTIONS:
		ret = get_sigactions(&args->u.sigactions);
		break;
	case PARASITE_CMD_GET_ITIMERS:
		ret = get_itimers(&args->u.itimers);
		break;
	case PARASITE_CMD_GET_POSIX_TIMERS:
		ret = get_posix_timers(&args->u.posix_timers);
		break;
	case PARASITE_CMD_GET_THREAD_STATE:
		ret = get_thread_state(&args->u.thread);
		break;
	case PARASITE_CMD_GET_PROCESS_STATE:
		ret = get_process_state(&args->u.process);
		break;
	case PARASITE_CMD_CREATE_UFFD:
		ret = create_uffd(&args->u.uffd);
		break;
	case PARASITE_CMD_CLOSE_FD:
		ret = sys_call1(__NR_close, args->u.close_fd.fd);
		break;
	default:
		ret = -ENOSYS;
		break;
	}
out:
	args->ret = ret;
	return ret;
}
