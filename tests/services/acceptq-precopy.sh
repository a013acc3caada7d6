#!/bin/sh
# A listener's accept queue through live migration between two test hosts:
# the accept-queue server (tests/sockets/acceptq.py) listens in host A on
# the service address and accepts nothing until told; four clients in
# host B connect and send their requests (one 64 KiB, one then shuts down
# its side). lmig precopy --tcp-established moves the server to a page
# server in host B; told to go, it accepts all four there in their order
# and each client gets the digest of its request; a new client is served.
. "$top_srcdir/tests/services/lib.sh"
svc_init acceptq-precopy
py=$top_srcdir/tests/sockets/acceptq.py
"$LMIG" check 2>&1 | grep -q "^accept-queue *yes" ||
	svc_skip "lmig check: this kernel cannot refill accept queues"
svc_hosts

# wait_ss N OPTS: the sum of ss OPTS's Recv-Q column for port in host A
# (a listener's: connections not yet accepted; connections': unread bytes) is N.
wait_ss() {
	t=0
	until [ "$(host_exec A ss -H"$2" "sport = :$port" | awk '{ n += $2 } END { print n + 0 }')" = "$1" ]; do
		t=$((t + 1))
		[ $t -ge 100 ] && svc_fail "ss -$2 in host A does not reach $1 for port $port"
		sleep 0.1
	done
}

svc_spawn A "$work/server.out" python3 "$py" server "$SVC" "$port" "$work/ready" "$work/go" \
	"$work/server.log"
server=$HOSTS_LAST_PID
svc_wait_file "$work/ready" 10 || svc_fail "the server did not start"
i=0 clients=
for len in 100 3000 65536 "5000 --half-close"; do
	i=$((i + 1))
	# shellcheck disable=SC2086 # len carries the option
	svc_spawn B "$work/client$i.out" python3 "$py" client "$SVC" "$port" $len
	clients="$clients $HOSTS_LAST_PID"
	wait_ss $i ltn
done
wait_ss $((100 + 3000 + 65536 + 5000 + 1)) tn	# every request, and the FIN

svc_precopy "$server"
[ "$(grep -c 'from its accept queue' "$work/precopy.log")" -eq 4 ] ||
	svc_fail "precopy did not take the four queued connections"
grep -q "4 connections back in the accept queue" "$work/ps.log" ||
	svc_fail "the page server's restore did not refill the accept queue"

touch "$work/go"
for p in $clients; do
	host_wait "$p" 60 || svc_fail "a queued client did not get its answer"
done
order=$(awk '{ print $2 }' "$work/server.log" | tr '\n' ' ')
want=$(for i in 1 2 3 4; do awk '/^port/ { print $2 }' "$work/client$i.out"; done | tr '\n' ' ')
[ "$order" = "$want" ] || svc_fail "accepted in the order $order, connected in the order $want"
host_exec B timeout 30 python3 "$py" client "$SVC" "$port" 2000 >"$work/client5.out" 2>&1 ||
	svc_fail "the migrated listener does not serve a new client in host B"
echo "PASS $name: 4 queued connections moved live from host A to B in their order (host pid $restored in B)"
exit 0
