#!/bin/sh
# The README's demo, small: memdirty and the shell looper live-migrated
# between two test hosts (network namespaces joined by veth, host B with
# its own pid namespace).
set -u
demo=${top_srcdir:?}/scripts/demo
rc=0
for w in memdirty looper; do
	out=$(timeout 300 "$demo" --build "${top_builddir:?}" --workload "$w" --size-mib 64 2>&1)
	r=$?
	if [ $r -eq 77 ]; then
		echo "SKIP: cannot create test hosts here: $out"
		exit 77
	fi
	if [ $r -ne 0 ]; then
		echo "FAIL: demo --workload $w exited $r"
		echo "$out" | tail -n 20 | sed 's/^/  /'
		rc=1
	else
		echo "$out" | tail -n 3
	fi
done
exit $rc
