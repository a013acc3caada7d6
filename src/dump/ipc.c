#define LOG_PREFIX "dump-ipc: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ipc.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"
#include "dump/ipc.h"
#include "sysctl.h"

/* Bytes of a segment per shm_data record. */
#define SHM_CHUNK	(4u << 20)

/* glibc wants the caller to define it (sem(2)). */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

struct ipc_dump {
	struct img *img;
	int home_ns;		/* lmig's own IPC namespace, to come back to; -1 when never left */
	char *buf;		/* SHM_CHUNK bytes */
};

static int ns_of(pid_t pid, struct stat *st)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/ipc");
	return stat(path, st) ? -errno : 0;
}

/* Is the tree in an IPC namespace of its own? -ENOTSUP when its processes disagree. */
static int tree_ns(const struct dump_ctx *ctxs, size_t nr, bool *own)
{
	struct stat self, root, st;
	int ret;

	ret = ns_of(0, &self);
	if (!ret)
		ret = ns_of(ctxs[0].pid, &root);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot stat its IPC namespace", (int)ctxs[0].pid);
		return ret;
	}
	for (size_t i = 1; i < nr; i++) {
		if (!ctxs[i].vmas.nr)	/* a zombie: no namespace any more */
			continue;
		ret = ns_of(ctxs[i].pid, &st);
		if (ret) {
			pr_err_rc(ret, "pid %d: cannot stat its IPC namespace", (int)ctxs[i].pid);
			return ret;
		}
		if (st.st_ino != root.st_ino || st.st_dev != root.st_dev) {
			pr_err("pid %d: is in another IPC namespace than the root %d; "
			       "a tree across IPC namespaces is not supported",
			       (int)ctxs[i].pid, (int)ctxs[0].pid);
			return -ENOTSUP;
		}
	}
	*own = root.st_ino != self.st_ino || root.st_dev != self.st_dev;
	return 0;
}

/* Enter the IPC namespace of pid; d->home_ns brings lmig back (leave_ns). */
static int enter_ns(struct ipc_dump *d, pid_t pid)
{
	char path[64];
	int fd, ret = 0;

	d->home_ns = open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC);
	if (d->home_ns < 0) {
		ret = -errno;
		pr_err_rc(ret, "cannot open lmig's own IPC namespace");
		return ret;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWIPC)) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: cannot enter its IPC namespace", (int)pid);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static int leave_ns(struct ipc_dump *d)
{
	int ret = 0;

	if (d->home_ns < 0)
		return 0;
	if (setns(d->home_ns, CLONE_NEWIPC)) {
		ret = -errno;
		pr_err_rc(ret, "cannot return to lmig's own IPC namespace");
	}
	close(d->home_ns);
	d->home_ns = -1;
	return ret;
}

static void fill_perm(IpcPermEntry *pe, int id, const struct ipc_perm *p)
{
	pe->key = p->__key;
	pe->id = id;
	pe->uid = p->uid;
	pe->gid = p->gid;
	pe->cuid = p->cuid;
	pe->cgid = p->cgid;
	pe->mode = p->mode;
}

static int write_entry(struct ipc_dump *d, IpcEntry *e)
{
	return img_write_msg(d->img, &e->base);
}

/*
 * The shmem file behind segment id, through a read-only attach of
 * lmig's: pread and SEEK_DATA work on it, and reading a hole allocates
 * nothing in the segment. The attach is gone again on return.
 */
static int open_segment(int id, size_t size)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t len = (size + ps - 1) / ps * ps;
	char path[96];
	void *m;
	int fd;

	m = shmat(id, NULL, SHM_RDONLY);
	if (m == (void *)-1)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)m,
		 (unsigned long)m + len);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	shmdt(m);
	return fd;
}

