/* lmig restore: option parsing, and the inventory checks that refuse foreign images. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "image/image.h"
#include "restore/restore.h"
#include "../lib/unit.h"


static void test_opts(void)
{
	struct restore_opts o;

	{
		char *argv[] = { "restore", "-D", "/tmp/x", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(strcmp(o.images_dir, "/tmp/x") == 0 && !o.detach && !o.help);
	}
	{
		char *argv[] = { "restore", "--images-dir", "d", "--detach", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == 0 && o.detach);
	}
	{
		char *argv[] = { "restore", "-d", "-D", "d", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == 0 && o.detach);
	}
	{
		char *argv[] = { "restore", "-D", "d", "--new-pidns", "--netns", "/run/netns/a",
				 "--pidfile", "p", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == 0 && o.new_pidns &&
		      strcmp(o.netns, "/run/netns/a") == 0 && strcmp(o.pidfile, "p") == 0 &&
		      !o.ns_init);
	}
	{
		char *argv[] = { "restore", "-D", "d", "--netns", "", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "restore", "-D", "d", "--pidfile", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "restore", "--help", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == 0 && o.help);
	}
	{
		char *argv[] = { "restore", "--detach", NULL };	/* no -D */

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "restore", "-D", "", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "restore", "-D", "d", "--bogus", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "restore", "-D", "d", "extra", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
}

/* Write an inventory with the given fields and run the restore's check on it. */
static int check_inventory(int dirfd, uint32_t version, const char *arch, uint32_t psz,
			   const char *feature)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	struct restore_opts o = { .images_dir = "test" };
	struct restore_ctx ctx = { .opts = &o, .dirfd = dirfd, .page_size = sysconf(_SC_PAGESIZE) };
	char *features[1] = { (char *)feature };
	int ret;

	inv.format_version = version;
	inv.arch = (char *)arch;
	inv.page_size = psz;
	inv.root_pid = 42;
	if (feature) {
		inv.n_features = 1;
		inv.features = features;
	}
	if (img_write_one(dirfd, IMG_INVENTORY, 0, &inv.base))
		return -999;
	ret = restore_inventory(&ctx);
	restore_ctx_free(&ctx);
	return ret;
}

static void test_inventory(void)
{
	char dir[] = "/tmp/lmig-restore-opts.XXXXXX";
	uint32_t psz = (uint32_t)sysconf(_SC_PAGESIZE);
	int dirfd;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		failures++;
		return;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dirfd >= 0);
	{
		struct restore_opts o = { .images_dir = dir };
		struct restore_ctx ctx = { .opts = &o, .dirfd = dirfd, .page_size = psz };

		CHECK(restore_inventory(&ctx) == -ENOENT);	/* no inventory.img */
	}
	CHECK(check_inventory(dirfd, IMG_FORMAT_VERSION, "x86_64", psz, "xsave") == 0);
	CHECK(check_inventory(dirfd, IMG_FORMAT_VERSION, "aarch64", psz, NULL) == -ENOTSUP);
	CHECK(check_inventory(dirfd, IMG_FORMAT_VERSION, "x86_64", psz * 4, NULL) == -ENOTSUP);
	CHECK(check_inventory(dirfd, IMG_FORMAT_VERSION + 1, "x86_64", psz, NULL) == -EPROTO);
	CHECK(check_inventory(dirfd, IMG_FORMAT_VERSION, "x86_64", psz, "teleport") == -ENOTSUP);
	unlinkat(dirfd, "inventory.img", 0);
	close(dirfd);
	rmdir(dir);
}

int main(void)
{
	log_set_level(LOG_QUIET);
	test_opts();
	test_inventory();
	return unit_result();
}
