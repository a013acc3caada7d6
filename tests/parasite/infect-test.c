/*
 * Infect a running two-thread target, read its state through the
 * parasite, take a userfaultfd from it, cure, detach, and check that the
 * target never noticed: same maps, fds, registers, FPU state and signal
 * masks, its own register and memory self-checks pass, and it finishes
 * normally. Exit 0 pass, 1 fail, 77 skip.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "dump/infect.h"
#include "tracee.h"

#define PAGE		4096UL
#define UFFD_PAGES	16
#define MEM_SIZE	(4UL << 20)
#define SLACK_MAIN	123456UL
#define SLACK_THREAD	654321UL
#define ALTSTACK_SIZE	(64 * 1024)
#define SECBIT_KEEP_CAPS_ (1U << 4)

/* What the target set up, sent to the test once, before it is seized. */
struct expect {
	uint64_t h1, h2;		/* handler addresses */
	uint64_t ss_main, ss_thread;	/* sigaltstack bases */
	uint64_t uffd_area;
	int32_t tid_thread;
	int32_t pad;
	/* every action as the kernel reports it to the target itself */
	struct parasite_sigactions table;
};

static atomic_int reg_errors;

/*
 * Keep known values in callee-saved and SSE registers and check them for
 * ITERS rounds: a thread seized inside this loop must find them intact.
 */
static int spin_check(unsigned long iters)
{
	unsigned long bad;

	asm volatile(
		"movabs $0x1122334455667788, %%r12\n\t"
		"movabs $0x99aabbccddeeff00, %%r13\n\t"
		"movq %%r12, %%xmm8\n\t"
		"movq %%r13, %%xmm9\n\t"
		"punpcklqdq %%xmm9, %%xmm8\n\t"
		"xor %%eax, %%eax\n"
		"1:\n\t"
		"movabs $0x1122334455667788, %%rdx\n\t"
		"cmp %%rdx, %%r12\n\t"
		"jne 2f\n\t"
		"movabs $0x99aabbccddeeff00, %%rdx\n\t"
		"cmp %%rdx, %%r13\n\t"
		"jne 2f\n\t"
		"movq %%xmm8, %%rdx\n\t"
		"cmp %%rdx, %%r12\n\t"
		"jne 2f\n\t"
		"movhlps %%xmm8, %%xmm9\n\t"
		"movq %%xmm9, %%rdx\n\t"
		"cmp %%rdx, %%r13\n\t"
		"jne 2f\n\t"
		"dec %%rcx\n\t"
		"jnz 1b\n\t"
		"jmp 3f\n"
		"2:\n\t"
		"mov $1, %%eax\n"
		"3:\n"
		: "=a"(bad), "+c"(iters)
		:
		: "rdx", "r12", "r13", "xmm8", "xmm9", "cc", "memory");
	return (int)bad;
}

static void h1(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si; (void)uc;
}

static void h2(int sig)
{
	(void)sig;
}

static void *thread_main(void *arg)
{
	stack_t ss = { .ss_sp = arg, .ss_size = ALTSTACK_SIZE, .ss_flags = 0 };

	/* differ from the main thread in every per-task value */
	if (sigaltstack(&ss, NULL) || prctl(PR_SET_TIMERSLACK, SLACK_THREAD) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECUREBITS, 0) ||
	    prctl(PR_SET_PDEATHSIG, 0))
		atomic_fetch_add(&reg_errors, 100);
	for (;;)
		if (spin_check(1000000))
			atomic_fetch_add(&reg_errors, 1);
	return NULL;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 12));
}

/* The kernel's view, as the parasite reads it, but from the target's own code. */
static int own_sigactions(struct parasite_sigactions *t)
{
	struct parasite_sigaction ka;
	int sig;

	memset(t, 0, sizeof(*t));
	for (sig = 1; sig <= PARASITE_NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, NULL, &ka, sizeof(ka.mask)))
			return -1;
		t->sa[sig - 1] = ka;
	}
	return 0;
}

