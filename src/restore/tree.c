#define LOG_PREFIX "restore-tree: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "restore/fd-event.h"
#include "restore/file-share.h"
#include "restore/ipc.h"
#include "restore/restore.h"
#include "restore/shmem.h"
#include "restore/sk-unix.h"
#include "restore/tree.h"
#include "restore/tty.h"

/* Bound on the child's preparation (reading pages is the slow part). */
#define TREE_TIMEOUT_MS		(300 * 1000)
/* Bound on creating the tree, and on a zombie's exit. */
#define CREATE_TIMEOUT_MS	(30 * 1000)

static struct rst_proc *find_proc(struct restore_ctx *ctx, uint32_t pid)
{
	for (size_t i = 0; i < ctx->nr_procs; i++)
		if (ctx->procs[i].pid == pid)
			return &ctx->procs[i];
	return NULL;
}

int restore_check_tree(struct restore_ctx *ctx)
{
	const PstreeEntry *root = ctx->procs[0].pstree;

	if (root->ppid != 0 || root->zombie) {
		pr_err("pid %u: the root of the tree is a zombie or has a parent in it", root->pid);
		return -EINVAL;
	}
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		struct rst_proc *p = &ctx->procs[i];
		const PstreeEntry *e = p->pstree;
		struct rst_proc *parent = NULL, *leader;

		for (size_t j = 0; j < i && i; j++)
			if (ctx->procs[j].pid == e->ppid)
				parent = &ctx->procs[j];
		if (i && !parent) {
			pr_err("pid %u: its parent %u does not come before it in pstree.img", p->pid,
			       e->ppid);
			return -EINVAL;
		}
		if (i && parent->pstree->zombie) {
			pr_err("pid %u: its parent %u is a zombie", p->pid, e->ppid);
			return -EINVAL;
		}
		/* A session is started by its leader and inherited from the parent. */
		if (i && e->sid != e->pid && e->sid != parent->pstree->sid) {
			pr_err("pid %u: its session %u is neither its own nor its parent's (%u); "
			       "sessions whose leader is gone are not restored", p->pid, e->sid,
			       parent->pstree->sid);
			return -ENOTSUP;
		}
		if (e->pgid == e->pid)
			continue;
		leader = find_proc(ctx, e->pgid);
		if (leader && leader->pstree->pgid != e->pgid) {
			pr_err("pid %u: its process group %u is not led by pid %u", p->pid, e->pgid,
			       e->pgid);
			return -EINVAL;
		}
		if (leader && leader->pstree->sid != e->sid) {
			pr_err("pid %u: its process group %u belongs to another session", p->pid,
			       e->pgid);
			return -EINVAL;
		}
		/* The root's group from outside the tree stays lmig's, and so for its members. */
		if (!leader && !(e->pgid == root->pgid && root->pgid != root->pid &&
				 e->sid == root->sid)) {
			pr_err("pid %u: its process group %u has no process in the tree (its leader "
			       "is gone); not supported", p->pid, e->pgid);
			return -ENOTSUP;
		}
	}
	return 0;
}

static void say(char *msg, size_t len, const char *fmt, uint32_t a, uint32_t b)
{
	snprintf(msg, len, fmt, a, b);
}

int tree_create(struct restore_ctx *ctx, struct rst_proc *p, char *msg, size_t len)
{
	const PstreeEntry *e = p->pstree;
	size_t me = (size_t)(p - ctx->procs);
	int ret;

	/* Before the children: they inherit the session and the group. */
	if (e->sid == p->pid) {
		if (setsid() < 0) {
			ret = -errno;
			say(msg, len, "pid %u: cannot recreate its session", p->pid, 0);
			return ret;
		}
	} else if (e->pgid == p->pid && setpgid(0, 0)) {
		ret = -errno;
		say(msg, len, "pid %u: cannot recreate its process group", p->pid, 0);
		return ret;
	}
	for (size_t i = me + 1; i < ctx->nr_procs; i++) {
		struct rst_proc *c = &ctx->procs[i];
		pid_t pid;

		if (c->pstree->ppid != p->pid)
			continue;
		pid = restore_clone(ctx, c, ctx->report_fds[i], ctx->go_fds[i]);
		if (pid < 0) {
			say(msg, len, "pid %u: cannot create its child %u with its pid", p->pid,
			    c->pid);
			return pid;
		}
	}
	/* Only our own pipe ends stay: a process that dies closes its report at once. */
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		if (i == me)
			continue;
		if (ctx->report_fds[i] >= 0)
			close(ctx->report_fds[i]);
		if (ctx->go_fds[i] >= 0)
			close(ctx->go_fds[i]);
		ctx->report_fds[i] = ctx->go_fds[i] = -1;
	}
	return 0;
}

