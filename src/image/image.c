#define LOG_PREFIX "image: "
#include <endian.h>
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
#include "log.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "inventory.pb-c.h"
#include "ipc.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"
#include "task.pb-c.h"

/* le32 length | le32 crc32c(payload) */
#define REC_HDR_SIZE	8
/* Write buffer, and the read buffer for records that fit in it. */
#define IO_BUF_SIZE	(64u << 10)

struct img_kind {
	const char *name;
	bool per_id;
	const ProtobufCMessageDescriptor *desc;
};

static const struct img_kind img_kinds[IMG_TYPE_MAX] = {
	[IMG_INVENTORY]	= { "inventory",	false,	&inventory_entry__descriptor },
	[IMG_PSTREE]	= { "pstree",		false,	&pstree_entry__descriptor },
	[IMG_CORE]	= { "core",		true,	&core_entry__descriptor },
	[IMG_TASK]	= { "task",		true,	&task_entry__descriptor },
	[IMG_MM]	= { "mm",		true,	&mm_entry__descriptor },
	[IMG_PAGEMAP]	= { "pagemap",		true,	&pagemap_entry__descriptor },
	[IMG_FDINFO]	= { "fdinfo",		true,	&fdinfo_entry__descriptor },
	[IMG_FILES]	= { "files",		false,	&file_entry__descriptor },
	[IMG_IPC]	= { "ipc",		false,	&ipc_entry__descriptor },
};

struct img {
	int fd;
	enum img_type type;
	bool writing;
	bool at_end;		/* reading: the end marker was read */
	int err;		/* writing: first error, returned again by every call */
	unsigned int nr_rec;
	uint64_t off;		/* file offset of buf[pos] */
	uint64_t size;		/* reading: file size at open, bounds every length */
	uint8_t *buf;
	size_t cap, pos, end;	/* buf[pos..end) is read but not consumed; writing: pos == 0 */
	char path[];
};

static bool type_valid(enum img_type type)
{
	return type > 0 && type < IMG_TYPE_MAX;
}

const char *img_type_name(enum img_type type)
{
	return type_valid(type) ? img_kinds[type].name : NULL;
}

const ProtobufCMessageDescriptor *img_type_desc(enum img_type type)
{
	return type_valid(type) ? img_kinds[type].desc : NULL;
}

bool img_type_per_id(enum img_type type)
{
	return type_valid(type) && img_kinds[type].per_id;
}

