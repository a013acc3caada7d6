#!/bin/bash
# A process in seccomp strict mode cannot be restored (its four allowed
# syscalls leave no room for a restorer, and no filter stands for it):
# lmig dump refuses it with a clear message and leaves it running,
# unharmed. Exit 0 pass, 1 fail.
set -u
top_builddir=${top_builddir:?}
LMIG=${LMIG:-$top_builddir/lmig}
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-strict.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL seccomp-strict: $*"; [ -f "$work/log" ] && sed 's/^/  log: /' "$work/log"; exit 1; }

mkfifo "$work/in"
"$top_builddir/tests/cr/strict" <"$work/in" >"$work/out" &
pid=$!
exec 3>"$work/in"	# the target's only writer: closing it ends the target
for _ in $(seq 100); do grep -q READY "$work/out" 2>/dev/null && break; sleep 0.05; done
grep -q READY "$work/out" || fail "the target did not start"
grep -q '^Seccomp:[[:space:]]*1' /proc/$pid/status || fail "the target is not in strict mode"

timeout 60 "$LMIG" dump --pid "$pid" -D "$work" --log-file "$work/log"
drc=$?
[ $drc -ne 0 ] || fail "dump of a strict-mode process succeeded"
[ $drc -ne 124 ] || fail "dump timed out"
grep -q 'in seccomp strict mode' "$work/log" || fail "no message naming seccomp strict mode"
sleep 0.2
kill -0 "$pid" 2>/dev/null || fail "the target is gone after the refused dump"
state=$(awk '/^State:/ {print $2}' /proc/$pid/status)
[ "$state" = S ] || fail "the target is in state $state, not sleeping in read"
# It still works: a byte in, and it reads it; closing stdin ends it cleanly.
echo x >&3
exec 3>&-
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
wait "$pid"; rc=$?
pid=
[ $rc -eq 0 ] || fail "the target exited with $rc after the refused dump"
echo "PASS seccomp-strict (dump refused it with exit code $drc)"
exit 0
