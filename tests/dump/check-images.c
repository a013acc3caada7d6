/*
 * Check the images `lmig dump` wrote of tests/dump/target against what
 * the target says it built (DIR/info):
 *   check-images IMGDIR INFO
 * Exit 0 when every check holds, 1 otherwise (each failure printed).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "crc32c.h"
#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"
#include "task.pb-c.h"
#include "image/image.h"
#include "image/pages.h"

#define PS 4096

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "check-images:%d: %s: ", __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} \
} while (0)

struct info {
	int pid;
	uint64_t pattern, zero, untouched, fmap, shmap;
	int npattern, nzero, nuntouched, nfmap, nshmap;
	int file_fd, file_pos;
	char file_path[4096];
	int pipe_r, pipe_w;
	char pipe_data[256];
	int threads;
	uint64_t altstack, altstack_size, handler, brk;
};

static int read_info(const char *path, struct info *in)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	void *p;

	if (!f)
		return -1;
	memset(in, 0, sizeof(*in));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "pid %d", &in->pid) == 1)
			continue;
		if (sscanf(line, "pattern %p %d", &p, &in->npattern) == 2)
			in->pattern = (uintptr_t)p;
		else if (sscanf(line, "zero %p %d", &p, &in->nzero) == 2)
			in->zero = (uintptr_t)p;
		else if (sscanf(line, "untouched %p %d", &p, &in->nuntouched) == 2)
			in->untouched = (uintptr_t)p;
		else if (sscanf(line, "fmap %p %d", &p, &in->nfmap) == 2)
			in->fmap = (uintptr_t)p;
		else if (sscanf(line, "shmap %p %d", &p, &in->nshmap) == 2)
			in->shmap = (uintptr_t)p;
		else if (sscanf(line, "file %d %d %4095s", &in->file_fd, &in->file_pos, in->file_path) == 3)
			;
		else if (sscanf(line, "pipe %d %d %255s", &in->pipe_r, &in->pipe_w, in->pipe_data) == 3)
			;
		else if (sscanf(line, "altstack %p %llu", &p, (unsigned long long *)&in->altstack_size) == 2)
			in->altstack = (uintptr_t)p;
		else if (sscanf(line, "handler %p", &p) == 1)
			in->handler = (uintptr_t)p;
		else if (sscanf(line, "brk %p", &p) == 1)
			in->brk = (uintptr_t)p;
		else
			sscanf(line, "threads %d", &in->threads);
	}
	fclose(f);
	return in->pid ? 0 : -1;
}

static uint8_t pattern_byte(size_t page, size_t off)
{
	return (uint8_t)(page * 7 + off * 13 + 1) | 1;
}

/* What the images say about one page. */
enum page_state { P_NONE, P_ZERO, P_DATA };

struct pages {
	PagemapEntry **pe;
	size_t nr;
	uint64_t *data_off;	/* offset in pages file of each record's data */
	struct pages_file *pf;
};

static enum page_state page_at(struct pages *pg, uint64_t addr, uint8_t *buf)
{
	for (size_t i = 0; i < pg->nr; i++) {
		PagemapEntry *e = pg->pe[i];

		if (addr < e->vaddr || addr >= e->vaddr + (uint64_t)e->nr_pages * PS)
			continue;
		if (e->has_flags && (e->flags & PE_ZERO))
			return P_ZERO;
		if (pages_read_at(pg->pf, pg->data_off[i] + (addr - e->vaddr), buf, PS))
			return P_NONE;
		return P_DATA;
	}
	return P_NONE;
}

