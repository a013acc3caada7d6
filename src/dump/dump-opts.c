#define LOG_PREFIX "dump: "
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "dump/dump.h"

void dump_usage(void)
{
	printf("Usage: lmig dump --pid PID -D DIR [--leave-running]\n"
	       "\n"
	       "Write the state of a running process to a directory of images, from\n"
	       "which 'lmig restore -D DIR' brings it back. The process is killed after\n"
	       "a successful dump unless --leave-running is given; if the dump fails it\n"
	       "keeps running, unchanged.\n"
	       "\n"
	       "  -p, --pid PID            the process to dump\n"
	       "  -D, --images-dir DIR     where to write the images (created if missing)\n"
	       "  -R, --leave-running      let the process run on after the dump\n"
	       "  -h, --help               this help\n");
}

enum { OPT_LEAVE_RUNNING = 256 };

int dump_parse_opts(int argc, char **argv, struct dump_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "tree", required_argument, NULL, 't' },	/* CRIU's spelling */
		{ "images-dir", required_argument, NULL, 'D' },
		{ "leave-running", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:t:D:Rh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 't':
			if (cli_parse_pid(optarg, &o->pid) < 0) {
				pr_err("--pid: '%s' is not a pid", optarg);
				return -EINVAL;
			}
			break;
		case 'D':
			if (!optarg[0]) {
				pr_err("-D/--images-dir needs a directory");
				return -EINVAL;
			}
			o->images_dir = optarg;
			break;
		case 'R':
			o->leave_running = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			pr_err("unknown or incomplete option '%s'; see 'lmig dump --help'",
			       argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->pid || !o->images_dir) {
		pr_err("--pid and -D/--images-dir are required; see 'lmig dump --help'");
		return -EINVAL;
	}
	return 0;
}