int tree_join_group(struct restore_ctx *ctx, struct rst_proc *p, char *msg, size_t len)
{
	const PstreeEntry *e = p->pstree;
	pid_t pgid;

	if (e->pgid == p->pid || e->sid == p->pid)
		return 0;
	/*
	 * Checked up front: a leader in the tree, or the root's group from
	 * outside, which is joined again when it still exists in our session
	 * (the shell's job, say) and else stays lmig's.
	 */
	pgid = (pid_t)e->pgid;
	if (getpgid(0) == pgid)
		return 0;
	if (!find_proc(ctx, e->pgid)) {
		if (setpgid(0, pgid) == 0)
			return 0;
		pgid = ctx->outside_pgid;
		if (getpgid(0) == pgid)
			return 0;
	}
	if (setpgid(0, pgid)) {
		int ret = -errno;

		say(msg, len, "pid %u: cannot join its process group %u", p->pid, (uint32_t)pgid);
		return ret;
	}
	return 0;
}

void tree_die_as_zombie(struct rst_proc *p)
{
	int status = p->pstree->has_exit_code ? p->pstree->exit_code : 0;
	struct rlimit none = { 0, 0 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t all;

	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		/* Killed as it was, without a core file this time. */
		setrlimit(RLIMIT_CORE, &none);
		sigaction(sig, &dfl, NULL);
		sigemptyset(&all);
		sigaddset(&all, sig);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		kill(getpid(), sig);
	}
	_exit(WEXITSTATUS(status));
}

const struct rst_shared_pipe *tree_shared_pipe(const struct restore_ctx *ctx, uint64_t pipe_id)
{
	for (size_t i = 0; i < ctx->nr_shared_pipes; i++)
		if (ctx->shared_pipes[i].pipe_id == pipe_id)
			return &ctx->shared_pipes[i];
	return NULL;
}

/* --- lmig's side --- */

static const FileEntry *file_by_id(const struct restore_ctx *ctx, uint32_t id)
{
	for (size_t i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->id == id)
			return ctx->files[i];
	return NULL;
}

/* The first process (index) holding an end of pipe_id, or nr_procs. */
static size_t first_holder(const struct restore_ctx *ctx, uint64_t pipe_id)
{
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		const struct rst_proc *p = &ctx->procs[i];

		for (size_t j = 0; j < p->nr_fds; j++) {
			const FileEntry *fe = file_by_id(ctx, p->fds[j]->id);

			if (fe && fe->kind == FD_KIND__FD_PIPE && fe->pipe && fe->pipe->pipe_id == pipe_id)
				return i;
		}
	}
	return ctx->nr_procs;
}

/* One pipe for pipe_id, with the queued data its read end carries (once, whoever holds it). */
static int make_shared_pipe(struct restore_ctx *ctx, uint64_t pipe_id, struct rst_shared_pipe *sp)
{
	int ret = 0;

	sp->pipe_id = pipe_id;
	if (pipe2(sp->fds, O_CLOEXEC)) {
		ret = -errno;
		pr_perror("pipe %" PRIu64 ": cannot create it", pipe_id);
		return ret;
	}
	for (size_t i = 0; i < ctx->nr_files; i++) {
		const FileEntry *fe = ctx->files[i];
		const PipeEntry *pe = fe->pipe;

		if (fe->kind != FD_KIND__FD_PIPE || !pe || pe->pipe_id != pipe_id ||
		    !pe->has_data || !pe->data.len)
			continue;
		ret = files_refill_pipe(sp->fds[1], pe);
		if (ret) {
			pr_err_rc(ret, "pipe %" PRIu64 ": cannot refill its %zu queued bytes", pipe_id,
				  pe->data.len);
			return ret;
		}
		break;
	}
	return 0;
}

/* Every pipe whose ends are in more than one process of the tree. */
static int make_shared_pipes(struct restore_ctx *ctx)
{
	int ret;

	for (size_t i = 0; i < ctx->nr_procs; i++) {
		const struct rst_proc *p = &ctx->procs[i];

		for (size_t j = 0; j < p->nr_fds; j++) {
			const FileEntry *fe = file_by_id(ctx, p->fds[j]->id);
			struct rst_shared_pipe *np;

			if (!fe || fe->kind != FD_KIND__FD_PIPE || !fe->pipe ||
			    tree_shared_pipe(ctx, fe->pipe->pipe_id) ||
			    first_holder(ctx, fe->pipe->pipe_id) == i)
				continue;
			np = realloc(ctx->shared_pipes, (ctx->nr_shared_pipes + 1) * sizeof(*np));
			if (!np)
				return -ENOMEM;
			ctx->shared_pipes = np;
			ret = make_shared_pipe(ctx, fe->pipe->pipe_id, &np[ctx->nr_shared_pipes]);
			if (ret)
				return ret;
			ctx->nr_shared_pipes++;
		}
	}
	return 0;
}