static int load_pages(int dirfd, int pid, struct pages *pg)
{
	struct img *img;
	ProtobufCMessage *m;
	uint64_t off = 0, prev_end = 0;
	int ret;

	memset(pg, 0, sizeof(*pg));
	if (img_open_read(dirfd, IMG_PAGEMAP, pid, &img) || pages_open_read(dirfd, pid, &pg->pf))
		return -1;
	while ((ret = img_read_msg(img, &m)) == 1) {
		PagemapEntry *e = (PagemapEntry *)m;
		uint8_t *data;
		size_t len = (size_t)e->nr_pages * PS;

		pg->pe = realloc(pg->pe, (pg->nr + 1) * sizeof(*pg->pe));
		pg->data_off = realloc(pg->data_off, (pg->nr + 1) * sizeof(*pg->data_off));
		pg->pe[pg->nr] = e;
		pg->data_off[pg->nr] = off;
		pg->nr++;
		CHECK(e->vaddr >= prev_end && e->vaddr % PS == 0 && e->nr_pages > 0,
		      "pagemap run at %#llx out of order", (unsigned long long)e->vaddr);
		prev_end = e->vaddr + len;
		if (e->has_flags && (e->flags & PE_ZERO)) {
			CHECK(!e->has_crc32c, "zero run with a crc");
			continue;
		}
		data = malloc(len);
		CHECK(pages_read_at(pg->pf, off, data, len) == 0, "run at %#llx: no data",
		      (unsigned long long)e->vaddr);
		CHECK(e->has_crc32c && e->crc32c == crc32c(0, data, len), "run at %#llx: bad crc",
		      (unsigned long long)e->vaddr);
		free(data);
		off += len;
	}
	img_close(img);
	CHECK(off == pages_size(pg->pf), "pages file is %llu bytes, runs need %llu",
	      (unsigned long long)pages_size(pg->pf), (unsigned long long)off);
	return ret;
}

static VmaEntry *vma_at(MmEntry *mm, uint64_t addr)
{
	for (size_t i = 0; i < mm->n_vmas; i++)
		if (addr >= mm->vmas[i]->start && addr < mm->vmas[i]->end)
			return mm->vmas[i];
	return NULL;
}

static void check_memory(int dirfd, struct info *in, MmEntry *mm)
{
	struct pages pg;
	uint8_t buf[PS];
	VmaEntry *v;

	for (size_t i = 1; i < mm->n_vmas; i++)
		CHECK(mm->vmas[i]->start >= mm->vmas[i - 1]->end, "vmas out of order");
	v = vma_at(mm, in->pattern);
	CHECK(v && v->kind == VMA_KIND__VMA_ANON_PRIVATE, "pattern area not anon private");
	v = vma_at(mm, in->fmap);
	CHECK(v && v->kind == VMA_KIND__VMA_FILE_PRIVATE && v->path &&
	      strcmp(v->path, in->file_path) == 0 && v->pgoff == 0, "private file map wrong");
	v = vma_at(mm, in->shmap);
	CHECK(v && v->kind == VMA_KIND__VMA_FILE_SHARED && v->path &&
	      strcmp(v->path, in->file_path) == 0, "shared file map wrong");
	for (size_t i = 0; i < mm->n_vmas; i++)
		if (mm->vmas[i]->kind == VMA_KIND__VMA_VDSO)
			v = mm->vmas[i];
	CHECK(v && v->kind == VMA_KIND__VMA_VDSO, "no vdso");
	CHECK(mm->n_auxv >= 2 && mm->n_auxv % 2 == 0, "auxv");
	CHECK(mm->exe_path && strstr(mm->exe_path, "target"), "exe_path %s", mm->exe_path);

	if (load_pages(dirfd, in->pid, &pg)) {
		CHECK(0, "cannot read the pagemap");
		return;
	}
	for (int i = 0; i < in->npattern; i++) {
		int bad = 0;

		CHECK(page_at(&pg, in->pattern + (uint64_t)i * PS, buf) == P_DATA, "pattern page %d not saved", i);
		for (size_t j = 0; j < PS; j++)
			bad |= buf[j] != pattern_byte(i, j);
		CHECK(!bad, "pattern page %d: wrong data", i);
	}
	for (int i = 0; i < in->nzero; i++)
		CHECK(page_at(&pg, in->zero + (uint64_t)i * PS, buf) == P_ZERO, "zero page %d not PE_ZERO", i);
	for (int i = 0; i < in->nuntouched; i++)
		CHECK(page_at(&pg, in->untouched + (uint64_t)i * PS, buf) == P_NONE, "untouched page %d saved", i);
	for (int i = 0; i < in->nfmap; i++) {
		enum page_state s = page_at(&pg, in->fmap + (uint64_t)i * PS, buf);

		if (i == 1)
			CHECK(s == P_DATA && buf[0] == 'X' && buf[PS - 1] == 'X', "copy-on-write page not saved");
		else
			CHECK(s == P_NONE, "private file page %d saved although unchanged", i);
	}
	/* A small shared file area is carried (VMA_CARRY_MAX): every page, as the file has it. */
	for (int i = 0; i < in->nshmap; i++)
		CHECK(page_at(&pg, in->shmap + (uint64_t)i * PS, buf) == P_DATA &&
		      buf[0] == (i == 3 ? 'd' : 'a' + i), "shared file page %d not carried", i);
	for (size_t i = 0; i < pg.nr; i++)
		protobuf_c_message_free_unpacked(&pg.pe[i]->base, NULL);
	free(pg.pe);
	free(pg.data_off);
	pages_close(pg.pf);
}

