#define LOG_PREFIX "show: "
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "image/pages.h"
#include "log.h"
#include "show/pb-print.h"
#include "show/show.h"

struct msg_list {
	ProtobufCMessage **v;
	size_t nr, cap;
};

static void msg_list_free(struct msg_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		protobuf_c_message_free_unpacked(l->v[i], NULL);
	free(l->v);
}

/* All records of an image, so that the count can lead the output. */
static int read_all(const struct show_ctx *ctx, const struct show_entry *e, struct msg_list *l)
{
	struct img *img;
	int rc;

	rc = img_open_read(ctx->dirfd, e->type, e->id, &img);
	if (rc == -ENOENT)
		pr_err("%s/%s: vanished while reading the directory", ctx->dir, e->name);
	if (rc < 0)
		return rc;
	for (;;) {
		ProtobufCMessage *m;

		rc = img_read_msg(img, &m);
		if (rc <= 0)
			break;
		if (l->nr == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 16;
			ProtobufCMessage **n = realloc(l->v, ncap * sizeof(*n));

			if (!n) {
				pr_err("%s: out of memory", img_path(img));
				protobuf_c_message_free_unpacked(m, NULL);
				rc = -ENOMEM;
				break;
			}
			l->v = n;
			l->cap = ncap;
		}
		l->v[l->nr++] = m;
	}
	img_close(img);
	return rc;
}

static int print_image(const struct show_ctx *ctx, const struct show_entry *e, bool first)
{
	const char *kind = img_type_name(e->type);
	struct pages_summary sum = { 0 };
	struct msg_list l = { 0 };
	FILE *out = ctx->out;
	int rc;

	rc = read_all(ctx, e, &l);
	if (rc < 0)
		goto out;
	if (e->type == IMG_PAGEMAP) {
		rc = pages_check(ctx->dirfd, e->id, ctx->page_size, 0, &sum);
		if (rc < 0)
			goto out;
	}

	if (ctx->json) {
		fprintf(out, "%s\n    {\"file\": ", first ? "" : ",");
		json_print_string(out, e->name, strlen(e->name));
		fprintf(out, ", \"kind\": \"%s\"", kind);
		if (e->type == IMG_PAGEMAP)
			fprintf(out, ", \"pages\": %" PRIu64 ", \"zero_pages\": %" PRIu64
				", \"data_bytes\": %" PRIu64, sum.nr_pages, sum.nr_zero, sum.data_bytes);
		fputs(", \"records\": [", out);
		for (size_t i = 0; i < l.nr; i++) {
			fputs(i ? ",\n      " : "\n      ", out);
			pb_print_json(out, l.v[i]);
		}
		fputs(l.nr ? "\n    ]}" : "]}", out);
	} else {
		fprintf(out, "%s: %s, %zu record%s", e->name, kind, l.nr, l.nr == 1 ? "" : "s");
		if (e->type == IMG_PAGEMAP)
			fprintf(out, ", %" PRIu64 " pages, %" PRIu64 " of them zero", sum.nr_pages, sum.nr_zero);
		fputc('\n', out);
		for (size_t i = 0; i < l.nr; i++)
			pb_print_text(out, l.v[i], 2, NULL);
	}
out:
	msg_list_free(&l);
	return rc;
}

static int print_pages(const struct show_ctx *ctx, const struct show_entry *e, bool first)
{
	struct pages_file *pf;
	uint64_t size;
	int rc;

	/* Its size was checked against the pagemap, which is printed before it. */
	if (!show_find(ctx->sd, SHOW_IMAGE, IMG_PAGEMAP, e->id)) {
		pr_err("%s/%s: no pagemap-%" PRIu32 ".img describes it", ctx->dir, e->name, e->id);
		return -EINVAL;
	}
	rc = pages_open_read(ctx->dirfd, e->id, &pf);
	if (rc == -ENOENT)
		pr_err("%s/%s: vanished while reading the directory", ctx->dir, e->name);
	if (rc < 0)
		return rc;
	size = pages_size(pf);
	pages_close(pf);

	if (ctx->json) {
		fprintf(ctx->out, "%s\n    {\"file\": ", first ? "" : ",");
		json_print_string(ctx->out, e->name, strlen(e->name));
		fprintf(ctx->out, ", \"kind\": \"pages\", \"size\": %" PRIu64 ", \"pages\": %" PRIu64 "}",
			size, size / ctx->page_size);
	} else {
		fprintf(ctx->out, "%s: pages, %" PRIu64 " bytes, %" PRIu64 " pages\n", e->name,
			size, size / ctx->page_size);
	}
	return 0;
}

int show_entry_print(const struct show_ctx *ctx, const struct show_entry *e, bool first)
{
	switch (e->what) {
	case SHOW_IMAGE:
		return print_image(ctx, e, first);
	case SHOW_PAGES:
		return print_pages(ctx, e, first);
	case SHOW_SKIPPED:
		if (ctx->json) {
			fprintf(ctx->out, "%s\n    {\"file\": ", first ? "" : ",");
			json_print_string(ctx->out, e->name, strlen(e->name));
			fputs(", \"reason\": ", ctx->out);
			json_print_string(ctx->out, e->why, strlen(e->why));
			fputc('}', ctx->out);
		} else {
			/* Names are the directory's, whatever bytes they hold: keep one line. */
			fputs("skipped ", ctx->out);
			for (const char *p = e->name; *p; p++)
				fputc((unsigned char)*p < 0x20 ? '?' : *p, ctx->out);
			fprintf(ctx->out, ": %s\n", e->why);
		}
		return 0;
	}
	return -EINVAL;
}
