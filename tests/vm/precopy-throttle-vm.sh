#!/bin/bash
# Runs inside the 6.1 VM (tests/vm/precopy-softdirty.sh stages it): the
# throttle's cgroup v2 path, which this machine cannot take (its cpu
# controller is on cgroup v1, so lmig falls back to SIGSTOP/SIGCONT; see
# tests/precopy/throttle.sh). cgroup2 is mounted with the cpu controller
# enabled below its root, memdirty writes as fast as it can, and
# `lmig precopy --tracker soft-dirty` moves it over loopback into a page
# server in its own pid namespace. lmig must throttle it with cpu.max in a
# cgroup of its own (seen from outside while it runs, tightened to 6%),
# say so, remove that cgroup afterwards, and the restored memdirty must
# find every page it wrote.
#
#   precopy-throttle-vm.sh LMIG BUILDDIR SRCDIR
set -u
LMIG=$1 b=$2 src=$3
work=/tmp/pcth port=7003 cg=/sys/fs/cgroup
mkdir -p "$work"
ps_init= sampler=

fail() {
	echo "FAIL: $*"
	for f in "$work"/out "$work"/precopy.out "$work"/precopy.log "$work"/ps.out "$work"/cg.samples; do
		[ -f "$f" ] && tail -n 15 "$f" | sed "s|^|  $(basename "$f"): |"
	done
	exit 1
}
. "$src/tests/vm/precopy-vm-lib.sh"

mount -t cgroup2 none $cg 2>/dev/null || grep -q " $cg cgroup2 " /proc/mounts ||
	fail "cannot mount cgroup2 on $cg"
echo +cpu >$cg/cgroup.subtree_control || fail "cannot enable the cpu controller (CONFIG_CFS_BANDWIDTH?)"

vm_pageserver

CR_OUT=$work/out "$b/tests/workload/memdirty" --size-mib 16 --rate-mib 0 --pattern random \
	</dev/null >/dev/null 2>"$work/md.err" &
md_pid=$!
wait_for "$work/out" '^READY' 60 || fail "memdirty: no READY within 60 s"

# memdirty's cgroup and its cpu.max, sampled while it is migrated.
(
	while [ -r "/proc/$md_pid/cgroup" ]; do
		c=$(sed -n 's/^0:://p' "/proc/$md_pid/cgroup" 2>/dev/null)
		echo "$c $(cat "$cg$c/cpu.max" 2>/dev/null)"
		sleep 0.2
	done >"$work/cg.samples"
) &
sampler=$!

timeout 150 "$LMIG" precopy --pid "$md_pid" --to 127.0.0.1:$port --tracker soft-dirty \
	--stats-json "$work/stats.json" --log-file "$work/precopy.log" >"$work/precopy.out" 2>&1
rc=$?
cat "$work/precopy.out"
[ $rc -eq 0 ] || fail "lmig precopy exited $rc"
grep -qE 'throttled to [0-9]+% CPU \(cgroup cpu.max\)' "$work/precopy.out" ||
	fail "no throttling by cgroup cpu.max in the progress lines"
grep -q '"throttle": "cgroup cpu.max"' "$work/stats.json" ||
	fail "the stats name another throttle: $(grep throttle "$work/stats.json")"
wait "$md_pid" 2>/dev/null
wait "$sampler" 2>/dev/null
grep -q "^/lmig-throttle-$md_pid 6000 100000\$" "$work/cg.samples" ||
	fail "memdirty was never seen in /lmig-throttle-$md_pid at cpu.max 6000 100000"
left=$(ls -d $cg/lmig-throttle-* 2>/dev/null)
[ -z "$left" ] || fail "lmig left its cgroup behind: $left"

vm_check_restored "$md_pid" memdirty
echo "PASS: throttled by cgroup cpu.max down to 6% (seen in /lmig-throttle-$md_pid), the cgroup removed, every page intact"
