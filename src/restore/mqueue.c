#define LOG_PREFIX "restore-mqueue: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "restore/mqueue.h"
#include "restore/restore.h"
#include "sysctl.h"

/* In a namespace of the tree's own, its limits may rise to what the queue had. */
static void raise_limit(const struct restore_ctx *ctx, const char *name, long long want)
{
	long long cur = 0;
	char path[64];

	snprintf(path, sizeof(path), "fs/mqueue/%s", name);
	if (ctx->ipc_own_ns && !sysctl_read_ll(path, &cur) && cur < want && sysctl_write_ll(path, want))
		pr_warn("cannot raise fs.mqueue.%s to %lld in the new IPC namespace", name, want);
}

static int add(struct restore_ctx *ctx, const struct rst_mqueue *q)
{
	struct rst_mqueue *n = realloc(ctx->mqueues, (ctx->nr_mqueues + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	ctx->mqueues = n;
	n[ctx->nr_mqueues++] = *q;
	return 0;
}

/* The queue of me, made with its messages; *fd is lmig's read-write descriptor. */
static int make_queue(struct restore_ctx *ctx, const MqueueEntry *me, char *path, int *fd)
{
	struct mq_attr attr = { .mq_maxmsg = me->maxmsg, .mq_msgsize = me->msgsize };
	int ret;

	raise_limit(ctx, "msg_max", me->maxmsg);
	raise_limit(ctx, "msgsize_max", me->msgsize);
	*fd = mq_open(path, O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK | O_CLOEXEC, 0600, &attr);
	if (*fd < 0) {
		ret = -errno;
		if (ret == -EEXIST)
			pr_err("queue %s exists already in this IPC namespace: remove it "
			       "(mq_unlink, or rm /dev/mqueue%s) or restore into a new one", path, path);
		else
			pr_err_rc(ret, "queue %s: cannot make it with maxmsg %lld, msgsize %lld "
				  "(fs.mqueue.msg_max and msgsize_max bound them without "
				  "CAP_SYS_RESOURCE)", path, (long long)me->maxmsg,
				  (long long)me->msgsize);
		return ret;
	}
	for (size_t i = 0; i < me->n_messages; i++) {
		const MqMsg *m = me->messages[i];

		if (mq_send(*fd, (const char *)m->data.data, m->data.len, m->prio) < 0) {
			ret = -errno;
			pr_err_rc(ret, "queue %s: cannot send message %zu of %zu back", path, i + 1,
				  me->n_messages);
			return ret;
		}
	}
	if (fchown(*fd, me->uid, me->gid) || fchmod(*fd, me->mode)) {
		ret = -errno;
		pr_err_rc(ret, "queue %s: cannot set its owner or mode", path);
		return ret;
	}
	pr_info("queue %s: made with %zu message(s)", path, me->n_messages);
	return 0;
}

/* Every record of the queue whose first record is files[first]. */
static int make_one(struct restore_ctx *ctx, size_t first)
{
	const MqueueEntry *me = ctx->files[first]->mqueue;
	struct rst_mqueue q = { .fd = -1 };
	char *path;
	int maker = -1, ret;

	if (asprintf(&path, "/%s", me->name) < 0)
		return -ENOMEM;
	ret = make_queue(ctx, me, path, &maker);
	if (ret) {
		if (maker >= 0) {
			close(maker);
			mq_unlink(path);
		}
		free(path);
		return ret;
	}
	q.name = path;
	q.linked = !(me->has_unlinked && me->unlinked);
	for (size_t i = first; i < ctx->nr_files && !ret; i++) {
		const FileEntry *fe = ctx->files[i];

		if (fe->kind != FD_KIND__FD_MQUEUE || !fe->mqueue || fe->mqueue->ino != me->ino)
			continue;
		q.file_id = fe->id;
		q.fd = mq_open(path, (int)(fe->mqueue->flags & (O_ACCMODE | O_NONBLOCK)) | O_CLOEXEC);
		if (q.fd < 0) {
			ret = -errno;
			pr_err_rc(ret, "queue %s: cannot open it for file %u", path, fe->id);
			break;
		}
		ret = add(ctx, &q);
		if (ret) {
			close(q.fd);
			break;
		}
		q.name = NULL;	/* the table's first record of the queue owns it */
	}
	if (q.name) {	/* not in the table: nobody else frees it */
		mq_unlink(path);
		free(path);
	} else if (!q.linked && mq_unlink(path) < 0 && !ret) {
		ret = -errno;
		pr_err_rc(ret, "queue %s: cannot unlink it again", path);
	}
	close(maker);
	return ret;
}

int mqueue_prepare(struct restore_ctx *ctx)
{
	int ret;

	for (size_t i = 0; i < ctx->nr_files; i++) {
		const FileEntry *fe = ctx->files[i];
		bool seen = false;

		if (fe->kind != FD_KIND__FD_MQUEUE)
			continue;
		if (!fe->mqueue) {
			pr_err("files.img: file %u: a queue record without its queue", fe->id);
			return -EINVAL;
		}
		for (size_t j = 0; j < i && !seen; j++)
			seen = ctx->files[j]->kind == FD_KIND__FD_MQUEUE && ctx->files[j]->mqueue &&
			       ctx->files[j]->mqueue->ino == fe->mqueue->ino;
		if (seen)
			continue;
		ret = make_one(ctx, i);
		if (ret)
			return ret;
	}
	return 0;
}

void mqueue_close(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_mqueues; i++) {
		if (ctx->mqueues[i].fd >= 0)
			close(ctx->mqueues[i].fd);
		ctx->mqueues[i].fd = -1;
	}
}

void mqueue_release(struct restore_ctx *ctx, bool remove)
{
	mqueue_close(ctx);
	for (size_t i = 0; i < ctx->nr_mqueues; i++) {
		if (remove && ctx->mqueues[i].name && ctx->mqueues[i].linked)
			mq_unlink(ctx->mqueues[i].name);
		free(ctx->mqueues[i].name);
	}
	free(ctx->mqueues);
	ctx->mqueues = NULL;
	ctx->nr_mqueues = 0;
}

int mqueue_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what)
{
	int fd;

	for (size_t i = 0; i < ctx->nr_mqueues; i++) {
		if (ctx->mqueues[i].file_id != fe->id)
			continue;
		*what = "cannot take the queue lmig opened";
		fd = fcntl(ctx->mqueues[i].fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	*what = "the queue was not made for";
	return -ENOENT;
}
