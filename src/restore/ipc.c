#define LOG_PREFIX "restore-ipc: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "log.h"
#include "ipc.pb-c.h"
#include "image/image.h"
#include "restore/ipc.h"
#include "restore/mqueue.h"
#include "restore/restore.h"
#include "sysctl.h"

/* glibc wants the caller to define it (sem(2)). */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

#define PERM_BITS	0777

/* What an object was made with: the id wanted, and whether only our namespace is at stake. */
struct ipc_restore {
	struct restore_ctx *ctx;
	bool own_ns;
};

/*
 * An object asked for with its old id (NAME_next_id, which the kernel
 * forgets once an object is made) got got. A different id is an error
 * in a namespace of the tree's own, a warning in the host's.
 */
static int check_id(const struct ipc_restore *r, const char *what, int want, int got)
{
	if (got == want)
		return 0;
	if (r->own_ns) {
		pr_err("%s %d: was made with id %d in the new IPC namespace", what, want, got);
		return -EEXIST;
	}
	pr_warn("%s %d: id %d is taken in this IPC namespace; it is %d now (a process that "
		"kept the old id will not find it)", what, want, want, got);
	return 0;
}

/* The next object of this kind gets id, if free (kernel.NAME_next_id). */
static void set_next_id(const char *sysctl, int id)
{
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "kernel/%s", sysctl);
	ret = sysctl_write_ll(name, id);

	if (ret)
		pr_debug("cannot ask for id %d through %s: %s", id, sysctl, strerror(-ret));
}