static void check_core(int dirfd, uint32_t tid, MmEntry *mm, uint32_t xsave_size, bool leader,
		       struct info *in)
{
	CoreEntry *c;
	VmaEntry *v;

	if (img_read_one(dirfd, IMG_CORE, tid, (ProtobufCMessage **)&c)) {
		CHECK(0, "no core image for thread %u", tid);
		return;
	}
	CHECK(c->tid == tid, "core tid %u", c->tid);
	v = vma_at(mm, c->regs->ip);
	CHECK(v && (v->prot & PROT_EXEC), "thread %u: ip %#llx not in code", tid,
	      (unsigned long long)c->regs->ip);
	v = vma_at(mm, c->regs->sp);
	CHECK(v && (v->prot & PROT_WRITE), "thread %u: sp %#llx not in writable memory", tid,
	      (unsigned long long)c->regs->sp);
	CHECK(c->regs->cs == 0x33 && c->regs->ss == 0x2b, "thread %u: segments", tid);
	CHECK(c->regs->fs_base != 0, "thread %u: no TLS", tid);
	CHECK(c->has_xsave && c->xsave.len == xsave_size && xsave_size >= 576,
	      "thread %u: xsave %zu bytes", tid, c->xsave.len);
	/* The leader waits in sigsuspend(); the other threads may be between two nanosleep()s. */
	CHECK(!leader || (c->has_syscall_nr && c->syscall_nr == SYS_rt_sigsuspend),
	      "thread %u: not stopped in sigsuspend", tid);
	CHECK(c->comm && c->comm[0], "thread %u: no comm", tid);
	if (leader)
		CHECK(c->sigaltstack && c->sigaltstack->ss_sp == in->altstack &&
		      c->sigaltstack->ss_size == in->altstack_size, "leader: sigaltstack");
	else
		CHECK(c->sigaltstack && (c->sigaltstack->ss_flags & SS_DISABLE), "thread %u: sigaltstack", tid);
	protobuf_c_message_free_unpacked(&c->base, NULL);
}

static void check_task(TaskEntry *t, struct info *in)
{
	bool usr1 = false, dfl = false;

	CHECK(t->n_sigactions == 62, "%zu sigactions", t->n_sigactions);
	for (size_t i = 0; i < t->n_sigactions; i++) {
		if (t->sigactions[i]->sig == SIGUSR1)
			usr1 = t->sigactions[i]->handler == in->handler;
		if (t->sigactions[i]->sig == SIGUSR2)
			dfl = t->sigactions[i]->handler == (uint64_t)(uintptr_t)SIG_DFL;
	}
	CHECK(usr1 && dfl, "sigactions of SIGUSR1 / SIGUSR2");
	CHECK(t->has_umask && t->umask == 027, "umask %o", t->umask);
	CHECK(t->has_personality && t->personality == 0, "personality %#x", t->personality);
	CHECK(t->n_itimers == 3 && t->itimers[0]->value_us == 0, "itimers");
	CHECK(t->n_posix_timers == 1 && t->posix_timers[0]->clock_id == CLOCK_MONOTONIC &&
	      t->posix_timers[0]->notify == SIGEV_NONE &&
	      t->posix_timers[0]->interval_ns == 100000000000ull &&
	      t->posix_timers[0]->value_ns > 150000000000ull &&
	      t->posix_timers[0]->value_ns <= 200000000000ull, "posix timer");
	CHECK(t->has_dumpable && t->dumpable == 1, "dumpable");
	CHECK(t->has_timerslack_ns && t->timerslack_ns > 0, "timerslack");
}

static FileEntry *file_by_id(FileEntry **files, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (files[i]->id == id)
			return files[i];
	return NULL;
}

