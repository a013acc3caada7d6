#define LOG_PREFIX "fault: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault.h"
#include "log.h"

static const struct {
	const char *name;
	bool has_arg;
} points[FAULT_NR_POINTS] = {
	[FAULT_PS_EXIT_ROUND] = { "pageserver-exit-round", true },
	[FAULT_PS_EXIT_FINAL] = { "pageserver-exit-final", false },
	[FAULT_PS_FAIL_RESTORE] = { "pageserver-fail-restore", false },
};

static int parse_item(const char *item, size_t len, struct fault *f)
{
	const char *eq = memchr(item, '=', len);
	size_t nlen = eq ? (size_t)(eq - item) : len;

	for (int p = 0; p < FAULT_NR_POINTS; p++) {
		char num[24];
		uint64_t v;

		if (strlen(points[p].name) != nlen || strncmp(points[p].name, item, nlen))
			continue;
		if (!points[p].has_arg) {
			if (eq)
				break;
			f->armed[p] = true;
			return 0;
		}
		if (!eq || len - nlen - 1 == 0 || len - nlen - 1 >= sizeof(num))
			break;
		memcpy(num, eq + 1, len - nlen - 1);
		num[len - nlen - 1] = '\0';
		if (cli_parse_u64(num, UINT32_MAX, &v) < 0)
			break;
		f->armed[p] = true;
		f->arg[p] = (uint32_t)v;
		return 0;
	}
	pr_err("LMIG_FAULT: '%.*s' is not a fault point (see src/fault.h)", (int)len, item);
	return -EINVAL;
}

int fault_parse(const char *spec, struct fault *f)
{
	memset(f, 0, sizeof(*f));
	while (spec && *spec) {
		size_t len = strcspn(spec, ",");

		if (len) {
			int ret = parse_item(spec, len, f);

			if (ret)
				return ret;
		}
		spec += len;
		if (*spec == ',')
			spec++;
	}
	return 0;
}

int fault_init(struct fault *f)
{
	return fault_parse(getenv("LMIG_FAULT"), f);
}

bool fault_hit(const struct fault *f, enum fault_point p, uint32_t arg)
{
	if (!f->armed[p] || (points[p].has_arg && f->arg[p] != arg))
		return false;
	if (points[p].has_arg)
		pr_warn("injected fault %s=%u fires", points[p].name, arg);
	else
		pr_warn("injected fault %s fires", points[p].name);
	return true;
}
