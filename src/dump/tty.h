/*
 * Terminals (FD_TTY, images/tty.proto), mirrored by src/restore/tty.c.
 *
 * One kind is dumped: the job's controlling terminal, when the session
 * it belongs to is led from outside the dumped tree (a shell job: the
 * shell stays behind), and only with `lmig dump --shell-job` (-j, CRIU's
 * spelling). It is saved as "the external terminal": which fds, their
 * flags, the job's process group and whether it had the foreground.
 *
 * Refused, one line naming pid, fd and the terminal: any terminal without
 * --shell-job; a terminal that is not the process's controlling one; a
 * terminal whose session leader is inside the tree, or a pty master (a
 * tree that owns a terminal, e.g. a daemon with its own pty pair).
 */
#ifndef LMIG_DUMP_TTY_H
#define LMIG_DUMP_TTY_H

#include <stdbool.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"

struct dump_ctx;

/* A terminal's record and the storage its fields point into. */
struct tty_dump {
	TtyEntry e;
	uint8_t cc[32];			/* NCCS */
};

/* Is a character device of this number a terminal (pts, vt, serial, console, /dev/tty, ptmx)? */
bool tty_is_terminal(dev_t rdev);

/*
 * Describe fd of ctx's process, on the terminal rdev (link: its
 * /proc/PID/fd link): fe->kind FD_TTY, fe->reg = reg (already filled by
 * the caller: path, flags), fe->tty = &tty->e, filled here with the
 * terminal's modes and size (tty is the caller's, like reg). 0, or
 * -ENOTSUP after one error line.
 */
int tty_describe(struct dump_ctx *ctx, int fd, const char *link, dev_t rdev, FileEntry *fe,
		 RegFileEntry *reg, struct tty_dump *tty);

#endif
