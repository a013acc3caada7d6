/*
 * Terminals at restore (FD_TTY, images/tty.proto), mirroring src/dump/tty.c.
 *
 * A shell job's external terminal is not recreated. With `lmig restore
 * --shell-job` (-j) the tree joins lmig restore's own session (the root
 * is cloned in it and, not having led its old one, stays), each fd on
 * the external terminal is lmig's controlling terminal opened again (its
 * device node, e.g. /dev/pts/4; /dev/tty for one opened as /dev/tty), and
 * once the tree is created the job's process group is made the
 * terminal's foreground group if lmig restore itself was in the
 * foreground. lmig takes the foreground back when the job has ended
 * (unless --detach: then the shell that ran lmig does, as lmig exits),
 * and passes a stop of the job (^Z) and its continuation on to its own
 * shell (tty_job_stopped()). Like a shell, it sets the job's terminal
 * modes (from the image; an editor's raw mode) while the job has the
 * foreground and its own while it has, and sends the job SIGWINCH when
 * the terminal's size is not the dumped one.
 *
 * Refused before anything is created, one line naming pid, fd and the
 * terminal: an external terminal without --shell-job, or with it when
 * lmig restore has no controlling terminal. Fds that --inherit-stdio
 * replaces (stdio.h) need neither.
 */
#ifndef LMIG_RESTORE_TTY_H
#define LMIG_RESTORE_TTY_H

#include <stdbool.h>
#include <termios.h>

#include <sys/types.h>

#include "fdinfo.pb-c.h"

struct restore_ctx;

struct rst_tty {
	char path[128];		/* lmig's controlling terminal's node */
	int fd;			/* lmig's own fd on it (/dev/tty) */
	pid_t fg_given;		/* the group tty_give_foreground() gave it to, or 0 */
	/*
	 * The job's terminal modes (from the image, then as it left them at
	 * a stop), in force while it has the foreground; lmig's own in
	 * between, as a shell does. has_modes: the image had them.
	 */
	bool has_modes;
	struct termios job, own;
	unsigned short rows, cols;	/* its size at the dump */
};

/*
 * lmig's side, once every image is read: the checks above; with
 * --shell-job and a controlling terminal, allocates ctx->tty
 * (tty_restore_free() frees it). 0 or -errno (logged).
 */
int tty_restore_check(struct restore_ctx *ctx);

/*
 * lmig's side, once the root of the tree is created (its process group
 * exists) and before any process runs. 0 (also when nothing is to be
 * done) or -errno (logged).
 */
int tty_give_foreground(struct restore_ctx *ctx);

/* The job ended or the restore failed: lmig's group gets back the foreground it gave. */
void tty_take_foreground(struct restore_ctx *ctx);

/*
 * The job's root (lmig's child) stopped, e.g. ^Z: lmig takes the
 * foreground back and stops itself, so that the shell that ran it sees
 * a stopped job and takes the terminal. Once lmig is continued (fg or
 * bg), the job is given the foreground again if lmig has it, and
 * continued. Returns when both run again. Nothing is done unless the
 * job had the foreground from lmig (tty_give_foreground()).
 */
void tty_job_stopped(struct restore_ctx *ctx, pid_t root);

void tty_restore_free(struct restore_ctx *ctx);

/* In a restored process: fe (FD_TTY) opened anew. An fd, or -errno with *what. */
int tty_open(const struct restore_ctx *ctx, const FileEntry *fe, const char **what);

#endif
