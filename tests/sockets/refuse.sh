#!/bin/sh
# What lmig refuses to dump, in one line, leaving the process running and
# the network unlocked: without --tcp-established, a listening socket
# with connections the kernel accepted but the process did not (named,
# with their count; tests/sockets/acceptq.sh takes them with the option).
. "$top_srcdir/tests/sockets/lib.sh"
sk_init refuse
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
open(sys.argv[2], "w").write("READY\n")
time.sleep(120)
' "$port" "$work/ready" </dev/null >"$work/server.log" 2>&1 &
server=$!
sk_wait_file "$work/ready" 10 || sk_fail "the listener did not start"
python3 -c '
import socket, sys, time
c = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for i in range(2)]
open(sys.argv[2], "w").write("CONNECTED\n")
time.sleep(120)
' "$port" "$work/connected" </dev/null >"$work/clients.log" 2>&1 &
started=$!
sk_wait_file "$work/connected" 10 || sk_fail "the clients did not connect"

sk_dump --pid "$server" -D "$work/img"
rc=$?
[ $rc -eq 3 ] || sk_fail "the dump gave $rc, not 3 (unsupported)"
grep -q "fd [0-9]*: tcp 127.0.0.1:$port (listening) has 2 connections accepted by the kernel but not yet by the process: dump with --tcp-established" \
	"$work/dump.log" || sk_fail "the refusal does not name the listener and the count"
kill -0 "$server" 2>/dev/null || sk_fail "the listener died after a refused dump"
# The lock is gone: a new connection is taken at once.
timeout 5 python3 -c '
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
' "$port" || sk_fail "the listener is still locked after a refused dump"
echo "PASS refuse: a listener with 2 pending connections is refused by name, unlocked, unharmed"
exit 0
