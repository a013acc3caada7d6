/* The list of probes, and what the results mean for a migration. */
#define LOG_PREFIX "check: "
#include "config.h"
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "log.h"
#include "probe.h"

struct feature {
	const char *name;
	bool required;	/* stop-and-copy migration cannot work without it */
	void (*probe)(struct check_probe *p);
};

static const struct feature features[CHECK_NR_FEATURES] = {
	[CHECK_SOFT_DIRTY]		= { "soft-dirty",		false,	probe_soft_dirty },
	[CHECK_UFFD_WP]			= { "uffd-wp",			false,	probe_uffd_wp },
	[CHECK_PTRACE_SEIZE]		= { "ptrace-seize",		true,	probe_ptrace_seize },
	[CHECK_PROCESS_VM_READV]	= { "process-vm-readv",		true,	probe_process_vm_readv },
	[CHECK_PIDFD_GETFD]		= { "pidfd-getfd",		true,	probe_pidfd_getfd },
	[CHECK_CLONE3_SET_TID]		= { "clone3-set-tid",		true,	probe_clone3_set_tid },
	[CHECK_PR_SET_MM_MAP]		= { "pr-set-mm-map",		true,	probe_pr_set_mm_map },
	[CHECK_MEMFD]			= { "memfd",			false,	probe_memfd },
	[CHECK_SECCOMP_GET_FILTER]	= { "seccomp-get-filter",	false,	probe_seccomp_get_filter },
	[CHECK_RSEQ_CONFIGURATION]	= { "rseq-configuration",	false,	probe_rseq_configuration },
	[CHECK_TIME_NS]			= { "time-ns",			false,	probe_time_ns },
	[CHECK_NET_NS]			= { "net-ns",			false,	probe_net_ns },
	[CHECK_TCP_REPAIR]		= { "tcp-repair",		false,	probe_tcp_repair },
	[CHECK_IO_URING]		= { "io-uring",			false,	probe_io_uring },
	[CHECK_IO_URING_SEND_ZC]	= { "io-uring-send-zc",		false,	probe_io_uring_send_zc },
	[CHECK_RDMA]			= { "rdma",			false,	probe_rdma },
	[CHECK_SELINUX]			= { "selinux",			false,	probe_selinux },
	[CHECK_TLS]			= { "tls",			false,	probe_tls },
	[CHECK_KTLS]			= { "ktls",			false,	probe_ktls },
	[CHECK_ACCEPT_QUEUE]		= { "accept-queue",		false,	probe_accept_queue },
};

const char *check_feature_name(enum check_feature f)
{
	return f < CHECK_NR_FEATURES ? features[f].name : "unknown";
}

bool check_feature_required(enum check_feature f)
{
	return f < CHECK_NR_FEATURES && features[f].required;
}

void check_run_one(struct check_result *r, enum check_feature f)
{
	struct check_probe *p = &r->f[f];

	memset(p, 0, sizeof(*p));
	features[f].probe(p);
	p->probed = true;
	pr_debug("%s: %s: %s", features[f].name, p->available ? "yes" : "no", p->detail);
}

void check_run(struct check_result *r)
{
	memset(r, 0, sizeof(*r));
	for (int f = 0; f < CHECK_NR_FEATURES; f++)
		check_run_one(r, (enum check_feature)f);
}

static bool have(const struct check_result *r, enum check_feature f)
{
	return r->f[f].probed && r->f[f].available;
}

const char *check_pick_tracker(const struct check_result *r)
{
	if (have(r, CHECK_UFFD_WP))
		return "uffd-wp";
	if (have(r, CHECK_SOFT_DIRTY))
		return "soft-dirty";
	return NULL;
}

bool check_transport_usable(const struct check_result *r, const char *name)
{
	if (strcmp(name, "tcp") == 0)
		return true;
	if (strcmp(name, "uring") == 0)
		return have(r, CHECK_IO_URING);
	if (strcmp(name, "rdma") == 0)
		return have(r, CHECK_RDMA);
	return false;
}

int check_missing(const struct check_result *r, char *buf, size_t len)
{
	size_t used = 0;
	int missing = 0;

	if (len)
		buf[0] = '\0';
	for (int f = 0; f < CHECK_NR_FEATURES; f++) {
		if (!features[f].required || have(r, (enum check_feature)f))
			continue;
		if (used < len) {
			int n = snprintf(buf + used, len - used, "%s%s",
					 missing ? ", " : "", features[f].name);

			used += n > 0 ? (size_t)n : 0;
		}
		missing++;
	}
	return missing;
}
