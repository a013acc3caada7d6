/*
 * The SELinux context: where SELinux is enabled, the same context after
 * restore; where it is disabled, no context before and none after (and
 * the dump and restore must not trip over its absence).
 */
#include <errno.h>
#include <fcntl.h>
#include <selinux/selinux.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crtest.h"

static char *context(void)
{
	char *con = NULL;

	if (getcon(&con))
		cr_fail_errno("getcon");
	return con;
}

int main(void)
{
	char *before = NULL, *after;
	char buf[64];
	int enabled, fd;

	cr_init();
	enabled = is_selinux_enabled() > 0;
	if (enabled)
		before = context();

	cr_ready();
	cr_wait();

	if ((is_selinux_enabled() > 0) != enabled)
		cr_fail("SELinux enabled %d before, %d after", enabled, !enabled);
	if (!enabled) {
		/* Disabled: the attribute has nothing to say, as before. */
		fd = open("/proc/self/attr/current", O_RDONLY);
		if (fd >= 0 && read(fd, buf, sizeof(buf)) > 0 && buf[0] != '\0')
			cr_fail("a context appeared: %.*s", (int)sizeof(buf), buf);
		if (fd >= 0)
			close(fd);
		cr_pass();
	}
	after = context();
	if (strcmp(before, after) != 0)
		cr_fail("context %s, want %s", after, before);
	freecon(after);
	freecon(before);
	cr_pass();
}
