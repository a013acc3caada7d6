#define LOG_PREFIX "dump-mqueue: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/mqueue.h"

#define MQUEUE_MAGIC	0x19800202

bool mqueue_is(pid_t pid, int fd)
{
	char path[64];
	struct statfs sfs;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	return statfs(path, &sfs) == 0 && sfs.f_type == MQUEUE_MAGIC;
}

/* Has a process registered for notification (the queue file's NOTIFY_PID)? */
static bool has_notify(int qfd)
{
	char buf[160], *p;
	ssize_t n = pread(qfd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strstr(buf, "NOTIFY_PID:");
	return p && atoi(p + strlen("NOTIFY_PID:")) != 0;
}

/* Take every message off the queue, then give them back in the same order. */
static int copy_messages(int qfd, MqueueEntry *me, MqMsg *msgs, MqMsg **ptrs, uint8_t *data,
			 size_t nr, size_t msgsize)
{
	size_t got = 0;
	int ret = 0;

	for (; got < nr; got++) {
		unsigned prio;
		ssize_t n = mq_receive(qfd, (char *)data + got * msgsize, msgsize, &prio);

		if (n < 0) {
			ret = errno == EAGAIN ? 0 : -errno;
			break;
		}
		mq_msg__init(&msgs[got]);
		msgs[got].prio = prio;
		msgs[got].data.data = data + got * msgsize;
		msgs[got].data.len = (size_t)n;
		ptrs[got] = &msgs[got];
	}
	for (size_t i = 0; i < got; i++) {
		if (mq_send(qfd, (const char *)msgs[i].data.data, msgs[i].data.len, msgs[i].prio) < 0) {
			int err = -errno;

			/* Nothing should fill it meanwhile: the queue's own tree is frozen. */
			pr_err_rc(err, "%s: lost %zu of its messages while copying them", me->name,
				  got - i);
			return err;
		}
	}
	me->n_messages = got;
	me->messages = ptrs;
	return ret;
}

int mqueue_describe(struct dump_ctx *ctx, int fd, const char *link, uint32_t flags,
		    FileEntry *fe, void **owned)
{
	static const char deleted[] = " (deleted)";
	pid_t pid = ctx->pid;
	struct mq_attr attr;
	struct stat st;
	size_t name_len, nr, msgsize, size;
	MqueueEntry *me;
	MqMsg *msgs, **ptrs;
	uint8_t *block, *data;
	char path[64];
	bool unlinked;
	int qfd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	qfd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (qfd < 0) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: fd %d: %s: cannot open the queue", (int)pid, fd, link);
		return ret;
	}
	if (fstat(qfd, &st) || mq_getattr(qfd, &attr)) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: fd %d: %s: cannot read its attributes", (int)pid, fd, link);
		goto out;
	}
	if (has_notify(qfd)) {
		pr_err("pid %d: fd %d: %s: a process is registered with mq_notify(), which lmig "
		       "does not restore", (int)pid, fd, link);
		ret = -ENOTSUP;
		goto out;
	}
	name_len = strlen(link);
	unlinked = name_len > sizeof(deleted) - 1 &&
		   strcmp(link + name_len - (sizeof(deleted) - 1), deleted) == 0;
	if (unlinked)
		name_len -= sizeof(deleted) - 1;
	if (link[0] == '/') {
		link++;
		name_len--;
	}
	nr = (size_t)attr.mq_curmsgs;
	msgsize = (size_t)attr.mq_msgsize;
	size = sizeof(*me) + nr * (sizeof(*msgs) + sizeof(*ptrs) + msgsize) + name_len + 1;
	block = calloc(1, size);
	if (!block) {
		ret = -ENOMEM;
		goto out;
	}
	me = (MqueueEntry *)block;
	msgs = (MqMsg *)(me + 1);
	ptrs = (MqMsg **)(msgs + nr);
	data = (uint8_t *)(ptrs + nr);
	mqueue_entry__init(me);
	me->name = (char *)data + nr * msgsize;
	memcpy(me->name, link, name_len);
	me->ino = st.st_ino;
	me->flags = flags & (O_ACCMODE | O_NONBLOCK);
	me->mode = st.st_mode & 07777;
	me->uid = st.st_uid;
	me->gid = st.st_gid;
	me->maxmsg = attr.mq_maxmsg;
	me->msgsize = attr.mq_msgsize;
	me->has_unlinked = me->unlinked = unlinked;
	ret = copy_messages(qfd, me, msgs, ptrs, data, nr, msgsize);
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: /%s: cannot copy its messages", (int)pid, fd, me->name);
		free(block);
		goto out;
	}
	fe->kind = FD_KIND__FD_MQUEUE;
	fe->mqueue = me;
	*owned = block;
	pr_info("pid %d: fd %d: queue /%s%s: %zu message(s) saved", (int)pid, fd, me->name,
		unlinked ? " (unlinked)" : "", me->n_messages);
out:
	close(qfd);
	return ret;
}
