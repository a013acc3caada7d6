/*
 * One open file description held by several processes of a tree (a file
 * opened before fork: one file position, one set of status flags), found
 * with kcmp(KCMP_FILE) and given one id in files.img, so that restore
 * opens it once and every process shares it again (restore/file-share.h).
 * Only files with a position are matched this way (regular files,
 * directories, memfds); pipes, sockets and the other kinds carry their
 * own identity.
 */
#ifndef LMIG_DUMP_FILE_SHARE_H
#define LMIG_DUMP_FILE_SHARE_H

#include <stdint.h>
#include <sys/stat.h>

struct dump_ctx;

/*
 * Does a process dumped before ctx's in its tree hold the open file
 * description of ctx's fd (whose stat is st and /proc link is link)?
 * Then *id is the id that process's fdinfo gave it. Returns 1 (found),
 * 0 (not found, or not a kind matched here, or no tree), or -errno after
 * one error line naming the fd.
 */
int file_share_find(const struct dump_ctx *ctx, int fd, const struct stat *st, const char *link,
		    uint32_t *id);

#endif
