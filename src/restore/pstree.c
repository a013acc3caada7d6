#define LOG_PREFIX "restore-pstree: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "image/image.h"
#include "restore/restore.h"
#include "restore/tree.h"
#include "restore/tty.h"

/* Every record of an image into a grown array. -ENOENT (not logged) when it is missing. */
static int read_all(int dirfd, enum img_type type, uint32_t id, void ***out, size_t *nr)
{
	ProtobufCMessage *m, **arr = NULL;
	struct img *img;
	size_t n = 0, cap = 0;
	int ret;

	*out = NULL;
	*nr = 0;
	ret = img_open_read(dirfd, type, id, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &m)) == 1) {
		if (n == cap) {
			ProtobufCMessage **na;

			cap = cap ? cap * 2 : 16;
			na = realloc(arr, cap * sizeof(*arr));
			if (!na) {
				protobuf_c_message_free_unpacked(m, NULL);
				ret = -ENOMEM;
				break;
			}
			arr = na;
		}
		arr[n++] = m;
	}
	img_close(img);
	if (ret < 0) {
		for (size_t i = 0; i < n; i++)
			protobuf_c_message_free_unpacked(arr[i], NULL);
		free(arr);
		return ret;
	}
	*out = (void **)arr;
	*nr = n;
	return 0;
}

static void free_all(void **arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(arr[i], NULL);
	free(arr);
}

static int read_one(struct restore_ctx *ctx, enum img_type type, uint32_t id, void **out)
{
	int ret = img_read_one(ctx->dirfd, type, id, (ProtobufCMessage **)out);

	if (ret == -ENOENT) {
		char name[64];

		img_file_name(type, id, name, sizeof(name));
		pr_err("%s: %s is missing", ctx->opts->images_dir, name);
	}
	return ret;
}

static int read_proc(struct restore_ctx *ctx, struct rst_proc *p)
{
	int ret;

	ret = read_one(ctx, IMG_MM, p->pid, (void **)&p->mm);
	if (!ret)
		ret = read_one(ctx, IMG_TASK, p->pid, (void **)&p->task);
	if (ret)
		return ret;
	if (p->pstree->n_threads == 0 || p->pstree->threads[0] != p->pid) {
		pr_err("pid %u: pstree.img does not list it as its own first thread", p->pid);
		return -EINVAL;
	}
	p->cores = calloc(p->pstree->n_threads, sizeof(*p->cores));
	if (!p->cores)
		return -ENOMEM;
	for (size_t i = 0; i < p->pstree->n_threads; i++) {
		ret = read_one(ctx, IMG_CORE, p->pstree->threads[i], (void **)&p->cores[i]);
		if (ret)
			return ret;
		p->nr_cores++;
	}
	p->core = p->cores[0];
	ret = read_all(ctx->dirfd, IMG_PAGEMAP, p->pid, (void ***)&p->pagemap, &p->nr_pagemap);
	if (ret && ret != -ENOENT)
		return ret;
	ret = read_all(ctx->dirfd, IMG_FDINFO, p->pid, (void ***)&p->fds, &p->nr_fds);
	if (ret && ret != -ENOENT)
		return ret;
	return 0;
}

int restore_read_tree(struct restore_ctx *ctx)
{
	int ret;

	ret = read_all(ctx->dirfd, IMG_PSTREE, 0, (void ***)&ctx->pstree, &ctx->nr_pstree);
	if (ret == -ENOENT)
		pr_err("%s: pstree.img is missing", ctx->opts->images_dir);
	if (ret)
		return ret;
	if (ctx->nr_pstree == 0) {
		pr_err("%s: pstree.img lists no process", ctx->opts->images_dir);
		return -EINVAL;
	}
	if (ctx->pstree[0]->pid != ctx->inv->root_pid) {
		pr_err("%s: pstree.img starts with pid %u, the inventory's root is %u",
		       ctx->opts->images_dir, ctx->pstree[0]->pid, ctx->inv->root_pid);
		return -EINVAL;
	}
	ctx->procs = calloc(ctx->nr_pstree, sizeof(*ctx->procs));
	if (!ctx->procs)
		return -ENOMEM;
	ctx->nr_procs = ctx->nr_pstree;
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		struct rst_proc *p = &ctx->procs[i];

		p->pid = ctx->pstree[i]->pid;
		p->pstree = ctx->pstree[i];
		if (p->pstree->zombie)
			continue;	/* no images: it only has to die again */
		ret = read_proc(ctx, p);
		if (ret)
			return ret;
	}
	return restore_check_tree(ctx);
}

int restore_read_files(struct restore_ctx *ctx)
{
	int ret = read_all(ctx->dirfd, IMG_FILES, 0, (void ***)&ctx->files, &ctx->nr_files);

	return ret == -ENOENT ? 0 : ret;
}

void restore_ctx_free(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_procs; i++) {
		struct rst_proc *p = &ctx->procs[i];

		if (p->mm)
			protobuf_c_message_free_unpacked(&p->mm->base, NULL);
		if (p->task)
			protobuf_c_message_free_unpacked(&p->task->base, NULL);
		free_all((void **)p->cores, p->nr_cores);
		free_all((void **)p->pagemap, p->nr_pagemap);
		free_all((void **)p->fds, p->nr_fds);
	}
	free(ctx->procs);
	free_all((void **)ctx->pstree, ctx->nr_pstree);
	free_all((void **)ctx->files, ctx->nr_files);
	if (ctx->inv)
		protobuf_c_message_free_unpacked(&ctx->inv->base, NULL);
	tty_restore_free(ctx);
	ctx->procs = NULL;
	ctx->pstree = NULL;
	ctx->files = NULL;
	ctx->inv = NULL;
}

/* Who holds a pid, for the error line: its comm, or "?" when it just went. */
static void pid_holder(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

pid_t restore_clone(struct restore_ctx *ctx, struct rst_proc *p, int report_fd, int go_fd)
{
	pid_t tid = (pid_t)p->pid;
	struct clone_args ca = {
		.exit_signal = SIGCHLD,
		.set_tid = (uint64_t)(uintptr_t)&tid,
		.set_tid_size = 1,
	};
	long ret;

	fflush(NULL);
	ret = syscall(SYS_clone3, &ca, sizeof(ca));
	if (ret == 0)
		restore_child(ctx, p, report_fd, go_fd);
	if (ret < 0) {
		int err = errno;

		if (err == EEXIST) {
			char comm[64];

			pid_holder(tid, comm, sizeof(comm));
			pr_err("pid %u: cannot restore it with its pid: pid %u is in use by '%s'",
			       p->pid, p->pid, comm);
		} else if (err == EPERM) {
			pr_err("pid %u: cannot create a process with a chosen pid here "
			       "(needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN)", p->pid);
		} else {
			pr_err_rc(-err, "pid %u: clone3 with set_tid failed", p->pid);
		}
		return -err;
	}
	return (pid_t)ret;
}
