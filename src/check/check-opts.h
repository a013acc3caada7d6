/*
 * Options of `lmig check`, parsed apart from running it so that unit
 * tests can check the command line on its own.
 */
#ifndef LMIG_CHECK_OPTS_H
#define LMIG_CHECK_OPTS_H

#include <stdbool.h>

struct check_opts {
	bool json;
	bool help;
};

/*
 * Parse argv (argv[0] is "check"). Returns 0, or -EINVAL after one error
 * line naming the option. With --help, sets o->help and returns 0.
 */
int check_parse_opts(int argc, char **argv, struct check_opts *o);
void check_usage(void);

#endif
