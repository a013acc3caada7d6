#define LOG_PREFIX "precopy-throttle: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "dump/precopy.h"

/* CPU shares in percent, one per step; the period of the duty cycle. */
static const unsigned steps[] = { 50, 25, 12, 6 };
#define NR_STEPS	(sizeof(steps) / sizeof(steps[0]))
#define PERIOD_US	100000u

enum method { TH_CGROUP, TH_SIGSTOP };

struct throttle {
	enum method method;
	pid_t pid;
	unsigned step;			/* index into steps of the current limit */
	/* cgroup v2 */
	char mnt[PATH_MAX];		/* where cgroup2 is mounted */
	char orig[PATH_MAX];		/* the process's cgroup, relative to mnt */
	char ours[PATH_MAX];		/* the cgroup we made, absolute */
	/* SIGSTOP/SIGCONT */
	pthread_t thread;
	int stop_fd;			/* eventfd: the thread ends */
	unsigned _Atomic pct;
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[512], *save, *tok;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (strcmp(tok, word) == 0)
			return true;
	return false;
}

/* The cgroup2 mount point, from our mountinfo. */
static int cgroup2_mount(char *out, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strlen(mnt) < len) {
			strcpy(out, mnt);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* The v2 cgroup of pid ("0::/path"), relative to the mount. */
static int cgroup_of(pid_t pid, char *out, size_t len)
{
	char path[64], line[PATH_MAX + 8];
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + 3) < len) {
				strcpy(out, line + 3);
				ret = 0;
			}
			break;
		}
	}
	fclose(f);
	return ret;
}

static int set_cpu_max(struct throttle *t, unsigned pct)
{
	char path[PATH_MAX + 16], val[64];

	snprintf(path, sizeof(path), "%s/cpu.max", t->ours);
	snprintf(val, sizeof(val), "%u %u", PERIOD_US * pct / 100, PERIOD_US);
	return write_file(path, val);
}

/*
 * A cgroup beside the process's own (its parent must delegate the cpu
 * controller), holding just the process, limited with cpu.max. Every
 * check is a try: anything that does not work means "not usable here".
 */
static int cgroup_setup(struct throttle *t)
{
	char parent[PATH_MAX], path[PATH_MAX + 32], pidstr[16];
	char *slash;
	int ret;

	ret = cgroup2_mount(t->mnt, sizeof(t->mnt));
	if (!ret)
		ret = cgroup_of(t->pid, t->orig, sizeof(t->orig));
	if (ret)
		return ret;
	snprintf(parent, sizeof(parent), "%s", t->orig);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s%s/cgroup.subtree_control", t->mnt, parent);
	if (!file_has_word(path, "cpu"))
		return -ENOTSUP;
	snprintf(t->ours, sizeof(t->ours), "%.2000s%.2000s/lmig-throttle-%d", t->mnt, parent, (int)t->pid);
	if (mkdir(t->ours, 0755))
		return -errno;
	snprintf(pidstr, sizeof(pidstr), "%d", (int)t->pid);
	ret = set_cpu_max(t, steps[0]);
	snprintf(path, sizeof(path), "%.4000s/cgroup.procs", t->ours);
	if (!ret)
		ret = write_file(path, pidstr);
	if (ret) {
		rmdir(t->ours);
		return ret;
	}
	return 0;
}

static void cgroup_end(struct throttle *t)
{
	char path[2 * PATH_MAX + 16], pidstr[16];

	snprintf(pidstr, sizeof(pidstr), "%d", (int)t->pid);
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", t->mnt, t->orig);
	if (write_file(path, pidstr) && kill(t->pid, 0) == 0)
		pr_warn("pid %d: cannot move it back to cgroup %s", (int)t->pid, t->orig);
	if (rmdir(t->ours))
		pr_warn("cannot remove %s: %s", t->ours, strerror(errno));
}

/* Wait us microseconds, or until the end is asked for; true on the end. */
static bool sleep_or_end(struct throttle *t, unsigned us)
{
	struct pollfd p = { .fd = t->stop_fd, .events = POLLIN };

	return poll(&p, 1, (int)(us / 1000)) > 0;
}

static void *duty_cycle(void *arg)
{
	struct throttle *t = arg;

	for (;;) {
		unsigned run = PERIOD_US * t->pct / 100;

		if (sleep_or_end(t, run))
			break;
		kill(t->pid, SIGSTOP);
		if (sleep_or_end(t, PERIOD_US - run))
			break;
		kill(t->pid, SIGCONT);
	}
	kill(t->pid, SIGCONT);
	return NULL;
}

static int sigstop_setup(struct throttle *t)
{
	int ret;

	t->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (t->stop_fd < 0)
		return -errno;
	t->pct = steps[0];
	ret = pthread_create(&t->thread, NULL, duty_cycle, t);
	if (ret) {
		close(t->stop_fd);
		return -ret;
	}
	return 0;
}

unsigned throttle_tighten(struct throttle **tp, pid_t pid)
{
	struct throttle *t = *tp;
	int ret;

	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return 0;
		t->pid = pid;
		t->stop_fd = -1;
		t->method = TH_CGROUP;
		ret = cgroup_setup(t);
		if (ret) {
			pr_info("pid %d: cgroup v2 cpu.max not usable here (%s): duty-cycling with "
				"SIGSTOP/SIGCONT", (int)pid, strerror(-ret));
			t->method = TH_SIGSTOP;
			ret = sigstop_setup(t);
		}
		if (ret) {
			pr_warn("pid %d: cannot throttle it: %s", (int)pid, strerror(-ret));
			free(t);
			return 0;
		}
		*tp = t;
		return steps[0];
	}
	if (t->step + 1 >= NR_STEPS)
		return 0;
	t->step++;
	if (t->method == TH_CGROUP) {
		ret = set_cpu_max(t, steps[t->step]);
		if (ret) {
			pr_warn("pid %d: cannot tighten cpu.max: %s", (int)pid, strerror(-ret));
			t->step--;
			return 0;
		}
	} else {
		t->pct = steps[t->step];
	}
	return steps[t->step];
}

const char *throttle_method(const struct throttle *t)
{
	return t->method == TH_CGROUP ? "cgroup cpu.max" : "SIGSTOP/SIGCONT";
}

void throttle_end(struct throttle *t)
{
	uint64_t one = 1;

	if (!t)
		return;
	if (t->method == TH_CGROUP) {
		cgroup_end(t);
	} else {
		if (write(t->stop_fd, &one, sizeof(one)) != sizeof(one))
			kill(t->pid, SIGCONT);
		pthread_join(t->thread, NULL);
		close(t->stop_fd);
	}
	free(t);
}
