/* Command-line parsing of the migration commands and the shared number parsers. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dump/dump.h"
#include "dump/precopy-opts.h"
#include "log.h"
#include "pageserver/pageserver-opts.h"
#include "restore/restore.h"
#include "../lib/unit.h"


static void test_numbers(void)
{
	uint64_t v;
	pid_t pid;
	char host[64];
	uint16_t port;

	CHECK(cli_parse_u64("42", 100, &v) == 0 && v == 42);
	CHECK(cli_parse_u64("101", 100, &v) == -ERANGE);
	CHECK(cli_parse_u64("", 100, &v) == -EINVAL);
	CHECK(cli_parse_u64("-1", 100, &v) == -EINVAL);
	CHECK(cli_parse_u64(" 1", 100, &v) == -EINVAL);
	CHECK(cli_parse_u64("12x", 100, &v) == -EINVAL);
	CHECK(cli_parse_u64("99999999999999999999999", UINT64_MAX, &v) == -ERANGE);
	CHECK(cli_parse_pid("1", &pid) == 0 && pid == 1);
	CHECK(cli_parse_pid("0", &pid) < 0);
	CHECK(cli_parse_pid("4194305", &pid) < 0);

	CHECK(cli_parse_hostport("198.18.0.2:7000", host, sizeof(host), &port) == 0);
	CHECK(strcmp(host, "198.18.0.2") == 0 && port == 7000);
	CHECK(cli_parse_hostport("[::1]:80", host, sizeof(host), &port) == 0);
	CHECK(strcmp(host, "::1") == 0 && port == 80);
	CHECK(cli_parse_hostport("localhost:65535", host, sizeof(host), &port) == 0 && port == 65535);
	CHECK(cli_parse_hostport("localhost", host, sizeof(host), &port) < 0);
	CHECK(cli_parse_hostport(":80", host, sizeof(host), &port) < 0);
	CHECK(cli_parse_hostport("h:0", host, sizeof(host), &port) < 0);
	CHECK(cli_parse_hostport("h:65536", host, sizeof(host), &port) < 0);
	CHECK(cli_parse_hostport("::1:80", host, sizeof(host), &port) < 0);
	CHECK(cli_parse_hostport("[::1]80", host, sizeof(host), &port) < 0);
}

static void test_precopy(void)
{
	struct precopy_opts o;

	{
		char *argv[] = { "precopy", "--pid", "42", "--to", "198.18.0.2:7000", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(o.pid == 42 && o.port == 7000 && strcmp(o.host, "198.18.0.2") == 0);
		CHECK(o.max_downtime_ms == 50 && o.max_rounds == 30 && !o.compress_lz4);
	}
	{
		char *argv[] = { "precopy", "-p", "7", "-t", "h:1", "--max-rounds", "0",
				 "--max-downtime", "10", "--compress", "lz4", "--transport", "uring",
				 "--tracker", "soft-dirty", "--leave-running", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(o.max_rounds == 0 && o.max_downtime_ms == 10 && o.compress_lz4);
		CHECK(strcmp(o.transport, "uring") == 0 && strcmp(o.tracker, "soft-dirty") == 0);
		CHECK(o.leave_running);
	}
	{
		char *argv[] = { "precopy", "--pid", "7", "--to", "h:1", "--tcp-established",
				 "--action-script", "sh a.sh", "--action-script", "b", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(o.tcp_established && o.scripts.n == 2 && strcmp(o.scripts.path[0], "sh a.sh") == 0);
	}
	{
		char *argv[] = { "precopy", "--pid", "7", "--to", "h:1", "--action-script", "", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "precopy", "--pid", "42", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "precopy", "--pid", "x", "--to", "h:1", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "precopy", "--pid", "1", "--to", "h:1", "--transport", "carrier-pigeon", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "precopy", "--pid", "1", "--to", "h:1", "--compress", "zstd", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "precopy", "--pid", "1", "--to", "h:1", "stray", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "precopy", "--pid", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "precopy", "--help", NULL };

		CHECK(precopy_parse_opts(ARGC(argv), argv, &o) == 0 && o.help);
	}
}

static void test_pageserver(void)
{
	struct pageserver_opts o;

	{
		char *argv[] = { "pageserver", "--port", "7000", NULL };

		CHECK(pageserver_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(o.port == 7000 && !o.address && !o.images_dir && !o.keep_going);
	}
	{
		char *argv[] = { "pageserver", "--port", "1", "--address", "198.18.0.2",
				 "-D", "/tmp/x", "--keep-going", "--insecure", NULL };

		CHECK(pageserver_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(strcmp(o.address, "198.18.0.2") == 0 && strcmp(o.images_dir, "/tmp/x") == 0);
		CHECK(o.keep_going && o.insecure);
	}
	{
		char *argv[] = { "pageserver", NULL };

		CHECK(pageserver_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "pageserver", "--port", "70000", NULL };

		CHECK(pageserver_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "pageserver", "--port", "1", "--action-script", "s", NULL };

		CHECK(pageserver_parse_opts(ARGC(argv), argv, &o) == 0 && o.scripts.n == 1);
	}
	{
		char *argv[] = { "pageserver", "--port", "1", "-D", "/tmp/x", "--action-script", "s", NULL };

		CHECK(pageserver_parse_opts(ARGC(argv), argv, &o) < 0);
	}
}

/* --shell-job (-j, CRIU's spelling) on both sides, and --inherit-stdio. */
static void test_shell_job(void)
{
	struct dump_opts d;
	struct restore_opts r;

	{
		char *argv[] = { "dump", "-t", "42", "-D", "d", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &d) == 0 && !d.shell_job);
	}
	{
		char *argv[] = { "dump", "-t", "42", "-D", "d", "--shell-job", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &d) == 0 && d.shell_job && d.pid == 42);
	}
	{
		char *argv[] = { "dump", "-j", "-p", "7", "-D", "d", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &d) == 0 && d.shell_job && d.pid == 7);
	}
	{
		char *argv[] = { "dump", "-p", "7", "-D", "d", "--shell-job=yes", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &d) == -EINVAL);
	}
	{
		char *argv[] = { "restore", "-D", "d", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &r) == 0 && !r.shell_job && !r.inherit_stdio);
	}
	{
		char *argv[] = { "restore", "-j", "-D", "d", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &r) == 0 && r.shell_job && !r.inherit_stdio);
	}
	{
		char *argv[] = { "restore", "-D", "d", "--shell-job", "--inherit-stdio", "-d", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &r) == 0 && r.shell_job && r.inherit_stdio &&
		      r.detach);
	}
	{
		char *argv[] = { "restore", "-D", "d", "--inherit-stdio", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &r) == 0 && r.inherit_stdio && !r.shell_job);
	}
	{
		char *argv[] = { "restore", "-D", "d", "--inherit-stdio=0", NULL };

		CHECK(restore_parse_opts(ARGC(argv), argv, &r) == -EINVAL);
	}
}

int main(void)
{
	log_set_level(LOG_QUIET);
	test_numbers();
	test_precopy();
	test_pageserver();
	test_shell_job();
	return unit_result();
}
