#define LOG_PREFIX "dump-inventory: "
#include "config.h"
#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "inventory.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"

const char *dump_feature_name(unsigned bit)
{
	switch (bit) {
	case DF_XSAVE:		return "xsave";
	case DF_RSEQ:		return "rseq";
	case DF_SECCOMP:	return "seccomp";
	case DF_PARASITE:	return "parasite";
	default:		return NULL;
	}
}

int dump_inventory(struct dump_ctx *ctx)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	char *features[32];
	char host[256];
	size_t n = 0;

	for (unsigned bit = 1; bit; bit <<= 1) {
		const char *name = (ctx->features & bit) ? dump_feature_name(bit) : NULL;

		if (name && n < sizeof(features) / sizeof(features[0]))
			features[n++] = (char *)name;
	}
	inv.format_version = IMG_FORMAT_VERSION;
	inv.arch = "x86_64";
	inv.page_size = ctx->page_size;
	inv.n_features = n;
	inv.features = features;
	inv.root_pid = ctx->pid;
	inv.lmig_version = PACKAGE_VERSION;
	inv.has_dump_time_ns = true;
	inv.dump_time_ns = ctx->freeze_ns;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		inv.hostname = host;
	}
	if (ctx->xsave_size) {
		inv.has_xsave_size = inv.has_xfeatures = true;
		inv.xsave_size = ctx->xsave_size;
		inv.xfeatures = ctx->xfeatures;
	}
	return img_write_one(ctx->dirfd, IMG_INVENTORY, 0, &inv.base);
}
