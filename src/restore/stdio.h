/*
 * --inherit-stdio: the restored root's fds 0, 1 and 2 are lmig restore's
 * own (a terminal, a file, a pipe: whatever lmig was given), whatever
 * they were at dump, as a shell hands its command the streams it chose.
 * E.g. a process dumped writing to a pipe whose reader is gone can be
 * restored writing to a file: `lmig restore -D DIR --inherit-stdio >log`.
 *
 * The root takes them from lmig through clone (a dup: the same open file
 * descriptions). Only fds the root had open at dump are replaced: one it
 * had closed stays closed. Other processes of the tree keep theirs.
 */
#ifndef LMIG_RESTORE_STDIO_H
#define LMIG_RESTORE_STDIO_H

#include <stdbool.h>
#include <stdint.h>

struct restore_ctx;
struct rst_proc;

/* Is fd of p one that --inherit-stdio replaces? */
bool stdio_inherited(const struct restore_ctx *ctx, const struct rst_proc *p, uint32_t fd);

/* In the restored root: lmig's fd (inherited through clone), dup'ed. An fd, or -errno with *what. */
int stdio_open(uint32_t fd, const char **what);

#endif
