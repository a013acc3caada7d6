/*
 * Image files: the one on-disk (and on-wire) description of process state.
 *
 * A set of images is a directory. Each image file holds one kind of
 * object (enum img_type) for one id (a pid, or 0 for tree-wide images):
 *
 *     header   : struct img_file_header (fixed width, little-endian)
 *     records* : le32 length | le32 crc32c(payload) | payload
 *     end      : le32 IMG_END_MARK | le32 number of records
 *
 * where each payload is one packed protobuf-c message of the type that
 * the image kind names. The end marker, written by img_close() only when
 * every write succeeded, makes a file cut short anywhere (even between
 * two records) an error rather than a shorter valid image. Page contents live in a separate raw file
 * (pages-<pid>.img) described by the pagemap image; see images/pagemap.proto.
 *
 * All functions return 0 (or a count) on success and -errno on failure,
 * and log the failure once, naming the file and the cause. A damaged,
 * truncated, foreign or newer-version file is reported as -EINVAL (or
 * -EPROTO for a version we do not read) with one clear error line:
 *
 *     DIR/core-42.img: not an lmig image (bad magic)
 *     DIR/core-42.img: format version 7, this lmig reads 1
 *     DIR/core-42.img: holds mm records, expected core
 *     DIR/core-42.img: truncated header (5 of 16 bytes)
 *     DIR/core-42.img: record 3 at offset 912: checksum mismatch (...)
 *     DIR/core-42.img: ends after record 2 without an end marker (...)
 *
 * Records are numbered from 1; offsets are byte offsets in the file.
 * A reader never allocates more than min(IMG_MAX_RECORD, file size) for
 * a record, whatever its length field says.
 */
#ifndef LMIG_IMAGE_H
#define LMIG_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/* Bump on any incompatible change of the container or the schemas. */
#define IMG_FORMAT_VERSION	1
#define IMG_MAGIC		"LMIGIMG1"	/* 8 bytes, no NUL */
/* Upper bound for one record: refuse to allocate more on bad input. */
#define IMG_MAX_RECORD		(64u << 20)
/* Length field of the end marker: above IMG_MAX_RECORD, never a record. */
#define IMG_END_MARK		0xffffffffu

enum img_type {
	IMG_INVENTORY = 1,	/* inventory.img:      InventoryEntry (one) */
	IMG_PSTREE,		/* pstree.img:         PstreeEntry per process */
	IMG_CORE,		/* core-<tid>.img:     CoreEntry (one per thread) */
	IMG_TASK,		/* task-<pid>.img:     TaskEntry (one per process) */
	IMG_MM,			/* mm-<pid>.img:       MmEntry (one) */
	IMG_PAGEMAP,		/* pagemap-<pid>.img:  PagemapEntry per run */
	IMG_FDINFO,		/* fdinfo-<pid>.img:   FdinfoEntry per fd */
	IMG_FILES,		/* files.img:          FileEntry per open file description */
	IMG_IPC,		/* ipc.img:            IpcEntry stream (images/ipc.proto) */
	IMG_TYPE_MAX,
};

struct img_file_header {
	char magic[8];		/* IMG_MAGIC */
	uint32_t version;	/* IMG_FORMAT_VERSION, little-endian */
	uint32_t type;		/* enum img_type, little-endian */
} __attribute__((packed));

struct img;

/* Short name of an image kind ("core"); NULL for a bad type. */
const char *img_type_name(enum img_type type);
/*
 * File name of an image kind and id into buf ("core-42.img"; the id is
 * ignored for the tree-wide kinds inventory, pstree and files).
 * Returns 0, -EINVAL for a bad type, -ENAMETOOLONG if len is too small.
 */
int img_file_name(enum img_type type, uint32_t id, char *buf, size_t len);
/*
 * The inverse: the kind and id of an image file name. Only the exact
 * names img_file_name() makes are accepted ("core-042.img" is not).
 * Returns 0 or -EINVAL (not logged: the caller decides what it means).
 */
int img_parse_file_name(const char *name, enum img_type *type, uint32_t *id);
/* True for the kinds that exist once per pid or tid. */
bool img_type_per_id(enum img_type type);
/* The protobuf descriptor for records of this image kind. */
const ProtobufCMessageDescriptor *img_type_desc(enum img_type type);

/*
 * Open an image in the directory dirfd. img_open_read() returns -ENOENT
 * (without logging) when the file does not exist, so that optional
 * images can be probed.
 */
int img_open_write(int dirfd, enum img_type type, uint32_t id, struct img **out);
int img_open_read(int dirfd, enum img_type type, uint32_t id, struct img **out);
/*
 * Read an image of the given kind from an open file (a regular file or a
 * memfd, read from its current offset, which counts as offset 0 in
 * error lines), for images that do not sit in a directory under their
 * own name. Takes ownership of fd: it is closed by img_close() or on
 * failure. path names it in error lines.
 */
int img_open_read_fd(int fd, const char *path, enum img_type type, struct img **out);
/*
 * Flushes and closes; returns the first write error seen, if any (it was
 * logged when it happened). img_close(NULL) is a no-op.
 */
int img_close(struct img *img);

/*
 * Append one message (of the image's type: another descriptor is refused
 * with -EINVAL). Writes are buffered; an I/O error is returned here or by
 * img_close(), and every later call returns it again without logging.
 */
int img_write_msg(struct img *img, const ProtobufCMessage *msg);
/*
 * Read the next message. Returns 1 and sets *out (free it with
 * protobuf_c_message_free_unpacked(*out, NULL)), 0 at the end marker
 * (when it is the last thing in the file and counts the records read),
 * or -errno for a damaged or incomplete image.
 */
int img_read_msg(struct img *img, ProtobufCMessage **out);
/*
 * Read exactly one message; an empty image or an extra record is an
 * error (-EINVAL). A missing file is -ENOENT, not logged, as for
 * img_open_read().
 */
int img_read_one(int dirfd, enum img_type type, uint32_t id, ProtobufCMessage **out);
/* Write exactly one message as a whole image. */
int img_write_one(int dirfd, enum img_type type, uint32_t id, const ProtobufCMessage *msg);

/* Path of the image for messages ("DIR/core-42.img"), for error lines. */
const char *img_path(const struct img *img);
enum img_type img_type(const struct img *img);
/* Records read or written so far. */
unsigned int img_nr_records(const struct img *img);

#endif
