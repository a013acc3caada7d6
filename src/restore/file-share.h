/*
 * Open file descriptions shared by several processes of a restored tree
 * (the dump gave them one id: dump/file-share.h). lmig opens each once
 * before the root is cloned, at its saved position and with its flags;
 * every process holding it takes a copy of lmig's fd (one description
 * again: a read or write by one moves the position the others see), and
 * lmig closes its own once the root is cloned.
 */
#ifndef LMIG_RESTORE_FILE_SHARE_H
#define LMIG_RESTORE_FILE_SHARE_H

#include <stdint.h>

struct restore_ctx;

struct rst_shared_file {
	uint32_t id;		/* file_entry.id */
	int fd;			/* lmig's, -1 once closed */
};

/* lmig: open every REG, DIR or MEMFD file id used by more than one process. 0 or -errno (logged). */
int file_share_prepare(struct restore_ctx *ctx);
/* lmig: close its fds and free the table (once the root holds them, or on failure). */
void file_share_release(struct restore_ctx *ctx);
/* lmig's fd of file id, or -1 when the file is not shared. */
int file_share_fd(const struct restore_ctx *ctx, uint32_t id);
/* In a restored process: a new fd of shared file id, or -errno with *what. */
int file_share_take(const struct restore_ctx *ctx, uint32_t id, const char **what);

#endif