static int target_setup(struct expect *e, int *timer_ok)
{
	struct sigaction sa;
	struct itimerval it = { { 100, 0 }, { 500, 0 } };
	struct itimerval itv = { { 0, 0 }, { 1000, 0 } };
	struct itimerspec its = { { 7, 0 }, { 300, 0 } };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	stack_t ss;
	timer_t timer;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h1;
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGTERM);
	if (sigaction(SIGUSR1, &sa, NULL))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGUSR2, &sa, NULL))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h2;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaddset(&sa.sa_mask, SIGRTMIN + 3);
	if (sigaction(SIGHUP, &sa, NULL))
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h1;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	if (sigaction(SIGRTMIN + 5, &sa, NULL))
		return -1;

	if (setitimer(ITIMER_REAL, &it, NULL) || setitimer(ITIMER_VIRTUAL, &itv, NULL))
		return -1;
	*timer_ok = !timer_create(CLOCK_MONOTONIC, &sev, &timer) &&
		    !timer_settime(timer, 0, &its, NULL);

	ss.ss_sp = malloc(ALTSTACK_SIZE);
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (!ss.ss_sp || sigaltstack(&ss, NULL))
		return -1;

	umask(027);
	if (personality(ADDR_NO_RANDOMIZE) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) || prctl(PR_SET_TIMERSLACK, SLACK_MAIN) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) || prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_))
		return -1;

	e->h1 = (uint64_t)(uintptr_t)h1;
	e->h2 = (uint64_t)(uintptr_t)h2;
	e->ss_main = (uint64_t)(uintptr_t)ss.ss_sp;
	return 0;
}

/* The target: set state, report it, then spin and serve commands until 'q'. */
static int target(int cmd_fd, int rep_fd)
{
	struct expect e = { 0 };
	unsigned char *mem, *area;
	pthread_t th;
	void *altstack;
	int timer_ok, devnull;
	pid_t tid_seen = 0;
	size_t i;
	char c;

	/*
	 * Own descriptions for 0..2, so the test's output cannot move their
	 * offsets under the fd-table comparison; the target reports through
	 * its exit status.
	 */
	devnull = open("/dev/null", O_RDWR);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	close(devnull);

	if (target_setup(&e, &timer_ok) || !timer_ok)
		return 10;

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	area = mmap(NULL, UFFD_PAGES * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	altstack = malloc(ALTSTACK_SIZE);
	if (mem == MAP_FAILED || area == MAP_FAILED || !altstack)
		return 11;
	for (i = 0; i < MEM_SIZE; i++)
		mem[i] = pattern(i);
	memset(area, 1, UFFD_PAGES * PAGE);

	if (pthread_create(&th, NULL, thread_main, altstack))
		return 12;
	/* wait until the thread has set itself up: its tid is in /proc/self/task */
	while (!tid_seen) {
		char path[64];
		pid_t t;

		for (t = getpid() + 1; t < getpid() + 64 && !tid_seen; t++) {
			snprintf(path, sizeof(path), "/proc/self/task/%d", t);
			if (!access(path, F_OK))
				tid_seen = t;
		}
		spin_check(1000);
	}
	usleep(20000);
	e.ss_thread = (uint64_t)(uintptr_t)altstack;
	e.uffd_area = (uint64_t)(uintptr_t)area;
	e.tid_thread = tid_seen;
	if (own_sigactions(&e.table))
		return 13;
	if (write(rep_fd, &e, sizeof(e)) != sizeof(e))
		return 13;

	for (;;) {
		struct pollfd p = { cmd_fd, POLLIN, 0 };

		if (spin_check(200000))
			atomic_fetch_add(&reg_errors, 1);
		if (poll(&p, 1, 0) <= 0)
			continue;
		if (read(cmd_fd, &c, 1) != 1)
			return 14;
		if (c == 'q')
			break;
		if (c >= 'a' && c < 'a' + UFFD_PAGES) {
			area[(size_t)(c - 'a') * PAGE + 100] = 2;
			if (write(rep_fd, "k", 1) != 1)
				return 15;
		}
	}

	for (i = 0; i < MEM_SIZE; i++)
		if (mem[i] != pattern(i))
			return 16;
	if (atomic_load(&reg_errors))
		return 17;
	return 0;
}

/* ------------------------------------------------------------------ test */

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		goto fail; \
	} \
} while (0)

static int read_timer_ids(pid_t pid, int32_t *ids, int max)
{
	char path[64], *s, *p;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	s = tr_read_file(path);
	if (!s)
		return -1;
	/* "ID: N" opens each timer's block; "ClockID: " is not it */
	for (p = s; p && *p && n < max; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "ID: ", 4))
			ids[n++] = (int32_t)strtol(p + 4, NULL, 10);
	free(s);
	return n;
}

