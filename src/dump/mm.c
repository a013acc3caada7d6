#define LOG_PREFIX "dump-mm: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "fileid.h"
#include "mm.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"
#include "dump/vma.h"

/* auxv is at most a few dozen pairs; bound what we accept. */
#define AUXV_MAX_WORDS	512

static int read_auxv(pid_t pid, uint64_t **out, size_t *nr)
{
	char path[64], *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%d/auxv", (int)pid);
	ret = proc_read_file(path, AUXV_MAX_WORDS * sizeof(uint64_t) + 1, &buf, &len);
	if (ret)
		return ret;
	/* proc_read_file's buffer is suitably aligned (malloc); the text terminator is ignored. */
	*nr = len / sizeof(uint64_t);
	*out = (uint64_t *)buf;
	return 0;
}

/*
 * The identity of a file area's file (src/fileid.h), read through
 * map_files (the mapped file itself, whatever its path is now); ids[i]
 * copies ids[i - 1] for the next area of the same file.
 */
static int read_file_id(pid_t pid, const struct proc_vma *v, const struct proc_vma *prev,
			struct file_id *id, const struct file_id *prev_id, VmaEntry *e)
{
	char path[96];
	int fd, ret;

	if ((e->kind != VMA_KIND__VMA_FILE_PRIVATE && e->kind != VMA_KIND__VMA_FILE_SHARED) ||
	    e->file_deleted)
		return 0;
	if (prev && prev->ino == v->ino && prev->dev_major == v->dev_major &&
	    prev->dev_minor == v->dev_minor && prev_id->mtime_ns) {
		*id = *prev_id;
	} else {
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
			 (unsigned long long)v->start, (unsigned long long)v->end);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = file_id_read(fd, id);
		close(fd);
		if (ret)
			return ret;
	}
	e->has_file_size = e->has_file_mtime_ns = true;
	e->file_size = id->size;
	e->file_mtime_ns = id->mtime_ns;
	if (id->build_id_len) {
		e->has_build_id = true;
		e->build_id.data = id->build_id;
		e->build_id.len = id->build_id_len;
	}
	return 0;
}

int dump_mm(struct dump_ctx *ctx)
{
	const struct proc_stat *st = &ctx->stat;
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry *vmas = NULL, **vmap = NULL;
	struct file_id *ids = NULL;
	struct proc_status status;
	char exe[PATH_MAX];
	uint64_t *auxv = NULL;
	size_t nr_auxv = 0;
	int ret;

	vmas = calloc(ctx->vmas.nr ? ctx->vmas.nr : 1, sizeof(*vmas));
	vmap = calloc(ctx->vmas.nr ? ctx->vmas.nr : 1, sizeof(*vmap));
	ids = calloc(ctx->vmas.nr ? ctx->vmas.nr : 1, sizeof(*ids));
	if (!vmas || !vmap || !ids) {
		ret = -ENOMEM;
		goto out;
	}
	mm.start_code = st->start_code;
	mm.end_code = st->end_code;
	mm.start_data = st->start_data;
	mm.end_data = st->end_data;
	mm.start_brk = st->start_brk;
	mm.start_stack = st->start_stack;
	mm.arg_start = st->arg_start;
	mm.arg_end = st->arg_end;
	mm.env_start = st->env_start;
	mm.env_end = st->env_end;
	/*
	 * The current brk is in no /proc file: the parasite asks sys_brk(0).
	 * Without it, the end of [heap] (brk rounded up to a page) stands in.
	 */
	mm.brk = st->start_brk;
	for (size_t i = 0; i < ctx->vmas.nr; i++) {
		const struct proc_vma *v = &ctx->vmas.v[i];
		const char *why = NULL;

		vma_entry__init(&vmas[i]);
		ret = vma_classify(v, &vmas[i], &why);
		if (ret) {
			pr_err("pid %d: vma %#llx-%#llx %s: %s", (int)ctx->pid,
			       (unsigned long long)v->start, (unsigned long long)v->end,
			       v->path[0] ? v->path : "(anonymous)", why);
			goto out;
		}
		ret = read_file_id(ctx->pid, v, i ? &ctx->vmas.v[i - 1] : NULL, &ids[i],
				   i ? &ids[i - 1] : NULL, &vmas[i]);
		if (ret) {
			pr_err_rc(ret, "pid %d: vma %#llx-%#llx %s: cannot read what file it is",
				  (int)ctx->pid, (unsigned long long)v->start,
				  (unsigned long long)v->end, v->path);
			goto out;
		}
		if (vmas[i].kind == VMA_KIND__VMA_HEAP && !(ctx->features & DF_PARASITE))
			mm.brk = v->end;
		vmap[i] = &vmas[i];
	}
	if (ctx->features & DF_PARASITE)
		mm.brk = ctx->ps.brk;
	mm.n_vmas = ctx->vmas.nr;
	mm.vmas = vmap;

	ret = read_auxv(ctx->pid, &auxv, &nr_auxv);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot read auxv", (int)ctx->pid);
		goto out;
	}
	mm.n_auxv = nr_auxv;
	mm.auxv = auxv;
	ret = proc_readlink(ctx->pid, "exe", exe, sizeof(exe));
	if (ret == 0)
		mm.exe_path = exe;
	else if (ret != -ENOENT) {
		pr_err_rc(ret, "pid %d: cannot read the exe link", (int)ctx->pid);
		goto out;
	}
	ret = proc_read_status(ctx->pid, &status);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot parse /proc/%d/status", (int)ctx->pid, (int)ctx->pid);
		goto out;
	}
	if (ctx->features & DF_PARASITE) {
		mm.has_thp_disabled = true;
		mm.thp_disabled = ctx->ps.process.thp_disable;
	} else if (status.thp_enabled >= 0) {
		mm.has_thp_disabled = true;
		mm.thp_disabled = !status.thp_enabled;
	}
	ret = img_write_one(ctx->dirfd, IMG_MM, ctx->pid, &mm.base);
out:
	free(auxv);
	free(ids);
	free(vmap);
	free(vmas);
	return ret;
}
