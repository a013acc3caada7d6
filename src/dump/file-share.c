#define LOG_PREFIX "dump-files: "
#include "config.h"
#include <errno.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/file-share.h"

static bool matched_kind(const struct stat *st, const char *link)
{
	return link[0] == '/' && (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode));
}

int file_share_find(const struct dump_ctx *ctx, int fd, const struct stat *st, const char *link,
		    uint32_t *id)
{
	const struct file_share *s = ctx->shares;

	if (!s || !matched_kind(st, link))
		return 0;
	for (size_t i = 0; i < s->nr; i++) {
		const struct file_share_entry *e = &s->e[i];

		if (e->pid == ctx->pid || e->dev != st->st_dev || e->ino != st->st_ino)
			continue;
		if (syscall(SYS_kcmp, ctx->pid, e->pid, KCMP_FILE, fd, e->fd) == 0) {
			*id = e->id;
			pr_debug("pid %d: fd %d: %s: one file (%u) with fd %d of pid %d",
				 (int)ctx->pid, fd, link, e->id, e->fd, (int)e->pid);
			return 1;
		}
	}
	return 0;
}

int file_share_note(const struct dump_ctx *ctx, int fd, const struct stat *st, const char *link,
		    uint32_t id)
{
	struct file_share *s = ctx->shares;

	if (!s || !matched_kind(st, link))
		return 0;
	for (size_t i = 0; i < s->nr; i++)	/* one record per file is enough */
		if (s->e[i].id == id)
			return 0;
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct file_share_entry *n = realloc(s->e, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->e = n;
		s->cap = cap;
	}
	s->e[s->nr++] = (struct file_share_entry){ ctx->pid, fd, st->st_dev, st->st_ino, id };
	return 0;
}

void file_share_free(struct file_share *s)
{
	free(s->e);
	s->e = NULL;
	s->nr = s->cap = 0;
}
