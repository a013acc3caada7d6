/*
 * Options of `lmig pageserver`, parsed apart from running it so that
 * unit tests can check the command line on its own.
 */
#ifndef LMIG_PAGESERVER_OPTS_H
#define LMIG_PAGESERVER_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "action-script.h"
#include "transport/tls-opts.h"

struct pageserver_opts {
	uint16_t port;
	const char *address;	/* NULL: loopback unless authenticated or --insecure */
	const char *transport;	/* "tcp", "uring", "rdma"; NULL = tcp */
	const char *images_dir;	/* write images instead of restoring */
	bool keep_going;
	const char *auth_key;
	struct tp_tls_opts tls;		/* --tls, --tls-cacert, ... */
	bool insecure;
	struct action_scripts scripts;	/* --action-script, for the restore */
	bool help;
};

/*
 * Parse argv (argv[0] is "pageserver"). Returns 0, or -EINVAL after one
 * error line naming the option. With --help, sets o->help and returns 0.
 */
int pageserver_parse_opts(int argc, char **argv, struct pageserver_opts *o);
void pageserver_usage(void);

#endif
