#!/bin/sh
# UDP sockets through dump, kill and restore: the echo server's bound UDP
# socket keeps answering, and its connected one (bound to PORT+1,
# connected to the client's second port) keeps sending from the same
# address and port. Datagrams sent while the server is away may be lost
# (it is UDP); those of the last second must all be answered.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init udp

sk_server 127.0.0.1 "$port" --udp --udp-peer "127.0.0.1:$((port + 2))"
"$sk_bin/udp-client" 127.0.0.1 "$port" $((port + 2)) 6 >"$work/client1.out" 2>&1 &
clients=$!
sleep 1
sk_dump_restore
sk_wait_clients 20 || sk_fail "the UDP client saw its datagrams unanswered after the restore"
cat "$work/client1.out"
echo "PASS udp: bound and connected UDP sockets answer after dump, kill and restore"
exit 0
