#define LOG_PREFIX ""
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int cli_take_global_opts(int argc, char **argv, struct global_opts *g)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			g->verbose++;
		} else if (strcmp(a, "-vv") == 0) {
			g->verbose += 2;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			g->quiet = 1;
		} else if (strcmp(a, "--log-file") == 0) {
			if (i + 1 >= argc) {
				pr_err("--log-file needs a file name");
				return -EINVAL;
			}
			g->log_file = argv[++i];
		} else if (strncmp(a, "--log-file=", 11) == 0) {
			if (!a[11]) {
				pr_err("--log-file needs a file name");
				return -EINVAL;
			}
			g->log_file = a + 11;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

int cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_pid(const char *s, pid_t *out)
{
	uint64_t v;
	int rc = cli_parse_u64(s, 4194304, &v);	/* PID_MAX_LIMIT */

	if (rc < 0)
		return rc;
	if (v == 0)
		return -ERANGE;
	*out = (pid_t)v;
	return 0;
}

int cli_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon, *h = s;
	size_t hl;
	uint64_t p;

	if (!s)
		return -EINVAL;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen)
		return -EINVAL;
	if (cli_parse_u64(colon + 1, 65535, &p) < 0 || p == 0)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)p;
	return 0;
}
