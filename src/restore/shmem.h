/*
 * Shared anonymous memory (VMA_ANON_SHARED) of a restored tree: one
 * kernel shmem object per shmid of the images, made by lmig before the
 * tree is cloned (an anonymous MAP_SHARED area, held through its
 * /proc/self/map_files fd, so that maps shows "/dev/zero (deleted)" as
 * before), inherited by every process, which maps it at its pgoff. Every
 * process then writes the pages it saw into it: they are the same pages,
 * dumped while the whole tree was frozen.
 */
#ifndef LMIG_RESTORE_SHMEM_H
#define LMIG_RESTORE_SHMEM_H

#include <stdint.h>

struct restore_ctx;

struct rst_shmem {
	uint64_t shmid;
	uint64_t size;		/* the highest pgoff + length of its areas */
	int fd;
};

/* lmig: one object for each shmid of ctx's processes. 0 or -errno (logged). */
int shmem_prepare(struct restore_ctx *ctx);
/* Close lmig's fds (after the root is cloned) and free the table. */
void shmem_release(struct restore_ctx *ctx);
/* The object of shmid, or -1 when there is none (a lone restore_child without tree.c). */
int shmem_fd(const struct restore_ctx *ctx, uint64_t shmid);

#endif
