#!/bin/bash
# A POSIX queue with a registered mq_notify() is refused by the dump,
# naming the fd and the reason, and the process runs on unharmed (it
# then passes its own checks). Exit 0 pass, 1 fail.
set -u
top_builddir=${top_builddir:?}
LMIG=${LMIG:-$top_builddir/lmig}
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-mqueue-notify.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL mqueue-notify: $*"; for f in out log; do [ -f "$work/$f" ] && tail -n 15 "$work/$f" | sed "s/^/  $f: /"; done; exit 1; }
wait_for() { for _ in $(seq 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

MQUEUE_NOTIFY=1 CR_OUT=$work/out "$top_builddir/tests/cr/mqueue.cr" </dev/null >/dev/null 2>&1 &
pid=$!
wait_for "$work/out" READY || fail "the target did not start"
timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" --log-file "$work/log" &&
	fail "dump succeeded with an mq_notify() registration"
grep -q 'registered with mq_notify()' "$work/log" || fail "no message naming mq_notify()"
kill -USR1 "$pid" || fail "the process did not survive the refused dump"
wait_for "$work/out" '^(PASS|FAIL)' || fail "no verdict within 10 s"
grep -q '^PASS' "$work/out" || fail "the process found its queues changed by the refused dump"
wait "$pid" 2>/dev/null
pid=
echo "PASS mqueue-notify ($(grep -o 'fd [0-9]*: [^:]*: a process is registered' "$work/log" | head -1))"
exit 0
