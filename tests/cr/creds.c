/*
 * Credentials: a root process drops to other uids and gids (real,
 * effective, saved and fs all different), other supplementary groups
 * and a reduced capability set (effective, permitted, inheritable,
 * ambient; a smaller bounding set; securebits). All of it is back after
 * restore, and it binds: a root-only file stays closed to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdint.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "crtest.h"

#define CAPB(c)		(1ULL << (c))
#define WANT_PRM	(CAPB(CAP_KILL) | CAPB(CAP_NET_BIND_SERVICE) | CAPB(CAP_SYS_CHROOT))
#define WANT_EFF	(CAPB(CAP_KILL))
#define WANT_INH	(CAPB(CAP_NET_BIND_SERVICE))
#define WANT_AMB	(CAPB(CAP_NET_BIND_SERVICE))
#define WANT_SECBITS	(SECBIT_KEEP_CAPS | SECBIT_NOROOT)
#define DROPPED_BND	(CAPB(CAP_SYS_ADMIN) | CAPB(CAP_NET_RAW) | CAPB(CAP_MKNOD))

static const gid_t groups[] = { 2001, 2002, 2003 };
static uint64_t bnd0;	/* the bounding set it started with */

static void get_caps(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		cr_fail_errno("capget");
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
}

static void set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	if (syscall(SYS_capset, &h, d))
		cr_fail_errno("capset");
}

static void check(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs, got[16];
	uint64_t eff, prm, inh;
	int n, last = 40;

	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs))
		cr_fail_errno("getres[ug]id");
	if (r != 1001 || e != 1002 || s != 1003)
		cr_fail("uids %u/%u/%u, want 1001/1002/1003", r, e, s);
	if (gr != 1101 || ge != 1102 || gs != 1103)
		cr_fail("gids %u/%u/%u, want 1101/1102/1103", gr, ge, gs);
	if (setfsuid(-1) != 1003 || setfsgid(-1) != 1103)
		cr_fail("fsuid %d fsgid %d, want 1003/1103", setfsuid(-1), setfsgid(-1));
	n = getgroups(16, got);
	if (n != 3 || got[0] != groups[0] || got[1] != groups[1] || got[2] != groups[2])
		cr_fail("%d supplementary groups, want 2001 2002 2003", n);
	get_caps(&eff, &prm, &inh);
	if (eff != WANT_EFF || prm != WANT_PRM || inh != WANT_INH)
		cr_fail("caps eff %#llx prm %#llx inh %#llx, want %#llx %#llx %#llx",
			(unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
			(unsigned long long)WANT_EFF, (unsigned long long)WANT_PRM,
			(unsigned long long)WANT_INH);
	for (int c = 0; c < 64; c++) {
		int amb = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
		int bnd = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

		if (bnd < 0) {
			last = c - 1;
			break;
		}
		if (amb != !!(WANT_AMB & CAPB(c)))
			cr_fail("ambient capability %d is %d", c, amb);
		if (bnd != !!(bnd0 & ~DROPPED_BND & CAPB(c)))
			cr_fail("capability %d: bounding set bit is %d", c, bnd);
	}
	if (last < 37)
		cr_fail("cap_last_cap %d?", last);
	if (prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != WANT_SECBITS)
		cr_fail("securebits %#x, want %#x", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), WANT_SECBITS);
	/* Without CAP_DAC_OVERRIDE a mode-0 root file is closed to it. */
	if (open("/etc/shadow", O_RDONLY) >= 0 || errno != EACCES)
		cr_fail("it can open /etc/shadow (errno %d): it holds privilege it gave up", errno);
}

int main(void)
{
	cr_init();
	if (getuid() != 0) {
		cr_fail("run as root");
	}
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bnd0 |= CAPB(c);
	if ((bnd0 & DROPPED_BND) != DROPPED_BND || (bnd0 & WANT_PRM) != WANT_PRM)
		cr_fail("the bounding set %#llx lacks capabilities the test uses",
			(unsigned long long)bnd0);
	/* As root: the bounding set and securebits need CAP_SETPCAP. */
	for (int c = 0; c < 64; c++)
		if ((DROPPED_BND & CAPB(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			cr_fail_errno("PR_CAPBSET_DROP %d", c);
	if (prctl(PR_SET_SECUREBITS, WANT_SECBITS, 0, 0, 0))
		cr_fail_errno("PR_SET_SECUREBITS");
	if (setgroups(3, groups))
		cr_fail_errno("setgroups");
	if (setresgid(1101, 1102, 1103) || setfsgid(1103) < 0)
		cr_fail_errno("setresgid");
	/* SECBIT_KEEP_CAPS: the permitted set survives leaving uid 0. */
	if (setresuid(1001, 1002, 1003))
		cr_fail_errno("setresuid");
	setfsuid(1003);
	set_caps(WANT_EFF, WANT_PRM, WANT_INH);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0))
		cr_fail_errno("PR_CAP_AMBIENT_RAISE");
	check();

	cr_ready();
	cr_wait();
	check();
	cr_pass();
}
