#!/bin/sh
# A half-closed connection: the client sends 64 KiB and shuts down its
# side at once; the server reads slowly, so at the dump its socket is in
# CLOSE_WAIT with the client's data and FIN still queued. After restore
# the server reads the rest, echoes all of it and closes: the client gets
# every byte, then EOF.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init halfclose

sk_server 127.0.0.1 "$port" --slow
sk_clients 1 127.0.0.1 "$port" 65536 --half-close
sleep 0.5
sk_dump_restore
grep -q "tcp 127.0.0.1:$port <-> .*: state 8, .* [1-9][0-9]* to read" "$work/dump.log" ||
	sk_fail "the connection was not in CLOSE_WAIT with data to read at the dump"
sk_wait_clients 30 || sk_fail "the client failed"
echo "PASS halfclose: CLOSE_WAIT with unread data and FIN survives dump, kill and restore"
exit 0
