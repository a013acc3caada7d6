#define LOG_PREFIX "netns: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "netns.h"

int netns_enter(pid_t pid, int *home)
{
	struct stat ours, theirs;
	char path[64];
	int self = -1, target, ret = 0;

	*home = -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return -errno;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || fstat(self, &ours) || fstat(target, &theirs)) {
		ret = -errno;
		goto out;
	}
	if (ours.st_ino == theirs.st_ino)
		goto out;
	if (setns(target, CLONE_NEWNET)) {
		ret = -errno;
		goto out;
	}
	*home = self;
	self = -1;
out:
	if (self >= 0)
		close(self);
	close(target);
	return ret;
}

int netns_return(int home)
{
	int ret = 0;

	if (home < 0)
		return 0;
	if (setns(home, CLONE_NEWNET)) {
		pr_perror("cannot return to lmig's own network namespace");
		ret = -EIO;
	}
	close(home);
	return ret;
}
