#define LOG_PREFIX "show: "
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/pages.h"
#include "log.h"
#include "show/show.h"

static int classify(int dirfd, const struct dirent *de, struct show_entry *e)
{
	unsigned char dtype = de->d_type;

	if (dtype == DT_UNKNOWN) {
		struct stat st;

		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		dtype = S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
	}
	e->name = strdup(de->d_name);
	if (!e->name)
		return -ENOMEM;
	if (dtype != DT_REG) {
		e->what = SHOW_SKIPPED;
		e->why = "not a regular file";
	} else if (img_parse_file_name(de->d_name, &e->type, &e->id) == 0) {
		e->what = SHOW_IMAGE;
	} else if (pages_parse_file_name(de->d_name, &e->id) == 0) {
		e->what = SHOW_PAGES;
	} else {
		e->what = SHOW_SKIPPED;
		e->why = "not an image file name";
	}
	e->owner = e->id;
	return 0;
}

int show_scan_dir(int dirfd, const char *dir, struct show_dir *sd)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd, rc = 0;

	sd->ents = NULL;
	sd->nr = 0;
	fd = dup(dirfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = -errno;
		pr_perror("%s: cannot list", dir);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				rc = -errno;
				pr_perror("%s: cannot list", dir);
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (sd->nr == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct show_entry *n = realloc(sd->ents, ncap * sizeof(*n));

			if (!n) {
				rc = -ENOMEM;
				pr_err("%s: out of memory", dir);
				break;
			}
			sd->ents = n;
			cap = ncap;
		}
		memset(&sd->ents[sd->nr], 0, sizeof(sd->ents[0]));
		rc = classify(dirfd, de, &sd->ents[sd->nr]);
		if (rc < 0) {
			pr_err_rc(rc, "%s/%s", dir, de->d_name);
			break;
		}
		sd->nr++;
	}
	closedir(d);
	if (rc < 0)
		show_dir_free(sd);
	return rc;
}

/* Position of an entry's kind in the printing order. */
static int rank(const struct show_entry *e)
{
	if (e->what == SHOW_SKIPPED)
		return 100;
	if (e->what == SHOW_PAGES)
		return 14;
	switch (e->type) {
	case IMG_INVENTORY:	return 0;
	case IMG_PSTREE:	return 1;
	case IMG_FILES:		return 2;
	case IMG_TASK:		return 10;
	case IMG_CORE:		return 11;
	case IMG_MM:		return 12;
	case IMG_PAGEMAP:	return 13;
	case IMG_FDINFO:	return 15;
	default:		return 50;
	}
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct show_entry *a = pa, *b = pb;
	int ra = rank(a), rb = rank(b);

	/* Tree-wide kinds first, then processes, each with its own images together. */
	if (ra >= 100 || rb >= 100)
		return ra != rb ? ra - rb : strcmp(a->name, b->name);
	if ((ra < 10) != (rb < 10))
		return ra - rb;
	if (ra >= 10 && a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	if (ra != rb)
		return ra - rb;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return strcmp(a->name, b->name);
}

void show_order(struct show_dir *sd, PstreeEntry *const *ps, size_t nps)
{
	for (size_t i = 0; i < sd->nr; i++) {
		struct show_entry *e = &sd->ents[i];

		if (e->what != SHOW_IMAGE || e->type != IMG_CORE)
			continue;
		for (size_t p = 0; p < nps; p++)
			for (size_t t = 0; t < ps[p]->n_threads; t++)
				if (ps[p]->threads[t] == e->id)
					e->owner = ps[p]->pid;
	}
	if (sd->nr)
		qsort(sd->ents, sd->nr, sizeof(sd->ents[0]), cmp_entry);
}

const struct show_entry *show_find(const struct show_dir *sd, enum show_what what,
				   enum img_type type, uint32_t id)
{
	for (size_t i = 0; i < sd->nr; i++) {
		const struct show_entry *e = &sd->ents[i];

		if (e->what == what && e->id == id && (what != SHOW_IMAGE || e->type == type))
			return e;
	}
	return NULL;
}

void show_dir_free(struct show_dir *sd)
{
	for (size_t i = 0; i < sd->nr; i++)
		free(sd->ents[i].name);
	free(sd->ents);
	sd->ents = NULL;
	sd->nr = 0;
}
