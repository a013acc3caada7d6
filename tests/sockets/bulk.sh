#!/bin/sh
# A large transfer over IPv6, caught with full queues both ways: two
# clients send 48 MiB each but read nothing for the first 3 s, so that at
# the dump the server's sockets hold megabytes it has not read and
# megabytes the clients have not acknowledged (and its own buffers are
# full). After restore every byte still comes back once, in order.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init bulk

sk_server ::1 "$port"
sk_clients 2 ::1 "$port" 50331648 --pause-read 3000
sleep 1.5
sk_dump_restore
# At least one socket had over 1 MiB in a queue.
big=$(sed -n 's/.*state 1, \([0-9]*\) bytes to send.* \([0-9]*\) to read$/\1 \2/p' "$work/dump.log" |
	awk '$1 > 1048576 || $2 > 1048576' | wc -l)
[ "$big" -ge 1 ] || sk_fail "no queue held over 1 MiB at the dump"
sk_wait_clients 120 || sk_fail "a client failed"
echo "PASS bulk: 2 x 48 MiB over IPv6 with full queues at the dump ($big sockets over 1 MiB)"
exit 0
