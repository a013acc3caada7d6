/* Security modules: whether process labels are part of what must move. */
#define LOG_PREFIX "check: "
#include "config.h"
#include <errno.h>
#include <string.h>
#include <selinux/selinux.h>

#include "log.h"
#include "probe.h"

/* "available" means SELinux is on; off is a normal state, never a failure. */
void probe_selinux(struct check_probe *p)
{
	int enforcing;

	if (is_selinux_enabled() <= 0) {
		probe_set(p, false, "disabled (no labels to carry over)");
		return;
	}
	enforcing = security_getenforce();
	if (enforcing < 0)
		probe_set(p, true, "enabled; enforcing mode unreadable: %s", strerror(errno));
	else
		probe_set(p, true, "enabled, %s", enforcing ? "enforcing" : "permissive");
}
