/*
 * img-gen DIR          write the sample image set (img-sample.h) into DIR
 * img-gen --inventory-version N DIR
 *                      overwrite DIR/inventory.img with one that claims
 *                      format version N
 * img-gen --seeds DIR  write fuzzer seeds into DIR: each image file of the
 *                      sample set, led by one byte naming its image type
 *                      (the input format of tests/fuzz/fuzz-image.c)
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img-sample.h"
#include "inventory.pb-c.h"
#include "log.h"
#include "test-utils.h"

static int write_seeds(const char *out)
{
	char tmp[256], path[512];
	int dirfd, outfd, n = 0;
	struct dirent *de;
	DIR *d;

	mkdir(out, 0700);
	outfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (outfd < 0) {
		perror(out);
		return 1;
	}
	dirfd = scratch_dir(tmp, sizeof(tmp));
	if (sample_write_dir(dirfd) < 0)
		return 1;
	d = fdopendir(dup(dirfd));
	while (d && (de = readdir(d))) {
		enum img_type type;
		uint32_t id;
		size_t len;
		char *bytes, *seed;

		if (img_parse_file_name(de->d_name, &type, &id) < 0)
			continue;
		bytes = read_file(dirfd, de->d_name, &len);
		seed = malloc(len + 1);
		seed[0] = (char)type;
		memcpy(seed + 1, bytes, len);
		snprintf(path, sizeof(path), "seed-%s", de->d_name);
		write_file(outfd, path, seed, len + 1);
		free(seed);
		free(bytes);
		n++;
	}
	if (d)
		closedir(d);
	scratch_remove(dirfd, tmp);
	close(outfd);
	printf("img-gen: %d seeds in %s\n", n, out);
	return n ? 0 : 1;
}

int main(int argc, char **argv)
{
	int dirfd, rc;

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);
	if (argc == 4 && strcmp(argv[1], "--inventory-version") == 0) {
		InventoryEntry inv = *(const InventoryEntry *)sample_msg(IMG_INVENTORY);

		inv.format_version = (uint32_t)strtoul(argv[2], NULL, 0);
		dirfd = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			perror(argv[3]);
			return 1;
		}
		rc = img_write_one(dirfd, IMG_INVENTORY, 0, &inv.base);
		close(dirfd);
		return rc < 0 ? 1 : 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: img-gen DIR | img-gen --inventory-version N DIR | img-gen --seeds DIR\n");
		return 2;
	}
	mkdir(argv[1], 0700);
	dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		perror(argv[1]);
		return 1;
	}
	rc = sample_write_dir(dirfd);
	close(dirfd);
	return rc < 0 ? 1 : 0;
}
