/* Global options are taken out of the command line wherever they stand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "../lib/unit.h"


static int take(char **argv, struct global_opts *g)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(g, 0, sizeof(*g));
	return cli_take_global_opts(argc, argv, g);
}

int main(void)
{
	struct global_opts g;

	{
		char *argv[] = { "lmig", "-v", "dump", "--pid", "1", "-q", "--log-file", "x.log", NULL };

		CHECK(take(argv, &g) == 4);
		CHECK(g.verbose == 1 && g.quiet == 1);
		CHECK(g.log_file && strcmp(g.log_file, "x.log") == 0);
		CHECK(strcmp(argv[1], "dump") == 0 && strcmp(argv[2], "--pid") == 0);
		CHECK(strcmp(argv[3], "1") == 0 && argv[4] == NULL);
	}
	{
		char *argv[] = { "lmig", "show", "-vv", "--log-file=y.log", "-D", "d", NULL };

		CHECK(take(argv, &g) == 4);
		CHECK(g.verbose == 2 && !g.quiet);
		CHECK(strcmp(g.log_file, "y.log") == 0);
		CHECK(strcmp(argv[3], "d") == 0);
	}
	{
		/* After "--" nothing is taken: it belongs to the command. */
		char *argv[] = { "lmig", "restore", "--", "-v", NULL };

		CHECK(take(argv, &g) == 4);
		CHECK(g.verbose == 0);
		CHECK(strcmp(argv[2], "--") == 0 && strcmp(argv[3], "-v") == 0);
	}
	log_set_level(LOG_QUIET);
	{
		char *argv[] = { "lmig", "dump", "--log-file", NULL };

		CHECK(take(argv, &g) < 0);
	}
	{
		char *argv[] = { "lmig", "dump", "--log-file=", NULL };

		CHECK(take(argv, &g) < 0);
	}
	return unit_result();
}
