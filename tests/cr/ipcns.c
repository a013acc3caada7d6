/*
 * A process in an IPC namespace of its own: every SysV object of the
 * namespace comes back in the new namespace restore makes, under its
 * old id, key and mode: a segment attached, one not attached (only the
 * namespace holds it), a semaphore set with its values, a message queue
 * with typed messages (one empty, one of 3000 bytes) and a lowered
 * msg_qbytes. Ids are not the first ones of the namespace (objects were
 * made and removed before), and some of its limits (msgmnb, sem, mqueue
 * msg_max) are not the defaults. Exits 77 without CAP_SYS_ADMIN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "crtest.h"

#define KEY_SHM1	0x1c0001
#define KEY_SHM2	0x1c0002
#define KEY_SEM		0x1c0003
#define KEY_MSG		0x1c0004
#define SHM_SIZE	(5 * 4096)
#define QBYTES		4000
#define BIG		3000

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

struct msg {
	long mtype;
	char mtext[BIG];
};

static const struct { long type; size_t len; char fill; } msgs[] = {
	{ 7, 5, 'h' }, { 1, 0, 0 }, { 42, BIG, 'x' }, { 7, 1, 'z' },
};
#define NR_MSGS (sizeof(msgs) / sizeof(msgs[0]))

static unsigned short sem_vals[] = { 1, 7, 42, 0, 32767 };
#define NR_SEMS (sizeof(sem_vals) / sizeof(sem_vals[0]))

/* Limits of the namespace, set before anything is made; restore sets them again. */
static const struct { const char *path, *val; } limits[] = {
	{ "/proc/sys/kernel/msgmnb", "20000" },
	{ "/proc/sys/kernel/sem", "100\t1000\t20\t50" },
	{ "/proc/sys/fs/mqueue/msg_max", "40" },
};
#define NR_LIMITS (sizeof(limits) / sizeof(limits[0]))

static void sysctl_io(const char *path, char *buf, size_t len, const char *set)
{
	FILE *f = fopen(path, set ? "w" : "r");

	if (!f)
		cr_fail_errno("%s", path);
	if (set ? fputs(set, f) < 0 : !fgets(buf, (int)len, f))
		cr_fail_errno("%s %s", set ? "writing" : "reading", path);
	if (fclose(f))
		cr_fail_errno("%s", path);
	if (!set)
		buf[strcspn(buf, "\n")] = '\0';
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * seed + i / 4096);
}

static void check_fill(const uint8_t *p, size_t n, unsigned seed, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(i * seed + i / 4096))
			cr_fail("%s: byte %zu differs", what, i);
}

static void check_id(int got, int want, const char *what)
{
	if (got < 0)
		cr_fail_errno("%s: lookup by key", what);
	if (got != want)
		cr_fail("%s: id %d, was %d", what, got, want);
}

