#!/bin/bash
# Restoring onto a pid in use fails with one line naming the pid and its
# holder, and leaves no process behind.
. "$(dirname "$0")/lib.sh"

sleep 100 </dev/null >/dev/null 2>&1 &
pid=$!
pids="$pid"
mkdir -p "$work/img"
timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" --leave-running --log-file "$work/log" ||
	fail "lmig dump --leave-running failed"
before=$(ls /proc | grep -c '^[0-9]')
timeout 60 "$LMIG" restore -D "$work/img" 2>"$work/err"
rc=$?
[ $rc = 1 ] || fail "restore onto a busy pid exited $rc, want 1"
grep -q "pid $pid is in use by 'sleep'" "$work/err" ||
	fail "the error does not name the pid and its holder: $(cat "$work/err")"
[ "$(wc -l < "$work/err")" = 1 ] || fail "more than one error line: $(cat "$work/err")"
kill -0 "$pid" || fail "the original process is gone"
echo "PASS $name"
