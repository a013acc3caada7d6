#!/bin/bash
# A process tree, live-migrated: the issue's shell looper, which forks a
# sleep every tenth of a second, with a subshell child that has a child of
# its own. The root is pre-copied; its descendants are sent whole once the
# tree is frozen. At the destination the count goes on without a gap, and
# the subshell and its child run there with their pids and parents.
. "$(dirname "$0")/lib.sh"
need_pidns
start_pageserver

sh -c '(while :; do sleep 1; done) & echo $! > "$1"; i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done' \
	looper "$work/sub.pid" >"$work/out" 2>&1 </dev/null &
pid=$!
pids="$pids $pid"
wait_for "$work/out" '^5$' 10 || fail "the loop did not count to 5 within 10 s"
sub=$(cat "$work/sub.pid")
pids="$pids $sub"

precopy "$pid" --max-downtime 20 || fail "lmig precopy failed: $(tail -n 3 "$work/precopy.err")"
{ wait "$pid"; } 2>/dev/null
wait_gone "$pid" 10 || fail "the source pid $pid still runs after the migration"
kill -0 "$sub" 2>/dev/null && fail "the subshell $sub still runs in the source"
last=$(tail -n 1 "$work/out")
hp=$(restored_pid "$pid") || fail "pid $pid does not run in the destination's namespace"
hs=$(restored_pid "$sub") || fail "the subshell (pid $sub) does not run in the destination's namespace"
[ "$(awk '/^PPid:/ { print $2 }' "/proc/$hs/status")" = "$hp" ] ||
	fail "the subshell's parent is not the restored looper"
wait_for "$work/out" "^$((last + 5))\$" 10 || fail "the loop did not go on after $last"
kill -9 "$hp" "$hs"
awk 'NR - 1 != $0 { print "line " NR " is \"" $0 "\""; bad = 1; exit } END { exit bad }' \
	"$work/out" > "$work/check" || fail "the count is broken: $(cat "$work/check")"
echo "PASS $name (counted on from $last; $(grep -ho 'pid [0-9]* ([0-9]* process(es)) migrated' "$work/precopy.log" | head -n 1))"
