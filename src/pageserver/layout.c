#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pageserver/layout.h"

int layout_name(uint32_t pid, char *buf, size_t len)
{
	int n = snprintf(buf, len, LAYOUT_NAME_FMT, pid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int layout_parse_name(const char *name, uint32_t *pid)
{
	char again[32];
	uint64_t v;

	if (strncmp(name, "areas-", 6) || cli_parse_u64(name + 6, UINT32_MAX, &v) < 0)
		return -EINVAL;
	/* Only the spelling layout_name() makes: no leading zeros. */
	if (layout_name((uint32_t)v, again, sizeof(again)) || strcmp(again, name))
		return -EINVAL;
	*pid = (uint32_t)v;
	return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

void layout_encode(const struct layout_area *a, size_t n, uint8_t *buf)
{
	for (size_t i = 0; i < n; i++) {
		put64(buf + i * LAYOUT_REC_SIZE, a[i].start);
		put64(buf + i * LAYOUT_REC_SIZE + 8, a[i].end);
	}
}

int layout_decode(const uint8_t *buf, size_t len, uint64_t page_size,
		  struct layout_area **out, size_t *n, const char **why)
{
	struct layout_area *a = NULL;
	size_t nr = len / LAYOUT_REC_SIZE;

	*out = NULL;
	*n = 0;
	if (len % LAYOUT_REC_SIZE) {
		*why = "not a whole number of area records";
		return -EPROTO;
	}
	if (nr > LAYOUT_MAX_AREAS) {
		*why = "too many areas";
		return -EPROTO;
	}
	if (!nr)
		return 0;
	a = malloc(nr * sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		a[i].start = get64(buf + i * LAYOUT_REC_SIZE);
		a[i].end = get64(buf + i * LAYOUT_REC_SIZE + 8);
		if (a[i].start >= a[i].end || a[i].start % page_size || a[i].end % page_size) {
			*why = "an area is empty or not page-aligned";
			goto bad;
		}
		if (i && a[i].start < a[i - 1].end) {
			*why = "areas are not sorted or overlap";
			goto bad;
		}
	}
	*out = a;
	*n = nr;
	return 0;
bad:
	free(a);
	return -EPROTO;
}
