/*
 * One open file description held by several processes of a tree (a file
 * opened before fork: one file position, one set of status flags), found
 * with kcmp(KCMP_FILE) and given one id in files.img, so that restore
 * opens it once and every process shares it again (restore/file-share.h).
 * Only files with a position are matched this way (regular files,
 * directories, memfds); pipes, sockets and the other kinds carry their
 * own identity.
 *
 * The tree's dump keeps one table (struct file_share, dump_ctx.shares)
 * of such files already dumped, by device and inode: an fd is compared
 * (kcmp) only with fds of earlier processes open on the same inode.
 */
#ifndef LMIG_DUMP_FILE_SHARE_H
#define LMIG_DUMP_FILE_SHARE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct dump_ctx;

struct file_share_entry {
	pid_t pid;
	int fd;
	dev_t dev;
	ino_t ino;
	uint32_t id;
};

struct file_share {
	struct file_share_entry *e;	/* owned */
	size_t nr, cap;
};

/*
 * Does a process dumped before ctx's hold the open file description of
 * ctx's fd (whose stat is st and /proc link is link)? Then *id is the
 * id it got there. 1 (found) or 0 (not found, not a kind matched here,
 * or ctx->shares NULL).
 */
int file_share_find(const struct dump_ctx *ctx, int fd, const struct stat *st, const char *link,
		    uint32_t *id);
/* Remember ctx's fd, of file id, for the processes after it. 0 or -ENOMEM. */
int file_share_note(const struct dump_ctx *ctx, int fd, const struct stat *st, const char *link,
		    uint32_t id);
void file_share_free(struct file_share *s);

#endif
