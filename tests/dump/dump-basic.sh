#!/bin/bash
# lmig dump --leave-running of tests/dump/target: the images hold what
# the target built (check-images), and the target runs on unchanged.
# Then a dump without --leave-running: the target is killed.
set -u
. "${top_srcdir:?}/tests/dump/lib.sh"

mkdir -p "$work/t"
"$bin/target" "$work/t" </dev/null >/dev/null 2>&1 &
pid=$!
pids="$pid"
wait_file "$work/t/info" 10 || fail "target did not get ready"

timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" --leave-running \
	--log-file "$work/log" || fail "dump --leave-running failed"
running_untraced "$pid" || fail "target not running untraced after the dump"
"$bin/check-images" "$work/img" "$work/t/info" || fail "images do not match the target"
timeout 30 "$LMIG" show -D "$work/img" --json >"$work/show.json" || fail "lmig show cannot read the images"
grep -q '"PE_ZERO"\|"flags": *1' "$work/show.json" || echo "note: show --json does not name PE_ZERO"

kill -USR1 "$pid"
wait_grep "$work/t/result" '^(PASS|FAIL)' 10 || fail "no verdict from the target"
grep -q '^PASS' "$work/t/result" || fail "target: $(cat "$work/t/result")"
wait "$pid"
echo "PASS dump --leave-running"

# Without --leave-running the dumped process is killed.
rm -rf "$work/t" "$work/img"
mkdir -p "$work/t"
"$bin/target" "$work/t" </dev/null >/dev/null 2>&1 &
pid=$!
pids="$pid"
wait_file "$work/t/info" 10 || fail "target did not get ready"
timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" --log-file "$work/log" || fail "dump failed"
"$bin/check-images" "$work/img" "$work/t/info" || fail "images do not match the target"
timeout 10 tail --pid="$pid" -f /dev/null || fail "target still alive after the dump"
wait "$pid"
rc=$?
[ $rc = 137 ] || fail "target ended with status $rc, not by SIGKILL"
pids=
echo "PASS dump (kill)"
exit 0
