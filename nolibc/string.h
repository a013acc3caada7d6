/* memcpy/memset/memcmp for the freestanding blobs; the compiler may emit calls to them. */
#ifndef LMIG_NOLIBC_STRING_H
#define LMIG_NOLIBC_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
