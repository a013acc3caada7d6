/*
 * Conventions of mm-<pid>.img (images/mm.proto) shared by dump/ and
 * restore/: what the numbers in a VmaEntry mean.
 *
 * vmas are in address order and do not overlap. start/end are page
 * aligned; end is exclusive.
 *
 * prot:  PROT_READ | PROT_WRITE | PROT_EXEC as the area has them now.
 * flags: the mmap() flags that recreate the area: exactly one of
 *        MAP_PRIVATE / MAP_SHARED, plus MAP_ANONYMOUS for anonymous
 *        kinds and MAP_GROWSDOWN when growsdown is set. MAP_FIXED is
 *        implied (every area goes back at its address).
 * madv:  bit (1u << MADV_x) for each madvise() advice to reapply to the
 *        whole area after mapping it: MADV_RANDOM, MADV_SEQUENTIAL,
 *        MADV_DONTFORK, MADV_MERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
 *        MADV_DONTDUMP, MADV_WIPEONFORK (all below 32).
 * pgoff: file offset in bytes of start, for file kinds.
 * path:  for file kinds, the path in the dumper's mount namespace, with
 *        any " (deleted)" suffix removed (file_deleted says so).
 * dev, ino: st_dev (as makedev(major, minor)) and st_ino of the mapped
 *        file, so that restore can check it maps the same file; for
 *        VMA_ANON_SHARED the ino of the kernel's shmem object, which is
 *        also shmid: areas of several processes with one shmid are one
 *        shared object.
 *
 * Kinds and where their content comes from (see also pagemap.h):
 *   VMA_ANON_PRIVATE, VMA_HEAP, VMA_STACK: anonymous private memory;
 *        saved pages are in the pagemap, the rest is zero.
 *   VMA_ANON_SHARED: MAP_SHARED|MAP_ANONYMOUS (maps shows
 *        "/dev/zero (deleted)"); its pages (those holding data) are in
 *        the pagemap; restore creates a shared anonymous area.
 *   VMA_FILE_PRIVATE: map path at pgoff MAP_PRIVATE, then put the saved
 *        (copy-on-write) pages over it. If file_deleted, the file is
 *        gone: every page the file had is saved; map anonymous instead.
 *   VMA_FILE_SHARED: map path at pgoff MAP_SHARED; nothing is saved.
 *        If file_deleted (memfd, unlinked file): the file's pages are
 *        saved; restore must create a file (e.g. a memfd) holding them
 *        and map that shared. name keeps the original maps path
 *        ("/memfd:NAME").
 *   VMA_VDSO, VMA_VVAR, VMA_VSYSCALL: recorded for their address only;
 *        never saved; the restoring kernel provides them (restore moves
 *        its own vdso/vvar to these addresses).
 *   VMA_SYSV_SHM: not produced yet (dump refuses SysV shm).
 *   name: the maps path of special areas: "[heap]", "[stack]",
 *        "[anon:NAME]", "[vdso]", "[vvar]", "[vvar_vclock]", ...
 */
#ifndef LMIG_IMAGE_MM_H
#define LMIG_IMAGE_MM_H

#include <sys/mman.h>

/* VmaEntry.madv bit for one advice. */
#define VMA_MADV(advice)	(1u << (advice))

#endif
