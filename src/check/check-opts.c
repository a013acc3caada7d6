#define LOG_PREFIX "check: "
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "check-opts.h"
#include "log.h"

void check_usage(void)
{
	printf("Usage: lmig check [--json]\n"
	       "\n"
	       "Try each kernel feature lmig uses, say which work and why, and which\n"
	       "dirty tracker and transports a migration would use. Exits 0 when\n"
	       "migration can work here, 3 when something it needs is missing.\n"
	       "\n"
	       "      --json    one JSON object instead of the table\n"
	       "  -h, --help    this help\n");
}

enum {
	OPT_JSON = 256,
};

int check_parse_opts(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			pr_err("unknown option '%s'; see 'lmig check --help'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}
