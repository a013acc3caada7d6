/*
 * Terminals and standard streams: which character devices are terminals
 * (dump/tty.h), and which images restore refuses without --shell-job or
 * without a terminal on lmig's side (restore/tty.h, restore/stdio.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "dump/tty.h"
#include "restore/restore.h"
#include "restore/stdio.h"
#include "restore/tty.h"
#include "../lib/unit.h"

static void test_is_terminal(void)
{
	CHECK(tty_is_terminal(makedev(136, 0)));	/* /dev/pts/0 */
	CHECK(tty_is_terminal(makedev(136, 300)));
	CHECK(tty_is_terminal(makedev(4, 1)));		/* /dev/tty1 */
	CHECK(tty_is_terminal(makedev(4, 64)));		/* /dev/ttyS0 */
	CHECK(tty_is_terminal(makedev(5, 0)));		/* /dev/tty */
	CHECK(tty_is_terminal(makedev(5, 1)));		/* /dev/console */
	CHECK(tty_is_terminal(makedev(5, 2)));		/* /dev/ptmx */
	CHECK(tty_is_terminal(makedev(128, 3)));	/* a pty master */
	CHECK(!tty_is_terminal(makedev(1, 3)));		/* /dev/null */
	CHECK(!tty_is_terminal(makedev(1, 9)));		/* /dev/urandom */
	CHECK(!tty_is_terminal(makedev(10, 229)));	/* /dev/fuse */
}

/*
 * A root (pid 10) with fds 0, 1, 2 on the external terminal, fd 3 on it
 * too or on a pipe, fd 4 on the pipe; its child (11) with fd 0 on the
 * terminal or on the pipe.
 */
struct fixture {
	struct restore_opts o;
	struct restore_ctx ctx;
	struct rst_proc procs[2];
	PstreeEntry pst[2];
	FdinfoEntry fdi[6], *fds_root[5], *fds_child[1];
	FileEntry fe[2], *files[2];
	RegFileEntry reg;
	TtyEntry tty;
	PipeEntry pipe;
};

static void fixture_init(struct fixture *f, bool fd3_tty, bool child_tty)
{
	static const PstreeEntry pst = PSTREE_ENTRY__INIT;
	static const FdinfoEntry fdi = FDINFO_ENTRY__INIT;
	static const FileEntry fe = FILE_ENTRY__INIT;
	static const RegFileEntry reg = REG_FILE_ENTRY__INIT;
	static const TtyEntry tty = TTY_ENTRY__INIT;
	static const PipeEntry pipe = PIPE_ENTRY__INIT;

	memset(f, 0, sizeof(*f));
	f->reg = reg;
	f->reg.path = "/dev/pts/9";
	f->tty = tty;
	f->tty.external = true;
	f->pipe = pipe;
	f->fe[0] = fe;
	f->fe[0].id = 1;
	f->fe[0].kind = FD_KIND__FD_TTY;
	f->fe[0].reg = &f->reg;
	f->fe[0].tty = &f->tty;
	f->fe[1] = fe;
	f->fe[1].id = 2;
	f->fe[1].kind = FD_KIND__FD_PIPE;
	f->fe[1].pipe = &f->pipe;
	f->files[0] = &f->fe[0];
	f->files[1] = &f->fe[1];
	for (int i = 0; i < 6; i++) {
		f->fdi[i] = fdi;
		f->fdi[i].fd = i < 5 ? (uint32_t)i : 0;
		f->fdi[i].id = i < 3 || (i == 3 && fd3_tty) || (i == 5 && child_tty) ? 1 : 2;
	}
	for (int i = 0; i < 5; i++)
		f->fds_root[i] = &f->fdi[i];
	f->fds_child[0] = &f->fdi[5];
	for (int i = 0; i < 2; i++) {
		f->pst[i] = pst;
		f->pst[i].pid = 10 + i;
		f->pst[i].ppid = i ? 10 : 0;
		f->pst[i].pgid = f->pst[i].sid = 10;
		f->procs[i].pid = 10 + i;
		f->procs[i].pstree = &f->pst[i];
	}
	f->procs[0].fds = f->fds_root;
	f->procs[0].nr_fds = 5;
	f->procs[1].fds = f->fds_child;
	f->procs[1].nr_fds = 1;
	f->ctx.opts = &f->o;
	f->ctx.procs = f->procs;
	f->ctx.nr_procs = 2;
	f->ctx.files = f->files;
	f->ctx.nr_files = 2;
}

/* tty_restore_check() with no controlling terminal (in a child, in a new session). */
static int check_without_tty(bool shell_job, bool inherit_stdio, bool fd3_tty, bool child_tty,
			     bool external)
{
	struct fixture f;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		fixture_init(&f, fd3_tty, child_tty);
		f.o.shell_job = shell_job;
		f.o.inherit_stdio = inherit_stdio;
		f.tty.external = external;
		_exit(-tty_restore_check(&f.ctx));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1000;
	return -WEXITSTATUS(status);
}

static void test_restore_check(void)
{
	struct fixture f;

	fixture_init(&f, true, true);
	CHECK(!stdio_inherited(&f.ctx, &f.procs[0], 0));
	f.o.inherit_stdio = true;
	CHECK(stdio_inherited(&f.ctx, &f.procs[0], 2));
	CHECK(!stdio_inherited(&f.ctx, &f.procs[0], 3));
	CHECK(!stdio_inherited(&f.ctx, &f.procs[1], 0));	/* the root's alone */

	/* Without --shell-job: refused while any terminal fd is left to give. */
	CHECK(check_without_tty(false, false, true, true, true) == -ENOTSUP);
	CHECK(check_without_tty(false, false, false, false, true) == -ENOTSUP);
	CHECK(check_without_tty(false, true, true, false, true) == -ENOTSUP);	/* root's fd 3 */
	CHECK(check_without_tty(false, true, false, true, true) == -ENOTSUP);	/* child's fd 0 */
	CHECK(check_without_tty(false, true, false, false, true) == 0);
	/* With it but no terminal of lmig's: refused when there is one to give. */
	CHECK(check_without_tty(true, false, true, true, true) == -ENOTTY);
	CHECK(check_without_tty(true, true, true, false, true) == -ENOTTY);
	CHECK(check_without_tty(true, true, false, false, true) == 0);
	/* A terminal that is not the external one is never restored. */
	CHECK(check_without_tty(true, false, true, true, false) == -ENOTSUP);
}

int main(void)
{
	log_set_level(LOG_QUIET);
	test_is_terminal();
	test_restore_check();
	return unit_result();
}
