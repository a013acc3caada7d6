#define LOG_PREFIX "pageserver: "
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "action-script.h"
#include "cli.h"
#include "log.h"
#include "transport/tls-opts.h"
#include "pageserver-opts.h"

void pageserver_usage(void)
{
	printf("Usage: lmig pageserver --port PORT [options]\n"
	       "\n"
	       "Receive a live migration from `lmig precopy` and restore it on this host.\n"
	       "\n"
	       "      --port PORT          TCP port to listen on\n"
	       "      --address A          address to listen on (default: loopback only,\n"
	       "                           unless --auth-key or --insecure is given)\n"
	       "      --transport T        tcp, uring or rdma (default tcp)\n"
	       "  -D, --images-dir DIR     write images to DIR instead of restoring\n"
	       "      --keep-going         serve further migrations after one ends\n"
	       "      --auth-key FILE      shared key proving both peers\n"
	       "      --insecure           listen beyond loopback without authentication\n"
	       "      --action-script S    run S (sh -c) at the restore's stages pre-restore,\n"
	       "                           network-lock, post-restore, network-unlock and\n"
	       "                           rollback (repeatable)\n"
	       "%s"
	       "  -h, --help               this help\n", tp_tls_usage);
}

enum {
	OPT_PORT = 256,
	OPT_ADDRESS,
	OPT_TRANSPORT,
	OPT_KEEP_GOING,
	OPT_AUTH_KEY,
	OPT_INSECURE,
	OPT_ACTION_SCRIPT,
};

int pageserver_parse_opts(int argc, char **argv, struct pageserver_opts *o)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "images-dir", required_argument, NULL, 'D' },
		{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
		{ "auth-key", required_argument, NULL, OPT_AUTH_KEY },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "action-script", required_argument, NULL, OPT_ACTION_SCRIPT },
		TP_TLS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+D:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			if (cli_parse_u64(optarg, 65535, &v) < 0 || v == 0) {
				pr_err("--port: '%s' is not a port number", optarg);
				return -EINVAL;
			}
			o->port = (uint16_t)v;
			break;
		case OPT_ADDRESS:
			o->address = optarg;
			break;
		case OPT_TRANSPORT:
			if (strcmp(optarg, "tcp") && strcmp(optarg, "uring") && strcmp(optarg, "rdma")) {
				pr_err("--transport: '%s' is not one of tcp, uring, rdma", optarg);
				return -EINVAL;
			}
			o->transport = optarg;
			break;
		case 'D':
			o->images_dir = optarg;
			break;
		case OPT_KEEP_GOING:
			o->keep_going = true;
			break;
		case OPT_AUTH_KEY:
			o->auth_key = optarg;
			break;
		case OPT_INSECURE:
			o->insecure = true;
			break;
		case OPT_ACTION_SCRIPT:
			if (action_scripts_add(&o->scripts, optarg))
				return -EINVAL;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			if (tp_tls_opt(c, optarg, &o->tls))
				break;
			pr_err("unknown or incomplete option '%s'; see 'lmig pageserver --help'",
			       argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (tp_tls_opts_check(&o->tls))
		return -EINVAL;
	if (!o->port) {
		pr_err("--port is required; see 'lmig pageserver --help'");
		return -EINVAL;
	}
	if (o->images_dir && o->scripts.n) {
		pr_err("--action-script runs at a restore: with --images-dir nothing is restored");
		return -EINVAL;
	}
	return 0;
}