static int add_shm(struct restore_ctx *ctx, const struct rst_sysv_shm *s)
{
	struct rst_sysv_shm *n = realloc(ctx->sysv_shm, (ctx->nr_sysv_shm + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	ctx->sysv_shm = n;
	n[ctx->nr_sysv_shm++] = *s;
	return 0;
}

static int make_shm(struct ipc_restore *r, const SysvShmEntry *se, struct rst_sysv_shm **out)
{
	const IpcPermEntry *pe = se->perm;
	struct rst_sysv_shm s = { .old_id = pe->id, .new_id = -1, .size = se->size };
	struct shmid_ds ds;
	int ret;

	set_next_id("shm_next_id", pe->id);
	s.new_id = shmget(pe->key, se->size, IPC_CREAT | IPC_EXCL | (int)(pe->mode & PERM_BITS));
	ret = s.new_id < 0 ? -errno : 0;
	if (ret == -EEXIST) {
		pr_err("shmid %d: a SysV shm segment with key %#x exists already in this IPC "
		       "namespace: remove it (ipcrm -M %#x) or restore into a new one",
		       pe->id, (unsigned)pe->key, (unsigned)pe->key);
		return ret;
	}
	if (ret) {
		pr_err_rc(ret, "shmid %d: cannot make a segment of %" PRIu64 " bytes with key %#x",
			  pe->id, se->size, (unsigned)pe->key);
		return ret;
	}
	s.lmig_at = shmat(s.new_id, NULL, 0);
	if (s.lmig_at == (void *)-1) {
		ret = -errno;
		s.lmig_at = NULL;
		pr_err_rc(ret, "shmid %d: cannot attach it", s.new_id);
		goto err;
	}
	ret = add_shm(r->ctx, &s);
	if (ret)
		goto err;
	*out = &r->ctx->sysv_shm[r->ctx->nr_sysv_shm - 1];
	ret = check_id(r, "shmid", pe->id, s.new_id);
	if (ret)
		return ret;	/* in the table: ipc_release() removes it */
	memset(&ds, 0, sizeof(ds));
	ds.shm_perm.uid = pe->uid;
	ds.shm_perm.gid = pe->gid;
	ds.shm_perm.mode = pe->mode & PERM_BITS;
	if (shmctl(s.new_id, IPC_SET, &ds) < 0 ||
	    ((pe->mode & SHM_LOCKED) && shmctl(s.new_id, SHM_LOCK, NULL) < 0) ||
	    /* Removed, it lives on through lmig's attach: Linux lets the tree attach it still. */
	    ((pe->mode & SHM_DEST) && shmctl(s.new_id, IPC_RMID, NULL) < 0)) {
		ret = -errno;
		pr_err_rc(ret, "shmid %d: cannot set its owner, mode, lock or removal", s.new_id);
	}
	return ret;
err:
	if (s.lmig_at)
		shmdt(s.lmig_at);
	shmctl(s.new_id, IPC_RMID, NULL);
	return ret;
}

static int fill_shm(const struct rst_sysv_shm *s, const SysvShmData *sd)
{
	if (!s || sd->offset > s->size || sd->data.len > s->size - sd->offset) {
		pr_err("ipc.img: segment data at %" PRIu64 " (%zu bytes) is outside any segment",
		       sd->offset, sd->data.len);
		return -EINVAL;
	}
	memcpy((char *)s->lmig_at + sd->offset, sd->data.data, sd->data.len);
	return 0;
}

static int make_sem(struct ipc_restore *r, const SysvSemEntry *se)
{
	const IpcPermEntry *pe = se->perm;
	unsigned short *vals;
	struct semid_ds ds;
	int id, ret = 0;

	vals = calloc(se->n_values + 1, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (size_t i = 0; i < se->n_values; i++)
		vals[i] = (unsigned short)se->values[i];
	set_next_id("sem_next_id", pe->id);
	id = semget(pe->key, (int)se->n_values, IPC_CREAT | IPC_EXCL | (int)(pe->mode & PERM_BITS));
	if (id < 0)
		ret = -errno;
	if (ret) {
		pr_err_rc(ret, "semid %d: cannot make a set of %zu semaphores with key %#x", pe->id,
			  se->n_values, (unsigned)pe->key);
		goto out;
	}
	ret = check_id(r, "semid", pe->id, id);
	if (ret)
		goto out;
	memset(&ds, 0, sizeof(ds));
	ds.sem_perm.uid = pe->uid;
	ds.sem_perm.gid = pe->gid;
	ds.sem_perm.mode = pe->mode & PERM_BITS;
	if (semctl(id, 0, SETALL, (union semun){ .array = vals }) < 0 ||
	    semctl(id, 0, IPC_SET, (union semun){ .buf = &ds }) < 0) {
		ret = -errno;
		pr_err_rc(ret, "semid %d: cannot set its values, owner or mode", id);
	}
out:
	free(vals);
	return ret;
}

/*
 * A queue's limits come from the namespace (msgmnb, msgmax): raising a
 * queue's own above them takes CAP_SYS_RESOURCE, which lmig may lack, so
 * the new namespace's limits are raised while the queue is made and filled.
 */
static int make_msg(struct ipc_restore *r, const SysvMsgEntry *me)
{
	const IpcPermEntry *pe = me->perm;
	long long mnb = 0, mmax = 0;
	size_t longest = 0;
	struct msqid_ds ds;
	char *buf = NULL;
	int id, ret = 0;

	for (size_t i = 0; i < me->n_messages; i++)
		if (me->messages[i]->mtext.len > longest)
			longest = me->messages[i]->mtext.len;
	if (sysctl_read_ll("kernel/msgmnb", &mnb) || sysctl_read_ll("kernel/msgmax", &mmax)) {
		pr_err("msqid %d: cannot read the namespace's msgmnb and msgmax", pe->id);
		return -EIO;
	}
	if ((unsigned long long)mnb < me->qbytes)
		sysctl_write_ll("kernel/msgmnb", (long long)me->qbytes);
	if ((unsigned long long)mmax < longest)
		sysctl_write_ll("kernel/msgmax", (long long)longest);
	set_next_id("msg_next_id", pe->id);
	id = msgget(pe->key, IPC_CREAT | IPC_EXCL | (int)(pe->mode & PERM_BITS));
	if (id < 0)
		ret = -errno;
	if (ret) {
		pr_err_rc(ret, "msqid %d: cannot make a queue with key %#x", pe->id, (unsigned)pe->key);
		goto out;
	}
	ret = check_id(r, "msqid", pe->id, id);
	if (ret)
		goto out;
	buf = malloc(sizeof(long) + longest + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < me->n_messages; i++) {
		const SysvMsg *m = me->messages[i];
		long mtype = (long)m->mtype;

		memcpy(buf, &mtype, sizeof(mtype));
		memcpy(buf + sizeof(long), m->mtext.data, m->mtext.len);
		if (msgsnd(id, buf, m->mtext.len, IPC_NOWAIT) < 0) {
			ret = -errno;
			pr_err_rc(ret, "msqid %d: cannot queue message %zu of %zu again", id, i + 1,
				  me->n_messages);
			goto out;
		}
	}
	memset(&ds, 0, sizeof(ds));
	ds.msg_perm.uid = pe->uid;
	ds.msg_perm.gid = pe->gid;
	ds.msg_perm.mode = pe->mode & PERM_BITS;
	ds.msg_qbytes = me->qbytes;
	if (msgctl(id, IPC_SET, &ds) < 0) {
		ret = -errno;
		pr_err_rc(ret, "msqid %d: cannot set its owner, mode or size", id);
	}
out:
	free(buf);
	sysctl_write_ll("kernel/msgmnb", mnb);
	sysctl_write_ll("kernel/msgmax", mmax);
	return ret;
}

/* Does any area of the tree attach a segment? Then ipc.img must be there. */
static bool tree_has_sysv(const struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		const MmEntry *mm = ctx->procs[i].mm;

		for (size_t j = 0; mm && j < mm->n_vmas; j++)
			if (mm->vmas[j]->kind == VMA_KIND__VMA_SYSV_SHM)
				return true;
	}
	return false;
}

/* A new namespace for the tree, with the limits its old one had. */
static int new_namespace(const IpcNsEntry *ns)
{
	if (unshare(CLONE_NEWIPC)) {
		int ret = -errno;

		pr_err_rc(ret, "cannot make a new IPC namespace for the tree");
		return ret;
	}
	pr_info("the tree gets an IPC namespace of its own");
	for (size_t i = 0; i < ns->n_sysctls; i++) {
		const char *name = ns->sysctls[i]->name;
		/* From the images: only the namespace's own limits, nowhere else under /proc/sys. */
		int ret = strstr(name, "..") || (strncmp(name, "kernel/", 7) &&
						 strncmp(name, "fs/mqueue/", 10)) ?
			  -EINVAL : sysctl_write(name, ns->sysctls[i]->value);

		if (ret)
			pr_warn("cannot set %s to \"%s\" in the new IPC namespace: %s",
				ns->sysctls[i]->name, ns->sysctls[i]->value, strerror(-ret));
	}
	return 0;
}

static int read_objects(struct ipc_restore *r, struct img *img)
{
	struct rst_sysv_shm *cur = NULL;
	IpcEntry *e = NULL;
	int ret, n;

	while ((n = img_read_msg(img, (ProtobufCMessage **)&e)) == 1) {
		ret = 0;
		if (e->ns) {
			pr_err("%s: a second namespace record", img_path(img));
			ret = -EINVAL;
		} else if (e->shm) {
			cur = NULL;
			ret = make_shm(r, e->shm, &cur);
		} else if (e->shm_data) {
			ret = fill_shm(cur, e->shm_data);
		} else if (e->sem || e->msg) {
			cur = NULL;
			if (!r->own_ns) {
				pr_err("%s: semaphores and queues of the host's IPC namespace", img_path(img));
				ret = -EINVAL;
			} else {
				ret = e->sem ? make_sem(r, e->sem) : make_msg(r, e->msg);
			}
		}
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (ret)
			return ret;
	}
	return n;
}

int ipc_prepare(struct restore_ctx *ctx)
{
	struct ipc_restore r = { .ctx = ctx };
	struct img *img = NULL;
	IpcEntry *first = NULL;
	int ret;

	ret = img_open_read(ctx->dirfd, IMG_IPC, 0, &img);
	if (ret == -ENOENT) {
		if (!tree_has_sysv(ctx))
			return mqueue_prepare(ctx);
		pr_err("the tree attaches SysV shared memory but ipc.img is missing");
		return -EINVAL;
	}
	if (ret)
		return ret;
	ret = img_read_msg(img, (ProtobufCMessage **)&first);
	if (ret == 1 && !first->ns) {
		pr_err("%s: does not start with its namespace record", img_path(img));
		ret = -EINVAL;
	} else if (ret == 0) {
		pr_err("%s: is empty", img_path(img));
		ret = -EINVAL;
	} else if (ret == 1) {
		r.own_ns = first->ns->own_ns;
		ret = r.own_ns ? new_namespace(first->ns) : 0;
	}
	if (first)
		protobuf_c_message_free_unpacked(&first->base, NULL);
	ctx->ipc_own_ns = r.own_ns;
	if (!ret)
		ret = read_objects(&r, img);
	img_close(img);
	/* Queues live in the namespace too: made once it is the tree's. */
	if (!ret)
		ret = mqueue_prepare(ctx);
	if (ret) {
		ipc_release(ctx, true);
		return ret;
	}
	return 0;
}

void ipc_detach(struct restore_ctx *ctx)
{
	mqueue_close(ctx);
	for (size_t i = 0; i < ctx->nr_sysv_shm; i++) {
		if (ctx->sysv_shm[i].lmig_at)
			shmdt(ctx->sysv_shm[i].lmig_at);
		ctx->sysv_shm[i].lmig_at = NULL;
	}
}

void ipc_release(struct restore_ctx *ctx, bool failed)
{
	ipc_detach(ctx);
	mqueue_release(ctx, failed && !ctx->ipc_own_ns);
	for (size_t i = 0; failed && !ctx->ipc_own_ns && i < ctx->nr_sysv_shm; i++)
		shmctl(ctx->sysv_shm[i].new_id, IPC_RMID, NULL);
	free(ctx->sysv_shm);
	ctx->sysv_shm = NULL;
	ctx->nr_sysv_shm = 0;
}

int ipc_shm_id(const struct restore_ctx *ctx, uint64_t old_id, uint64_t *size)
{
	for (size_t i = 0; i < ctx->nr_sysv_shm; i++) {
		if ((uint64_t)(uint32_t)ctx->sysv_shm[i].old_id == old_id) {
			*size = ctx->sysv_shm[i].size;
			return ctx->sysv_shm[i].new_id;
		}
	}
	return -1;
}
