#define LOG_PREFIX "precopy: "
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "dump/precopy.h"

#define MIB	(1024.0 * 1024.0)

int pc_stats_push(struct pc_stats *s, const struct pc_round *r)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct pc_round *nr = realloc(s->r, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		s->r = nr;
		s->cap = cap;
	}
	s->r[s->nr++] = *r;
	return 0;
}

void pc_print_round(const struct pc_round *r)
{
	double ms = (double)r->duration_ns / 1e6;

	if (r->final) {
		pr_msg("precopy: final round %u (frozen): %" PRIu64 " pages + %" PRIu64 " zero, "
		       "%.1f MiB in %.1f ms", r->round, r->pages, r->zero_pages,
		       (double)r->wire_bytes / MIB, ms);
		return;
	}
	pr_msg("precopy: round %u: %" PRIu64 " dirty, sent %" PRIu64 " pages + %" PRIu64 " zero, "
	       "%.1f MiB in %.1f ms (%.0f MiB/s); dirty rate %.1f MiB/s; predicted downtime %.1f ms%s",
	       r->round, r->dirty_pages, r->pages, r->zero_pages, (double)r->wire_bytes / MIB, ms,
	       r->bandwidth / MIB, r->dirty_rate / MIB, r->predicted_ms,
	       r->throttle_pct < 100 ? " (throttled)" : "");
}

static void json_round(FILE *f, const struct pc_round *r)
{
	fprintf(f, "{\"round\": %u, \"final\": %s, \"dirty_pages\": %" PRIu64 ", \"pages\": %" PRIu64
		", \"zero_pages\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"duration_ms\": %.3f"
		", \"dirty_rate_mib_s\": %.3f, \"bandwidth_mib_s\": %.3f, \"predicted_downtime_ms\": %.3f"
		", \"cpu_share_pct\": %u}",
		r->round, r->final ? "true" : "false", r->dirty_pages, r->pages, r->zero_pages,
		r->wire_bytes, (double)r->duration_ns / 1e6, r->dirty_rate / MIB, r->bandwidth / MIB,
		r->predicted_ms, r->throttle_pct);
}

/* A JSON string of s (NULL as null); s holds no characters that need escaping beyond these. */
static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int pc_write_json(const struct pc_stats *s, const char *path)
{
	FILE *f = fopen(path, "we");
	size_t nr_pre = 0;
	int ret = 0;

	if (!f) {
		ret = -errno;
		pr_err_rc(ret, "cannot create the stats file %s", path);
		return ret;
	}
	for (size_t i = 0; i < s->nr; i++)
		nr_pre += !s->r[i].final;
	fprintf(f, "{\n  \"ok\": %s,\n  \"tracker\": ", s->ok ? "true" : "false");
	json_str(f, s->tracker);
	fputs(",\n  \"throttle\": ", f);
	json_str(f, s->throttle);
	fputs(",\n  \"stop_reason\": ", f);
	json_str(f, s->stop_reason);
	fprintf(f, ",\n  \"precopy_rounds\": %zu,\n  \"rounds\": [", nr_pre);
	for (size_t i = 0; i < s->nr; i++) {
		if (s->r[i].final)
			continue;
		fputs(i ? ",\n    " : "\n    ", f);
		json_round(f, &s->r[i]);
	}
	fputs("\n  ],\n  \"final\": ", f);
	if (s->nr && s->r[s->nr - 1].final)
		json_round(f, &s->r[s->nr - 1]);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"total_ms\": %.3f,\n  \"freeze_ms\": %.3f,\n  \"downtime_ms\": %.3f,\n"
		"  \"wire_bytes\": %" PRIu64 "\n}\n",
		(double)s->total_ns / 1e6, (double)s->freeze_ns / 1e6, (double)s->downtime_ns / 1e6,
		s->wire_bytes);
	if (fclose(f)) {
		ret = -errno;
		pr_err_rc(ret, "cannot write the stats file %s", path);
	}
	return ret;
}

void pc_stats_free(struct pc_stats *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}
