#define LOG_PREFIX "show: "
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "show/pb-print.h"
#include "show/show.h"

#include "inventory.pb-c.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lmig show -D DIR [--json]\n"
		"\n"
		"Decode every image in DIR: the inventory, the process tree, open files,\n"
		"then each process's images. Page data files are summarised (size and\n"
		"number of pages), not printed. Files that are not images are listed as\n"
		"skipped. A damaged image stops the command with one error line.\n"
		"\n"
		"Options:\n"
		"  -D, --images-dir DIR  the image directory\n"
		"  -j, --json            one JSON document instead of text: field names\n"
		"                        as in images/*.proto, enums by name, bytes as\n"
		"                        base64, 64-bit integers as exact numbers\n"
		"  -h, --help            this help\n"
		"\n"
		"Text output: one line per record, key=value, nested messages on their\n"
		"own lines indented; unsigned 64-bit values in hex.\n"
		"\n"
		"Exit codes: 0 decoded, 1 damaged or unreadable images, 2 usage error.\n");
}

int show_parse_opts(int argc, char **argv, struct show_opts *opts)
{
	static const struct option longopts[] = {
		{ "images-dir",	required_argument,	NULL, 'D' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(opts, 0, sizeof(*opts));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":D:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			opts->dir = optarg;
			break;
		case 'j':
			opts->json = true;
			break;
		case 'h':
			opts->help = true;
			return 0;
		case ':':
			pr_err("%s needs an argument; see 'lmig show --help'", argv[optind - 1]);
			return LMIG_EXIT_USAGE;
		default:
			/* A long option names itself; a short one may sit in a cluster ("-jx"). */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				pr_err("unknown option or misused argument %s; see 'lmig show --help'",
				       argv[optind - 1]);
			else
				pr_err("unknown option -%c; see 'lmig show --help'", optopt);
			return LMIG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'; see 'lmig show --help'", argv[optind]);
		return LMIG_EXIT_USAGE;
	}
	if (!opts->dir || !*opts->dir) {
		pr_err("-D DIR is required; see 'lmig show --help'");
		return LMIG_EXIT_USAGE;
	}
	return 0;
}

/* The inventory says which format the set is in and its page size. */
static int read_inventory(struct show_ctx *ctx)
{
	ProtobufCMessage *m;
	InventoryEntry *inv;
	int rc;

	rc = img_read_one(ctx->dirfd, IMG_INVENTORY, 0, &m);
	if (rc == -ENOENT)
		pr_err("%s: no inventory.img: not an image directory", ctx->dir);
	if (rc < 0)
		return rc;
	inv = (InventoryEntry *)m;
	if (inv->format_version != IMG_FORMAT_VERSION) {
		pr_err("%s/inventory.img: images of format version %" PRIu32 ", this lmig reads %d",
		       ctx->dir, inv->format_version, IMG_FORMAT_VERSION);
		rc = -EPROTO;
	} else if (inv->page_size < 4096 || (inv->page_size & (inv->page_size - 1))) {
		pr_err("%s/inventory.img: page size %" PRIu32 " is not a power of two of at least 4096",
		       ctx->dir, inv->page_size);
		rc = -EINVAL;
	} else {
		ctx->page_size = inv->page_size;
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return rc;
}

/* The pstree records, to put each thread's core image under its process. */
static int read_pstree(const struct show_ctx *ctx, PstreeEntry ***ps, size_t *nps)
{
	size_t cap = 0;
	struct img *img;
	int rc;

	*ps = NULL;
	*nps = 0;
	rc = img_open_read(ctx->dirfd, IMG_PSTREE, 0, &img);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	for (;;) {
		ProtobufCMessage *m;

		rc = img_read_msg(img, &m);
		if (rc <= 0)
			break;
		if (*nps == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			PstreeEntry **n = realloc(*ps, ncap * sizeof(*n));

			if (!n) {
				pr_err("%s: out of memory", img_path(img));
				protobuf_c_message_free_unpacked(m, NULL);
				rc = -ENOMEM;
				break;
			}
			*ps = n;
			cap = ncap;
		}
		(*ps)[(*nps)++] = (PstreeEntry *)m;
	}
	img_close(img);
	return rc;
}

static void free_pstree(PstreeEntry **ps, size_t nps)
{
	for (size_t i = 0; i < nps; i++)
		protobuf_c_message_free_unpacked(&ps[i]->base, NULL);
	free(ps);
}

static int print_all(struct show_ctx *ctx)
{
	const struct show_dir *sd = ctx->sd;
	bool first = true;
	size_t i;
	int rc;

	if (ctx->json) {
		fputs("{\n  \"dir\": ", ctx->out);
		json_print_string(ctx->out, ctx->dir, strlen(ctx->dir));
		fprintf(ctx->out, ",\n  \"format_version\": %d,\n  \"bytes\": \"base64\",\n  \"images\": [",
			IMG_FORMAT_VERSION);
	}
	for (i = 0; i < sd->nr && sd->ents[i].what != SHOW_SKIPPED; i++, first = false) {
		rc = show_entry_print(ctx, &sd->ents[i], first);
		if (rc < 0)
			return rc;
	}
	if (ctx->json)
		fprintf(ctx->out, "%s],\n  \"skipped\": [", first ? "" : "\n  ");
	for (first = true; i < sd->nr; i++, first = false) {
		rc = show_entry_print(ctx, &sd->ents[i], first);
		if (rc < 0)
			return rc;
	}
	if (ctx->json)
		fprintf(ctx->out, "%s]\n}\n", first ? "" : "\n  ");
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct show_ctx ctx = { .dirfd = -1 };
	struct show_dir sd = { 0 };
	PstreeEntry **ps = NULL;
	struct show_opts opts;
	char *text = NULL;
	size_t text_len = 0, nps = 0;
	int rc, ret = LMIG_EXIT_FAIL;

	rc = show_parse_opts(argc, argv, &opts);
	if (rc)
		return rc;
	if (opts.help) {
		usage(stdout);
		return LMIG_EXIT_OK;
	}
	ctx.dir = opts.dir;
	ctx.json = opts.json;
	ctx.sd = &sd;

	ctx.dirfd = open(opts.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx.dirfd < 0) {
		pr_perror("%s: cannot open the image directory", opts.dir);
		return LMIG_EXIT_FAIL;
	}
	if (show_scan_dir(ctx.dirfd, opts.dir, &sd) < 0)
		goto out;
	if (read_inventory(&ctx) < 0 || read_pstree(&ctx, &ps, &nps) < 0)
		goto out;
	show_order(&sd, ps, nps);

	/* Nothing reaches stdout unless every image decoded. */
	ctx.out = open_memstream(&text, &text_len);
	if (!ctx.out) {
		pr_perror("cannot allocate the output buffer");
		goto out;
	}
	rc = print_all(&ctx);
	if (fclose(ctx.out) != 0 && rc == 0) {
		pr_perror("cannot allocate the output buffer");
		rc = -ENOMEM;
	}
	if (rc < 0)
		goto out;
	if (fwrite(text, 1, text_len, stdout) != text_len || fflush(stdout) != 0) {
		pr_perror("cannot write the output");
		goto out;
	}
	ret = LMIG_EXIT_OK;
out:
	free(text);
	free_pstree(ps, nps);
	show_dir_free(&sd);
	close(ctx.dirfd);
	return ret;
}
