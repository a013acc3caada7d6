/*
 * The calling thread's credentials (raw syscalls change one thread only).
 *
 * The restorer starts as lmig's child: root with lmig's capabilities. The
 * order keeps the privilege each step needs until it is done:
 *   groups (CAP_SETGID);
 *   SECBIT_NO_SETUID_FIXUP, so that leaving uid 0 keeps the capabilities;
 *   gids, then uids, fs ids last (setres[ug]id set them too);
 *   the inheritable set, while the bounding set still allows it;
 *   the bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP);
 *   ambient (needs each cap permitted and inheritable, and must come
 *   before a SECBIT_NO_CAP_AMBIENT_RAISE);
 *   the saved securebits (CAP_SETPCAP);
 *   the saved effective, permitted and inheritable sets: only drops.
 */
#include <stdint.h>
#include <asm/unistd.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <linux/errno.h>
#include <linux/securebits.h>

#include "syscall.h"
#include "task-state.h"

struct caps {
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
};

static long get_caps(struct caps *c)
{
	c->hdr.version = _LINUX_CAPABILITY_VERSION_3;
	c->hdr.pid = 0;
	return sys_call2(__NR_capget, (long)&c->hdr, (long)c->data);
}

static long set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct caps c;

	c.hdr.version = _LINUX_CAPABILITY_VERSION_3;
	c.hdr.pid = 0;
	c.data[0].effective = (uint32_t)eff;
	c.data[1].effective = (uint32_t)(eff >> 32);
	c.data[0].permitted = (uint32_t)prm;
	c.data[1].permitted = (uint32_t)(prm >> 32);
	c.data[0].inheritable = (uint32_t)inh;
	c.data[1].inheritable = (uint32_t)(inh >> 32);
	return sys_call2(__NR_capset, (long)&c.hdr, (long)c.data);
}

static long set_ids(const struct rst_creds *c)
{
	long ret;

	ret = sys_call3(__NR_setresgid, c->gid, c->egid, c->sgid);
	if (ret < 0)
		return ret;
	sys_call1(__NR_setfsgid, c->fsgid);
	if (sys_call1(__NR_setfsgid, -1) != c->fsgid)
		return -EPERM;
	ret = sys_call3(__NR_setresuid, c->uid, c->euid, c->suid);
	if (ret < 0)
		return ret;
	sys_call1(__NR_setfsuid, c->fsuid);
	if (sys_call1(__NR_setfsuid, -1) != c->fsuid)
		return -EPERM;
	return 0;
}

long rst_restore_creds(const struct rst_creds *c, enum rst_step *step)
{
	struct caps cur;
	long ret, bits;

	*step = RST_STEP_GROUPS;
	ret = sys_call2(__NR_setgroups, c->nr_groups, (long)c->groups);
	if (ret < 0)
		return ret;

	*step = RST_STEP_SECUREBITS;
	bits = sys_call5(__NR_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (bits < 0)
		return bits;
	ret = sys_call5(__NR_prctl, PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0);
	if (ret < 0)
		return ret;

	*step = RST_STEP_UIDS;
	ret = set_ids(c);
	if (ret < 0)
		return ret;

	*step = RST_STEP_CAPS;
	ret = get_caps(&cur);
	if (ret < 0)
		return ret;
	ret = set_caps(cur.data[0].effective | (uint64_t)cur.data[1].effective << 32,
		       cur.data[0].permitted | (uint64_t)cur.data[1].permitted << 32, c->cap_inh);
	if (ret < 0)
		return ret;

	*step = RST_STEP_BSET;
	for (uint32_t cap = 0; cap <= c->cap_last_cap && cap < 64; cap++) {
		if (c->cap_bnd & (1ULL << cap))
			continue;
		if (sys_call5(__NR_prctl, PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		ret = sys_call5(__NR_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
		if (ret < 0)
			return ret;
	}

	*step = RST_STEP_AMBIENT;
	ret = sys_call5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (ret < 0)
		return ret;
	for (uint32_t cap = 0; cap <= c->cap_last_cap && cap < 64; cap++) {
		if (!(c->cap_amb & (1ULL << cap)))
			continue;
		ret = sys_call5(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
		if (ret < 0)
			return ret;
	}

	*step = RST_STEP_SECUREBITS;
	ret = sys_call5(__NR_prctl, PR_SET_SECUREBITS, c->securebits, 0, 0, 0);
	if (ret < 0)
		return ret;

	*step = RST_STEP_CAPS;
	return set_caps(c->cap_eff, c->cap_prm, c->cap_inh);
}
