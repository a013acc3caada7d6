#!/bin/bash
# A real shell loop, live-migrated: its count goes on at the destination
# without a gap or a restart from 0.
. "$(dirname "$0")/lib.sh"
need_pidns
start_pageserver

sh -c 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done' >"$work/out" 2>&1 </dev/null &
pid=$!
pids="$pids $pid"
wait_for "$work/out" '^5$' 10 || fail "the loop did not count to 5 within 10 s"

precopy "$pid" || fail "lmig precopy failed: $(tail -n 3 "$work/precopy.err")"
wait "$pid" 2>/dev/null
wait_gone "$pid" 10 || fail "the source pid $pid still runs after the migration"
last=$(tail -n 1 "$work/out")
hp=$(restored_pid "$pid") || fail "pid $pid does not run in the destination's namespace"
wait_for "$work/out" "^$((last + 5))\$" 10 || fail "the loop did not go on after $last"
kill -9 "$hp"
awk 'NR - 1 != $0 { print "line " NR " is \"" $0 "\""; bad = 1; exit } END { exit bad }' \
	"$work/out" > "$work/check" || fail "the count is broken: $(cat "$work/check")"
echo "PASS $name (counted on from $last)"