static void check_files(int dirfd, struct info *in)
{
	FileEntry *files[1024];
	size_t nf = 0;
	struct img *img;
	ProtobufCMessage *m;
	int found = 0;
	uint64_t pipe_id = 0;

	if (img_open_read(dirfd, IMG_FILES, 0, &img)) {
		CHECK(0, "no files.img");
		return;
	}
	while (nf < 1024 && img_read_msg(img, &m) == 1)
		files[nf++] = (FileEntry *)m;
	img_close(img);
	if (img_open_read(dirfd, IMG_FDINFO, in->pid, &img)) {
		CHECK(0, "no fdinfo image");
		return;
	}
	while (img_read_msg(img, &m) == 1) {
		FdinfoEntry *fd = (FdinfoEntry *)m;
		FileEntry *fe = file_by_id(files, nf, fd->id);

		CHECK(fe, "fd %u: no file %u", fd->fd, fd->id);
		if (!fe)
			continue;
		if ((int)fd->fd == in->file_fd) {
			found++;
			CHECK(fe->kind == FD_KIND__FD_REG && fe->reg && strcmp(fe->reg->path, in->file_path) == 0 &&
			      fe->reg->pos == (uint64_t)in->file_pos && (fe->reg->flags & O_ACCMODE) == O_RDONLY,
			      "regular file fd %u", fd->fd);
		} else if ((int)fd->fd == in->pipe_r) {
			found++;
			CHECK(fe->kind == FD_KIND__FD_PIPE && fe->pipe && !fe->pipe->write_end &&
			      fe->pipe->has_data && fe->pipe->data.len == strlen(in->pipe_data) &&
			      memcmp(fe->pipe->data.data, in->pipe_data, fe->pipe->data.len) == 0,
			      "pipe read end fd %u", fd->fd);
			if (fe->pipe) {
				CHECK(!pipe_id || pipe_id == fe->pipe->pipe_id, "pipe ids differ");
				pipe_id = fe->pipe->pipe_id;
			}
		} else if ((int)fd->fd == in->pipe_w) {
			found++;
			CHECK(fe->kind == FD_KIND__FD_PIPE && fe->pipe && fe->pipe->write_end &&
			      !fe->pipe->has_data, "pipe write end fd %u", fd->fd);
			if (fe->pipe) {
				CHECK(!pipe_id || pipe_id == fe->pipe->pipe_id, "pipe ids differ");
				pipe_id = fe->pipe->pipe_id;
			}
		}
		protobuf_c_message_free_unpacked(m, NULL);
	}
	img_close(img);
	CHECK(found == 3, "found %d of the 3 fds", found);
	for (size_t i = 0; i < nf; i++)
		protobuf_c_message_free_unpacked(&files[i]->base, NULL);
}

int main(int argc, char **argv)
{
	InventoryEntry *inv;
	PstreeEntry *ps;
	TaskEntry *task;
	MmEntry *mm;
	struct info in;
	int dirfd;

	if (argc != 3) {
		fprintf(stderr, "usage: check-images IMGDIR INFO\n");
		return 2;
	}
	if (read_info(argv[2], &in)) {
		fprintf(stderr, "check-images: cannot read %s\n", argv[2]);
		return 1;
	}
	dirfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dirfd < 0 || img_read_one(dirfd, IMG_INVENTORY, 0, (ProtobufCMessage **)&inv) ||
	    img_read_one(dirfd, IMG_PSTREE, 0, (ProtobufCMessage **)&ps) ||
	    img_read_one(dirfd, IMG_MM, in.pid, (ProtobufCMessage **)&mm) ||
	    img_read_one(dirfd, IMG_TASK, in.pid, (ProtobufCMessage **)&task)) {
		fprintf(stderr, "check-images: an image is missing in %s\n", argv[1]);
		return 1;
	}
	CHECK(inv->root_pid == (uint32_t)in.pid && inv->page_size == PS && strcmp(inv->arch, "x86_64") == 0,
	      "inventory");
	CHECK(inv->has_xsave_size && inv->xsave_size > 0, "inventory xsave_size");
	CHECK(ps->pid == (uint32_t)in.pid && ps->ppid == 0 && ps->n_threads == (size_t)in.threads &&
	      ps->threads[0] == (uint32_t)in.pid, "pstree: pid %u, %zu threads", ps->pid, ps->n_threads);
	CHECK(task->pid == (uint32_t)in.pid && task->creds && task->n_rlimits >= 16 && task->cwd &&
	      task->root && strcmp(task->root, "/") == 0, "task");
	for (size_t i = 0; i < ps->n_threads; i++)
		check_core(dirfd, ps->threads[i], mm, inv->xsave_size, i == 0, &in);
	check_task(task, &in);
	CHECK(mm->brk == in.brk, "brk %#llx, the target had %#llx", (unsigned long long)mm->brk,
	      (unsigned long long)in.brk);
	check_memory(dirfd, &in, mm);
	check_files(dirfd, &in);
	if (failures)
		fprintf(stderr, "check-images: %d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
