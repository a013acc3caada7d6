#define LOG_PREFIX "pageserver: "
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "cmd.h"
#include "fault.h"
#include "log.h"
#include "pageserver/pageserver.h"
#include "pageserver-opts.h"
#include "transport/transport.h"

/* Restored processes that ended since: they are our children. */
static void reap_children(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* A client refused in the handshake or gone before it: serve on. */
static bool accept_error_is_transient(int ret)
{
	return ret == -ETIMEDOUT || ret == -EPROTO || ret == -EACCES || ret == -ECONNRESET ||
	       ret == -ECONNABORTED || ret == -EPIPE || ret == -EBADMSG || ret == -EINTR;
}

static int serve(const struct pageserver_opts *o, const struct fault *fault)
{
	struct tp_opts to = {
		.backend = o->transport,
		.auth_key_file = o->auth_key,
		.insecure = o->insecure,
		.tls = o->tls,
	};
	struct tp_listener *l;
	int ret;

	ret = tp_listen(&to, o->address, o->port, &l);
	if (ret)
		return ret;
	pr_msg("pageserver: listening on %s port %u (%s%s)\n",
	       o->address ? o->address :
	       (o->auth_key || o->tls.on || o->insecure) ? "0.0.0.0" : "127.0.0.1",
	       tp_listener_port(l), o->transport ? o->transport : "tcp", o->tls.on ? ", tls" : "");
	for (;;) {
		struct tp_conn *c;

		ret = tp_accept(l, &c);
		if (ret) {
			if (accept_error_is_transient(ret))
				continue;
			break;
		}
		ret = ps_session(o, fault, c);
		tp_close(c);
		reap_children();
		if (!o->keep_going)
			break;
	}
	tp_listener_close(l);
	return ret;
}

int cmd_pageserver(int argc, char **argv)
{
	struct pageserver_opts o;
	struct fault fault;

	if (pageserver_parse_opts(argc, argv, &o) < 0)
		return LMIG_EXIT_USAGE;
	if (o.help) {
		pageserver_usage();
		return LMIG_EXIT_OK;
	}
	if (fault_init(&fault))
		return LMIG_EXIT_USAGE;
	/* A peer that goes away must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return serve(&o, &fault) ? LMIG_EXIT_FAIL : LMIG_EXIT_OK;
}
