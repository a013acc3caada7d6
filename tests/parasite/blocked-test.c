/*
 * Infect targets blocked in system calls and check that the calls go on
 * as if nothing happened once the target is cured and detached:
 *   nanosleep(2 s)        -ERESTART_RESTARTBLOCK: ends on time, no EINTR
 *   read() on a pipe      -ERESTARTSYS: returns the data written later
 *   futex wait            -ERESTARTSYS: still waits, returns 0 when woken
 *   sigsuspend            -ERESTARTNOHAND: still waits; after the signal
 *                         the mask it put back is the one from before
 *   read(), no vDSO       the target unmapped its vDSO: remote syscalls
 *                         must find a `syscall` instruction elsewhere
 * Each target is infected twice (a bare remote syscall, then the parasite
 * with commands and a uffd) with registers compared byte for byte, must
 * be back in PTRACE_EVENT_STOP, and is then either detached or resumed
 * with PTRACE_CONT while still traced (each kind is run both ways: a
 * detach alone would hide a restart that only works through it).
 * Exit 0 pass, 1 fail, 77 skip.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dump/infect.h"
#include "tracee.h"

#define ERESTARTSYS_		512
#define ERESTARTNOHAND_		514
#define ERESTART_RESTARTBLOCK_	516

#define SLEEP_MS	2000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int child_nanosleep(void)
{
	struct timespec req = { SLEEP_MS / 1000, 0 }, rem;
	double t0 = now(), dt;
	long r;

	r = syscall(SYS_nanosleep, &req, &rem);
	dt = now() - t0;
	if (r)
		return 2;	/* EINTR (or worse) reached the program */
	if (dt < SLEEP_MS / 1000.0 - 0.005)
		return 3;	/* ended early */
	if (dt > SLEEP_MS / 1000.0 + 0.5)
		return 4;	/* restarted from scratch, or lost */
	return 0;
}

static int child_read(int fd)
{
	char buf[16] = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n != 5 || memcmp(buf, "hello", 5))
		return 2;
	return 0;
}

static int child_futex(_Atomic uint32_t *word)
{
	long r;

	r = syscall(SYS_futex, word, FUTEX_WAIT, 0, NULL, NULL, 0);
	if (r)
		return 2;	/* interrupted: the wait did not resume */
	if (atomic_load(word) != 1)
		return 3;	/* woken before the test said so */
	return 0;
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

static int child_sigsuspend(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t real, wait_mask, after;

	sigemptyset(&real);
	sigaddset(&real, SIGUSR1);
	sigaddset(&real, SIGTERM);
	sigemptyset(&wait_mask);
	sigaddset(&wait_mask, SIGTERM);
	if (sigaction(SIGUSR1, &sa, NULL) || sigprocmask(SIG_SETMASK, &real, NULL))
		return 5;
	if (sigsuspend(&wait_mask) != -1 || errno != EINTR)
		return 2;
	if (usr1_seen != 1)
		return 3;
	sigprocmask(SIG_SETMASK, NULL, &after);
	if (!sigismember(&after, SIGUSR1) || !sigismember(&after, SIGTERM))
		return 4;	/* the mask from before sigsuspend was lost */
	return 0;
}

/* Unmap our own vDSO; from here on only plain system calls (read, _exit). */
static int unmap_vdso(void)
{
	unsigned long start, end;
	char line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	int ret = -1;

	if (!maps)
		return -1;
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &start, &end) == 2)
			ret = 0;
	fclose(maps);
	if (!ret)
		ret = munmap((void *)start, end - start);
	return ret;
}

static int has_vdso(pid_t pid)
{
	char path[64], *s;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	s = tr_read_file(path);
	ret = !s || strstr(s, "[vdso]") != NULL;
	free(s);
	return ret;
}

enum kind { K_NANOSLEEP, K_READ, K_FUTEX, K_SIGSUSPEND, K_NOVDSO };

static const struct {
	const char *name;
	long nr;
	long restart;
} kinds[] = {
	[K_NANOSLEEP] = { "nanosleep", SYS_nanosleep, -ERESTART_RESTARTBLOCK_ },
	[K_READ] = { "read", SYS_read, -ERESTARTSYS_ },
	[K_FUTEX] = { "futex", SYS_futex, -ERESTARTSYS_ },
	[K_SIGSUSPEND] = { "sigsuspend", SYS_rt_sigsuspend, -ERESTARTNOHAND_ },
	[K_NOVDSO] = { "read without vDSO", SYS_read, -ERESTARTSYS_ },
};

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s: %s:%d: ", kinds[k].name, __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		goto fail; \
	} \
} while (0)

enum resume { R_DETACH, R_CONT };

