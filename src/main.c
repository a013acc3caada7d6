#define LOG_PREFIX ""
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli.h"
#include "cmd.h"
#include "log.h"

const struct lmig_cmd lmig_cmds[] = {
	{ "check",	"probe the kernel features lmig needs",			cmd_check },
	{ "dump",	"write the state of a running process tree to images",	cmd_dump },
	{ "restore",	"restore a process tree from images",			cmd_restore },
	{ "pageserver",	"receive a migration and restore it on this host",	cmd_pageserver },
	{ "precopy",	"live-migrate a process tree to a page server",		cmd_precopy },
	{ "show",	"decode a set of images",				cmd_show },
	{ NULL, NULL, NULL },
};

const struct lmig_cmd *cmd_find(const char *name)
{
	for (const struct lmig_cmd *c = lmig_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lmig [-v|-q] [--log-file FILE] COMMAND [ARGS...]\n"
		"\n"
		"Live-migrate running Linux processes between hosts.\n"
		"\n"
		"Commands:\n");
	for (const struct lmig_cmd *c = lmig_cmds; c->name; c++)
		fprintf(f, "  %-11s %s\n", c->name, c->summary);
	fprintf(f,
		"\n"
		"Global options (also accepted after COMMAND):\n"
		"  -v, --verbose       more output (repeat for debug)\n"
		"  -q, --quiet         errors only\n"
		"      --log-file FILE also write a full log to FILE\n"
		"  -h, --help          this help; 'lmig COMMAND --help' for a command\n"
		"  -V, --version       print the version\n"
		"\n"
		"Exit codes: 0 success, 1 failure, 2 usage error, 3 not supported here.\n"
		"See lmig(8).\n");
}

int main(int argc, char **argv)
{
	const struct lmig_cmd *cmd;
	struct global_opts g = { 0 };
	int ret;

	argc = cli_take_global_opts(argc, argv, &g);
	if (argc < 0)
		return LMIG_EXIT_USAGE;

	if (argc < 2) {
		usage(stderr);
		return LMIG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return LMIG_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("lmig %s\n", PACKAGE_VERSION);
		return LMIG_EXIT_OK;
	}

	if (g.quiet)
		log_set_level(LOG_QUIET);
	else if (g.verbose >= 2)
		log_set_level(LOG_DEBUG);
	else if (g.verbose == 1)
		log_set_level(LOG_INFO);
	if (g.log_file) {
		int rc = log_open_file(g.log_file);

		if (rc < 0) {
			pr_err_rc(rc, "cannot open log file %s", g.log_file);
			return LMIG_EXIT_FAIL;
		}
	}

	cmd = cmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "lmig: unknown command '%s'; see 'lmig --help'\n", argv[1]);
		return LMIG_EXIT_USAGE;
	}
	ret = cmd->run(argc - 1, argv + 1);
	log_close();
	return ret;
}
