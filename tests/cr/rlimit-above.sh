#!/bin/bash
# A saved hard limit above what lmig can give (raising a hard limit
# needs CAP_SYS_RESOURCE, which root lacks here) is refused at restore
# with a message naming the limit, rather than restored as another
# value; nothing of the process is left. Exit 0 pass, 1 fail, 77 skip.
set -u
top_builddir=${top_builddir:?}
LMIG=${LMIG:-$top_builddir/lmig}
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-rlimit.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL rlimit-above: $*"; [ -f "$work/log" ] && sed 's/^/  log: /' "$work/log"; exit 1; }

if grep -q '^CapEff:.*' /proc/self/status &&
   [ $(( 0x$(awk '/^CapEff:/ {print $2}' /proc/self/status) >> 24 & 1 )) -eq 1 ]; then
	echo "SKIP rlimit-above: lmig holds CAP_SYS_RESOURCE here and may raise hard limits"
	exit 77
fi
mkdir "$work/img"
CR_OUT=$work/out "$top_builddir/tests/cr/rlimits.cr" </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q READY "$work/out" 2>/dev/null && break; sleep 0.05; done
grep -q READY "$work/out" || fail "the target did not start"
timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" --log-file "$work/log" || fail "dump failed"
wait "$pid" 2>/dev/null
for _ in $(seq 200); do [ -d /proc/$pid ] || break; sleep 0.05; done
# The target's hard RLIMIT_CORE is 1 MiB; lmig's here only 512 KiB.
( ulimit -H -c 512; exec timeout 60 "$LMIG" restore -D "$work/img" --detach --log-file "$work/log2" )
rc=$?
[ $rc -ne 0 ] || { cat "$work/log2" >>"$work/log"; fail "restore succeeded under a lower hard limit"; }
grep -q 'hard RLIMIT_CORE is 1048576, above lmig' "$work/log2" ||
	{ cat "$work/log2" >>"$work/log"; fail "no message naming RLIMIT_CORE"; }
sleep 0.2
[ -d /proc/$pid ] && fail "pid $pid exists after the refused restore"
pid=
echo "PASS rlimit-above ($(grep -o 'its hard RLIMIT_CORE.*' "$work/log2" | head -1))"
exit 0
