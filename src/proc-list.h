/*
 * The numeric entries of a /proc/PID directory, for dump/ and restore/
 * alike (neither depends on the other).
 */
#ifndef LMIG_PROC_LIST_H
#define LMIG_PROC_LIST_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The numeric entries of /proc/PID/DIR ("fd", "task"), sorted, into *out
 * (owned by the caller). 0, or -errno (not logged; -ENOENT: no such pid).
 */
int proc_list_numbers(pid_t pid, const char *dir, int **out, size_t *nr);

#endif
