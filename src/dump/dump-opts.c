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
	printf("Usage: lmig dump --pid PID -D DIR [--leave-running] [--tcp-established]\n"
	       "                 [--shell-job] [--action-script SCRIPT]...\n"
	       "\n"
	       "Write the state of a running process to a directory of images, from\n"
	       "which 'lmig restore -D DIR' brings it back. The process is killed after\n"
	       "a successful dump unless --leave-running is given; if the dump fails it\n"
	       "keeps running, unchanged.\n"
	       "\n"
	       "  -p, --pid PID            the process to dump\n"
	       "  -D, --images-dir DIR     where to write the images (created if missing)\n"
	       "  -R, --leave-running      let the process run on after the dump\n"
	       "      --tcp-established    dump established TCP connections (in repair mode);\n"
	       "                           without it a process with one is not dumped\n"
	       "  -j, --shell-job          the process is a job of a shell: its terminal (of\n"
	       "                           the shell's session, outside the tree) is saved as\n"
	       "                           external, for 'lmig restore --shell-job' to give it\n"
	       "                           the terminal it runs on; without it a process on a\n"
	       "                           terminal is not dumped\n"
	       "      --action-script SCRIPT  run SCRIPT (sh -c) at the stages network-lock,\n"
	       "                           post-dump, network-unlock and rollback, with\n"
	       "                           LMIG_SCRIPT_STAGE, LMIG_PID and LMIG_IMAGES_DIR set;\n"
	       "                           failing aborts the dump (repeatable)\n"
	       "  -h, --help               this help\n");
}

enum { OPT_TCP_ESTABLISHED = 256, OPT_ACTION_SCRIPT };

int dump_parse_opts(int argc, char **argv, struct dump_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "tree", required_argument, NULL, 't' },	/* CRIU's spelling */
		{ "images-dir", required_argument, NULL, 'D' },
		{ "leave-running", no_argument, NULL, 'R' },
		{ "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
		{ "action-script", required_argument, NULL, OPT_ACTION_SCRIPT },
		{ "shell-job", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:t:D:Rjh", longopts, NULL)) != -1) {
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
		case 'j':
			o->shell_job = true;
			break;
		case OPT_TCP_ESTABLISHED:
			o->tcp_established = true;
			break;
		case OPT_ACTION_SCRIPT:
			if (action_scripts_add(&o->scripts, optarg))
				return -EINVAL;
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