/* The data runs of the segment as shm_data records. */
static int dump_shm_data(struct ipc_dump *d, int id, uint64_t size)
{
	IpcEntry e = IPC_ENTRY__INIT;
	SysvShmData sd = SYSV_SHM_DATA__INIT;
	off_t off = 0;
	int fd, ret = 0;

	fd = open_segment(id, size);
	if (fd < 0) {
		pr_err_rc(fd, "shmid %d: cannot attach it to read its contents", id);
		return fd;
	}
	e.shm_data = &sd;
	while ((uint64_t)off < size) {
		off_t data = lseek(fd, off, SEEK_DATA), hole;

		if (data < 0) {
			ret = errno == ENXIO ? 0 : -errno;
			break;
		}
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0) {
			ret = -errno;
			break;
		}
		if ((uint64_t)hole > size)
			hole = (off_t)size;
		for (off = data; off < hole;) {
			size_t want = (size_t)(hole - off) < SHM_CHUNK ? (size_t)(hole - off) : SHM_CHUNK;
			ssize_t n = pread(fd, d->buf, want, off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ret = n < 0 ? -errno : -EIO;
				break;
			}
			sd.offset = (uint64_t)off;
			sd.data.data = (uint8_t *)d->buf;
			sd.data.len = (size_t)n;
			ret = write_entry(d, &e);
			if (ret)
				goto out;
			off += n;
		}
		if (ret)
			break;
	}
	if (ret)
		pr_err_rc(ret, "shmid %d: cannot read its contents", id);
out:
	close(fd);
	return ret;
}

static int dump_one_shm(struct ipc_dump *d, int id, const struct shmid_ds *ds)
{
	IpcEntry e = IPC_ENTRY__INIT;
	SysvShmEntry se = SYSV_SHM_ENTRY__INIT;
	IpcPermEntry pe = IPC_PERM_ENTRY__INIT;
	int ret;

	fill_perm(&pe, id, &ds->shm_perm);
	se.perm = &pe;
	se.size = ds->shm_segsz;
	e.shm = &se;
	ret = write_entry(d, &e);
	if (!ret)
		ret = dump_shm_data(d, id, ds->shm_segsz);
	if (!ret)
		pr_info("shmid %d: key %#x, %zu bytes, mode %#o saved", id, (unsigned)pe.key,
			(size_t)ds->shm_segsz, pe.mode);
	return ret;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * The shmids the processes attach (inode of a "/SYSV..." area), sorted,
 * each once, with in (*areas)[i] how many areas map ids[i]: shm_nattch
 * counts areas, so a larger count means attaches outside the tree.
 */
static int attached_shmids(const struct dump_ctx *ctxs, size_t nr, int **out, size_t *nr_out,
			   size_t **areas)
{
	int *ids = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < nr; i++) {
		for (size_t j = 0; j < ctxs[i].vmas.nr; j++) {
			const struct proc_vma *v = &ctxs[i].vmas.v[j];

			if (strncmp(v->path, "/SYSV", 5) || v->dev_major != 0)
				continue;
			if (n == cap) {
				int *ni;

				cap = cap ? cap * 2 : 16;
				ni = realloc(ids, cap * sizeof(*ni));
				if (!ni) {
					free(ids);
					return -ENOMEM;
				}
				ids = ni;
			}
			ids[n++] = (int)v->ino;
		}
	}
	*areas = calloc(n + 1, sizeof(**areas));
	if (!*areas) {
		free(ids);
		return -ENOMEM;
	}
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_int);
	*nr_out = 0;
	for (size_t i = 0; i < n; i++) {
		if (!*nr_out || ids[*nr_out - 1] != ids[i])
			ids[(*nr_out)++] = ids[i];
		(*areas)[*nr_out - 1]++;
	}
	*out = ids;
	return 0;
}

/* Host namespace: the segments the tree attaches. */
static int dump_attached_shm(struct ipc_dump *d, const struct dump_ctx *ctxs, size_t nr)
{
	struct shmid_ds ds;
	size_t n = 0, *areas = NULL;
	int *ids = NULL, ret;

	ret = attached_shmids(ctxs, nr, &ids, &n, &areas);
	for (size_t i = 0; i < n && !ret; i++) {
		if (shmctl(ids[i], IPC_STAT, &ds) < 0) {
			ret = -errno;
			pr_err_rc(ret, "shmid %d: cannot read its state", ids[i]);
			break;
		}
		if (ds.shm_nattch > areas[i])
			pr_warn("shmid %d: attached %lu time(s) outside the tree too: those processes "
				"will not share the restored copy", ids[i],
				(unsigned long)(ds.shm_nattch - areas[i]));
		ret = dump_one_shm(d, ids[i], &ds);
	}
	free(areas);
	free(ids);
	return ret;
}

