#define LOG_PREFIX "restore-inventory: "
#include "config.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "image/image.h"
#include "restore/restore.h"

/* Features an image set may use that this restore knows how to bring back. */
static const char *const known_features[] = { "xsave", "rseq", "seccomp", "parasite", "uffd-wp" };

int restore_inventory(struct restore_ctx *ctx)
{
	InventoryEntry *inv;
	int ret;

	ret = img_read_one(ctx->dirfd, IMG_INVENTORY, 0, (ProtobufCMessage **)&inv);
	if (ret == -ENOENT) {
		pr_err("%s: no inventory.img: not an image directory, or an incomplete dump",
		       ctx->opts->images_dir);
		return ret;
	}
	if (ret)
		return ret;
	ctx->inv = inv;
	if (inv->format_version > IMG_FORMAT_VERSION) {
		pr_err("%s: images of format %u, this lmig reads %u: use a newer lmig",
		       ctx->opts->images_dir, inv->format_version, IMG_FORMAT_VERSION);
		return -EPROTO;
	}
	if (strcmp(inv->arch, "x86_64") != 0) {
		pr_err("%s: images made on %s, this machine is x86_64", ctx->opts->images_dir, inv->arch);
		return -ENOTSUP;
	}
	if ((long)inv->page_size != ctx->page_size) {
		pr_err("%s: images with %u-byte pages, this machine has %ld",
		       ctx->opts->images_dir, inv->page_size, ctx->page_size);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < inv->n_features; i++) {
		bool known = false;

		for (size_t j = 0; j < sizeof(known_features) / sizeof(known_features[0]); j++)
			known |= strcmp(inv->features[i], known_features[j]) == 0;
		if (!known) {
			pr_err("%s: the images need feature '%s', which this lmig cannot restore",
			       ctx->opts->images_dir, inv->features[i]);
			return -ENOTSUP;
		}
	}
	return 0;
}
