#!/bin/sh
# The harness of the service tests on a server lmig can move today:
# counter-server (tests/services/counter-server.c, one thread, poll) on
# the service address in host A, http-counter.py in host B with three
# keep-alive connections and two clients that open a new connection for
# every request, so that connections are being made while the server is
# frozen (a handshake under way, a connection in the accept queue, a SYN
# held back by the network lock); dumped in A, restored in B with
# --new-pidns (counter-precopy.sh: by lmig precopy); the counter goes on
# without a gap or a repeat, no request fails, the keep-alive connections
# are kept, and a new connection is served in B.
. "$top_srcdir/tests/services/lib.sh"
svc_init "${SVC_NAME:-$(basename "$0" .sh)}"
svc_need curl "Debian package curl"
srv=$top_builddir/tests/services/counter-server
[ -x "$srv" ] || svc_skip "tests/services/counter-server is not built"
svc_hosts
svc_spawn A "$work/server.log" "$srv" "$SVC" "$port" "$work/ready"
server=$HOSTS_LAST_PID
svc_wait_file "$work/ready" 10 || svc_fail "counter-server did not start in host A"
svc_spawn B "$work/client.err" python3 "$svc_bin/http-counter.py" --host "$SVC" --port "$port" \
	--path / --keepalive 3 --fresh 2 --interval-ms 1 --out "$work/client.json" --ready "$work/client.ready"
client=$HOSTS_LAST_PID
svc_wait_file "$work/client.ready" 30 || svc_fail "the client did not start"
sleep 1
svc_counter_move counter-server "$server" "$client" /
echo "PASS $name: counter-server moved from host A to B under load; no gap, no repeat, no failed request"
exit 0
