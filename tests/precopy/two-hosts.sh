#!/bin/sh
# The README's demo, small: memdirty and the shell looper live-migrated
# between two test hosts (network namespaces joined by veth, host B with
# its own pid namespace); memdirty also over io_uring, and over both
# transports with lz4 and authentication.
set -u
demo=${top_srcdir:?}/scripts/demo
rc=0
for run in "memdirty" "looper" "memdirty --transport uring" \
	"memdirty --auth -- --compress lz4" "memdirty --transport uring --auth -- --compress lz4"; do
	w=${run%% *}
	opts=${run#"$w"}
	# shellcheck disable=SC2086
	out=$(timeout 300 "$demo" --build "${top_builddir:?}" --size-mib 64 --workload $run 2>&1)
	r=$?
	if [ $r -eq 77 ]; then
		echo "SKIP: cannot create test hosts here: $out"
		exit 77
	fi
	echo "== $w$opts"
	if [ $r -ne 0 ]; then
		echo "FAIL: demo --workload $w$opts exited $r"
		echo "$out" | tail -n 20 | sed 's/^/  /'
		rc=1
	else
		echo "$out" | tail -n 3
	fi
done
exit $rc