/* Own namespace: every segment, attached or not. */
static int dump_all_shm(struct ipc_dump *d)
{
	struct shm_info info;
	struct shmid_ds ds;
	int max, ret = 0;

	max = shmctl(0, SHM_INFO, (struct shmid_ds *)&info);
	if (max < 0) {
		ret = -errno;
		pr_err_rc(ret, "cannot list the namespace's shm segments");
		return ret;
	}
	for (int idx = 0; idx <= max && !ret; idx++) {
		int id = shmctl(idx, SHM_STAT_ANY, &ds);

		if (id < 0)
			continue;	/* a free index */
		ret = dump_one_shm(d, id, &ds);
	}
	return ret;
}

static int dump_one_sem(struct ipc_dump *d, int id, const struct semid_ds *ds)
{
	IpcEntry e = IPC_ENTRY__INIT;
	SysvSemEntry se = SYSV_SEM_ENTRY__INIT;
	IpcPermEntry pe = IPC_PERM_ENTRY__INIT;
	unsigned short *vals;
	uint32_t *v32;
	int ret = 0;

	vals = calloc(ds->sem_nsems + 1, sizeof(*vals));
	v32 = calloc(ds->sem_nsems + 1, sizeof(*v32));
	if (!vals || !v32) {
		ret = -ENOMEM;
		goto out;
	}
	if (semctl(id, 0, GETALL, (union semun){ .array = vals }) < 0) {
		ret = -errno;
		pr_err_rc(ret, "semid %d: cannot read its values", id);
		goto out;
	}
	for (size_t i = 0; i < ds->sem_nsems; i++)
		v32[i] = vals[i];
	fill_perm(&pe, id, &ds->sem_perm);
	se.perm = &pe;
	se.n_values = ds->sem_nsems;
	se.values = v32;
	e.sem = &se;
	ret = write_entry(d, &e);
	if (!ret)
		pr_info("semid %d: key %#x, %zu semaphores saved", id, (unsigned)pe.key,
			(size_t)ds->sem_nsems);
out:
	free(vals);
	free(v32);
	return ret;
}

static int dump_all_sem(struct ipc_dump *d)
{
	struct seminfo info;
	struct semid_ds ds;
	int max, ret = 0;

	max = semctl(0, 0, SEM_INFO, (union semun){ .__buf = &info });
	if (max < 0) {
		ret = -errno;
		pr_err_rc(ret, "cannot list the namespace's semaphore sets");
		return ret;
	}
	for (int idx = 0; idx <= max && !ret; idx++) {
		int id = semctl(idx, 0, SEM_STAT_ANY, (union semun){ .buf = &ds });

		if (id < 0)
			continue;
		ret = dump_one_sem(d, id, &ds);
	}
	return ret;
}

/* The queued messages, copied (MSG_COPY) without taking them off the queue. */
static int dump_one_msg(struct ipc_dump *d, int id, const struct msqid_ds *ds)
{
	IpcEntry e = IPC_ENTRY__INIT;
	SysvMsgEntry me = SYSV_MSG_ENTRY__INIT;
	IpcPermEntry pe = IPC_PERM_ENTRY__INIT;
	size_t nr = ds->msg_qnum, room = ds->__msg_cbytes + (nr + 1) * sizeof(long);
	SysvMsg *msgs = NULL, **ptrs = NULL;
	char *buf = NULL;
	int ret = 0;

	msgs = calloc(nr + 1, sizeof(*msgs));
	ptrs = calloc(nr + 1, sizeof(*ptrs));
	buf = malloc(room);	/* each message as msgrcv gives it (mtype, text), one after another */
	if (!msgs || !ptrs || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0, at = 0; i < nr; i++) {
		long mtype;
		ssize_t n = msgrcv(id, buf + at, room - at - sizeof(long), (long)i,
				   IPC_NOWAIT | MSG_COPY | MSG_NOERROR);

		if (n < 0) {
			ret = -errno;
			pr_err_rc(ret, "msqid %d: cannot copy message %zu of %zu", id, i + 1, nr);
			goto out;
		}
		memcpy(&mtype, buf + at, sizeof(mtype));
		sysv_msg__init(&msgs[i]);
		msgs[i].mtype = mtype;
		msgs[i].mtext.data = (uint8_t *)buf + at + sizeof(long);
		msgs[i].mtext.len = (size_t)n;
		ptrs[i] = &msgs[i];
		at += sizeof(long) + (size_t)n;
	}
	fill_perm(&pe, id, &ds->msg_perm);
	me.perm = &pe;
	me.qbytes = ds->msg_qbytes;
	me.n_messages = nr;
	me.messages = ptrs;
	e.msg = &me;
	ret = write_entry(d, &e);
	if (!ret)
		pr_info("msqid %d: key %#x, %zu messages saved", id, (unsigned)pe.key, nr);
out:
	free(buf);
	free(ptrs);
	free(msgs);
	return ret;
}