int img_file_name(enum img_type type, uint32_t id, char *buf, size_t len)
{
	int n;

	if (!type_valid(type))
		return -EINVAL;
	if (img_kinds[type].per_id)
		n = snprintf(buf, len, "%s-%" PRIu32 ".img", img_kinds[type].name, id);
	else
		n = snprintf(buf, len, "%s.img", img_kinds[type].name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int img_parse_file_name(const char *name, enum img_type *type, uint32_t *id)
{
	for (enum img_type t = 1; t < IMG_TYPE_MAX; t++) {
		const char *kname = img_kinds[t].name;
		size_t klen = strlen(kname);
		unsigned long v;
		char canon[64];
		char *end;

		if (strncmp(name, kname, klen) != 0)
			continue;
		if (!img_kinds[t].per_id) {
			if (strcmp(name + klen, ".img") != 0)
				continue;
			*type = t;
			*id = 0;
			return 0;
		}
		if (name[klen] != '-' || name[klen + 1] < '0' || name[klen + 1] > '9')
			continue;
		errno = 0;
		v = strtoul(name + klen + 1, &end, 10);
		if (errno || v > UINT32_MAX || strcmp(end, ".img") != 0)
			continue;
		/* Only the canonical spelling: no leading zeros. */
		if (img_file_name(t, (uint32_t)v, canon, sizeof(canon)) || strcmp(canon, name) != 0)
			continue;
		*type = t;
		*id = (uint32_t)v;
		return 0;
	}
	return -EINVAL;
}

const char *img_path(const struct img *img)
{
	return img->path;
}

enum img_type img_type(const struct img *img)
{
	return img->type;
}

unsigned int img_nr_records(const struct img *img)
{
	return img->nr_rec;
}

/*
 * A new image named "DIR/NAME" in error lines, DIR read back from /proc
 * (or just NAME when dirfd is AT_FDCWD or /proc does not know it).
 */
static struct img *img_alloc(int dirfd, const char *name)
{
	char dir[PATH_MAX];
	struct img *img;
	ssize_t n = -1;
	size_t need;

	if (dirfd != AT_FDCWD) {
		char link[64];

		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		n = readlink(link, dir, sizeof(dir) - 1);
	}
	if (n > 0)
		dir[n] = '\0';
	need = (n > 0 ? (size_t)n + 1 : 0) + strlen(name) + 1;
	img = calloc(1, sizeof(*img) + need);
	if (!img)
		return NULL;
	if (n > 0)
		snprintf(img->path, need, "%s/%s", dir, name);
	else
		snprintf(img->path, need, "%s", name);
	img->fd = -1;
	return img;
}

static void img_free(struct img *img)
{
	if (img->fd >= 0)
		close(img->fd);
	free(img->buf);
	free(img);
}

/* ---- writing ---- */

static int write_all(struct img *img, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(img->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			img->err = -errno;
			pr_perror("%s: write failed", img->path);
			return img->err;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int img_flush(struct img *img)
{
	int rc;

	if (img->err)
		return img->err;
	rc = write_all(img, img->buf, img->end);
	img->off += img->end;
	img->end = 0;
	return rc;
}

int img_open_write(int dirfd, enum img_type type, uint32_t id, struct img **out)
{
	struct img_file_header hdr;
	char name[64];
	struct img *img;
	int rc;

	rc = img_file_name(type, id, name, sizeof(name));
	if (rc < 0) {
		pr_err("bad image type %d", (int)type);
		return rc;
	}
	img = img_alloc(dirfd, name);
	if (!img) {
		pr_err("%s: out of memory", name);
		return -ENOMEM;
	}
	img->type = type;
	img->writing = true;
	img->cap = IO_BUF_SIZE;
	img->buf = malloc(img->cap);
	if (!img->buf) {
		pr_err("%s: out of memory", img->path);
		rc = -ENOMEM;
		goto err;
	}
	img->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (img->fd < 0) {
		rc = -errno;
		pr_perror("%s: cannot create", img->path);
		goto err;
	}

	memcpy(hdr.magic, IMG_MAGIC, sizeof(hdr.magic));
	hdr.version = htole32(IMG_FORMAT_VERSION);
	hdr.type = htole32((uint32_t)type);
	memcpy(img->buf, &hdr, sizeof(hdr));
	img->end = sizeof(hdr);
	*out = img;
	return 0;
err:
	img_free(img);
	return rc;
}

int img_write_msg(struct img *img, const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *desc = img_kinds[img->type].desc;
	uint32_t le_len, le_crc;
	size_t len, need;
	uint8_t *rec;

	if (!img->writing) {
		pr_err("%s: opened for reading, not writing", img->path);
		return -EBADF;
	}
	if (img->err)
		return img->err;
	if (msg->descriptor != desc) {
		pr_err("%s: cannot write a %s message into a %s image", img->path,
		       msg->descriptor->name, desc->name);
		return -EINVAL;
	}
	len = protobuf_c_message_get_packed_size(msg);
	if (len > IMG_MAX_RECORD) {
		pr_err("%s: record %u: %zu bytes is over the limit of %u", img->path,
		       img->nr_rec + 1, len, IMG_MAX_RECORD);
		return -EFBIG;
	}
	need = REC_HDR_SIZE + len;
	if (need > img->cap - img->end && img_flush(img) < 0)
		return img->err;
	if (need > img->cap) {
		/* A record larger than the buffer: grow once, to at most IMG_MAX_RECORD. */
		uint8_t *nb = realloc(img->buf, need);

		if (!nb) {
			pr_err("%s: out of memory for a record of %zu bytes", img->path, len);
			return -ENOMEM;
		}
		img->buf = nb;
		img->cap = need;
	}
	rec = img->buf + img->end;
	if (protobuf_c_message_pack(msg, rec + REC_HDR_SIZE) != len) {
		pr_err("%s: record %u: packing the %s message failed", img->path,
		       img->nr_rec + 1, desc->name);
		return -EINVAL;
	}
	le_len = htole32((uint32_t)len);
	le_crc = htole32(crc32c(0, rec + REC_HDR_SIZE, len));
	memcpy(rec, &le_len, 4);
	memcpy(rec + 4, &le_crc, 4);
	img->end += need;
	img->nr_rec++;
	return 0;
}

int img_write_one(int dirfd, enum img_type type, uint32_t id, const ProtobufCMessage *msg)
{
	struct img *img;
	int rc, rc2;

	rc = img_open_write(dirfd, type, id, &img);
	if (rc < 0)
		return rc;
	rc = img_write_msg(img, msg);
	rc2 = img_close(img);
	return rc < 0 ? rc : rc2;
}

/* The end marker; not written after a failure, so readers see the image as incomplete. */
static int img_write_end(struct img *img)
{
	uint32_t mark[2] = { htole32(IMG_END_MARK), htole32(img->nr_rec) };

	if (img->err)
		return img->err;
	if (sizeof(mark) > img->cap - img->end && img_flush(img) < 0)
		return img->err;
	memcpy(img->buf + img->end, mark, sizeof(mark));
	img->end += sizeof(mark);
	return 0;
}

int img_close(struct img *img)
{
	int rc = 0;

	if (!img)
		return 0;
	if (img->writing) {
		rc = img_write_end(img);
		if (rc == 0)
			rc = img_flush(img);
		if (close(img->fd) < 0 && rc == 0) {
			rc = -errno;
			pr_perror("%s: close failed", img->path);
		}
		img->fd = -1;
	}
	img_free(img);
	return rc;
}

/* ---- reading ---- */

/*
 * Make buf[pos..pos+n) hold the next n bytes of the file. The callers
 * check n against the file size first, so that a lying length never
 * makes us allocate more than the file holds. Returns 0, -EINVAL when
 * the file ended early (it shrank since we measured it), or -errno.
 */
static int img_fill(struct img *img, size_t n)
{
	if (img->end - img->pos >= n)
		return 0;
	if (img->pos > 0) {
		memmove(img->buf, img->buf + img->pos, img->end - img->pos);
		img->end -= img->pos;
		img->pos = 0;
	}
	if (n > img->cap) {
		size_t cap = n > IO_BUF_SIZE ? n : IO_BUF_SIZE;
		uint8_t *nb = realloc(img->buf, cap);

		if (!nb) {
			pr_err("%s: out of memory for a record of %zu bytes", img->path, n);
			return -ENOMEM;
		}
		img->buf = nb;
		img->cap = cap;
	}
	while (img->end < n) {
		ssize_t r = read(img->fd, img->buf + img->end, img->cap - img->end);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("%s: read failed", img->path);
			return -errno;
		}
		if (r == 0) {
			pr_err("%s: file ended at offset %" PRIu64 " while reading it (changed under us?)",
			       img->path, img->off + img->end);
			return -EINVAL;
		}
		img->end += (size_t)r;
	}
	return 0;
}

static void img_consume(struct img *img, size_t n)
{
	img->pos += n;
	img->off += n;
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static int img_read_header(struct img *img, enum img_type type)
{
	struct img_file_header hdr;
	uint32_t version, htype;
	int rc;

	if (img->size < sizeof(hdr)) {
		pr_err("%s: truncated header (%" PRIu64 " of %zu bytes)", img->path,
		       img->size, sizeof(hdr));
		return -EINVAL;
	}
	rc = img_fill(img, sizeof(hdr));
	if (rc < 0)
		return rc;
	memcpy(&hdr, img->buf + img->pos, sizeof(hdr));
	if (memcmp(hdr.magic, IMG_MAGIC, sizeof(hdr.magic)) != 0) {
		pr_err("%s: not an lmig image (bad magic)", img->path);
		return -EINVAL;
	}
	version = le32toh(hdr.version);
	if (version != IMG_FORMAT_VERSION) {
		pr_err("%s: format version %" PRIu32 ", this lmig reads %d", img->path,
		       version, IMG_FORMAT_VERSION);
		return -EPROTO;
	}
	htype = le32toh(hdr.type);
	if (htype != (uint32_t)type) {
		if (htype > 0 && htype < IMG_TYPE_MAX)
			pr_err("%s: holds %s records, expected %s", img->path,
			       img_kinds[htype].name, img_kinds[type].name);
		else
			pr_err("%s: holds records of unknown image type %" PRIu32 ", expected %s",
			       img->path, htype, img_kinds[type].name);
		return -EINVAL;
	}
	img_consume(img, sizeof(hdr));
	return 0;
}

int img_open_read_fd(int fd, const char *path, enum img_type type, struct img **out)
{
	struct img *img;
	struct stat st;
	off_t start;
	int rc;

	img = img_alloc(AT_FDCWD, path);
	if (!img) {
		pr_err("%s: out of memory", path);
		close(fd);
		return -ENOMEM;
	}
	img->fd = fd;
	img->type = type;

	if (!type_valid(type)) {
		pr_err("%s: bad image type %d", img->path, (int)type);
		rc = -EINVAL;
		goto err;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		pr_perror("%s: stat failed", img->path);
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s: not a regular file", img->path);
		rc = -EINVAL;
		goto err;
	}
	/* Offsets (and the size) count from where reading starts. */
	start = lseek(fd, 0, SEEK_CUR);
	if (start < 0 || start > st.st_size)
		start = st.st_size;
	img->size = (uint64_t)(st.st_size - start);
	rc = img_read_header(img, type);
	if (rc < 0)
		goto err;
	*out = img;
	return 0;
err:
	img_free(img);
	return rc;
}

int img_open_read(int dirfd, enum img_type type, uint32_t id, struct img **out)
{
	char name[64];
	struct img *img;
	int fd, rc;

	rc = img_file_name(type, id, name, sizeof(name));
	if (rc < 0) {
		pr_err("bad image type %d", (int)type);
		return rc;
	}
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		rc = -errno;
		img = img_alloc(dirfd, name);
		pr_err_rc(rc, "%s: cannot open", img ? img->path : name);
		free(img);
		return rc;
	}
	img = img_alloc(dirfd, name);
	if (!img) {
		pr_err("%s: out of memory", name);
		close(fd);
		return -ENOMEM;
	}
	rc = img_open_read_fd(fd, img->path, type, out);
	free(img);
	return rc;
}

static int img_read_end(struct img *img, uint32_t count)
{
	uint64_t rec_off = img->off, left = img->size - img->off;

	if (count != img->nr_rec) {
		pr_err("%s: end marker at offset %" PRIu64 " counts %" PRIu32 " records, the file holds %u",
		       img->path, rec_off, count, img->nr_rec);
		return -EINVAL;
	}
	if (left != REC_HDR_SIZE) {
		pr_err("%s: %" PRIu64 " stray bytes after the end marker at offset %" PRIu64,
		       img->path, left - REC_HDR_SIZE, rec_off);
		return -EINVAL;
	}
	img_consume(img, REC_HDR_SIZE);
	img->at_end = true;
	return 0;
}

int img_read_msg(struct img *img, ProtobufCMessage **out)
{
	const ProtobufCMessageDescriptor *desc = img_kinds[img->type].desc;
	uint64_t rec_off = img->off, left = img->size - img->off;
	unsigned int rec_no = img->nr_rec + 1;
	uint32_t len, crc, want;
	ProtobufCMessage *msg;
	const uint8_t *payload;
	int rc;

	if (img->writing) {
		pr_err("%s: opened for writing, not reading", img->path);
		return -EBADF;
	}
	if (img->at_end)
		return 0;
	if (left == 0) {
		if (img->nr_rec)
			pr_err("%s: ends after record %u without an end marker (incomplete write?)",
			       img->path, img->nr_rec);
		else
			pr_err("%s: ends after the header without an end marker (incomplete write?)",
			       img->path);
		return -EINVAL;
	}
	if (left < REC_HDR_SIZE) {
		pr_err("%s: record %u at offset %" PRIu64 ": truncated (%" PRIu64 " of %d header bytes)",
		       img->path, rec_no, rec_off, left, REC_HDR_SIZE);
		return -EINVAL;
	}
	rc = img_fill(img, REC_HDR_SIZE);
	if (rc < 0)
		return rc;
	len = get_le32(img->buf + img->pos);
	crc = get_le32(img->buf + img->pos + 4);
	if (len == IMG_END_MARK)
		return img_read_end(img, crc);
	if (len > IMG_MAX_RECORD) {
		pr_err("%s: record %u at offset %" PRIu64 ": length %" PRIu32 " is over the limit of %u",
		       img->path, rec_no, rec_off, len, IMG_MAX_RECORD);
		return -EINVAL;
	}
	if (len > left - REC_HDR_SIZE) {
		pr_err("%s: record %u at offset %" PRIu64 ": truncated (%" PRIu64 " of %" PRIu32 " payload bytes)",
		       img->path, rec_no, rec_off, left - REC_HDR_SIZE, len);
		return -EINVAL;
	}
	rc = img_fill(img, REC_HDR_SIZE + (size_t)len);
	if (rc < 0)
		return rc;
	payload = img->buf + img->pos + REC_HDR_SIZE;
	want = crc32c(0, payload, len);
	if (want != crc) {
		pr_err("%s: record %u at offset %" PRIu64 ": checksum mismatch (stored %08" PRIx32
		       ", computed %08" PRIx32 ")", img->path, rec_no, rec_off, crc, want);
		return -EINVAL;
	}
	msg = protobuf_c_message_unpack(desc, NULL, len, payload);
	if (!msg) {
		pr_err("%s: record %u at offset %" PRIu64 ": not a valid %s message (bad encoding or missing required fields)",
		       img->path, rec_no, rec_off, desc->name);
		return -EINVAL;
	}
	img_consume(img, REC_HDR_SIZE + (size_t)len);
	img->nr_rec++;
	*out = msg;
	return 1;
}

int img_read_one(int dirfd, enum img_type type, uint32_t id, ProtobufCMessage **out)
{
	ProtobufCMessage *msg = NULL, *extra = NULL;
	struct img *img;
	int rc;

	rc = img_open_read(dirfd, type, id, &img);
	if (rc < 0)
		return rc;
	rc = img_read_msg(img, &msg);
	if (rc == 0) {
		pr_err("%s: no record (expected one)", img->path);
		rc = -EINVAL;
	}
	if (rc < 0)
		goto out;
	rc = img_read_msg(img, &extra);
	if (rc > 0) {
		pr_err("%s: more than one record (expected one)", img->path);
		protobuf_c_message_free_unpacked(extra, NULL);
		rc = -EINVAL;
	}
	if (rc < 0)
		goto out;
	*out = msg;
	msg = NULL;
out:
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
	img_close(img);
	return rc;
}