static int check_sigactions(const struct parasite_sigactions *s, const struct expect *e)
{
	const struct parasite_sigaction *a;
	uint64_t restorer_flag = 0x04000000; /* SA_RESTORER, added by libc */
	int sig;

	a = &s->sa[SIGUSR1 - 1];
	CHECK(a->handler == e->h1, "SIGUSR1 handler %#llx, want %#llx",
	      (unsigned long long)a->handler, (unsigned long long)e->h1);
	CHECK((a->flags & ~restorer_flag) == (SA_RESTART | SA_SIGINFO), "SIGUSR1 flags %#llx",
	      (unsigned long long)a->flags);
	CHECK(a->mask == ((1ULL << (SIGUSR2 - 1)) | (1ULL << (SIGTERM - 1))),
	      "SIGUSR1 mask %#llx", (unsigned long long)a->mask);
	CHECK(!a->restorer == !(a->flags & restorer_flag), "SIGUSR1 restorer");

	a = &s->sa[SIGUSR2 - 1];
	CHECK(a->handler == (uint64_t)(uintptr_t)SIG_IGN, "SIGUSR2 not ignored");

	a = &s->sa[SIGHUP - 1];
	CHECK(a->handler == e->h2, "SIGHUP handler");
	CHECK((a->flags & ~restorer_flag) == (SA_ONSTACK | SA_NODEFER), "SIGHUP flags %#llx",
	      (unsigned long long)a->flags);
	CHECK(a->mask == 1ULL << (SIGRTMIN + 3 - 1), "SIGHUP mask %#llx",
	      (unsigned long long)a->mask);

	a = &s->sa[SIGRTMIN + 5 - 1];
	CHECK(a->handler == e->h1, "SIGRTMIN+5 handler");
	CHECK((a->flags & ~restorer_flag) == (SA_SIGINFO | SA_RESETHAND), "SIGRTMIN+5 flags %#llx",
	      (unsigned long long)a->flags);

	/* and all 64, including what libc or a sanitizer runtime installed */
	for (sig = 1; sig <= PARASITE_NSIG; sig++)
		CHECK(!memcmp(&s->sa[sig - 1], &e->table.sa[sig - 1], sizeof(s->sa[0])),
		      "signal %d: handler %#llx flags %#llx, the target sees %#llx %#llx", sig,
		      (unsigned long long)s->sa[sig - 1].handler,
		      (unsigned long long)s->sa[sig - 1].flags,
		      (unsigned long long)e->table.sa[sig - 1].handler,
		      (unsigned long long)e->table.sa[sig - 1].flags);
	return 0;
fail:
	return -1;
}

