#define LOG_PREFIX "restore: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "restore/namespaces.h"
#include "restore/restore.h"
#include "restore/tree.h"
#include "restore/sk-inet.h"
#include "restore/tty.h"

/*
 * Stay the parent of the restored process: its exit status is ours. A
 * shell job stopped by ^Z stops lmig too (tty.h), so that its shell
 * takes the terminal back.
 */
static int wait_exit(struct restore_ctx *ctx, pid_t pid)
{
	int status;

	for (;;) {
		if (waitpid(pid, &status, ctx->tty ? WUNTRACED : 0) < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("pid %d: cannot wait for the restored process", (int)pid);
			return LMIG_EXIT_FAIL;
		}
		if (!WIFSTOPPED(status))
			break;
		tty_job_stopped(ctx, pid);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int restore_load(struct restore_ctx *ctx)
{
	int ret = restore_inventory(ctx);

	if (!ret)
		ret = restore_read_tree(ctx);
	if (!ret)
		ret = restore_read_files(ctx);
	if (!ret)
		ret = tty_restore_check(ctx);
	return ret;
}

int restore_start(struct restore_ctx *ctx, void (*after_clone)(void *arg), void *arg,
		  pid_t *out)
{
	const struct action_scripts *scripts = &ctx->opts->scripts;
	const char *dir = ctx->opts->images_dir;
	struct sk_inet_lock lock;
	struct timespec t0, t1;
	int ret;
	pid_t pid = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Until the sockets are back, their packets must not meet a host without them. */
	ret = sk_inet_lock_network(ctx, (int)ctx->procs[0].pid, scripts, dir, &lock);
	if (ret)
		return ret;
	/* The whole tree, every process caught at the end of rt_sigreturn, then let go. */
	ret = restore_tree(ctx, after_clone, arg, &pid);
	if (ret)
		goto out;
	/* From the tree read to every thread running again; bench/threads reads it. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pr_info("pid %d: restored %zu process(es) in %.3f ms", (int)pid, ctx->nr_procs,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	ret = action_scripts_run(scripts, ACT_POST_RESTORE, pid, dir);
	if (ret)
		goto out_kill;
	ret = sk_inet_unlock_network(&lock, true, scripts, dir);
	if (ret)
		goto out_kill;
	*out = pid;
	goto out;

out_kill:
	restore_tree_kill(ctx, pid);
out:
	if (ret) {
		sk_inet_unlock_network(&lock, false, scripts, dir);
		action_scripts_run(scripts, ACT_ROLLBACK, (int)ctx->procs[0].pid, dir);
	}
	return ret;
}

int restore_run(const struct restore_opts *o)
{
	struct restore_ctx ctx = { .opts = o, .dirfd = -1 };
	int code = LMIG_EXIT_FAIL;
	pid_t pid;

	ctx.page_size = sysconf(_SC_PAGESIZE);
	ctx.dirfd = open(o->images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx.dirfd < 0) {
		pr_perror("cannot open the images directory %s", o->images_dir);
		return LMIG_EXIT_FAIL;
	}
	if (action_scripts_run(&o->scripts, ACT_PRE_RESTORE, 0, o->images_dir))
		action_scripts_run(&o->scripts, ACT_ROLLBACK, 0, o->images_dir);
	else if (restore_load(&ctx))
		action_scripts_run(&o->scripts, ACT_ROLLBACK, 0, o->images_dir);
	else if (!restore_start(&ctx, NULL, NULL, &pid)) {
		if (o->ns_init)
			code = ns_init_reap(o->ns_init, pid);
		else if (o->pidfile && restore_write_pidfile(o->pidfile, pid))
			code = LMIG_EXIT_FAIL;
		else
			code = o->detach ? LMIG_EXIT_OK : wait_exit(&ctx, pid);
	}
	/* The job ended (or never ran); detached, it keeps the terminal. */
	if (code != LMIG_EXIT_OK || !o->detach)
		tty_take_foreground(&ctx);
	restore_ctx_free(&ctx);
	close(ctx.dirfd);
	return code;
}

int cmd_restore(int argc, char **argv)
{
	struct restore_opts o;

	if (restore_parse_opts(argc, argv, &o))
		return LMIG_EXIT_USAGE;
	if (o.help) {
		restore_usage();
		return LMIG_EXIT_OK;
	}
	if (o.netns || o.new_pidns)
		return restore_in_namespaces(&o);
	return restore_run(&o);
}
