/*
 * Namespace probes: what restore needs to give a tree its old pids,
 * clocks and network. Each creates its namespace in a probe child, so
 * the namespace dies with it.
 */
#define LOG_PREFIX "check: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>

#include "log.h"
#include "probe.h"

/* Any pid but 1 that a fresh namespace has not handed out. */
#define CHOSEN_PID 4242
/* Far enough that no clock drift explains it. */
#define TIMENS_OFFSET_S 1000000

/* Runs as pid 1 of a fresh pid namespace. */
static void clone3_in_init(struct check_probe *p, void *arg)
{
	pid_t want = CHOSEN_PID;
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&want,
		.set_tid_size = 1,
	};
	int status, rc;
	long pid;

	if (getpid() != 1) {
		probe_set(p, false, "the first child in a new pid namespace is pid %d, not 1", getpid());
		return;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(syscall(SYS_getpid) == want ? 0 : 1);
	if (pid < 0) {
		if (errno == ENOSYS)
			probe_set(p, false, "no clone3 (kernel older than 5.3)");
		else if (errno == E2BIG || errno == EINVAL)
			probe_set(p, false, "clone3 refused set_tid: %s (kernel older than 5.5?)", strerror(errno));
		else if (errno == EPERM)
			probe_set(p, false, "clone3 set_tid: needs CAP_CHECKPOINT_RESTORE (run as root)");
		else
			probe_set(p, false, "clone3 set_tid %d: %s", want, strerror(errno));
		return;
	}
	rc = child_wait((pid_t)pid, &status, PROBE_TIMEOUT_MS);
	if (rc < 0) {
		probe_set(p, false, "the clone3 child did not exit: %s", strerror(-rc));
		child_kill((pid_t)pid);
	} else if (pid != want || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		probe_set(p, false, "clone3 with set_tid %d made pid %ld", want, pid);
	} else {
		probe_set(p, true, "clone3 created pid %d (set_tid) in a new pid namespace", want);
	}
}

static void clone3_in_child(struct check_probe *p, void *arg)
{
	if (unshare(CLONE_NEWPID) < 0) {
		probe_set(p, false, "unshare(CLONE_NEWPID): %s%s", strerror(errno),
			  errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return;
	}
	/* The next child is pid 1 of the new namespace. */
	probe_in_child(p, clone3_in_init, NULL);
}

void probe_clone3_set_tid(struct check_probe *p)
{
	probe_in_child(p, clone3_in_child, NULL);
}

static void timens_reader(struct check_probe *p, void *arg)
{
	const struct timespec *outside = arg;
	struct timespec inside;
	long long diff;

	clock_gettime(CLOCK_MONOTONIC, &inside);
	diff = (long long)inside.tv_sec - outside->tv_sec;
	if (diff >= TIMENS_OFFSET_S && diff < TIMENS_OFFSET_S + 60)
		probe_set(p, true, "a new time namespace shifted CLOCK_MONOTONIC by the offset set");
	else
		probe_set(p, false, "CLOCK_MONOTONIC in a new time namespace moved by %lld s, not %d",
			  diff, TIMENS_OFFSET_S);
}

static void timens_in_child(struct check_probe *p, void *arg)
{
	struct timespec outside;
	char offsets[64];
	int fd, len;

	if (unshare(CLONE_NEWTIME) < 0) {
		probe_set(p, false, "unshare(CLONE_NEWTIME): %s", strerror(errno));
		return;
	}
	/* Offsets are settable until the first task enters: our next child. */
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		probe_set(p, false, "open /proc/self/timens_offsets: %s", strerror(errno));
		return;
	}
	len = snprintf(offsets, sizeof(offsets), "monotonic %d 0\n", TIMENS_OFFSET_S);
	if (write(fd, offsets, (size_t)len) != len) {
		probe_set(p, false, "setting a time namespace offset: %s", strerror(errno));
		close(fd);
		return;
	}
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &outside);
	probe_in_child(p, timens_reader, &outside);
}

void probe_time_ns(struct check_probe *p)
{
	probe_in_child(p, timens_in_child, NULL);
}

static void netns_in_child(struct check_probe *p, void *arg)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int sk;

	if (unshare(CLONE_NEWNET) < 0) {
		probe_set(p, false, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return;
	}
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		probe_set(p, false, "socket in a new network namespace: %s", strerror(errno));
		return;
	}
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0) {
		probe_set(p, false, "no loopback in a new network namespace: %s", strerror(errno));
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		probe_set(p, false, "bringing up loopback in a new network namespace: %s", strerror(errno));
	else
		probe_set(p, true, "created a network namespace and brought its loopback up");
out:
	close(sk);
}

void probe_net_ns(struct check_probe *p)
{
	probe_in_child(p, netns_in_child, NULL);
}
