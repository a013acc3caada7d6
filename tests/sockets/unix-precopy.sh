#!/bin/bash
# unix-python.py --thread (python3: a socketpair between two threads pumped
# without pause, a listening control socket and a bound datagram socket)
# live-migrated by lmig precopy to a page server in its own pid namespace:
# at the destination the pump goes on with no wrong answer, the worker
# thread's datagrams arrive, the control socket accepts, and the program
# ends cleanly when told to.
. "$(dirname "$0")/../precopy/lib.sh"
need_pidns
command -v python3 >/dev/null || skip "no python3"
start_pageserver

status() {
	timeout 10 python3 "$(dirname "$0")/unix-python.py" "$work" --ask "${1:-status}"
}
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

python3 "$(dirname "$0")/unix-python.py" "$work" --thread </dev/null >"$work/out" 2>&1 &
pid=$!
pids="$pids $pid"
wait_for_ready() { local t=0; while [ ! -e "$work/ready" ] && [ $t -lt 200 ]; do sleep 0.1; t=$((t + 1)); done; [ -e "$work/ready" ]; }
wait_for_ready || fail "the program did not start"
sleep 0.5
s1=$(status) || fail "no status before the migration"

precopy "$pid" || fail "lmig precopy failed: $(tail -n 3 "$work/precopy.err")"
wait "$pid" 2>/dev/null
wait_gone "$pid" 10 || fail "the source pid $pid still runs after the migration"
hp=$(restored_pid "$pid") || fail "pid $pid does not run in the destination's namespace"
sleep 1
s2=$(status) || fail "the control socket does not answer after the migration"
sleep 1
s3=$(status) || fail "the control socket does not answer a second time"
echo "before: $s1; after: $s2; then: $s3"
[ "$(field "$s3" errors)" -eq 0 ] || fail "wrong answers through the pair: $s3"
[ "$(field "$s2" count)" -ge "$(field "$s1" count)" ] || fail "the count went back: $s1 -> $s2"
[ "$(field "$s3" count)" -gt "$(field "$s2" count)" ] || fail "the pump stopped after the migration: $s2 -> $s3"
[ "$(field "$s3" logs)" -gt "$(field "$s2" logs)" ] || fail "no datagram from the worker after the migration: $s2 -> $s3"
status quit >/dev/null
t=0
while [ -d "/proc/$hp" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
[ -d "/proc/$hp" ] && fail "the program did not end when told to"
[ ! -e "$work/ctl.sock" ] || fail "the program did not clean up (it ended badly)"
echo "PASS $name"
