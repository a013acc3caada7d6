#include "config.h"
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileid.h"

#define MAX_PHDRS	128
#define MAX_NOTES	(64 << 10)

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The GNU build-id note in one PT_NOTE segment's bytes. */
static void find_build_id(const uint8_t *p, size_t len, struct file_id *id)
{
	size_t off = 0;

	while (off + sizeof(Elf64_Nhdr) <= len) {
		const Elf64_Nhdr *n = (const Elf64_Nhdr *)(p + off);
		size_t name = off + sizeof(*n), desc = name + align4(n->n_namesz);

		if (n->n_namesz > len || n->n_descsz > len || desc + n->n_descsz > len)
			return;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
		    memcmp(p + name, "GNU", 4) == 0 && n->n_descsz <= FILEID_BUILD_ID_MAX) {
			memcpy(id->build_id, p + desc, n->n_descsz);
			id->build_id_len = n->n_descsz;
			return;
		}
		off = desc + align4(n->n_descsz);
	}
}

static void read_build_id(int fd, struct file_id *id)
{
	Elf64_Phdr ph[MAX_PHDRS];
	Elf64_Ehdr eh;
	uint8_t *notes;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		return;
	if (pread(fd, ph, eh.e_phnum * sizeof(ph[0]), (off_t)eh.e_phoff) !=
	    (ssize_t)(eh.e_phnum * sizeof(ph[0])))
		return;
	for (unsigned i = 0; i < eh.e_phnum && !id->build_id_len; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz == 0 || ph[i].p_filesz > MAX_NOTES)
			continue;
		notes = malloc(ph[i].p_filesz);
		if (!notes)
			return;
		if (pread(fd, notes, ph[i].p_filesz, (off_t)ph[i].p_offset) == (ssize_t)ph[i].p_filesz)
			find_build_id(notes, ph[i].p_filesz, id);
		free(notes);
	}
}

static int stat_id(int fd, struct file_id *id, struct stat *st)
{
	memset(id, 0, sizeof(*id));
	if (fstat(fd, st))
		return -errno;
	id->size = (uint64_t)st->st_size;
	id->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec;
	return 0;
}

int file_id_read(int fd, struct file_id *id)
{
	struct stat st;
	int ret = stat_id(fd, id, &st);

	if (!ret && S_ISREG(st.st_mode))
		read_build_id(fd, id);
	return ret;
}

int file_id_stat(int fd, struct file_id *id, uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	int ret = stat_id(fd, id, &st);

	if (!ret) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
	return ret;
}
