/*
 * What makes a mapped file the same file on another host, where its
 * inode and device differ: its size, its modification time (package
 * managers keep the packaged one) and, for ELF objects, the GNU
 * build-id the linker wrote (a hash of the contents). Dump records it
 * for each file area; restore accepts a file of another inode only when
 * all of it matches.
 */
#ifndef LMIG_FILEID_H
#define LMIG_FILEID_H

#include <stddef.h>
#include <stdint.h>

#define FILEID_BUILD_ID_MAX	64

struct file_id {
	uint64_t size;
	uint64_t mtime_ns;
	uint8_t build_id[FILEID_BUILD_ID_MAX];
	size_t build_id_len;		/* 0: not an ELF file, or none in it */
};

/* Read fd's identity. 0 or -errno (fstat); a malformed ELF file just has no build-id. */
int file_id_read(int fd, struct file_id *id);

/*
 * The cheap part alone: size and mtime (build_id_len 0), and the
 * inode's device and number in *dev and *ino. 0 or -errno (fstat).
 */
int file_id_stat(int fd, struct file_id *id, uint64_t *dev, uint64_t *ino);

#endif
