/*
 * `lmig show`: decode a directory of images as text or JSON.
 * Internal to src/show/; the command itself is cmd_show() in cmd.h.
 */
#ifndef LMIG_SHOW_SHOW_H
#define LMIG_SHOW_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image/image.h"
#include "pstree.pb-c.h"

struct show_opts {
	const char *dir;	/* -D, --images-dir */
	bool json;		/* --json */
	bool help;		/* --help: print usage, do nothing else */
};

/*
 * Parse show's arguments (argv[0] is "show"). Returns 0, or
 * LMIG_EXIT_USAGE after one error line. Resets getopt (optind = 0).
 */
int show_parse_opts(int argc, char **argv, struct show_opts *opts);

enum show_what {
	SHOW_IMAGE,		/* an image file: type and id */
	SHOW_PAGES,		/* pages-<id>.img */
	SHOW_SKIPPED,		/* anything else: listed, not read */
};

struct show_entry {
	char *name;
	enum show_what what;
	enum img_type type;
	uint32_t id;		/* pid or tid; 0 for tree-wide images */
	uint32_t owner;		/* pid it is shown under: id, or a thread's process */
	const char *why;	/* SHOW_SKIPPED: why (static string) */
};

struct show_dir {
	struct show_entry *ents;
	size_t nr;
};

/* List dir (open as dirfd) and classify each entry. 0 or -errno (logged). */
int show_scan_dir(int dirfd, const char *dir, struct show_dir *sd);
/*
 * Order for printing: inventory, pstree, files, then per process (in pid
 * order) task, core of each thread, mm, pagemap, pages, fdinfo; skipped
 * names last. Threads are put under their process by the pstree records
 * ps[0..nps) (a core image of an unknown tid stands under its own id).
 */
void show_order(struct show_dir *sd, PstreeEntry *const *ps, size_t nps);
const struct show_entry *show_find(const struct show_dir *sd, enum show_what what,
				   enum img_type type, uint32_t id);
void show_dir_free(struct show_dir *sd);

struct show_ctx {
	int dirfd;
	const char *dir;
	bool json;
	FILE *out;		/* everything goes here; stdout only on success */
	uint32_t page_size;	/* from the inventory */
	const struct show_dir *sd;
};

/*
 * Print one entry (an element of the "images" or "skipped" arrays with
 * --json, preceded by a comma unless first). 0 or -errno, logged once.
 */
int show_entry_print(const struct show_ctx *ctx, const struct show_entry *e, bool first);

#endif
