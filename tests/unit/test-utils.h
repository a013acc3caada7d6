/*
 * Helpers for the image and show unit tests: CHECK, a scratch directory,
 * raw file access and capture of the error lines a call logs.
 * Header-only (static functions) so that each test program stays one file.
 */
#ifndef LMIG_TESTS_TEST_UTILS_H
#define LMIG_TESTS_TEST_UTILS_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/unit.h"

static int failures __attribute__((unused));

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* A fresh directory under $TMPDIR (or /tmp); exits 99 when it cannot. */
static inline int scratch_dir(char *path, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/lmig-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path) || (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("scratch directory");
		exit(99);
	}
	return fd;
}

/* Remove every file of a scratch directory (no subdirectories) and itself. */
static inline void scratch_remove(int dirfd, const char *path)
{
	DIR *d = fdopendir(dup(dirfd));
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd, de->d_name, 0);
	if (d)
		closedir(d);
	close(dirfd);
	rmdir(path);
}

static inline void write_file(int dirfd, const char *name, const void *buf, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror(name);
		exit(99);
	}
	close(fd);
}

/* The whole file into a malloc'd buffer (NUL-terminated); *len its size. */
static inline char *read_file(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(name);
		exit(99);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		perror(name);
		exit(99);
	}
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	close(fd);
	return buf;
}

/* Capture what is written to fd 2 between capture_start() and capture_end(). */
struct capture {
	int saved;
	FILE *tmp;
};

static inline void capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	c->saved = dup(2);
	if (!c->tmp || c->saved < 0 || dup2(fileno(c->tmp), 2) < 0) {
		perror("capture stderr");
		exit(99);
	}
}

/* Returns the captured text (malloc'd, NUL-terminated). */
static inline char *capture_end(struct capture *c)
{
	long n;
	char *buf;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	n = ftell(c->tmp);
	buf = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	rewind(c->tmp);
	if (!buf || (n > 0 && fread(buf, 1, (size_t)n, c->tmp) != (size_t)n)) {
		perror("capture stderr");
		exit(99);
	}
	fclose(c->tmp);
	return buf;
}

/*
 * Whether text is exactly one "lmig: error: " line that contains want
 * (when want is not NULL). Prints what was wrong, with where from.
 */
static inline int one_error_line(const char *text, const char *want, const char *where)
{
	size_t len = strlen(text);
	const char *nl = strchr(text, '\n');

	if (strncmp(text, "lmig: error: ", 13) != 0 || !nl || nl != text + len - 1 ||
	    (want && !strstr(text, want))) {
		fprintf(stderr, "%s: want one error line%s%s%s, got:\n%s---\n", where,
			want ? " containing '" : "", want ? want : "", want ? "'" : "", text);
		return 0;
	}
	return 1;
}

#endif