/* Seize, infect in both ways, cure, resume; the target stays blocked. */
static int infect_blocked(enum kind k, enum resume how, pid_t pid)
{
	static struct tr_regs before, after;
	struct parasite_ctl *ctl = NULL;
	struct parasite_sigactions sa;
	struct parasite_process_state ps;
	struct parasite_thread_state ts;
	long args[6] = { 0 }, ret;
	int n = 0, uffd = -1;
	pid_t tid;

	n = tr_seize_all(pid, 0, &tid, 1);
	CHECK(n == 1, "seize");
	CHECK(!tr_get_regs(pid, &before), "regs before");
	CHECK((long)before.regs.orig_rax == kinds[k].nr && (long)before.regs.rax == kinds[k].restart,
	      "stopped with orig_ax %lld ax %lld, want %ld and %ld", (long long)before.regs.orig_rax,
	      (long long)before.regs.rax, kinds[k].nr, kinds[k].restart);

	CHECK(!infect_remote_syscall(pid, SYS_getppid, args, &ret) && ret == getpid(),
	      "remote getppid: %ld", ret);
	CHECK(!tr_get_regs(pid, &after) && !tr_same_regs(pid, &before, &after),
	      "state after a remote syscall");

	CHECK(!infect_seized(pid, pid, &ctl), "infect_seized");
	CHECK(!parasite_get_sigactions(ctl, &sa), "sigactions");
	CHECK(!parasite_get_process_state(ctl, &ps), "process state");
	CHECK(!parasite_get_thread_state(ctl, pid, &ts) && ts.tid == pid, "thread state");
	CHECK(!parasite_create_uffd(ctl, &uffd), "uffd");
	close(uffd);
	CHECK(!infect_cure(ctl), "cure");
	ctl = NULL;
	CHECK(!tr_get_regs(pid, &after) && !tr_same_regs(pid, &before, &after),
	      "state after cure");
	CHECK(tr_in_event_stop(pid) == 1, "not back in PTRACE_EVENT_STOP");
	if (how == R_DETACH) {
		CHECK(!tr_detach_all(&tid, 1), "detach");
	} else {
		CHECK(!ptrace(PTRACE_CONT, pid, NULL, NULL), "PTRACE_CONT: %s", strerror(errno));
	}
	return 0;
fail:
	if (ctl)
		infect_cure(ctl);
	if (n == 1)
		tr_detach_all(&tid, 1);
	return -1;
}

static int still_running(pid_t pid, int ms)
{
	int status;

	usleep((useconds_t)ms * 1000);
	return waitpid(pid, &status, WNOHANG) == 0;
}

static int run(enum kind k, enum resume how)
{
	_Atomic uint32_t *word = NULL;
	int p[2] = { -1, -1 }, status;
	double t0, dt;
	pid_t pid;

	if (k == K_FUTEX) {
		word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (word == MAP_FAILED)
			return -1;
		atomic_store(word, 0);
	}
	if ((k == K_READ || k == K_NOVDSO) && pipe(p))
		return -1;

	t0 = now();
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		switch (k) {
		case K_NANOSLEEP: _exit(child_nanosleep());
		case K_READ: close(p[1]); _exit(child_read(p[0]));
		case K_FUTEX: _exit(child_futex(word));
		case K_SIGSUSPEND: _exit(child_sigsuspend());
		case K_NOVDSO:
			close(p[1]);
			if (unmap_vdso())
				_exit(8);
			_exit(child_read(p[0]));
		}
		_exit(9);
	}
	if (k == K_READ || k == K_NOVDSO)
		close(p[0]);

	CHECK(!tr_wait_blocked(pid, kinds[k].nr, 2000), "target never blocked");
	if (k == K_NANOSLEEP)
		usleep(300 * 1000);	/* well inside the sleep */
	if (k == K_NOVDSO)
		CHECK(!has_vdso(pid), "the target still has a vDSO");
	if (infect_blocked(k, how, pid))
		goto fail;

	switch (k) {
	case K_NANOSLEEP:
		CHECK(!tr_wait_exit(pid, 5000, &status), "did not finish");
		dt = now() - t0;
		CHECK(dt < SLEEP_MS / 1000.0 + 0.5, "took %.3f s", dt);
		break;
	case K_READ:
	case K_NOVDSO:
		CHECK(still_running(pid, 200), "read returned before the data was written");
		CHECK(write(p[1], "hello", 5) == 5, "write");
		CHECK(!tr_wait_exit(pid, 5000, &status), "did not finish");
		break;
	case K_FUTEX:
		CHECK(still_running(pid, 200), "futex wait returned before the wake");
		atomic_store(word, 1);
		syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
		CHECK(!tr_wait_exit(pid, 5000, &status), "did not finish");
		break;
	case K_SIGSUSPEND:
		CHECK(still_running(pid, 200), "sigsuspend returned before the signal");
		CHECK(!kill(pid, SIGUSR1), "kill SIGUSR1");
		if (how == R_CONT) {
			/* still traced: the signal stops it first, pass it on */
			CHECK(!tr_wait_stop(pid, 5000, &status) && WSTOPSIG(status) == SIGUSR1,
			      "no SIGUSR1 stop (status %#x)", status);
			CHECK(!ptrace(PTRACE_CONT, pid, NULL, (void *)SIGUSR1), "PTRACE_CONT");
		}
		CHECK(!tr_wait_exit(pid, 5000, &status), "did not finish");
		break;
	}
	pid = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "target status %#x (exit %d)",
	      status, WEXITSTATUS(status));
	printf("ok: %s resumed correctly after infection and %s\n", kinds[k].name,
	       how == R_DETACH ? "PTRACE_DETACH" : "PTRACE_CONT");
	if (p[1] >= 0)
		close(p[1]);
	if (word)
		munmap((void *)word, 4096);
	return 0;
fail:
	tr_kill(pid);
	if (p[1] >= 0)
		close(p[1]);
	if (word)
		munmap((void *)word, 4096);
	return -1;
}

int main(void)
{
	int k, failed = 0;

	if (geteuid() != 0) {
		printf("SKIP: needs root for ptrace and pidfd_getfd\n");
		return 77;
	}
	for (k = K_NANOSLEEP; k <= K_NOVDSO; k++) {
		if (run((enum kind)k, R_DETACH))
			failed++;
		if (run((enum kind)k, R_CONT))
			failed++;
	}
	return failed ? 1 : 0;
}
