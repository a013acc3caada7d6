#define LOG_PREFIX "restore-tty: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "restore/restore.h"
#include "restore/stdio.h"
#include "restore/tty.h"

#define PTY_SLAVE_MAJOR		136	/* /dev/pts/N */

static const FileEntry *file_by_id(const struct restore_ctx *ctx, uint32_t id)
{
	for (size_t i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->id == id)
			return ctx->files[i];
	return NULL;
}

static bool node_is(const char *path, dev_t dev)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == dev;
}

/* The device node of dev: /dev/pts/N for a pty, else what sysfs names (ttyS0, tty2, console). */
static int node_of(dev_t dev, char *path, size_t len)
{
	char sys[64], line[256];
	FILE *f;
	int ret = -ENOENT;

	if (major(dev) == PTY_SLAVE_MAJOR) {
		snprintf(path, len, "/dev/pts/%u", minor(dev));
		if (node_is(path, dev))
			return 0;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u/uevent", major(dev), minor(dev));
	f = fopen(sys, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "DEVNAME=", 8))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, len, "/dev/%.100s", line + 8);
		if (node_is(path, dev))
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* lmig's controlling terminal: an fd on it and its node. */
static int open_own_tty(struct rst_tty *t)
{
	unsigned int dev;
	int ret;

	t->fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	if (ioctl(t->fd, TIOCGDEV, &dev)) {
		ret = -errno;
		goto err;
	}
	ret = node_of((dev_t)dev, t->path, sizeof(t->path));
	if (ret)
		goto err;
	return 0;
err:
	close(t->fd);
	t->fd = -1;
	return ret;
}

/* The job's modes as dumped, over the terminal's current ones (its speeds stay). */
static void modes_from_image(struct rst_tty *t, const TtyEntry *e)
{
	if (!e->has_iflag || !e->has_oflag || !e->has_cflag || !e->has_lflag || !e->has_cc ||
	    tcgetattr(t->fd, &t->job))
		return;
	t->job.c_iflag = e->iflag;
	t->job.c_oflag = e->oflag;
	t->job.c_cflag = e->cflag;
	t->job.c_lflag = e->lflag;
	memcpy(t->job.c_cc, e->cc.data, e->cc.len < sizeof(t->job.c_cc) ? e->cc.len : sizeof(t->job.c_cc));
	t->rows = e->has_rows ? (unsigned short)e->rows : 0;
	t->cols = e->has_cols ? (unsigned short)e->cols : 0;
	t->has_modes = true;
}

int tty_restore_check(struct restore_ctx *ctx)
{
	const struct rst_proc *need = NULL;
	const FileEntry *need_fe = NULL;
	uint32_t need_fd = 0;
	struct rst_tty *t;
	int ret;

	for (size_t i = 0; i < ctx->nr_procs && !need; i++) {
		const struct rst_proc *p = &ctx->procs[i];

		for (size_t j = 0; j < p->nr_fds && !need; j++) {
			const FileEntry *fe = file_by_id(ctx, p->fds[j]->id);

			if (!fe || fe->kind != FD_KIND__FD_TTY)
				continue;
			if (!fe->tty || !fe->tty->external || !fe->reg) {
				pr_err("pid %u: fd %u: a terminal of a kind lmig does not restore", p->pid,
				       p->fds[j]->fd);
				return -ENOTSUP;
			}
			if (stdio_inherited(ctx, p, p->fds[j]->fd))
				continue;
			need = p;
			need_fd = p->fds[j]->fd;
			need_fe = fe;
		}
	}
	if (need && !ctx->opts->shell_job) {
		pr_err("pid %u: fd %u: %s: the terminal of its shell's session (dumped with "
		       "--shell-job); restore with --shell-job to give it lmig restore's terminal",
		       need->pid, need_fd, need_fe->reg->path);
		return -ENOTSUP;
	}
	if (!ctx->opts->shell_job)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	ret = open_own_tty(t);
	if (ret && !need) {
		/* Nothing to give: a job without a terminal restores without one. */
		free(t);
		return 0;
	}
	if (ret) {
		pr_err_rc(ret, "pid %u: fd %u: %s: the job's terminal, and lmig restore has no "
			  "controlling terminal to give it%s", need->pid, need_fd, need_fe->reg->path,
			  ctx->opts->ns_init ? " (--new-pidns starts a session of its own)" : "");
		free(t);
		return ret == -ENXIO ? -ENOTTY : ret;
	}
	ctx->tty = t;
	if (need) {
		modes_from_image(t, need_fe->tty);
		pr_info("pid %u: its terminal %s becomes %s", need->pid, need_fe->reg->path, t->path);
	}
	return 0;
}

