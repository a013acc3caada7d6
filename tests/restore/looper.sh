#!/bin/bash
# A real shell loop keeps counting after restore: the counter lives in
# dash's memory, and its output file goes on at the right position.
. "$(dirname "$0")/lib.sh"

sh -c 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done' \
	>"$work/out" 2>&1 </dev/null &
pid=$!
pids="$pid"
wait_for "$work/out" '^5$' 10 || fail "the loop did not count to 5 within 10 s"

dump_kill "$pid"
last=$(tail -n 1 "$work/out")
restore_detach "$pid"
wait_for "$work/out" "^$((last + 5))\$" 10 || fail "the loop did not go on after $last"
kill -9 "$pid"
# 0, 1, 2, ... without a gap or a restart from 0.
awk 'NR - 1 != $0 { print "line " NR " is \"" $0 "\""; bad = 1; exit } END { exit bad }' \
	"$work/out" > "$work/check" || fail "the count is broken: $(cat "$work/check")"
echo "PASS $name (counted on from $last)"
