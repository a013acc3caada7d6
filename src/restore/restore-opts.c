#define LOG_PREFIX "restore: "
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "restore/restore.h"

void restore_usage(void)
{
	printf("Usage: lmig restore -D DIR [--detach] [--action-script SCRIPT]...\n"
	       "                    [--new-pidns] [--netns PATH] [--pidfile FILE]\n"
	       "                    [--shell-job] [--inherit-stdio]\n"
	       "\n"
	       "Bring back a process from the images 'lmig dump' wrote, with its pid,\n"
	       "memory, registers and open files: it continues where it stopped.\n"
	       "By default lmig stays as its parent and exits with its exit status;\n"
	       "with --detach it exits 0 as soon as the process runs.\n"
	       "\n"
	       "  -D, --images-dir DIR     the images to restore from\n"
	       "  -d, --detach             leave the restored process running and exit\n"
	       "      --action-script SCRIPT  run SCRIPT (sh -c) at the stages pre-restore,\n"
	       "                           network-lock, post-restore, network-unlock and\n"
	       "                           rollback, with LMIG_SCRIPT_STAGE, LMIG_PID and\n"
	       "                           LMIG_IMAGES_DIR set; failing aborts the restore\n"
	       "                           (repeatable)\n"
	       "      --new-pidns          restore into a new pid namespace (and a private\n"
	       "                           mount namespace with its own /proc) whose init\n"
	       "                           reaps; the processes keep their pids inside it,\n"
	       "                           so copies of one checkpoint run side by side\n"
	       "      --netns PATH         join the network namespace PATH (e.g.\n"
	       "                           /run/netns/NAME) before anything is restored\n"
	       "      --pidfile FILE       write the restored root's pid, as seen from\n"
	       "                           here, to FILE once it runs\n"
	       "  -j, --shell-job          restore a job dumped with --shell-job: it joins\n"
	       "                           this session, its terminal fds become the terminal\n"
	       "                           lmig restore runs on, and its process group gets\n"
	       "                           the foreground when lmig had it\n"
	       "      --inherit-stdio      the restored root's fds 0, 1 and 2 become lmig\n"
	       "                           restore's own (a terminal, a file, a pipe), whatever\n"
	       "                           they were at dump\n"
	       "  -h, --help               this help\n");
}

int restore_parse_opts(int argc, char **argv, struct restore_opts *o)
{
	static const struct option longopts[] = {
		{ "images-dir", required_argument, NULL, 'D' },
		{ "detach", no_argument, NULL, 'd' },
		{ "restore-detached", no_argument, NULL, 'd' },	/* CRIU's spelling */
		{ "action-script", required_argument, NULL, 'A' },
		{ "new-pidns", no_argument, NULL, 'P' },
		{ "netns", required_argument, NULL, 'N' },
		{ "pidfile", required_argument, NULL, 'F' },
		{ "shell-job", no_argument, NULL, 'j' },
		{ "inherit-stdio", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+D:djh", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			if (!optarg[0]) {
				pr_err("-D/--images-dir needs a directory");
				return -EINVAL;
			}
			o->images_dir = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case 'A':	/* long option only */
			if (action_scripts_add(&o->scripts, optarg))
				return -EINVAL;
			break;
		case 'P':	/* long options only from here */
			o->new_pidns = true;
			break;
		case 'N':
			if (!optarg[0]) {
				pr_err("--netns needs the path of a network namespace");
				return -EINVAL;
			}
			o->netns = optarg;
			break;
		case 'F':
			if (!optarg[0]) {
				pr_err("--pidfile needs a file name");
				return -EINVAL;
			}
			o->pidfile = optarg;
			break;
		case 'j':
			o->shell_job = true;
			break;
		case 'I':	/* long option only */
			o->inherit_stdio = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			pr_err("unknown or incomplete option '%s'; see 'lmig restore --help'",
			       argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->images_dir) {
		pr_err("-D/--images-dir is required; see 'lmig restore --help'");
		return -EINVAL;
	}
	return 0;
}