int tty_give_foreground(struct restore_ctx *ctx)
{
	const struct rst_proc *root = &ctx->procs[0];
	struct rst_tty *t = ctx->tty;
	pid_t me = getpgrp(), job;

	/* A root that leads its own session is not on our terminal. */
	if (!t || root->pstree->sid == root->pid)
		return 0;
	if (tcgetpgrp(t->fd) != me) {
		pr_info("lmig restore is not in the foreground of %s: the job stays in the "
			"background", t->path);
		return 0;
	}
	job = getpgid((pid_t)root->pid);
	if (job < 0) {
		int ret = -errno;

		pr_perror("pid %u: cannot read its process group", root->pid);
		return ret;
	}
	if (job == me)
		return 0;
	if (t->has_modes && (tcgetattr(t->fd, &t->own) || tcsetattr(t->fd, TCSADRAIN, &t->job)))
		pr_warn("pid %u: cannot set its terminal modes on %s: %s", root->pid, t->path,
			strerror(errno));
	if (tcsetpgrp(t->fd, job)) {
		int ret = -errno;

		pr_perror("pid %u: cannot give its process group %d the foreground of %s",
			  root->pid, (int)job, t->path);
		return ret;
	}
	t->fg_given = job;
	if (t->has_modes && (t->rows || t->cols)) {
		struct winsize ws;

		/* It knows the dumped size: a new one is news, as for any resize. */
		if (ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && (ws.ws_row != t->rows || ws.ws_col != t->cols))
			kill(-job, SIGWINCH);
		t->rows = t->cols = 0;
	}
	return 0;
}

void tty_take_foreground(struct restore_ctx *ctx)
{
	struct rst_tty *t = ctx->tty;
	sigset_t ttou, old;

	if (!t || !t->fg_given)
		return;
	/* From the background, tcsetpgrp() is allowed while SIGTTOU is blocked. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	if (tcgetpgrp(t->fd) == t->fg_given && tcsetpgrp(t->fd, getpgrp()))
		pr_warn("cannot take back the foreground of %s: %s", t->path, strerror(errno));
	/* The job's modes kept for its next turn, lmig's (its shell's) back. */
	if (t->has_modes && (tcgetattr(t->fd, &t->job) || tcsetattr(t->fd, TCSADRAIN, &t->own)))
		pr_warn("cannot put back the terminal modes of %s: %s", t->path, strerror(errno));
	sigprocmask(SIG_SETMASK, &old, NULL);
	t->fg_given = 0;
}

void tty_job_stopped(struct restore_ctx *ctx, pid_t root)
{
	pid_t job = getpgid(root);

	/*
	 * Only a stop of the job we gave the foreground is passed on: one in
	 * lmig's own group stopped lmig too (and it has been continued since).
	 */
	if (!ctx->tty || !ctx->tty->fg_given)
		return;
	tty_take_foreground(ctx);
	/* Stopped until the shell continues us (in an orphaned group this does nothing). */
	raise(SIGTSTP);
	if (tty_give_foreground(ctx))
		pr_warn("pid %d: continued in the background", (int)root);
	if (job > 0 && kill(-job, SIGCONT))
		pr_perror("pid %d: cannot continue its process group %d", (int)root, (int)job);
}

void tty_restore_free(struct restore_ctx *ctx)
{
	if (!ctx->tty)
		return;
	close(ctx->tty->fd);
	free(ctx->tty);
	ctx->tty = NULL;
}

int tty_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what)
{
	int flags, fd;

	*what = "cannot open lmig restore's terminal in place of";
	if (!ctx->tty || !fe->reg)
		return -ENOTTY;	/* tty_restore_check() refused this already */
	/* Not made our controlling terminal: the session's is that already. */
	flags = (int)(fe->reg->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC));
	fd = open(fe->tty && fe->tty->via_dev_tty ? "/dev/tty" : ctx->tty->path,
		  flags | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
