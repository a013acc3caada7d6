#define LOG_PREFIX "precopy: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/precopy.h"
#include "dump/proc.h"
#include "net/netlock.h"

int pc_tree_prepare(struct pc_tree *t, const struct dump_opts *o, int dirfd)
{
	int ret = dump_tree_ctxs(o, &t->seized, dirfd, &t->dcs);

	if (ret)
		return ret;
	for (size_t i = 0; i < t->seized.nr; i++)
		t->dcs[i].pagemap_only = true;
	return 0;
}

/* What a descendant needs to be sent while frozen: its fds, its frozen areas. */
static int open_sub(const struct precopy_ctx *ctx, const struct dump_ctx *dc,
		    struct precopy_ctx *sub)
{
	int ret;

	memset(sub, 0, sizeof(*sub));
	sub->o = ctx->o;
	sub->pid = dc->pid;
	sub->ps = ctx->ps;
	sub->c = ctx->c;
	sub->buf = ctx->buf;	/* one process sends at a time; each flushes before the next */
	sub->frozen = true;
	sub->scan.ps = ctx->ps;
	sub->mem_fd = -1;
	sub->scan.pagemap_fd = -1;
	ret = proc_open(dc->pid, "pagemap", &sub->scan.pagemap_fd);
	if (!ret)
		ret = proc_open(dc->pid, "mem", &sub->mem_fd);
	if (!ret)
		ret = pc_areas_from_vmas(sub, &dc->vmas);
	return ret;
}

int pc_tree_send_areas(struct precopy_ctx *ctx, struct pc_tree *t, uint64_t *pages)
{
	int ret = 0;

	*pages = 0;
	if (t->seized.nr < 2)
		return 0;
	t->sub = calloc(t->seized.nr, sizeof(*t->sub));
	if (!t->sub)
		return -ENOMEM;
	for (size_t i = 0; i < t->seized.nr; i++)
		t->sub[i].mem_fd = t->sub[i].scan.pagemap_fd = -1;
	t->nr_sub = t->seized.nr;
	for (size_t i = 1; !ret && i < t->seized.nr; i++) {
		struct precopy_ctx *sub = &t->sub[i];

		if (t->seized.p[i].zombie)
			continue;
		ret = open_sub(ctx, &t->dcs[i], sub);
		if (!ret)
			ret = pc_send_areas(sub);
		for (size_t k = 0; !ret && k < sub->areas.nr; k++)
			if (sub->areas.a[k].carries)
				*pages += (sub->areas.a[k].end - sub->areas.a[k].start) / ctx->ps;
	}
	return ret;
}

int pc_tree_send_pages(struct pc_tree *t, int dirfd)
{
	int ret = 0;

	for (size_t i = 1; !ret && i < t->nr_sub; i++) {
		struct precopy_ctx *sub = &t->sub[i];

		if (t->seized.p[i].zombie)
			continue;
		for (size_t k = 0; !ret && k < sub->areas.nr; k++)
			if (sub->areas.a[k].carries)
				ret = pc_send_range(sub, sub->areas.a[k].start, sub->areas.a[k].end, false);
		if (!ret)
			ret = pc_send_resend_areas(sub, dirfd);
		if (!ret)
			ret = pc_flush(sub);
	}
	return ret;
}

/*
 * Migrated: the connections live at the destination and their address has
 * moved there, while a lock left here would drop, forever, the packets of
 * the next process on this host to use the same addresses (a service
 * migrated back). Unlike after a dump, no restore here removes it.
 */
static void unlock_network(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char table[NETLOCK_NAME_MAX];
		const char *what = NULL;
		int r;

		netlock_table_name((int)pids[i], table);
		r = netlock_unlock(table, &what);
		if (r)
			pr_warn("cannot remove the network lock (nftables table inet %s): %s: %s",
				table, what ? what : "", strerror(-r));
	}
}

int pc_tree_release(struct pc_tree *t, bool kill_it)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int ret = 0;

	for (size_t i = 1; i < t->nr_sub; i++) {
		struct precopy_ctx *sub = &t->sub[i];

		if (sub->scan.pagemap_fd >= 0)
			close(sub->scan.pagemap_fd);
		if (sub->mem_fd >= 0)
			close(sub->mem_fd);
		pc_areas_free(&sub->areas);
	}
	free(t->sub);
	if (kill_it && t->dcs) {
		pids = malloc(t->seized.nr * sizeof(*pids));
		for (size_t i = 0; pids && i < t->seized.nr; i++)
			pids[n++] = t->seized.p[i].pid;
	}
	/* Killed first: the sockets close in repair mode, sending nothing. */
	if (t->dcs)
		ret = dump_tree_release(t->dcs, &t->seized, kill_it);
	else
		unseize_tree(&t->seized, kill_it);
	unlock_network(pids, n);
	free(pids);
	memset(t, 0, sizeof(*t));
	return ret;
}
