#define LOG_PREFIX "dump-files: "
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "fdinfo.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"
#include "dump/file-share.h"

/* The fd of pid holding the same description as fd of self, or -1. */
static int same_in(pid_t self, int fd, const struct stat *st, pid_t pid)
{
	char path[64];
	struct dirent *de;
	int found = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while (found < 0 && (de = readdir(dir))) {
		struct stat ost;
		char *end;
		long ofd = strtol(de->d_name, &end, 10);

		if (*end || de->d_name[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%ld", (int)pid, ofd);
		if (stat(path, &ost) || ost.st_dev != st->st_dev || ost.st_ino != st->st_ino)
			continue;
		if (syscall(SYS_kcmp, self, pid, KCMP_FILE, fd, ofd) == 0)
			found = (int)ofd;
	}
	closedir(dir);
	return found;
}

/* The file id fd-<pid>.img gave fd. */
static int id_of(const struct dump_ctx *ctx, pid_t pid, int fd, uint32_t *id)
{
	FdinfoEntry *e;
	struct img *img;
	int ret, n;

	ret = img_open_read(ctx->dirfd, IMG_FDINFO, (uint32_t)pid, &img);
	if (ret)
		return ret == -ENOENT ? -EIO : ret;
	ret = -ENOENT;
	while ((n = img_read_msg(img, (ProtobufCMessage **)&e)) == 1) {
		if ((int)e->fd == fd) {
			*id = e->id;
			ret = 0;
		}
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (!ret)
			break;
	}
	img_close(img);
	return n < 0 ? n : ret;
}

int file_share_find(const struct dump_ctx *ctx, int fd, const struct stat *st, const char *link,
		    uint32_t *id)
{
	const struct seized_tree *t = ctx->tree;

	if (!t || link[0] != '/' || (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)))
		return 0;
	/* The processes before ctx's, whose fdinfo images are written. */
	for (size_t i = 0; i < t->nr && t->p[i].pid != ctx->pid; i++) {
		int ofd, ret;

		if (t->p[i].zombie)
			continue;
		ofd = same_in(ctx->pid, fd, st, t->p[i].pid);
		if (ofd < 0)
			continue;
		ret = id_of(ctx, t->p[i].pid, ofd, id);
		if (ret) {
			pr_err_rc(ret, "pid %d: fd %d: %s: shared with pid %d (fd %d), whose file id "
				  "cannot be read back", (int)ctx->pid, fd, link, (int)t->p[i].pid, ofd);
			return ret;
		}
		pr_debug("pid %d: fd %d: %s: shares file %u with pid %d", (int)ctx->pid, fd, link,
			 *id, (int)t->p[i].pid);
		return 1;
	}
	return 0;
}
