#!/bin/sh
# The echo server migrates between two test hosts with its connections:
# it listens on the service address 198.18.0.10 in host A; ten clients in
# host B stream through it; it is dumped in A (--tcp-established) and its
# images restored in host B, in a pid namespace of B's own (so its pid is
# free there). Action scripts move the service address at the switchover:
# removed from A at post-dump, added to B at B's network-lock. Every byte
# comes back once and in order, no client sees a reset, and the restored
# listener takes a new connection in B.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init two-hosts
. "$top_srcdir/tests/lib/hosts.sh"
. "$top_srcdir/tests/lib/pidns.sh"
command -v unshare >/dev/null || { echo "SKIP: no unshare (util-linux)"; exit 77; }
[ -x "$top_builddir/tests/lib/pidns-init" ] || { echo "SKIP: tests/lib/pidns-init not built"; exit 77; }
hosts_up || exit 77
trap 'hosts_down; sk_cleanup' EXIT
SVC=198.18.0.10

host_exec A ip addr add "$SVC/24" dev "lm$$a" || sk_fail "cannot add $SVC to host A"
# The dump's script runs in A, the restore's in B (both also see network-lock).
echo "[ \$LMIG_SCRIPT_STAGE != post-dump ] || ip addr del $SVC/24 dev lm$$a" >"$work/leave-a.sh"
echo "[ \$LMIG_SCRIPT_STAGE != network-lock ] || ip addr add $SVC/32 dev lo" >"$work/enter-b.sh"

rm -f "$work/ready"
host_spawn A "$work/server.log" "$sk_bin/echo-server" "$SVC" "$port" "$work/ready"
server=$HOSTS_LAST_PID
sk_wait_file "$work/ready" 10 || sk_fail "the echo server did not start in host A"
for i in $(seq 1 10); do
	host_spawn B "$work/client$i.out" "$sk_bin/echo-client" "$SVC" "$port" "$i" 6000000 --rate 1500
	clients="$clients $HOSTS_LAST_PID"
done
sleep 1

host_exec A timeout 60 "$LMIG" dump -v --log-file "$work/dump.log" --pid "$server" \
	-D "$work/img" --tcp-established --action-script "sh $work/leave-a.sh" || sk_fail "dump in host A failed"
wait "$server" 2>/dev/null
host_exec A ip -o addr show | grep -q "$SVC" && sk_fail "$SVC is still in host A"

sk_restore_in_b "sh $work/enter-b.sh"

sk_wait_clients 90 || sk_fail "a client failed"
[ "$(cat "$work"/client*.out | grep -c '^ok ')" -eq 10 ] || sk_fail "not all ten clients passed"
host_exec B timeout 30 "$sk_bin/echo-client" "$SVC" "$port" 11 1000000 --timeout 20 \
	>"$work/client11.out" 2>&1 || sk_fail "the restored listener in host B takes no new connection"
echo "PASS two-hosts: 10 clients kept their connections while the server moved from host A to B (pid $server, host pid $hp in B)"
exit 0
