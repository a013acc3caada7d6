/* The report of `lmig check`: a table for people, one JSON object for scripts. */
#define LOG_PREFIX "check: "
#include "config.h"
#include <stdio.h>

#include "check.h"
#include "log.h"

static const char *const transports[] = { "tcp", "uring", "rdma", NULL };

static const char *detail_of(const struct check_probe *p)
{
	return p->probed ? p->detail : "not probed";
}

void check_print_text(FILE *f, const struct check_result *r)
{
	const char *tracker = check_pick_tracker(r);
	char missing[256];

	fprintf(f, "%-20s %-4s %s\n", "FEATURE", "OK", "WHY");
	for (int i = 0; i < CHECK_NR_FEATURES; i++) {
		const struct check_probe *p = &r->f[i];

		fprintf(f, "%-20s %-4s %s\n", check_feature_name((enum check_feature)i),
			p->probed && p->available ? "yes" : "no", detail_of(p));
	}
	fprintf(f, "\n%-15s %s\n", "dirty tracker:", tracker ? tracker : "none: only stop-and-copy");
	fprintf(f, "%-15s", "transports:");
	for (int i = 0; transports[i]; i++)
		if (check_transport_usable(r, transports[i]))
			fprintf(f, " %s", transports[i]);
	if (check_missing(r, missing, sizeof(missing)))
		fprintf(f, "\n%-15s not possible here: missing %s\n", "migration:", missing);
	else
		fprintf(f, "\n%-15s possible\n", "migration:");
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void check_print_json(FILE *f, const struct check_result *r)
{
	const char *tracker = check_pick_tracker(r);
	const char *sep = "";

	fputs("{\"features\": {", f);
	for (int i = 0; i < CHECK_NR_FEATURES; i++) {
		const struct check_probe *p = &r->f[i];

		fprintf(f, "%s\n  ", i ? "," : "");
		json_string(f, check_feature_name((enum check_feature)i));
		fprintf(f, ": {\"available\": %s, \"required\": %s, \"detail\": ",
			p->probed && p->available ? "true" : "false",
			check_feature_required((enum check_feature)i) ? "true" : "false");
		json_string(f, detail_of(p));
		fputc('}', f);
	}
	fputs("},\n \"tracker\": ", f);
	if (tracker)
		json_string(f, tracker);
	else
		fputs("null", f);
	fputs(",\n \"transports\": [", f);
	for (int i = 0; transports[i]; i++) {
		if (!check_transport_usable(r, transports[i]))
			continue;
		fputs(sep, f);
		json_string(f, transports[i]);
		sep = ", ";
	}
	fprintf(f, "],\n \"migration_possible\": %s,\n \"missing\": [",
		check_missing(r, NULL, 0) ? "false" : "true");
	sep = "";
	for (int i = 0; i < CHECK_NR_FEATURES; i++) {
		const struct check_probe *p = &r->f[i];

		if (!check_feature_required((enum check_feature)i) || (p->probed && p->available))
			continue;
		fputs(sep, f);
		json_string(f, check_feature_name((enum check_feature)i));
		sep = ", ";
	}
	fputs("]}\n", f);
}
