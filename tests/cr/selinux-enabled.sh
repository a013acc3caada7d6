#!/bin/bash
# The SELinux context saved at dump (/proc/PID/attr/current) and set
# again by the restorer. Needs a host with SELinux enabled; where it is
# disabled, selinux.cr covers the disabled path and this test says why it
# cannot run. Exit 0 pass, 1 fail, 77 skip.
set -u
top_builddir=${top_builddir:?}
top_srcdir=${top_srcdir:?}
if [ ! -d /sys/fs/selinux ] || ! grep -q selinuxfs /proc/filesystems 2>/dev/null ||
   [ ! -e /sys/fs/selinux/enforce ]; then
	echo "SKIP selinux-enabled: SELinux is disabled on this host (no selinuxfs): the" \
	     "enabled path (context saved and set again) cannot be exercised here"
	exit 77
fi
exec "$top_builddir/tests/cr/subreaper" "$SHELL" "$top_srcdir/tests/cr/run-cr" \
	"$top_builddir/tests/cr/selinux.cr"
