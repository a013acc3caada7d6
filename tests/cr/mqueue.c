/*
 * POSIX message queues across dump and restore. Queue q holds five
 * messages of three priorities (one empty) and is open twice: read-write
 * and, as another description, write-only non-blocking. Queue c carries
 * one message to a child blocked in mq_receive on it. Built twice:
 *   mqueue.cr     in the host's IPC namespace, both queues unlinked once
 *                 open (a linked one would outlive the dump there, and
 *                 restore refuses a name that exists);
 *   mqueue-ns.cr  (OWN_NS) in an IPC namespace of its own, the queues
 *                 linked, q with 20 messages of room, above the default
 *                 fs.mqueue.msg_max (raised in the namespace first).
 * After the signal: attributes, mode, the messages in order with their
 * priorities, the flags of each description, the name (OWN_NS), and the
 * child gets what the parent sends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

#ifdef OWN_NS
#define MAXMSG	20
#else
#define MAXMSG	8
#endif
#define MSGSIZE	100

static const struct { unsigned prio; const char *text; } sent[] = {
	{ 1, "a" }, { 5, "bb" }, { 1, "ccc" }, { 0, "" }, { 5, "dddd" },
};
/* mq_receive order: highest priority first, FIFO within one. */
static const int order[] = { 1, 4, 0, 2, 3 };
#define NR (sizeof(sent) / sizeof(sent[0]))

static void child(mqd_t c, pid_t parent)
{
	char buf[MSGSIZE];
	unsigned prio;
	ssize_t n;

	/* In short waits, so that it ends with the parent whatever happens to it. */
	do {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		n = mq_timedreceive(c, buf, sizeof(buf), &prio, &ts);
	} while (n < 0 && (errno == EINTR || errno == ETIMEDOUT) && getppid() == parent);
	_exit(n == 5 && prio == 3 && memcmp(buf, "hello", 5) == 0 ? 0 : 1);
}

static void write_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(val, f) < 0 || fclose(f))
		cr_fail_errno("writing %s", path);
}

int main(void)
{
	struct mq_attr attr = { .mq_maxmsg = MAXMSG, .mq_msgsize = MSGSIZE }, got;
	char qname[64], cname[64], buf[MSGSIZE];
	mqd_t q, qw, c;
	struct stat st;
	pid_t pid;
	int status;

#ifdef OWN_NS
	if (unshare(CLONE_NEWIPC)) {
		printf("SKIP: unshare(CLONE_NEWIPC): %s\n", strerror(errno));
		return 77;
	}
#endif
	cr_init();
#ifdef OWN_NS
	write_sysctl("/proc/sys/fs/mqueue/msg_max", "64");
#else
	(void)write_sysctl;
#endif
	snprintf(qname, sizeof(qname), "/lmig-mq-%d", (int)getpid());
	snprintf(cname, sizeof(cname), "/lmig-mq-%d-child", (int)getpid());
	umask(0);
	q = mq_open(qname, O_CREAT | O_EXCL | O_RDWR, 0640, &attr);
	qw = mq_open(qname, O_WRONLY | O_NONBLOCK);
	c = mq_open(cname, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
	if (q < 0 || qw < 0 || c < 0)
		cr_fail_errno("mq_open");
	for (size_t i = 0; i < NR; i++)
		if (mq_send(i % 2 ? qw : q, sent[i].text, strlen(sent[i].text), sent[i].prio))
			cr_fail_errno("mq_send %zu", i);
#ifndef OWN_NS
	if (mq_unlink(qname) || mq_unlink(cname))
		cr_fail_errno("mq_unlink");
#endif
	/* tests/cr/mqueue-notify.sh: a registration the dump must refuse. */
	if (getenv("MQUEUE_NOTIFY")) {
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };

		if (mq_notify(q, &sev))
			cr_fail_errno("mq_notify");
	}
	pid = fork();
	if (pid < 0)
		cr_fail_errno("fork");
	if (pid == 0)
		child(c, getppid());
	cr_ready();
	cr_wait();

	if (mq_getattr(q, &got))
		cr_fail_errno("mq_getattr");
	if (got.mq_maxmsg != MAXMSG || got.mq_msgsize != MSGSIZE || got.mq_curmsgs != (long)NR ||
	    got.mq_flags != 0)
		cr_fail("q: maxmsg %ld, msgsize %ld, %ld messages, flags %#lx", got.mq_maxmsg,
			got.mq_msgsize, got.mq_curmsgs, got.mq_flags);
	if (mq_getattr(qw, &got) || !(got.mq_flags & O_NONBLOCK))
		cr_fail("the write-only description lost O_NONBLOCK");
	if (fcntl(qw, F_GETFL) < 0 || (fcntl(qw, F_GETFL) & O_ACCMODE) != O_WRONLY)
		cr_fail("the write-only description is not write-only");
	if (fstat(q, &st) || (st.st_mode & 0777) != 0640)
		cr_fail("q: mode %o, was 640", st.st_mode & 0777);
#ifdef OWN_NS
	{
		mqd_t byname = mq_open(qname, O_RDONLY);

		if (byname < 0)
			cr_fail_errno("q: mq_open by name");
		mq_close(byname);
	}
#endif
	for (size_t i = 0; i < NR; i++) {
		unsigned prio;
		ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
		int k = order[i];

		if (n < 0)
			cr_fail_errno("mq_receive %zu", i);
		if (prio != sent[k].prio || (size_t)n != strlen(sent[k].text) ||
		    memcmp(buf, sent[k].text, (size_t)n))
			cr_fail("message %zu: prio %u, %zd bytes; was prio %u, \"%s\"", i, prio, n,
				sent[k].prio, sent[k].text);
	}
	if (mq_send(c, "hello", 5, 3))
		cr_fail_errno("mq_send to the child");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		cr_fail("the child did not get the message through queue c");
#ifdef OWN_NS
	mq_unlink(qname);
	mq_unlink(cname);
#endif
	cr_pass();
}
