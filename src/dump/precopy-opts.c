#define LOG_PREFIX "precopy: "
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "action-script.h"
#include "cli.h"
#include "log.h"
#include "transport/tls-opts.h"
#include "precopy-opts.h"

void precopy_usage(void)
{
	printf("Usage: lmig precopy --pid PID --to HOST:PORT [options]\n"
	       "\n"
	       "Live-migrate a running process tree to `lmig pageserver` on HOST.\n"
	       "\n"
	       "  -p, --pid PID            root of the tree to migrate\n"
	       "  -t, --to HOST:PORT       the page server ([V6ADDR]:PORT for IPv6)\n"
	       "      --max-downtime MS    stop pre-copy rounds once the predicted freeze fits (default 50)\n"
	       "      --max-rounds N       at most N pre-copy rounds; 0 = stop-and-copy (default 30)\n"
	       "      --transport T        tcp, uring or rdma (default: best available)\n"
	       "      --tracker T          uffd-wp or soft-dirty (default: what `lmig check` picks)\n"
	       "      --compress lz4       compress page runs when it pays\n"
	       "      --tcp-established    migrate established TCP connections\n"
	       "      --action-script S    run S (sh -c) at the stages network-lock, post-dump,\n"
	       "                           network-unlock and rollback (repeatable)\n"
	       "      --leave-running      keep the source running after success\n"
	       "      --stats-json FILE    write a JSON summary of the migration\n"
	       "      --auth-key FILE      shared key proving both peers\n"
	       "%s"
	       "  -h, --help               this help\n", tp_tls_usage);
}

enum {
	OPT_MAX_DOWNTIME = 256,
	OPT_MAX_ROUNDS,
	OPT_TRANSPORT,
	OPT_TRACKER,
	OPT_COMPRESS,
	OPT_TCP_ESTABLISHED,
	OPT_LEAVE_RUNNING,
	OPT_STATS_JSON,
	OPT_AUTH_KEY,
	OPT_ACTION_SCRIPT,
};

static bool one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return true;
	return false;
}

int precopy_parse_opts(int argc, char **argv, struct precopy_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "to", required_argument, NULL, 't' },
		{ "max-downtime", required_argument, NULL, OPT_MAX_DOWNTIME },
		{ "max-rounds", required_argument, NULL, OPT_MAX_ROUNDS },
		{ "transport", required_argument, NULL, OPT_TRANSPORT },
		{ "tracker", required_argument, NULL, OPT_TRACKER },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
		{ "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
		{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
		{ "auth-key", required_argument, NULL, OPT_AUTH_KEY },
		{ "action-script", required_argument, NULL, OPT_ACTION_SCRIPT },
		TP_TLS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const transports[] = { "tcp", "uring", "rdma", NULL };
	static const char *const trackers[] = { "uffd-wp", "soft-dirty", NULL };
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->max_downtime_ms = 50;
	o->max_rounds = 30;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_pid(optarg, &o->pid) < 0) {
				pr_err("--pid: '%s' is not a pid", optarg);
				return -EINVAL;
			}
			break;
		case 't':
			if (cli_parse_hostport(optarg, o->host, sizeof(o->host), &o->port) < 0) {
				pr_err("--to: '%s' is not HOST:PORT", optarg);
				return -EINVAL;
			}
			break;
		case OPT_MAX_DOWNTIME:
			if (cli_parse_u64(optarg, 3600000, &v) < 0) {
				pr_err("--max-downtime: '%s' is not a number of milliseconds", optarg);
				return -EINVAL;
			}
			o->max_downtime_ms = (uint32_t)v;
			break;
		case OPT_MAX_ROUNDS:
			if (cli_parse_u64(optarg, 100000, &v) < 0) {
				pr_err("--max-rounds: '%s' is not a count", optarg);
				return -EINVAL;
			}
			o->max_rounds = (uint32_t)v;
			break;
		case OPT_TRANSPORT:
			if (!one_of(optarg, transports)) {
				pr_err("--transport: '%s' is not one of tcp, uring, rdma", optarg);
				return -EINVAL;
			}
			o->transport = optarg;
			break;
		case OPT_TRACKER:
			if (!one_of(optarg, trackers)) {
				pr_err("--tracker: '%s' is not one of uffd-wp, soft-dirty", optarg);
				return -EINVAL;
			}
			o->tracker = optarg;
			break;
		case OPT_COMPRESS:
			if (strcmp(optarg, "lz4") != 0) {
				pr_err("--compress: '%s' is not supported (lz4 is)", optarg);
				return -EINVAL;
			}
			o->compress_lz4 = true;
			break;
		case OPT_TCP_ESTABLISHED:
			o->tcp_established = true;
			break;
		case OPT_LEAVE_RUNNING:
			o->leave_running = true;
			break;
		case OPT_STATS_JSON:
			o->stats_json = optarg;
			break;
		case OPT_AUTH_KEY:
			o->auth_key = optarg;
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
			pr_err("unknown or incomplete option '%s'; see 'lmig precopy --help'",
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
	if (!o->pid || !o->port) {
		pr_err("--pid and --to are required; see 'lmig precopy --help'");
		return -EINVAL;
	}
	return 0;
}
