/*
 * Options every lmig command accepts, wherever they stand on the line.
 */
#ifndef LMIG_CLI_H
#define LMIG_CLI_H

struct global_opts {
	int verbose;		/* count of -v */
	int quiet;
	const char *log_file;	/* points into argv */
};

/*
 * Take -v/--verbose, -vv, -q/--quiet and --log-file[=]FILE out of argv
 * (stopping at "--"), leaving the rest in order and argv[argc] = NULL.
 * Returns the new argc, or -EINVAL (after a message) on a usage error.
 */
int cli_take_global_opts(int argc, char **argv, struct global_opts *g);



#include <stdint.h>
#include <sys/types.h>

/*
 * Strict number parsing for option values: the whole string must be a
 * decimal number in [0, max]. Return 0 or -EINVAL / -ERANGE, without
 * logging: the caller names the option.
 */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
int cli_parse_pid(const char *s, pid_t *out);

/*
 * "HOST:PORT", "[V6ADDR]:PORT". host is written to buf (NUL-terminated).
 * Returns 0 or -EINVAL.
 */
int cli_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port);

#endif
