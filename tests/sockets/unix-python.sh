#!/bin/sh
# A real program on unix sockets (unix-python.py: python3, a worker process
# forked by multiprocessing, a socketpair between them pumped by a thread
# without pause, a listening control socket and a bound datagram socket)
# dumped, killed and restored: afterwards the pump goes on with no wrong
# answer, the worker's datagrams still arrive, the control socket accepts,
# and both processes end cleanly when told to.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init unix-python
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

# status: "count N errors E logs L" from the control socket.
status() {
	timeout 10 python3 "$top_srcdir/tests/sockets/unix-python.py" "$work" --ask "${1:-status}"
}
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

python3 "$top_srcdir/tests/sockets/unix-python.py" "$work" </dev/null >"$work/python.log" 2>&1 &
server=$!
sk_wait_file "$work/ready" 20 || sk_fail "the program did not start"
sleep 0.5
s1=$(status) || sk_fail "no status before the dump"
worker=$(cat /proc/$server/task/*/children | tr -s ' ' '\n' | grep . | head -n 1)
[ -n "$worker" ] || sk_fail "no worker process"
clients=$worker		# killed by sk_cleanup if we fail: it holds both ends of its pipe
[ "$(field "$s1" count)" -gt 0 ] || sk_fail "the pump does not run: $s1"

sk_dump --pid "$server" -D "$work/img" || sk_fail "dump failed"
wait "$server" 2>/dev/null
sk_gone "$server" 10 || sk_fail "pid $server still exists after the dump"
sk_gone "$worker" 10 || sk_fail "the worker $worker still exists after the dump"
sk_restore -D "$work/img" --detach || sk_fail "restore failed"
kill -0 "$server" 2>/dev/null || sk_fail "restored pid $server does not exist"
kill -0 "$worker" 2>/dev/null || sk_fail "the worker $worker was not restored"
sleep 1
s2=$(status) || sk_fail "the control socket does not answer after the restore"
sleep 1
s3=$(status) || sk_fail "the control socket does not answer a second time"
echo "before: $s1; after: $s2; then: $s3"
[ "$(field "$s3" errors)" -eq 0 ] || sk_fail "wrong answers through the pair: $s3"
[ "$(field "$s2" count)" -ge "$(field "$s1" count)" ] || sk_fail "the count went back: $s1 -> $s2"
[ "$(field "$s3" count)" -gt "$(field "$s2" count)" ] || sk_fail "the pump stopped after the restore: $s2 -> $s3"
[ "$(field "$s3" logs)" -gt "$(field "$s2" logs)" ] || sk_fail "no datagram from the worker after the restore: $s2 -> $s3"
status quit >/dev/null
sk_gone "$server" 10 || sk_fail "the program did not end when told to"
sk_gone "$worker" 10 || sk_fail "the worker did not end"
server= clients=
[ ! -e "$work/ctl.sock" ] || sk_fail "the program did not clean up (it ended badly)"
echo "PASS unix-python: python3 and its multiprocessing worker over a socketpair, a control socket and a datagram socket, through dump, kill and restore"
exit 0
