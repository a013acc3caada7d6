#!/bin/bash
# A SysV shm segment with a key outlives its process: after dump (which
# kills the tree) it is still there, and restore into the same IPC
# namespace refuses, naming the key, and leaves nothing behind. Once the
# segment is removed, restore succeeds and the program (sysvshm.cr with
# $SYSVSHM_KEY) finds its segment with its key. Exit 0 pass, 1 fail.
set -u
top_builddir=${top_builddir:?}
LMIG=${LMIG:-$top_builddir/lmig}
# Be the reaper of the dumped child (PID 1 here frees pids only every second or two).
[ -n "${SYSVSHM_KEY_REAPER:-}" ] || SYSVSHM_KEY_REAPER=1 exec "$top_builddir/tests/cr/subreaper" "$BASH" "$0" "$@"
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-sysvshm-key.XXXXXX")
key=$(printf '0x4c4d%04x' $(( $$ & 0xffff )))
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	ipcrm -M "$key" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL sysvshm-key: $*"; for f in out log log2 log3; do [ -f "$work/$f" ] && tail -n 15 "$work/$f" | sed "s/^/  $f: /"; done; exit 1; }
segments() { ipcs -m | awk -v k="$key" '$1 == k' | wc -l; }
wait_for() { for _ in $(seq 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

ipcrm -M "$key" 2>/dev/null
mkdir "$work/img"
SYSVSHM_KEY=$key CR_OUT=$work/out "$top_builddir/tests/cr/sysvshm.cr" </dev/null >/dev/null 2>&1 &
pid=$!
wait_for "$work/out" READY || fail "the target did not start"
child=$(cat /proc/$pid/task/$pid/children)
[ -n "$child" ] || fail "the target has no child"
timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" --log-file "$work/log" || fail "dump failed"
wait "$pid" 2>/dev/null
for _ in $(seq 200); do [ -d /proc/$pid ] || [ -d /proc/$child ] || break; sleep 0.05; done
[ -d /proc/$pid ] || [ -d /proc/$child ] && fail "the dumped tree is still there"
[ "$(segments)" = 1 ] || fail "segment $key is not there after the dump"

timeout 60 "$LMIG" restore -D "$work/img" --detach --log-file "$work/log2" &&
	fail "restore succeeded while segment $key exists"
grep -q "key $key exists already" "$work/log2" || fail "no message naming key $key"
sleep 0.2
[ -d /proc/$pid ] && fail "pid $pid exists after the refused restore"
[ "$(segments)" = 1 ] || fail "the refused restore left segments with key $key"

ipcrm -M "$key" || fail "cannot remove segment $key"
timeout 60 "$LMIG" restore -D "$work/img" --detach --log-file "$work/log3" || fail "restore failed"
[ "$(segments)" = 1 ] || fail "no segment $key after restore"
kill -USR1 "$pid" || fail "cannot signal pid $pid"
wait_for "$work/out" '^(PASS|FAIL)' || fail "no verdict within 10 s"
grep -q '^PASS' "$work/out" || fail "the program reported a failure"
for _ in $(seq 200); do [ -d /proc/$pid ] || break; sleep 0.05; done
pid=
echo "PASS sysvshm-key (refused while $key existed, restored once removed)"
exit 0
