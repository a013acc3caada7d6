#define LOG_PREFIX "dump-parasite: "
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/infect.h"
#include "dump/parasite-state.h"

void parasite_state_free(struct parasite_state *ps)
{
	free(ps->timer_values);
	free(ps->timers);
	free(ps->threads);
	memset(ps, 0, sizeof(*ps));
}

const struct parasite_thread_state *parasite_state_thread(const struct parasite_state *ps, pid_t tid)
{
	for (size_t i = 0; i < ps->nr_threads; i++)
		if (ps->threads[i].tid == tid)
			return &ps->threads[i];
	return NULL;
}

static int run_commands(struct dump_ctx *ctx, struct parasite_ctl *ctl, struct parasite_state *ps)
{
	static const long brk_args[6] = { 0 };
	long brk;
	int ret;

	ret = parasite_get_sigactions(ctl, &ps->sigactions);
	if (!ret)
		ret = parasite_get_itimers(ctl, &ps->itimers);
	if (!ret)
		ret = parasite_get_process_state(ctl, &ps->process);
	if (ret)
		return ret;
	for (size_t i = 0; i < ctx->seized.nr; i++) {
		ret = parasite_get_thread_state(ctl, ctx->seized.t[i].tid, &ps->threads[i]);
		if (ret)
			return ret;
		ps->threads[i].tid = ctx->seized.t[i].tid;
	}
	if (ps->nr_timers) {
		int32_t *ids = calloc(ps->nr_timers, sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		for (size_t i = 0; i < ps->nr_timers; i++)
			ids[i] = ps->timers[i].id;
		ret = parasite_get_posix_timers(ctl, ids, ps->nr_timers, ps->timer_values);
		free(ids);
		if (ret)
			return ret;
	}
	ret = parasite_syscall(ctl, SYS_brk, brk_args, &brk);
	if (ret)
		return ret;
	ps->brk = brk;
	return 0;
}

/*
 * A thread in seccomp strict mode is killed by the parasite's first
 * syscall (strict mode allows read, write, exit and sigreturn only), and
 * no restore could bring the mode back: refuse before infecting.
 */
static int refuse_strict(struct dump_ctx *ctx)
{
	for (size_t i = 0; i < ctx->seized.nr; i++) {
		pid_t tid = ctx->seized.t[i].tid;
		char path[64], *text, *line;
		int ret;

		snprintf(path, sizeof(path), "%d/task/%d/status", (int)ctx->pid, (int)tid);
		ret = proc_read_file(path, 1 << 16, &text, NULL);
		if (ret) {
			pr_err_rc(ret, "pid %d: thread %d: cannot read its status", (int)ctx->pid, (int)tid);
			return ret;
		}
		line = strstr(text, "\nSeccomp:");
		ret = line && atoi(line + 9) == 1 ? -ENOTSUP : 0;
		free(text);
		if (ret) {
			pr_err("pid %d: thread %d is in seccomp strict mode, which cannot be dumped "
			       "(the parasite's syscalls would kill it) nor restored", (int)ctx->pid,
			       (int)tid);
			return ret;
		}
	}
	return 0;
}

int parasite_state_collect(struct dump_ctx *ctx, struct parasite_state *ps)
{
	struct parasite_ctl *ctl = NULL;
	int ret, cret;

	memset(ps, 0, sizeof(*ps));
	ret = refuse_strict(ctx);
	if (ret)
		return ret;
	ret = proc_read_timers(ctx->pid, &ps->timers, &ps->nr_timers);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot parse /proc/%d/timers", (int)ctx->pid, (int)ctx->pid);
		goto fail;
	}
	ps->nr_threads = ctx->seized.nr;
	ps->threads = calloc(ps->nr_threads, sizeof(*ps->threads));
	ps->timer_values = calloc(ps->nr_timers ? ps->nr_timers : 1, sizeof(*ps->timer_values));
	if (!ps->threads || !ps->timer_values) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = infect_seized(ctx->pid, ctx->pid, &ctl);
	if (ret)
		goto fail;
	ret = run_commands(ctx, ctl, ps);
	cret = infect_cure(ctl);
	if (!ret)
		ret = cret;
	if (ret)
		goto fail;
	ctx->features |= DF_PARASITE;
	return 0;
fail:
	parasite_state_free(ps);
	return ret;
}
