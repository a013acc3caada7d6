/*
 * Values under /proc/sys of lmig's own namespaces, by their name under
 * /proc/sys ("kernel/msgmax", "fs/mqueue/msg_max"). Each returns 0 or
 * -errno and logs nothing: the caller names what the value was for.
 */
#ifndef LMIG_SYSCTL_H
#define LMIG_SYSCTL_H

#include <stddef.h>

/* The text, without its trailing newlines, into buf (NUL-terminated). */
int sysctl_read(const char *name, char *buf, size_t len);
int sysctl_read_ll(const char *name, long long *val);
int sysctl_write(const char *name, const char *value);
int sysctl_write_ll(const char *name, long long val);

#endif
