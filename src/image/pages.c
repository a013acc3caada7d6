#define LOG_PREFIX "image: "
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "image/image.h"
#include "image/pages.h"
#include "log.h"

#include "pagemap.pb-c.h"

/* Chunk in which pages_check() reads data to check checksums. */
#define CRC_CHUNK	(1u << 20)

struct pages_file {
	int fd;
	bool writing;
	int err;		/* writing: first error, returned again */
	uint64_t size;
	char path[];
};

int pages_file_name(uint32_t pid, char *buf, size_t len)
{
	int n = snprintf(buf, len, PAGES_FILE_FMT, pid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pages_parse_file_name(const char *name, uint32_t *pid)
{
	char canon[64];
	unsigned long v;
	char *end;

	if (strncmp(name, "pages-", 6) != 0 || name[6] < '0' || name[6] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(name + 6, &end, 10);
	if (errno || v > UINT32_MAX || strcmp(end, ".img") != 0)
		return -EINVAL;
	if (pages_file_name((uint32_t)v, canon, sizeof(canon)) || strcmp(canon, name) != 0)
		return -EINVAL;
	*pid = (uint32_t)v;
	return 0;
}

static struct pages_file *pages_alloc(int dirfd, const char *name)
{
	char dir[PATH_MAX], link[64];
	struct pages_file *pf;
	ssize_t n;
	size_t need;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = dirfd == AT_FDCWD ? -1 : readlink(link, dir, sizeof(dir) - 1);
	if (n > 0)
		dir[n] = '\0';
	need = (n > 0 ? (size_t)n + 1 : 0) + strlen(name) + 1;
	pf = calloc(1, sizeof(*pf) + need);
	if (!pf)
		return NULL;
	if (n > 0)
		snprintf(pf->path, need, "%s/%s", dir, name);
	else
		snprintf(pf->path, need, "%s", name);
	pf->fd = -1;
	return pf;
}

static int pages_open(int dirfd, uint32_t pid, bool writing, struct pages_file **out)
{
	struct pages_file *pf;
	char name[64];
	struct stat st;
	int rc;

	rc = pages_file_name(pid, name, sizeof(name));
	if (rc < 0)
		return rc;
	pf = pages_alloc(dirfd, name);
	if (!pf) {
		pr_err("%s: out of memory", name);
		return -ENOMEM;
	}
	pf->writing = writing;
	if (writing)
		pf->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	else
		pf->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (pf->fd < 0) {
		rc = -errno;
		if (rc != -ENOENT || writing)
			pr_perror("%s: cannot %s", pf->path, writing ? "create" : "open");
		goto err;
	}
	if (!writing) {
		if (fstat(pf->fd, &st) < 0) {
			rc = -errno;
			pr_perror("%s: stat failed", pf->path);
			goto err;
		}
		if (!S_ISREG(st.st_mode)) {
			pr_err("%s: not a regular file", pf->path);
			rc = -EINVAL;
			goto err;
		}
		pf->size = (uint64_t)st.st_size;
	}
	*out = pf;
	return 0;
err:
	pages_close(pf);
	return rc;
}

int pages_open_write(int dirfd, uint32_t pid, struct pages_file **out)
{
	return pages_open(dirfd, pid, true, out);
}

int pages_open_read(int dirfd, uint32_t pid, struct pages_file **out)
{
	return pages_open(dirfd, pid, false, out);
}

int pages_close(struct pages_file *pf)
{
	int rc;

	if (!pf)
		return 0;
	rc = pf->err;
	if (pf->fd >= 0 && close(pf->fd) < 0 && pf->writing && rc == 0) {
		rc = -errno;
		pr_perror("%s: close failed", pf->path);
	}
	free(pf);
	return rc;
}

int pages_append(struct pages_file *pf, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!pf->writing) {
		pr_err("%s: opened for reading, not writing", pf->path);
		return -EBADF;
	}
	if (pf->err)
		return pf->err;
	while (len > 0) {
		ssize_t n = write(pf->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pf->err = -errno;
			pr_perror("%s: write at offset %" PRIu64 " failed", pf->path, pf->size);
			return pf->err;
		}
		p += n;
		len -= (size_t)n;
		pf->size += (uint64_t)n;
	}
	return 0;
}

int pages_read_at(struct pages_file *pf, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (off > pf->size || len > pf->size - off) {
		pr_err("%s: %zu bytes at offset %" PRIu64 " run past the end (%" PRIu64 " bytes)",
		       pf->path, len, off, pf->size);
		return -EINVAL;
	}
	while (len > 0) {
		ssize_t n = pread(pf->fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("%s: read at offset %" PRIu64 " failed", pf->path, off);
			return -errno;
		}
		if (n == 0) {
			pr_err("%s: file ended at offset %" PRIu64 " while reading it (changed under us?)",
			       pf->path, off);
			return -EINVAL;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

uint64_t pages_size(const struct pages_file *pf)
{
	return pf->size;
}

int pages_fd(const struct pages_file *pf)
{
	return pf->fd;
}

const char *pages_path(const struct pages_file *pf)
{
	return pf->path;
}

/* Checksum len bytes at off of the pages file, in chunks. */
static int run_crc(struct pages_file *pf, uint64_t off, uint64_t len, uint8_t *chunk, uint32_t *crc)
{
	uint32_t c = 0;

	while (len > 0) {
		size_t n = len < CRC_CHUNK ? (size_t)len : CRC_CHUNK;
		int rc = pages_read_at(pf, off, chunk, n);

		if (rc < 0)
			return rc;
		c = crc32c(c, chunk, n);
		off += n;
		len -= n;
	}
	*crc = c;
	return 0;
}

/* One pagemap record against the previous one; logs and returns -EINVAL when bad. */
static int check_run(const char *path, uint64_t nr, const PagemapEntry *pe, uint32_t page_size,
		     uint64_t *prev_end)
{
	uint64_t len;

	if (pe->nr_pages == 0) {
		pr_err("%s: run %" PRIu64 " at 0x%" PRIx64 ": no pages", path, nr, pe->vaddr);
		return -EINVAL;
	}
	if (pe->vaddr % page_size) {
		pr_err("%s: run %" PRIu64 " at 0x%" PRIx64 ": not page aligned", path, nr, pe->vaddr);
		return -EINVAL;
	}
	if (pe->flags & ~PE_ZERO) {
		pr_err("%s: run %" PRIu64 " at 0x%" PRIx64 ": unknown flags 0x%" PRIx32, path, nr,
		       pe->vaddr, pe->flags & ~PE_ZERO);
		return -EINVAL;
	}
	len = (uint64_t)pe->nr_pages * page_size;
	if (pe->vaddr + len < pe->vaddr) {
		pr_err("%s: run %" PRIu64 " at 0x%" PRIx64 ": %" PRIu32 " pages wrap around",
		       path, nr, pe->vaddr, pe->nr_pages);
		return -EINVAL;
	}
	if (pe->vaddr < *prev_end) {
		pr_err("%s: run %" PRIu64 " at 0x%" PRIx64 ": overlaps or precedes the run before it (ends 0x%" PRIx64 ")",
		       path, nr, pe->vaddr, *prev_end);
		return -EINVAL;
	}
	*prev_end = pe->vaddr + len;
	return 0;
}

int pages_check(int dirfd, uint32_t pid, uint32_t page_size, unsigned int flags,
		struct pages_summary *sum)
{
	struct pages_summary s = { 0 };
	struct pages_file *pf = NULL;
	uint64_t prev_end = 0, data = 0;
	uint8_t *chunk = NULL;
	struct img *img;
	int rc;

	if (page_size < 4096 || (page_size & (page_size - 1))) {
		pr_err("page size %" PRIu32 " is not a power of two of at least 4096", page_size);
		return -EINVAL;
	}
	rc = img_open_read(dirfd, IMG_PAGEMAP, pid, &img);
	if (rc < 0)
		return rc;
	rc = pages_open_read(dirfd, pid, &pf);
	if (rc == -ENOENT)
		rc = 0;
	if (rc < 0)
		goto out;
	if ((flags & PAGES_CHECK_CRC) && pf) {
		chunk = malloc(CRC_CHUNK);
		if (!chunk) {
			pr_err("%s: out of memory", pages_path(pf));
			rc = -ENOMEM;
			goto out;
		}
	}

	for (;;) {
		ProtobufCMessage *msg;
		PagemapEntry *pe;
		uint64_t len;

		rc = img_read_msg(img, &msg);
		if (rc <= 0)
			break;
		pe = (PagemapEntry *)msg;
		rc = check_run(img_path(img), s.nr_runs + 1, pe, page_size, &prev_end);
		len = (uint64_t)pe->nr_pages * page_size;
		s.nr_runs++;
		s.nr_pages += pe->nr_pages;
		if (rc == 0 && (pe->flags & PE_ZERO)) {
			s.nr_zero += pe->nr_pages;
		} else if (rc == 0 && chunk && pe->has_crc32c) {
			uint32_t crc;

			rc = run_crc(pf, data, len, chunk, &crc);
			if (rc == 0 && crc != pe->crc32c) {
				pr_err("%s: run %" PRIu64 " at 0x%" PRIx64 ": data at offset %" PRIu64
				       " of %s: checksum mismatch (stored %08" PRIx32 ", computed %08" PRIx32 ")",
				       img_path(img), s.nr_runs, pe->vaddr, data, pages_path(pf),
				       pe->crc32c, crc);
				rc = -EINVAL;
			}
		}
		if (!(pe->flags & PE_ZERO))
			data += len;
		protobuf_c_message_free_unpacked(msg, NULL);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;

	s.data_bytes = pf ? pages_size(pf) : 0;
	if (s.data_bytes != data) {
		char name[PATH_MAX];

		if (!pf) {
			/* Name the missing file beside its pagemap. */
			const char *slash = strrchr(img_path(img), '/');
			int dlen = slash ? (int)(slash - img_path(img) + 1) : 0;

			snprintf(name, sizeof(name), "%.*s" PAGES_FILE_FMT, dlen, img_path(img), pid);
		}
		pr_err("%s: %" PRIu64 " bytes, but %s describes %" PRIu64 " bytes of page data",
		       pf ? pages_path(pf) : name, s.data_bytes, img_path(img), data);
		rc = -EINVAL;
		goto out;
	}
	if (sum)
		*sum = s;
	rc = 0;
out:
	free(chunk);
	pages_close(pf);
	img_close(img);
	return rc;
}
