/*
 * The probe-child machinery of lmig check: answers come back, crashes and
 * hangs are reported, and nothing is left running afterwards, not even a
 * grandchild of a probe that hung. This program is a child subreaper so
 * that any orphan would come back to it and be counted.
 */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check/probe.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reap what came back to us within ms; returns how many, each killed by SIGKILL if want_killed. */
static int reap_orphans(int ms, bool want_killed)
{
	int64_t deadline = now_ms() + ms;
	int n = 0, status;

	for (;;) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			n++;
			if (want_killed)
				CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			return n;
		if (now_ms() >= deadline)
			return n;
		usleep(1000);
	}
}

static void answer(struct check_probe *p, void *arg)
{
	probe_set(p, true, "answer %d from pid %d", *(int *)arg, getpid());
}

static void crash(struct check_probe *p, void *arg)
{
	raise(SIGTERM);	/* not SIGSEGV: the sanitizers catch that one */
}

static void hang(struct check_probe *p, void *arg)
{
	for (;;)
		pause();
}

static void nested_hang(struct check_probe *p, void *arg)
{
	probe_in_child_within(p, hang, NULL, 60000);
}

static void nested_answer(struct check_probe *p, void *arg)
{
	probe_in_child(p, answer, arg);
}

int main(void)
{
	struct check_probe p;
	int arg = 42;
	int64_t t0;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 1;
	}

	memset(&p, 0, sizeof(p));
	probe_in_child(&p, answer, &arg);
	CHECK(p.probed && p.available);
	CHECK(strncmp(p.detail, "answer 42 from pid ", 19) == 0);
	CHECK(strstr(p.detail, "pid 0") == NULL);
	CHECK(reap_orphans(0, false) == 0);

	memset(&p, 0, sizeof(p));
	probe_in_child(&p, nested_answer, &arg);
	CHECK(p.probed && p.available && strncmp(p.detail, "answer 42", 9) == 0);
	CHECK(reap_orphans(0, false) == 0);

	memset(&p, 0, sizeof(p));
	probe_in_child(&p, crash, NULL);
	CHECK(p.probed && !p.available);
	CHECK(strstr(p.detail, "killed by signal 15") != NULL);
	CHECK(reap_orphans(0, false) == 0);

	memset(&p, 0, sizeof(p));
	t0 = now_ms();
	probe_in_child_within(&p, hang, NULL, 300);
	CHECK(now_ms() - t0 < 300 + 2000);
	CHECK(p.probed && !p.available);
	CHECK(strstr(p.detail, "no answer within 300 ms") != NULL);
	CHECK(reap_orphans(0, false) == 0);

	/* The hung grandchild dies with its parent and comes back to us, killed. */
	memset(&p, 0, sizeof(p));
	probe_in_child_within(&p, nested_hang, NULL, 300);
	CHECK(p.probed && !p.available && strstr(p.detail, "no answer within 300 ms") != NULL);
	CHECK(reap_orphans(2000, true) == 1);
	CHECK(reap_orphans(0, false) == 0);

	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	return 0;
}