static int check_state(struct parasite_ctl *ctl, pid_t pid, const struct expect *e)
{
	struct parasite_sigactions sa;
	struct parasite_itimers it;
	struct parasite_posix_timer pt[4];
	struct parasite_process_state ps;
	struct parasite_thread_state ts;
	int32_t ids[4];
	long args[6] = { 0 }, ret;
	int n;

	CHECK(!parasite_get_sigactions(ctl, &sa), "get sigactions");
	if (check_sigactions(&sa, e))
		goto fail;

	CHECK(!parasite_get_itimers(ctl, &it), "get itimers");
	CHECK(it.real.interval.sec == 100 && it.real.interval.usec == 0, "ITIMER_REAL interval");
	CHECK(it.real.value.sec > 400 && it.real.value.sec <= 500, "ITIMER_REAL value %lld",
	      (long long)it.real.value.sec);
	CHECK(it.virt.interval.sec == 0 && it.virt.value.sec > 900 && it.virt.value.sec <= 1000,
	      "ITIMER_VIRTUAL %lld", (long long)it.virt.value.sec);
	CHECK(it.prof.value.sec == 0 && it.prof.value.usec == 0, "ITIMER_PROF armed");

	n = read_timer_ids(pid, ids, 4);
	CHECK(n == 1, "%d POSIX timers in /proc/%d/timers, want 1", n, pid);
	CHECK(!parasite_get_posix_timers(ctl, ids, 1, pt), "get POSIX timers");
	CHECK(pt[0].id == ids[0] && pt[0].interval.sec == 7 && pt[0].interval.nsec == 0 &&
	      pt[0].value.sec >= 200 && pt[0].value.sec < 300 && pt[0].overrun == 0,
	      "POSIX timer %d: interval %lld value %lld overrun %d", pt[0].id,
	      (long long)pt[0].interval.sec, (long long)pt[0].value.sec, pt[0].overrun);
	ids[1] = 4242;
	printf("a bad timer id: the error logged next is expected\n");
	fflush(stdout);
	CHECK(parasite_get_posix_timers(ctl, ids + 1, 1, pt) == -EINVAL,
	      "a bad timer id is not an error");

	CHECK(!parasite_get_process_state(ctl, &ps), "get process state");
	CHECK(ps.umask == 027, "umask %o", ps.umask);
	CHECK(ps.personality == ADDR_NO_RANDOMIZE, "personality %#x", ps.personality);
	CHECK(ps.dumpable == 1 && ps.child_subreaper == 1 && ps.thp_disable == 1,
	      "dumpable %d subreaper %d thp_disable %d", ps.dumpable, ps.child_subreaper,
	      ps.thp_disable);

	CHECK(!parasite_get_thread_state(ctl, pid, &ts), "get main thread state");
	CHECK(ts.tid == pid && ts.ss_sp == e->ss_main && ts.ss_size == ALTSTACK_SIZE &&
	      ts.ss_flags == 0, "main sigaltstack %#llx/%llu/%d", (unsigned long long)ts.ss_sp,
	      (unsigned long long)ts.ss_size, ts.ss_flags);
	CHECK(ts.timerslack_ns == SLACK_MAIN && ts.pdeathsig == SIGKILL && ts.no_new_privs == 0 &&
	      ts.securebits == SECBIT_KEEP_CAPS_, "main prctl: slack %llu pdeathsig %d nnp %u sec %#x",
	      (unsigned long long)ts.timerslack_ns, ts.pdeathsig, ts.no_new_privs, ts.securebits);

	CHECK(!parasite_get_thread_state(ctl, e->tid_thread, &ts), "get second thread state");
	CHECK(ts.tid == e->tid_thread && ts.ss_sp == e->ss_thread && ts.ss_size == ALTSTACK_SIZE,
	      "thread sigaltstack %#llx", (unsigned long long)ts.ss_sp);
	CHECK(ts.timerslack_ns == SLACK_THREAD && ts.pdeathsig == 0 && ts.no_new_privs == 1 &&
	      ts.securebits == 0, "thread prctl: slack %llu pdeathsig %d nnp %u sec %#x",
	      (unsigned long long)ts.timerslack_ns, ts.pdeathsig, ts.no_new_privs, ts.securebits);

	CHECK(!parasite_syscall(ctl, __NR_getpid, args, &ret) && ret == pid, "remote getpid");
	CHECK(!infect_remote_syscall(e->tid_thread, __NR_gettid, args, &ret) &&
	      ret == e->tid_thread, "remote gettid in the other thread: %ld", ret);
	return 0;
fail:
	return -1;
}

static int scan_written(int pagemap, uint64_t start, struct page_region *r, int max)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.start = start,
		.end = start + UFFD_PAGES * PAGE,
		.vec = (uint64_t)(uintptr_t)r,
		.vec_len = (uint64_t)max,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN,
	};

	return ioctl(pagemap, PAGEMAP_SCAN, &arg);
}

