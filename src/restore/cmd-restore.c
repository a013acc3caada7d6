#define LOG_PREFIX "restore: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "restore/namespaces.h"
#include "restore/restore.h"
#include "restore/sk-inet.h"

/* Bound on the child's preparation (reading pages is the slow part). */
#define RESTORE_TIMEOUT_MS	(300 * 1000)

static void kill_child(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
}

/* Stay the parent of the restored process: its exit status is ours. */
static int wait_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pr_perror("pid %d: cannot wait for the restored process", (int)pid);
			return LMIG_EXIT_FAIL;
		}
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
	return ret;
}

int restore_start(struct restore_ctx *ctx, void (*after_clone)(void *arg), void *arg,
		  pid_t *out)
{
	const struct action_scripts *scripts = &ctx->opts->scripts;
	const char *dir = ctx->opts->images_dir;
	int report[2] = { -1, -1 }, go[2] = { -1, -1 }, ret;
	struct sk_inet_lock lock;
	pid_t pid = -1;

	/* Until the sockets are back, their packets must not meet a host without them. */
	ret = sk_inet_lock_network(ctx, (int)ctx->procs[0].pid, scripts, dir, &lock);
	if (ret)
		return ret;
	if (pipe2(report, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		ret = -errno;
		pr_perror("cannot create pipes to the restored process");
		goto out;
	}
	pid = restore_clone(ctx, &ctx->procs[0], report[1], go[0]);
	if (after_clone)
		after_clone(arg);
	if (pid < 0) {
		ret = pid;
		goto out;
	}
	close(report[1]);
	report[1] = -1;
	/* Seized before it starts, so that it cannot outrun the end of rt_sigreturn. */
	if (ptrace(PTRACE_SEIZE, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL))) {
		ret = -errno;
		pr_perror("pid %d: cannot ptrace the restored process", (int)pid);
		goto out_kill;
	}
	if (write(go[1], "g", 1) != 1) {
		ret = -errno;
		pr_perror("pid %d: cannot start the restored process", (int)pid);
		goto out_kill;
	}
	ret = restore_finish(pid, report[0], RESTORE_TIMEOUT_MS);
	if (ret)
		goto out_kill;
	pr_info("pid %d: restored", (int)pid);
	ret = action_scripts_run(scripts, ACT_POST_RESTORE, pid, dir);
	if (ret)
		goto out_kill;
	ret = sk_inet_unlock_network(&lock, true, scripts, dir);
	if (ret)
		goto out_kill;
	*out = pid;
	goto out;

out_kill:
	kill_child(pid);
out:
	if (ret) {
		sk_inet_unlock_network(&lock, false, scripts, dir);
		action_scripts_run(scripts, ACT_ROLLBACK, (int)ctx->procs[0].pid, dir);
	}
	for (int i = 0; i < 2; i++) {
		if (report[i] >= 0)
			close(report[i]);
		if (go[i] >= 0)
			close(go[i]);
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
			code = o->detach ? LMIG_EXIT_OK : wait_exit(pid);
	}
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