static void close_shared_pipes(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_shared_pipes; i++) {
		close(ctx->shared_pipes[i].fds[0]);
		close(ctx->shared_pipes[i].fds[1]);
	}
	free(ctx->shared_pipes);
	ctx->shared_pipes = NULL;
	ctx->nr_shared_pipes = 0;
}

struct tree_run {
	int *report_rd;		/* lmig's ends, by proc index */
	int *go_wr;
	bool *created;		/* reported "created": its pid is ours */
	struct rst_held *held;
	pid_t root;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The "created" record of process i. */
static int wait_created(struct restore_ctx *ctx, struct tree_run *t, size_t i)
{
	struct pollfd pfd = { .fd = t->report_rd[i], .events = POLLIN };
	struct rst_report r;
	uint32_t pid = ctx->procs[i].pid;
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, CREATE_TIMEOUT_MS);
	if (ret <= 0) {
		pr_err("pid %u: was not created within %d s", pid, CREATE_TIMEOUT_MS / 1000);
		return ret ? -errno : -ETIMEDOUT;
	}
	n = read(t->report_rd[i], &r, sizeof(r));
	if (n != (ssize_t)sizeof(r)) {
		pr_err("pid %u: ended while the tree was being created", pid);
		return -ECHILD;
	}
	if (r.rc) {
		r.msg[sizeof(r.msg) - 1] = '\0';
		if (r.msg[0])
			pr_err_rc(r.rc, "%s", r.msg);
		return r.rc < 0 ? r.rc : -EIO;
	}
	t->created[i] = true;
	return 0;
}

/* A zombie of the tree has exited (it is not our child: its stat says Z). */
static int wait_zombie(uint32_t pid)
{
	int64_t end = now_ms() + CREATE_TIMEOUT_MS;
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	while (now_ms() < end) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'Z')
				return 0;
		}
		usleep(1000);
	}
	pr_err("pid %u: the zombie did not exit within %d s", pid, CREATE_TIMEOUT_MS / 1000);
	return -ETIMEDOUT;
}

static void kill_created(struct restore_ctx *ctx, struct tree_run *t)
{
	int status;

	for (size_t i = ctx->nr_procs; i-- > 0;)
		if (t->created[i] || (i == 0 && t->root > 0))
			kill((pid_t)ctx->procs[i].pid, SIGKILL);
	if (t->root > 0)
		while (waitpid(t->root, &status, __WALL) < 0 && errno == EINTR)
			;
}

static void free_run(struct restore_ctx *ctx, struct tree_run *t)
{
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		if (t->report_rd && t->report_rd[i] >= 0)
			close(t->report_rd[i]);
		if (t->go_wr && t->go_wr[i] >= 0)
			close(t->go_wr[i]);
		if (ctx->report_fds && ctx->report_fds[i] >= 0)
			close(ctx->report_fds[i]);
		if (ctx->go_fds && ctx->go_fds[i] >= 0)
			close(ctx->go_fds[i]);
		if (t->held)
			restore_held_free(&t->held[i]);
	}
	free(t->report_rd);
	free(t->go_wr);
	free(t->created);
	free(t->held);
	free(ctx->report_fds);
	free(ctx->go_fds);
	ctx->report_fds = ctx->go_fds = NULL;
	close_shared_pipes(ctx);
	shmem_release(ctx);
	sk_unix_release(ctx);
	ipc_release(ctx, false);
	file_share_release(ctx);
	fd_event_release(ctx);
}

