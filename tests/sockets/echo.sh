#!/bin/sh
# Ten clients (separate processes, never dumped) stream through an echo
# server while it is dumped, killed and restored on one host: every byte
# comes back once and in order, no client sees a reset, and the restored
# listening socket takes a new connection. First, a dump without
# --tcp-established is refused with one line naming the connections and
# the server runs on unharmed.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init echo

sk_server 127.0.0.1 "$port"
sk_clients 10 127.0.0.1 "$port" 6000000 --rate 1500
sleep 1

sk_dump --pid "$server" -D "$work/img0"
rc=$?
[ $rc -eq 3 ] || sk_fail "a dump without --tcp-established gave $rc, not 3 (unsupported)"
grep -q "10 established TCP connections (fd [0-9]* tcp 127.0.0.1:$port <-> 127.0.0.1:" \
	"$work/dump.log" || sk_fail "the refusal does not name the connections"
kill -0 "$server" 2>/dev/null || sk_fail "the server died after a refused dump"
[ -e "$work/img0/inventory.img" ] && sk_fail "a refused dump left inventory.img"

sleep 0.5
sk_dump_restore
grep -q "fd [0-9]*: tcp 127.0.0.1:$port <-> .*state 1" "$work/dump.log" ||
	sk_fail "the dump log names no dumped connection"
sk_wait_clients 90 || sk_fail "a client failed"
[ "$(cat "$work"/client*.out | grep -c '^ok ')" -eq 10 ] || sk_fail "not all ten clients passed"

clients=
"$sk_bin/echo-client" 127.0.0.1 "$port" 11 1000000 --timeout 20 >"$work/client11.out" 2>&1 ||
	sk_fail "the restored listener does not take a new connection"
echo "PASS echo: 10 clients through dump, kill and restore; new connection after"
exit 0
