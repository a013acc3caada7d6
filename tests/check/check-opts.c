/*
 * `lmig check` without the kernel: option parsing, and what a set of probe
 * results means (tracker, transports, what is missing, the JSON report).
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/check-opts.h"
#include "../lib/unit.h"


static void test_opts(void)
{
	struct check_opts o;

	{
		char *argv[] = { "check", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(!o.json && !o.help);
	}
	{
		char *argv[] = { "check", "--json", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(o.json && !o.help);
	}
	{
		char *argv[] = { "check", "--help", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == 0 && o.help);
	}
	{
		char *argv[] = { "check", "-h", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == 0 && o.help);
	}
	{
		char *argv[] = { "check", "--js", NULL };	/* getopt_long abbreviation */

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == 0 && o.json);
	}
	{
		char *argv[] = { "check", "--json=yes", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "check", "--bogus", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "check", "-x", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "check", "extra", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
	{
		char *argv[] = { "check", "--json", "extra", NULL };

		CHECK(check_parse_opts(ARGC(argv), argv, &o) == -EINVAL);
	}
}

static void set(struct check_result *r, enum check_feature f, bool available, const char *detail)
{
	r->f[f].probed = true;
	r->f[f].available = available;
	snprintf(r->f[f].detail, sizeof(r->f[f].detail), "%s", detail);
}

/* Everything migration needs, no tracker, no fast transport. */
static void minimal(struct check_result *r)
{
	memset(r, 0, sizeof(*r));
	for (int f = 0; f < CHECK_NR_FEATURES; f++)
		set(r, (enum check_feature)f, check_feature_required((enum check_feature)f), "x");
}

static void test_names(void)
{
	for (int f = 0; f < CHECK_NR_FEATURES; f++) {
		const char *name = check_feature_name((enum check_feature)f);

		CHECK(name && *name && strcmp(name, "unknown") != 0);
		for (int g = 0; g < f; g++)
			CHECK(strcmp(name, check_feature_name((enum check_feature)g)) != 0);
	}
	CHECK(strcmp(check_feature_name(CHECK_SOFT_DIRTY), "soft-dirty") == 0);
	CHECK(strcmp(check_feature_name(CHECK_UFFD_WP), "uffd-wp") == 0);
	CHECK(check_feature_required(CHECK_PTRACE_SEIZE));
	CHECK(check_feature_required(CHECK_PROCESS_VM_READV));
	CHECK(check_feature_required(CHECK_PIDFD_GETFD));
	CHECK(check_feature_required(CHECK_CLONE3_SET_TID));
	CHECK(check_feature_required(CHECK_PR_SET_MM_MAP));
	CHECK(!check_feature_required(CHECK_SOFT_DIRTY));
	CHECK(!check_feature_required(CHECK_UFFD_WP));
	CHECK(!check_feature_required(CHECK_SELINUX));
}

static void test_choices(void)
{
	struct check_result r;
	char buf[256];

	minimal(&r);
	CHECK(check_pick_tracker(&r) == NULL);
	CHECK(check_transport_usable(&r, "tcp"));
	CHECK(!check_transport_usable(&r, "uring"));
	CHECK(!check_transport_usable(&r, "rdma"));
	CHECK(!check_transport_usable(&r, "carrier-pigeon"));
	CHECK(check_missing(&r, buf, sizeof(buf)) == 0 && buf[0] == '\0');
	CHECK(check_missing(&r, NULL, 0) == 0);

	set(&r, CHECK_SOFT_DIRTY, true, "x");
	CHECK(strcmp(check_pick_tracker(&r), "soft-dirty") == 0);
	set(&r, CHECK_UFFD_WP, true, "x");
	CHECK(strcmp(check_pick_tracker(&r), "uffd-wp") == 0);
	set(&r, CHECK_SOFT_DIRTY, false, "x");
	CHECK(strcmp(check_pick_tracker(&r), "uffd-wp") == 0);
	/* Not probed counts as absent, whatever the flag says. */
	r.f[CHECK_UFFD_WP].probed = false;
	CHECK(check_pick_tracker(&r) == NULL);

	set(&r, CHECK_IO_URING, true, "x");
	set(&r, CHECK_RDMA, true, "x");
	CHECK(check_transport_usable(&r, "uring"));
	CHECK(check_transport_usable(&r, "rdma"));

	set(&r, CHECK_PIDFD_GETFD, false, "x");
	set(&r, CHECK_CLONE3_SET_TID, false, "x");
	CHECK(check_missing(&r, buf, sizeof(buf)) == 2);
	CHECK(strcmp(buf, "pidfd-getfd, clone3-set-tid") == 0);
	CHECK(check_missing(&r, buf, 8) == 2 && strlen(buf) == 7);
	CHECK(check_missing(&r, NULL, 0) == 2);
}

static char *report(void (*print)(FILE *, const struct check_result *), const struct check_result *r)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	print(f, r);
	fclose(f);
	return out;
}

static void test_reports(void)
{
	struct check_result r;
	char *s;

	minimal(&r);
	set(&r, CHECK_UFFD_WP, true, "say \"hi\"\\\n\x01");
	set(&r, CHECK_IO_URING, true, "ring");
	set(&r, CHECK_PR_SET_MM_MAP, false, "EPERM");

	s = report(check_print_json, &r);
	CHECK(s != NULL);
	if (s) {
		CHECK(strncmp(s, "{\"features\": {", 14) == 0);
		CHECK(strstr(s, "\"uffd-wp\": {\"available\": true, \"required\": false, "
			     "\"detail\": \"say \\\"hi\\\"\\\\\\n\\u0001\"}") != NULL);
		CHECK(strstr(s, "\"tracker\": \"uffd-wp\"") != NULL);
		CHECK(strstr(s, "\"transports\": [\"tcp\", \"uring\"]") != NULL);
		CHECK(strstr(s, "\"migration_possible\": false") != NULL);
		CHECK(strstr(s, "\"missing\": [\"pr-set-mm-map\"]}") != NULL);
		free(s);
	}

	set(&r, CHECK_PR_SET_MM_MAP, true, "ok");
	set(&r, CHECK_UFFD_WP, false, "no");
	s = report(check_print_json, &r);
	CHECK(s != NULL);
	if (s) {
		CHECK(strstr(s, "\"tracker\": null") != NULL);
		CHECK(strstr(s, "\"migration_possible\": true") != NULL);
		CHECK(strstr(s, "\"missing\": []}") != NULL);
		free(s);
	}

	s = report(check_print_text, &r);
	CHECK(s != NULL);
	if (s) {
		CHECK(strstr(s, "\nuffd-wp              no   no\n") != NULL);
		CHECK(strstr(s, "\npr-set-mm-map        yes  ok\n") != NULL);
		CHECK(strstr(s, "dirty tracker:  none: only stop-and-copy\n") != NULL);
		CHECK(strstr(s, "transports:     tcp uring\n") != NULL);
		CHECK(strstr(s, "migration:      possible\n") != NULL);
		free(s);
	}
}

int main(void)
{
	test_opts();
	test_names();
	test_choices();
	test_reports();
	return unit_result();
}
