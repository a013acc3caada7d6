#define LOG_PREFIX "dump-tty: "
#include "config.h"
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/tty.h"

/* Device majors (Documentation/admin-guide/devices.txt). */
#define TTY_MAJOR		4	/* vt (tty0..63) and serial (ttyS*) */
#define TTYAUX_MAJOR		5	/* /dev/tty 0, /dev/console 1, /dev/ptmx 2 */
#define PTY_MASTER_MAJOR	128	/* 128..135: Unix98 pty masters */
#define PTY_SLAVE_MAJOR		136	/* 136..143: /dev/pts/N */

bool tty_is_terminal(dev_t rdev)
{
	unsigned int ma = major(rdev), mi = minor(rdev);

	return ma == TTY_MAJOR || (ma == TTYAUX_MAJOR && mi <= 2) ||
	       (ma >= PTY_MASTER_MAJOR && ma < PTY_SLAVE_MAJOR + 8);
}

static bool is_pty_master(dev_t rdev)
{
	return (major(rdev) == TTYAUX_MAJOR && minor(rdev) == 2) ||
	       (major(rdev) >= PTY_MASTER_MAJOR && major(rdev) < PTY_SLAVE_MAJOR);
}

static bool pid_in_tree(const struct dump_ctx *ctx, pid_t pid)
{
	if (!ctx->tree)
		return pid == ctx->pid;
	for (size_t i = 0; i < ctx->tree->nr; i++)
		if (ctx->tree->p[i].pid == pid)
			return true;
	return false;
}

/* The terminal's modes and size, through the process's own fd; a warning if they cannot be read. */
static void read_modes(pid_t pid, int fd, const char *link, struct tty_dump *t)
{
	TtyEntry *e = &t->e;
	struct termios tio;
	struct winsize ws;
	int pidfd, lfd = -1;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		lfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		close(pidfd);
	}
	if (lfd < 0 || tcgetattr(lfd, &tio) || ioctl(lfd, TIOCGWINSZ, &ws)) {
		pr_warn("pid %d: fd %d: %s: its modes and size cannot be read (%s): the restore leaves the terminal's",
			(int)pid, fd, link, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return;
	}
	close(lfd);
	e->has_iflag = e->has_oflag = e->has_cflag = e->has_lflag = true;
	e->iflag = tio.c_iflag;
	e->oflag = tio.c_oflag;
	e->cflag = tio.c_cflag;
	e->lflag = tio.c_lflag;
	memcpy(t->cc, tio.c_cc, sizeof(t->cc) < sizeof(tio.c_cc) ? sizeof(t->cc) : sizeof(tio.c_cc));
	e->has_cc = true;
	e->cc.data = t->cc;
	e->cc.len = sizeof(tio.c_cc) < sizeof(t->cc) ? sizeof(tio.c_cc) : sizeof(t->cc);
	e->has_rows = e->has_cols = true;
	e->rows = ws.ws_row;
	e->cols = ws.ws_col;
}

int tty_describe(struct dump_ctx *ctx, int fd, const char *link, dev_t rdev, FileEntry *fe,
		 RegFileEntry *reg, struct tty_dump *t)
{
	TtyEntry *tty = &t->e;
	const struct proc_stat *st = &ctx->stat;
	bool via_dev_tty = rdev == makedev(TTYAUX_MAJOR, 0);
	int pid = (int)ctx->pid;
	dev_t dev = via_dev_tty ? (dev_t)st->tty_nr : rdev;

	if (is_pty_master(rdev)) {
		pr_err("pid %d: fd %d: %s: a pty master: a tree that owns a terminal is not "
		       "supported", pid, fd, link);
		return -ENOTSUP;
	}
	if (!st->tty_nr || dev != (dev_t)st->tty_nr) {
		pr_err("pid %d: fd %d: %s: a terminal that is not its controlling terminal; "
		       "not supported", pid, fd, link);
		return -ENOTSUP;
	}
	if (pid_in_tree(ctx, st->sid)) {
		pr_err("pid %d: fd %d: %s: the terminal of session %d, whose leader is in the "
		       "dumped tree: a tree that owns a terminal is not supported", pid, fd, link,
		       st->sid);
		return -ENOTSUP;
	}
	if (ctx->pagemap_only) {
		/* A live migration: the terminal stays on this host, with the shell. */
		pr_err("pid %d: fd %d: %s: a terminal of session %d, which cannot move to another "
		       "host: run the process without one (setsid, its stdio redirected), or move it "
		       "with lmig dump --shell-job and lmig restore --shell-job", pid, fd, link,
		       st->sid);
		return -ENOTSUP;
	}
	if (!ctx->opts->shell_job) {
		pr_err("pid %d: fd %d: %s: a terminal of session %d, outside the tree; dump with "
		       "--shell-job to restore it on lmig restore's terminal", pid, fd, link,
		       st->sid);
		return -ENOTSUP;
	}
	tty->major = major(dev);
	tty->minor = minor(dev);
	tty->external = true;
	tty->has_sid = tty->has_pgid = tty->has_foreground = true;
	tty->sid = (uint32_t)st->sid;
	tty->pgid = (uint32_t)st->pgid;
	tty->foreground = st->tpgid == st->pgid;
	tty->has_via_dev_tty = via_dev_tty;
	tty->via_dev_tty = via_dev_tty;
	read_modes(ctx->pid, fd, link, t);
	fe->kind = FD_KIND__FD_TTY;
	fe->reg = reg;
	fe->tty = tty;
	pr_debug("pid %d: fd %d: %s: the external terminal (session %d, group %d%s)", pid, fd,
		 link, st->sid, st->pgid, tty->foreground ? ", foreground" : "");
	return 0;
}
