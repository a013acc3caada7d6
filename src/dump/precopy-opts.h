/*
 * Options of `lmig precopy`, parsed apart from running it so that unit
 * tests can check the command line on its own.
 */
#ifndef LMIG_PRECOPY_OPTS_H
#define LMIG_PRECOPY_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "action-script.h"
#include "transport/tls-opts.h"

struct precopy_opts {
	pid_t pid;
	char host[256];
	uint16_t port;
	uint32_t max_downtime_ms;	/* default 50 */
	uint32_t max_rounds;		/* default 30; 0 = stop-and-copy */
	const char *transport;		/* "tcp", "uring", "rdma"; NULL = best available */
	const char *tracker;		/* "uffd-wp", "soft-dirty"; NULL = automatic */
	bool compress_lz4;
	bool leave_running;
	bool tcp_established;
	const char *stats_json;
	const char *auth_key;
	struct tp_tls_opts tls;		/* --tls, --tls-cacert, ... */
	struct action_scripts scripts;	/* --action-script */
	bool help;
};

/*
 * Parse argv (argv[0] is "precopy"). Returns 0, or -EINVAL after one
 * error line naming the option. With --help, sets o->help and returns 0.
 */
int precopy_parse_opts(int argc, char **argv, struct precopy_opts *o);
void precopy_usage(void);

#endif
