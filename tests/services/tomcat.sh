#!/bin/sh
# A Java application server moves between two test hosts under load and
# its state goes on. A private Tomcat 10 instance (Debian's tomcat10-user,
# `catalina.sh run`) in host A serves /counter (bench/services/CounterServlet.java: each
# request answers the next number); http-counter.py in host B sends
# requests without pause on three keep-alive connections, and one more
# client opens a new connection for each request (connections being made
# while Tomcat is frozen: see counter.sh). Tomcat is dumped in A and
# restored in B (own pid namespace; tomcat-precopy.sh: moved live with
# lmig precopy); then the numbers all clients received are one run with
# no gap and no repeat, no request failed, the keep-alive clients kept
# their connections, and a new connection is served. The JVM keeps its
# default perf data, a shared mapping of /tmp/hsperfdata_root/PID: lmig
# carries its pages (a real destination host has no such file).
. "$top_srcdir/tests/services/lib.sh"
svc_init "${SVC_NAME:-$(basename "$0" .sh)}"
home=/usr/share/tomcat10
svc_need curl "Debian package curl"
svc_hosts

base=$work/tomcat
sh "$svc_bin/tomcat-instance.sh" "$base" "$port" >"$work/instance.out" 2>&1
case $? in
0) ;;
77) svc_skip "$(cat "$work/instance.out")" ;;
*) svc_fail "cannot make the Tomcat instance: $(cat "$work/instance.out")" ;;
esac
svc_spawn A "$work/tomcat.log" env CATALINA_BASE="$base" CATALINA_TMPDIR="$base/temp" \
	JAVA_OPTS="-Djava.awt.headless=true -Xmx256m ${SVC_JAVA_OPTS:-}" \
	"$home/bin/catalina.sh" run
server=$HOSTS_LAST_PID
t=0
until [ "$(host_exec A curl -s -o /dev/null -w '%{http_code}' "http://$SVC:$port/" 2>/dev/null)" != 000 ]; do
	t=$((t + 1))
	[ $t -ge 120 ] && svc_fail "Tomcat did not answer within 60 s"
	kill -0 "$server" 2>/dev/null || svc_fail "Tomcat exited"
	sleep 0.5
done
echo "Tomcat (java pid $server) serves in host A: $(ls "/proc/$server/task" | wc -l) threads," \
	"RSS $(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$server/status") MiB"

svc_spawn B "$work/client.err" python3 "$svc_bin/http-counter.py" --host "$SVC" --port "$port" \
	--path /counter --keepalive 3 --fresh 1 --out "$work/client.json" --ready "$work/client.ready"
client=$HOSTS_LAST_PID
svc_wait_file "$work/client.ready" 30 || svc_fail "the client did not start"
sleep 1
# A client that ended already (Tomcat closing its connections, e.g. after
# maxKeepAliveRequests) leaves no connection to migrate.
kill -0 "$client" 2>/dev/null || svc_fail "the client ended before the migration:" \
	"$(python3 "$svc_bin/http-counter.py" --check "$work/client.json")"
svc_counter_move Tomcat "$server" "$client" /counter
echo "PASS $name: Tomcat moved from host A to B under load; the counter went on without a gap or a repeat"
exit 0