static int dump_all_msg(struct ipc_dump *d)
{
	struct msginfo info;
	struct msqid_ds ds;
	int max, ret = 0;

	max = msgctl(0, MSG_INFO, (struct msqid_ds *)&info);
	if (max < 0) {
		ret = -errno;
		pr_err_rc(ret, "cannot list the namespace's message queues");
		return ret;
	}
	for (int idx = 0; idx <= max && !ret; idx++) {
		int id = msgctl(idx, MSG_STAT_ANY, &ds);

		if (id < 0)
			continue;
		ret = dump_one_msg(d, id, &ds);
	}
	return ret;
}

/* The namespace's limits restore sets again in the new one (not the *_next_id). */
static const char *const ns_sysctls[] = {
	"kernel/shmmax", "kernel/shmall", "kernel/shmmni", "kernel/shm_rmid_forced",
	"kernel/msgmax", "kernel/msgmnb", "kernel/msgmni", "kernel/sem",
	"fs/mqueue/queues_max", "fs/mqueue/msg_max", "fs/mqueue/msgsize_max",
	"fs/mqueue/msg_default", "fs/mqueue/msgsize_default",
};
#define NR_NS_SYSCTLS	(sizeof(ns_sysctls) / sizeof(ns_sysctls[0]))

/* The sysctls of lmig's current IPC namespace (one missing here is left out). */
static size_t read_sysctls(IpcSysctl *out, IpcSysctl **ptrs, char (*vals)[64])
{
	size_t n = 0;

	for (size_t i = 0; i < NR_NS_SYSCTLS; i++) {
		if (sysctl_read(ns_sysctls[i], vals[n], sizeof(vals[n])))
			continue;
		ipc_sysctl__init(&out[n]);
		out[n].name = (char *)ns_sysctls[i];
		out[n].value = vals[n];
		ptrs[n] = &out[n];
		n++;
	}
	return n;
}

int dump_ipc(const struct dump_ctx *ctxs, size_t nr)
{
	IpcSysctl sysctls[NR_NS_SYSCTLS], *sysctl_ptrs[NR_NS_SYSCTLS];
	char sysctl_vals[NR_NS_SYSCTLS][64];
	struct ipc_dump d = { .home_ns = -1 };
	IpcEntry e = IPC_ENTRY__INIT;
	IpcNsEntry ns = IPC_NS_ENTRY__INIT;
	bool own = false;
	int ret, cret;

	ret = tree_ns(ctxs, nr, &own);
	if (ret)
		return ret;
	d.buf = malloc(SHM_CHUNK);
	if (!d.buf)
		return -ENOMEM;
	ret = img_open_write(ctxs[0].dirfd, IMG_IPC, 0, &d.img);
	if (ret)
		goto out;
	ns.own_ns = own;
	e.ns = &ns;
	if (own)
		ret = enter_ns(&d, ctxs[0].pid);
	if (!ret && own) {
		ns.n_sysctls = read_sysctls(sysctls, sysctl_ptrs, sysctl_vals);
		ns.sysctls = sysctl_ptrs;
	}
	if (!ret)
		ret = write_entry(&d, &e);
	if (!ret)
		ret = own ? dump_all_shm(&d) : dump_attached_shm(&d, ctxs, nr);
	if (!ret && own)
		ret = dump_all_sem(&d);
	if (!ret && own)
		ret = dump_all_msg(&d);
	cret = leave_ns(&d);
	if (!ret)
		ret = cret;
	cret = img_close(d.img);
	if (!ret)
		ret = cret;
out:
	free(d.buf);
	return ret;
}
