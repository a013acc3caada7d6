/*
 * Classify the areas of /proc/PID/smaps into images/mm.proto's VmaEntry
 * (conventions in src/image/mm.h).
 */
#ifndef LMIG_DUMP_VMA_H
#define LMIG_DUMP_VMA_H

#include <stdbool.h>

#include "mm.pb-c.h"
#include "dump/proc.h"

/*
 * Fill e (initialised by the caller with vma_entry__init) from v. String
 * fields of e point into v: e must not outlive v. Returns 0, or -ENOTSUP
 * with *why naming what is not supported (a static string).
 */
int vma_classify(const struct proc_vma *v, VmaEntry *e, const char **why);

/*
 * A MAP_SHARED area of a file that still exists, at most this long, has its
 * pages saved as well (content_carried): a destination without the file (a
 * JVM's /tmp/hsperfdata_USER/PID on another host) gets them in a memfd.
 */
#define VMA_CARRY_MAX	(1u << 20)

/* Kinds whose pages are never saved: the kernel provides them. */
bool vma_kind_is_special(VmaKind kind);

#endif
