#define LOG_PREFIX "restore-shmem: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "restore/restore.h"
#include "restore/shmem.h"

static struct rst_shmem *find(const struct restore_ctx *ctx, uint64_t shmid)
{
	for (size_t i = 0; i < ctx->nr_shmem; i++)
		if (ctx->shmem[i].shmid == shmid)
			return &ctx->shmem[i];
	return NULL;
}

int shmem_fd(const struct restore_ctx *ctx, uint64_t shmid)
{
	const struct rst_shmem *s = find(ctx, shmid);

	return s ? s->fd : -1;
}

/* An anonymous shared object of size bytes: its fd through map_files. */
static int make_object(uint64_t shmid, uint64_t size)
{
	char path[96];
	void *m;
	int fd;

	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (m == MAP_FAILED) {
		fd = -errno;
		pr_perror("shmid %" PRIu64 ": cannot create %" PRIu64 " bytes of shared memory",
			  shmid, size);
		return fd;
	}
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)m,
		 (unsigned long)m + (unsigned long)size);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		pr_perror("shmid %" PRIu64 ": cannot open %s", shmid, path);
	}
	munmap(m, size);
	return fd;
}

int shmem_prepare(struct restore_ctx *ctx)
{
	int ret;

	for (size_t i = 0; i < ctx->nr_procs; i++) {
		const struct rst_proc *p = &ctx->procs[i];

		for (size_t j = 0; p->mm && j < p->mm->n_vmas; j++) {
			const VmaEntry *v = p->mm->vmas[j];
			uint64_t end = (v->has_pgoff ? v->pgoff : 0) + (v->end - v->start);
			struct rst_shmem *s;

			if (v->kind != VMA_KIND__VMA_ANON_SHARED || !v->has_shmid)
				continue;
			s = find(ctx, v->shmid);
			if (!s) {
				s = realloc(ctx->shmem, (ctx->nr_shmem + 1) * sizeof(*s));
				if (!s)
					return -ENOMEM;
				ctx->shmem = s;
				s = &s[ctx->nr_shmem++];
				s->shmid = v->shmid;
				s->size = 0;
				s->fd = -1;
			}
			if (end > s->size)
				s->size = end;
		}
	}
	for (size_t i = 0; i < ctx->nr_shmem; i++) {
		ret = make_object(ctx->shmem[i].shmid, ctx->shmem[i].size);
		if (ret < 0)
			return ret;
		ctx->shmem[i].fd = ret;
	}
	return 0;
}

void shmem_release(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_shmem; i++)
		if (ctx->shmem[i].fd >= 0)
			close(ctx->shmem[i].fd);
	free(ctx->shmem);
	ctx->shmem = NULL;
	ctx->nr_shmem = 0;
}