int main(void)
{
	int shm1, shm2, sem, msq;
	uint8_t *p1, *p2;
	struct msqid_ds mds;
	struct semid_ds sds;
	unsigned short vals[NR_SEMS];
	struct msg m;

	if (unshare(CLONE_NEWIPC)) {
		printf("SKIP: unshare(CLONE_NEWIPC): %s\n", strerror(errno));
		return 77;
	}
	cr_init();
	for (size_t i = 0; i < NR_LIMITS; i++)
		sysctl_io(limits[i].path, NULL, 0, limits[i].val);
	/* Ids past the first of each kind. */
	for (int i = 0; i < 3; i++) {
		shmctl(shmget(IPC_PRIVATE, 4096, 0600), IPC_RMID, NULL);
		semctl(semget(IPC_PRIVATE, 1, 0600), 0, IPC_RMID);
		msgctl(msgget(IPC_PRIVATE, 0600), IPC_RMID, NULL);
	}
	shm1 = shmget(KEY_SHM1, SHM_SIZE, IPC_CREAT | 0640);
	shm2 = shmget(KEY_SHM2, SHM_SIZE + 10, IPC_CREAT | 0604);
	sem = semget(KEY_SEM, NR_SEMS, IPC_CREAT | 0660);
	msq = msgget(KEY_MSG, IPC_CREAT | 0620);
	if (shm1 < 0 || shm2 < 0 || sem < 0 || msq < 0)
		cr_fail_errno("making the objects");
	p1 = shmat(shm1, NULL, 0);
	p2 = shmat(shm2, NULL, 0);
	if (p1 == (void *)-1 || p2 == (void *)-1)
		cr_fail_errno("shmat");
	fill(p1, SHM_SIZE, 3);
	fill(p2, SHM_SIZE + 10, 5);
	if (shmdt(p2))
		cr_fail_errno("shmdt");
	if (semctl(sem, 0, SETALL, (union semun){ .array = sem_vals }) < 0)
		cr_fail_errno("semctl(SETALL)");
	for (size_t i = 0; i < NR_MSGS; i++) {
		m.mtype = msgs[i].type;
		memset(m.mtext, msgs[i].fill, msgs[i].len);
		if (msgsnd(msq, &m, msgs[i].len, IPC_NOWAIT) < 0)
			cr_fail_errno("msgsnd %zu", i);
	}
	if (msgctl(msq, IPC_STAT, &mds) < 0)
		cr_fail_errno("msgctl(IPC_STAT)");
	mds.msg_qbytes = QBYTES;
	if (msgctl(msq, IPC_SET, &mds) < 0)
		cr_fail_errno("msgctl(IPC_SET)");

	cr_ready();
	cr_wait();

	for (size_t i = 0; i < NR_LIMITS; i++) {
		char buf[64];

		sysctl_io(limits[i].path, buf, sizeof(buf), NULL);
		if (strcmp(buf, limits[i].val))
			cr_fail("%s is \"%s\", was \"%s\"", limits[i].path, buf, limits[i].val);
	}
	check_id(shmget(KEY_SHM1, 0, 0), shm1, "segment 1");
	check_id(shmget(KEY_SHM2, 0, 0), shm2, "segment 2");
	check_id(semget(KEY_SEM, 0, 0), sem, "semaphores");
	check_id(msgget(KEY_MSG, 0), msq, "queue");
	check_fill(p1, SHM_SIZE, 3, "segment 1 (attached)");
	p2 = shmat(shm2, NULL, SHM_RDONLY);
	if (p2 == (void *)-1)
		cr_fail_errno("shmat segment 2");
	check_fill(p2, SHM_SIZE + 10, 5, "segment 2 (not attached)");
	if (shmdt(p2) || shmdt(p1))
		cr_fail_errno("shmdt");
	if (semctl(sem, 0, IPC_STAT, (union semun){ .buf = &sds }) < 0)
		cr_fail_errno("semctl(IPC_STAT)");
	if ((sds.sem_perm.mode & 0777) != 0660 || sds.sem_nsems != NR_SEMS)
		cr_fail("semaphores: mode %o, %lu semaphores", sds.sem_perm.mode & 0777,
			(unsigned long)sds.sem_nsems);
	if (semctl(sem, 0, GETALL, (union semun){ .array = vals }) < 0)
		cr_fail_errno("semctl(GETALL)");
	for (size_t i = 0; i < NR_SEMS; i++)
		if (vals[i] != sem_vals[i])
			cr_fail("semaphore %zu is %u, was %u", i, vals[i], sem_vals[i]);
	if (msgctl(msq, IPC_STAT, &mds) < 0)
		cr_fail_errno("msgctl(IPC_STAT)");
	if ((mds.msg_perm.mode & 0777) != 0620 || mds.msg_qbytes != QBYTES ||
	    mds.msg_qnum != NR_MSGS)
		cr_fail("queue: mode %o, qbytes %lu, %lu messages", mds.msg_perm.mode & 0777,
			(unsigned long)mds.msg_qbytes, (unsigned long)mds.msg_qnum);
	for (size_t i = 0; i < NR_MSGS; i++) {
		ssize_t n = msgrcv(msq, &m, sizeof(m.mtext), 0, IPC_NOWAIT);

		if (n < 0)
			cr_fail_errno("msgrcv %zu", i);
		if (m.mtype != msgs[i].type || (size_t)n != msgs[i].len)
			cr_fail("message %zu: type %ld, %zd bytes; was type %ld, %zu bytes", i,
				m.mtype, n, msgs[i].type, msgs[i].len);
		for (ssize_t j = 0; j < n; j++)
			if (m.mtext[j] != msgs[i].fill)
				cr_fail("message %zu: byte %zd differs", i, j);
	}
	cr_pass();
}
