/*
 * SysV shared memory across dump and restore: a segment attached twice
 * (once read-only) by the parent and once by a child, and a sparse one
 * whose attach is split in three areas by mprotect; both removed
 * (IPC_RMID) while attached, as most programs do, unless $SYSVSHM_KEY
 * names a key for the first one (tests/cr/sysvshm-key.sh). After the
 * signal: same ids, sizes, modes, contents and attach counts, the
 * segment still shared with the child, and shmdt works.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crtest.h"

#define PAGE		4096
#define A_SIZE		(3 * PAGE + 100)	/* not a whole number of pages */
#define B_PAGES		16

/* Words of segment A the parent and child talk through. */
struct talk {
	volatile uint32_t cmd;		/* 1: child, write MAGIC to B and answer */
	volatile uint32_t ack;
};
#define MAGIC	0x5ca1ab1eu

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 31 + i / PAGE);
}

static void child_loop(struct talk *t, uint32_t *b, pid_t parent)
{
	/* Ends with the parent, e.g. when the harness kills it after a failure. */
	while (getppid() == parent) {
		if (t->cmd == 1) {
			b[0] = MAGIC;
			__sync_synchronize();
			t->ack = 1;
			_exit(0);
		}
		usleep(1000);
	}
	_exit(1);
}

static void check_seg(int id, size_t size, int mode, shmatt_t nattch, const char *what)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		cr_fail_errno("%s: shmctl(%d, IPC_STAT)", what, id);
	if (ds.shm_segsz != size)
		cr_fail("%s: size %zu, was %zu", what, (size_t)ds.shm_segsz, size);
	if ((int)(ds.shm_perm.mode & 0777) != mode)
		cr_fail("%s: mode %o, was %o", what, ds.shm_perm.mode & 0777, mode);
	if (ds.shm_nattch != nattch)
		cr_fail("%s: %lu attaches, was %lu", what, (unsigned long)ds.shm_nattch,
			(unsigned long)nattch);
}

static shmatt_t nattch_of(int id)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		cr_fail_errno("shmctl(%d, IPC_STAT)", id);
	return ds.shm_nattch;
}

int main(void)
{
	const char *keys = getenv("SYSVSHM_KEY");
	key_t key = keys ? (key_t)strtol(keys, NULL, 0) : IPC_PRIVATE;
	shmatt_t na, nb;
	uint8_t *a, *a_ro, *b;
	struct talk *t;
	int ida, idb, status;
	pid_t child;

	cr_init();
	ida = shmget(key, A_SIZE, IPC_CREAT | IPC_EXCL | 0640);
	idb = shmget(IPC_PRIVATE, B_PAGES * PAGE, IPC_CREAT | 0600);
	if (ida < 0 || idb < 0)
		cr_fail_errno("shmget");
	a = shmat(ida, NULL, 0);
	a_ro = shmat(ida, NULL, SHM_RDONLY);
	b = shmat(idb, NULL, 0);
	if (a == (void *)-1 || a_ro == (void *)-1 || b == (void *)-1)
		cr_fail_errno("shmat");
	if (key == IPC_PRIVATE && shmctl(ida, IPC_RMID, NULL) < 0)
		cr_fail_errno("shmctl(IPC_RMID) a");
	if (shmctl(idb, IPC_RMID, NULL) < 0)
		cr_fail_errno("shmctl(IPC_RMID) b");
	for (size_t i = sizeof(struct talk); i < A_SIZE; i++)
		a[i] = pattern(i);
	t = (struct talk *)a;
	/* B is sparse: pages 1, 5 and 15 only; 4..7 read-only split the attach in three. */
	memset(b + 1 * PAGE, 0x11, PAGE);
	memset(b + 5 * PAGE, 0x55, PAGE);
	memset(b + 15 * PAGE, 0xff, PAGE);
	if (mprotect(b + 4 * PAGE, 4 * PAGE, PROT_READ))
		cr_fail_errno("mprotect");

	child = fork();
	if (child < 0)
		cr_fail_errno("fork");
	if (child == 0)
		child_loop(t, (uint32_t *)b, getppid());
	na = nattch_of(ida);
	nb = nattch_of(idb);
	cr_ready();
	cr_wait();

	check_seg(ida, A_SIZE, 0640, na, "segment a");
	check_seg(idb, B_PAGES * PAGE, 0600, nb, "segment b");
	for (size_t i = sizeof(struct talk); i < A_SIZE; i++)
		if (a[i] != pattern(i) || a_ro[i] != pattern(i))
			cr_fail("segment a: byte %zu is %#x/%#x, was %#x", i, a[i], a_ro[i], pattern(i));
	for (size_t i = 0; i < B_PAGES * PAGE; i++) {
		size_t pg = i / PAGE;
		uint8_t want = pg == 1 ? 0x11 : pg == 5 ? 0x55 : pg == 15 ? 0xff : 0;

		if (b[i] != want)
			cr_fail("segment b: byte %zu is %#x, was %#x", i, b[i], want);
	}
	/* Still one segment for parent and child. */
	t->cmd = 1;
	for (int ms = 0; !t->ack; ms++) {
		if (ms > 10000)
			cr_fail("the child did not answer through segment a within 10 s");
		usleep(1000);
	}
	if (((volatile uint32_t *)b)[0] != MAGIC)
		cr_fail("the child's write to segment b is not seen by the parent");
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		cr_fail("the child did not exit 0");
	if (shmdt(a_ro) || shmdt(a))
		cr_fail_errno("shmdt(a)");
	if (key != IPC_PRIVATE && shmctl(ida, IPC_RMID, NULL) < 0)
		cr_fail_errno("shmctl(IPC_RMID) a");
	cr_pass();
}
