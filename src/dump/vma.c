#define LOG_PREFIX "dump-vma: "
#include "config.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "image/mm.h"
#include "dump/vma.h"

bool vma_kind_is_special(VmaKind kind)
{
	return kind == VMA_KIND__VMA_VDSO || kind == VMA_KIND__VMA_VVAR ||
	       kind == VMA_KIND__VMA_VSYSCALL;
}

static uint32_t madv_of(uint32_t vmflags)
{
	static const struct { uint32_t pvf; int advice; } map[] = {
		{ PVF_RAND_READ, MADV_RANDOM }, { PVF_SEQ_READ, MADV_SEQUENTIAL },
		{ PVF_DONTFORK, MADV_DONTFORK }, { PVF_MERGEABLE, MADV_MERGEABLE },
		{ PVF_HUGEPAGE, MADV_HUGEPAGE }, { PVF_NOHUGEPAGE, MADV_NOHUGEPAGE },
		{ PVF_DONTDUMP, MADV_DONTDUMP }, { PVF_WIPEONFORK, MADV_WIPEONFORK },
	};
	uint32_t madv = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (vmflags & map[i].pvf)
			madv |= VMA_MADV(map[i].advice);
	return madv;
}

/* "[name]" areas: the kernel's special mappings and named anonymous memory. */
static int classify_bracket(const struct proc_vma *v, VmaEntry *e, const char **why)
{
	const char *p = v->path;

	if (strcmp(p, "[heap]") == 0)
		e->kind = VMA_KIND__VMA_HEAP;
	else if (strcmp(p, "[stack]") == 0)
		e->kind = VMA_KIND__VMA_STACK;
	else if (strcmp(p, "[vdso]") == 0)
		e->kind = VMA_KIND__VMA_VDSO;
	else if (strcmp(p, "[vvar]") == 0 || strcmp(p, "[vvar_vclock]") == 0)
		e->kind = VMA_KIND__VMA_VVAR;
	else if (strcmp(p, "[vsyscall]") == 0)
		e->kind = VMA_KIND__VMA_VSYSCALL;
	else if (strncmp(p, "[anon:", 6) == 0)
		e->kind = v->shared ? VMA_KIND__VMA_ANON_SHARED : VMA_KIND__VMA_ANON_PRIVATE;
	else if (strncmp(p, "[anon_shmem:", 12) == 0)
		e->kind = VMA_KIND__VMA_ANON_SHARED;
	else {
		*why = "kernel special mapping is not supported";
		return -ENOTSUP;
	}
	e->name = (char *)v->path;
	return 0;
}

int vma_classify(const struct proc_vma *v, VmaEntry *e, const char **why)
{
	int ret;

	e->start = v->start;
	e->end = v->end;
	e->prot = v->prot;
	e->flags = v->shared ? MAP_SHARED : MAP_PRIVATE;
	if (v->path[0] == '[') {
		ret = classify_bracket(v, e, why);
		if (ret)
			return ret;
	} else if (v->path[0] == '\0') {
		e->kind = v->shared ? VMA_KIND__VMA_ANON_SHARED : VMA_KIND__VMA_ANON_PRIVATE;
	} else if (v->shared && v->deleted && strcmp(v->path, "/dev/zero") == 0) {
		e->kind = VMA_KIND__VMA_ANON_SHARED;
	} else if (strncmp(v->path, "/SYSV", 5) == 0 && v->dev_major == 0) {
		/* An attach of a SysV segment: its inode is the shmid; ipc.img holds the contents. */
		e->kind = VMA_KIND__VMA_SYSV_SHM;
		e->has_shmid = e->has_ino = e->has_pgoff = true;
		e->shmid = e->ino = v->ino;
		e->pgoff = v->pgoff;
		e->name = (char *)v->path;
	} else {
		e->kind = v->shared ? VMA_KIND__VMA_FILE_SHARED : VMA_KIND__VMA_FILE_PRIVATE;
		e->path = (char *)v->path;
		e->has_pgoff = true;
		e->pgoff = v->pgoff;
		e->has_file_deleted = true;
		e->file_deleted = v->deleted;
		if (v->shared && !v->deleted && v->end - v->start <= VMA_CARRY_MAX)
			e->has_content_carried = e->content_carried = true;
		e->has_dev = e->has_ino = true;
		e->dev = makedev(v->dev_major, v->dev_minor);
		e->ino = v->ino;
	}
	/* vvar is a pfn map too, but the kernel provides it; any other is a device's. */
	if (!vma_kind_is_special(e->kind) && (v->vmflags & (PVF_IO | PVF_PFNMAP))) {
		*why = "device (VM_IO/VM_PFNMAP) mapping is not supported";
		return -ENOTSUP;
	}
	if (e->kind == VMA_KIND__VMA_ANON_PRIVATE || e->kind == VMA_KIND__VMA_ANON_SHARED ||
	    e->kind == VMA_KIND__VMA_HEAP || e->kind == VMA_KIND__VMA_STACK)
		e->flags |= MAP_ANONYMOUS;
	if (e->kind == VMA_KIND__VMA_ANON_SHARED) {
		e->has_shmid = e->has_ino = true;
		e->shmid = e->ino = v->ino;
		e->has_pgoff = true;
		e->pgoff = v->pgoff;
	}
	if (v->vmflags & PVF_GROWSDOWN) {
		e->flags |= MAP_GROWSDOWN;
		e->has_growsdown = e->growsdown = true;
	}
	if (!vma_kind_is_special(e->kind)) {
		uint32_t madv = madv_of(v->vmflags);

		if (madv) {
			e->has_madv = true;
			e->madv = madv;
		}
	}
	return 0;
}