static int make_pipes(struct restore_ctx *ctx, struct tree_run *t)
{
	size_t n = ctx->nr_procs;

	t->report_rd = malloc(n * sizeof(int));
	t->go_wr = malloc(n * sizeof(int));
	t->created = calloc(n, sizeof(bool));
	t->held = calloc(n, sizeof(*t->held));
	ctx->report_fds = malloc(n * sizeof(int));
	ctx->go_fds = malloc(n * sizeof(int));
	if (!t->report_rd || !t->go_wr || !t->created || !t->held || !ctx->report_fds ||
	    !ctx->go_fds)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		t->report_rd[i] = t->go_wr[i] = ctx->report_fds[i] = ctx->go_fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		int rep[2], go[2];

		/* Not O_CLOEXEC-free: nobody execs; the children inherit them through clone. */
		if (pipe2(rep, O_CLOEXEC))
			goto err;
		t->report_rd[i] = rep[0];
		ctx->report_fds[i] = rep[1];
		if (pipe2(go, O_CLOEXEC))
			goto err;
		ctx->go_fds[i] = go[0];
		t->go_wr[i] = go[1];
	}
	return 0;
err:
	pr_perror("cannot create the pipes to %zu restored processes", n);
	return -errno;
}

static long seize_opts(const struct rst_proc *p)
{
	long o = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;

	if (p->task && p->task->n_seccomp)
		o |= PTRACE_O_SUSPEND_SECCOMP;
	return o;
}

static int run_tree(struct restore_ctx *ctx, struct tree_run *t,
		    void (*after_clone)(void *arg), void *arg)
{
	int ret;

	ctx->outside_pgid = getpgid(0);
	ret = make_shared_pipes(ctx);
	if (!ret)
		ret = sk_unix_prepare(ctx);
	if (!ret)
		ret = ipc_prepare(ctx);
	if (!ret)
		ret = file_share_prepare(ctx);
	if (!ret)
		ret = shmem_prepare(ctx);
	if (!ret)
		ret = fd_event_prepare(ctx);
	if (ret)
		return ret;
	t->root = restore_clone(ctx, &ctx->procs[0], ctx->report_fds[0], ctx->go_fds[0]);
	if (after_clone)
		after_clone(arg);
	/* The processes hold the shared pipes now: a reader must see EOF when its writers end. */
	close_shared_pipes(ctx);
	shmem_release(ctx);
	sk_unix_release(ctx);
	ipc_detach(ctx);
	file_share_release(ctx);
	fd_event_release(ctx);
	if (t->root < 0)
		return t->root;
	/* The write ends of the reports are the processes' alone now. */
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		close(ctx->report_fds[i]);
		close(ctx->go_fds[i]);
		ctx->report_fds[i] = ctx->go_fds[i] = -1;
	}
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		struct rst_proc *p = &ctx->procs[i];

		ret = wait_created(ctx, t, i);
		if (ret)
			return ret;
		/* Seized before it goes on, so that it cannot outrun the end of rt_sigreturn. */
		if (!p->pstree->zombie &&
		    ptrace(PTRACE_SEIZE, (pid_t)p->pid, NULL, (void *)seize_opts(p))) {
			ret = -errno;
			pr_perror("pid %u: cannot ptrace the restored process", p->pid);
			return ret;
		}
	}
	/* A shell job has the terminal before it runs: reading it in the background would stop it. */
	ret = tty_give_foreground(ctx);
	if (ret)
		return ret;
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		if (write(t->go_wr[i], "g", 1) != 1) {
			ret = -errno;
			pr_perror("pid %u: cannot start the restored process", ctx->procs[i].pid);
			return ret;
		}
	}
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		struct rst_proc *p = &ctx->procs[i];

		if (p->pstree->zombie)
			continue;
		ret = restore_catch((pid_t)p->pid, t->report_rd[i], TREE_TIMEOUT_MS, &t->held[i]);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		if (!ctx->procs[i].pstree->zombie)
			continue;
		ret = wait_zombie(ctx->procs[i].pid);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		if (ctx->procs[i].pstree->zombie)
			continue;
		ret = restore_release(&t->held[i], TREE_TIMEOUT_MS);
		if (ret)
			return ret;
	}
	return 0;
}

int restore_tree(struct restore_ctx *ctx, void (*after_clone)(void *arg), void *arg,
		 pid_t *root)
{
	struct tree_run t = { .root = -1 };
	int ret;

	ret = make_pipes(ctx, &t);
	if (!ret)
		ret = run_tree(ctx, &t, after_clone, arg);
	if (ret) {
		kill_created(ctx, &t);
		ipc_release(ctx, true);
	} else
		*root = t.root;
	free_run(ctx, &t);
	return ret;
}

void restore_tree_kill(struct restore_ctx *ctx, pid_t root)
{
	int status;

	for (size_t i = ctx->nr_procs; i-- > 0;)
		if (!ctx->procs[i].pstree->zombie)
			kill((pid_t)ctx->procs[i].pid, SIGKILL);
	while (waitpid(root, &status, __WALL) < 0 && errno == EINTR)
		;
}
