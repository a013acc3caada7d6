#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "proc-list.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int proc_list_numbers(pid_t pid, const char *dir, int **out, size_t *nr)
{
	char path[64];
	struct dirent *de;
	int *v = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, dir);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((errno = 0, de = readdir(d))) {
		char *end;
		long x = strtol(de->d_name, &end, 10);

		if (*end || de->d_name[0] == '\0' || x < 0 || x > INT_MAX)
			continue;
		if (n == cap) {
			int *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		v[n++] = (int)x;
	}
	if (errno)
		ret = -errno;
out:
	closedir(d);
	if (ret) {
		free(v);
		return ret;
	}
	qsort(v, n, sizeof(*v), cmp_int);
	*out = v;
	*nr = n;
	return 0;
}
