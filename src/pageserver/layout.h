/*
 * The areas message: which areas of a process the page server stages.
 *
 * Before each round (outside rounds, as a STATE frame) the sender tells
 * the page server the areas whose pages it may send next, one STATE
 * file per process named "areas-<pid>". The page server keeps one
 * staging area per listed area (src/pageserver/staging.h); pages of the
 * following rounds must fall inside them. The last areas message, sent
 * while the process is frozen, lists exactly the non-special areas of
 * its mm-<pid>.img.
 *
 * Data: LAYOUT_REC_SIZE bytes per area, little-endian and fixed-width:
 *   le64 start, le64 end     page-aligned, start < end
 * sorted by start, not overlapping; at most LAYOUT_MAX_AREAS records.
 */
#ifndef LMIG_PAGESERVER_LAYOUT_H
#define LMIG_PAGESERVER_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define LAYOUT_REC_SIZE		16u
#define LAYOUT_MAX_AREAS	(1u << 18)	/* far above vm.max_map_count's default */
#define LAYOUT_NAME_FMT		"areas-%u"

struct layout_area {
	uint64_t start, end;
};

/* "areas-42" into buf; 0 or -ENAMETOOLONG. */
int layout_name(uint32_t pid, char *buf, size_t len);
/* The pid of an areas name (only the exact spelling above); 0 or -EINVAL. */
int layout_parse_name(const char *name, uint32_t *pid);

/* Encode n areas into buf, which holds n * LAYOUT_REC_SIZE bytes. */
void layout_encode(const struct layout_area *a, size_t n, uint8_t *buf);
/*
 * Decode len bytes into *out (malloc()ed, owned by the caller; NULL when
 * n is 0) and check them: whole records, page-aligned (page_size),
 * non-empty, sorted, not overlapping. Returns 0, -EPROTO with *why set
 * (a static string) for bad data, or -ENOMEM. Does not log.
 */
int layout_decode(const uint8_t *buf, size_t len, uint64_t page_size,
		  struct layout_area **out, size_t *n, const char **why);

#endif