/* The uffd taken from the target drives write-protect tracking from here. */
static int check_uffd(int uffd, pid_t pid, const struct expect *e, int cmd_fd, int rep_fd)
{
	struct uffdio_register reg = {
		.range = { e->uffd_area, UFFD_PAGES * PAGE },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct page_region r[UFFD_PAGES];
	char path[64], c;
	int pagemap = -1, n;

	CHECK(!ioctl(uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER from lmig's side: %s",
	      strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pagemap = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(pagemap >= 0, "open %s", path);

	n = scan_written(pagemap, e->uffd_area, r, UFFD_PAGES);
	CHECK(n == 1 && r[0].start == e->uffd_area && r[0].end == e->uffd_area + UFFD_PAGES * PAGE,
	      "first scan: %d regions (%s)", n, n < 0 ? strerror(errno) : "");
	n = scan_written(pagemap, e->uffd_area, r, UFFD_PAGES);
	CHECK(n == 0, "second scan right after: %d regions", n);

	c = 'a' + 5;
	CHECK(write(cmd_fd, &c, 1) == 1 && !tr_read_full(rep_fd, &c, 1, 5000) && c == 'k',
	      "target did not write page 5");
	n = scan_written(pagemap, e->uffd_area, r, UFFD_PAGES);
	CHECK(n == 1 && r[0].start == e->uffd_area + 5 * PAGE &&
	      r[0].end == e->uffd_area + 6 * PAGE, "after the target wrote page 5: %d regions", n);
	close(pagemap);
	return 0;
fail:
	if (pagemap >= 0)
		close(pagemap);
	return -1;
}

int main(void)
{
	int cmd[2], rep[2], status, i, n = 0, uffd = -1;
	char path[64], *maps0 = NULL, *maps1 = NULL, *maps2 = NULL, *fds0 = NULL, *fds1 = NULL;
	static struct tr_regs before[TR_MAX_THREADS], after[TR_MAX_THREADS];
	struct parasite_ctl *ctl = NULL;
	pid_t pid, tids[TR_MAX_THREADS];
	struct expect e;

	if (geteuid() != 0) {
		printf("SKIP: needs root for ptrace and pidfd_getfd\n");
		return 77;
	}
	if (pipe2(cmd, O_CLOEXEC) || pipe2(rep, O_CLOEXEC)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		close(cmd[1]);
		close(rep[0]);
		_exit(target(cmd[0], rep[1]));
	}
	close(cmd[0]);
	close(rep[1]);

	CHECK(!tr_read_full(rep[0], &e, sizeof(e), 10000), "target did not report its setup");

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps0 = tr_read_file(path);
	fds0 = tr_fd_table(pid);
	CHECK(maps0 && fds0, "snapshot");

	n = tr_seize_all(pid, PTRACE_O_TRACESYSGOOD, tids, TR_MAX_THREADS);
	CHECK(n == 2, "seized %d threads, want 2", n);
	for (i = 0; i < n; i++)
		CHECK(!tr_get_regs(tids[i], &before[i]), "regs before");

	CHECK(!infect_seized(pid, pid, &ctl), "infect_seized");
	maps1 = tr_read_file(path);
	CHECK(maps1 && strcmp(maps0, maps1), "the parasite's area is not in the target's maps");

	if (check_state(ctl, pid, &e))
		goto fail;
	CHECK(!parasite_create_uffd(ctl, &uffd) && uffd >= 0, "create uffd");

	CHECK(!infect_cure(ctl), "infect_cure");
	ctl = NULL;

	for (i = 0; i < n; i++) {
		CHECK(!tr_get_regs(tids[i], &after[i]), "regs after");
		CHECK(!tr_same_regs(tids[i], &before[i], &after[i]), "tid %d changed", tids[i]);
		CHECK(tr_in_event_stop(tids[i]) == 1, "tid %d not in PTRACE_EVENT_STOP", tids[i]);
	}
	free(maps1);
	maps1 = tr_read_file(path);
	fds1 = tr_fd_table(pid);
	CHECK(maps1 && !strcmp(maps0, maps1), "maps differ after cure:\n%s\n---\n%s",
	      maps0, maps1 ? maps1 : "");
	CHECK(fds1 && !strcmp(fds0, fds1), "fd table differs after cure:\n%s\n---\n%s",
	      fds0, fds1 ? fds1 : "");

	CHECK(!tr_detach_all(tids, n), "detach");
	n = 0;

	if (check_uffd(uffd, pid, &e, cmd[1], rep[0]))
		goto fail;
	close(uffd);
	uffd = -1;
	/* with the uffd gone the registration goes with it */
	maps2 = tr_read_file(path);
	CHECK(maps2 && !strcmp(maps0, maps2), "maps differ after the uffd is closed");

	CHECK(write(cmd[1], "q", 1) == 1, "tell the target to finish");
	CHECK(!tr_wait_exit(pid, 10000, &status), "target did not finish");
	pid = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "target's self-check failed: status %#x (exit %d)", status, WEXITSTATUS(status));

	printf("ok: infect, 6 commands, uffd via pidfd_getfd, cure: target unharmed\n");
	free(maps0); free(maps1); free(maps2); free(fds0); free(fds1);
	return 0;
fail:
	if (ctl)
		infect_cure(ctl);
	if (uffd >= 0)
		close(uffd);
	if (n > 0)
		tr_detach_all(tids, n);
	tr_kill(pid);
	free(maps0); free(maps1); free(maps2); free(fds0); free(fds1);
	return 1;
}
