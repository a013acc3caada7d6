#!/bin/sh
# Redis moves between two test hosts under a continuous write load and
# loses nothing. redis-server (persistence off) runs in host A on the
# service address with SVC_REDIS_KEYS keys from DEBUG POPULATE (about
# 250 MiB by default); a reference redis-server in host B, never moved,
# gets the same keys. resp-writer.py in host B writes without pause on ONE
# connection, applying each acknowledged write to the reference too. The
# server is dumped in A and restored in B (redis-precopy.sh: migrated
# live with lmig precopy). Then, after the writer stops: every
# acknowledged write is there and nothing more, DEBUG DIGEST equals the
# reference's (the whole data set is the same as if it had never moved),
# the writer kept its connection (same CLIENT ID, never reopened) and a
# new client connects.
. "$top_srcdir/tests/services/lib.sh"
svc_init "${SVC_NAME:-$(basename "$0" .sh)}"
svc_need redis-server "Debian package redis-server"
svc_need redis-cli "Debian package redis-tools"
svc_hosts
keys=${SVC_REDIS_KEYS:-800000}
vsize=${SVC_REDIS_VALUE_SIZE:-200}

svc_spawn A "$work/redis.log" redis-server --bind "$SVC" --port "$port" --save "" --appendonly no \
	--enable-debug-command yes --protected-mode no --daemonize no
server=$HOSTS_LAST_PID
svc_spawn B "$work/ref.log" redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
	--enable-debug-command yes --daemonize no
for h in "A $SVC" "B 127.0.0.1"; do
	set -- $h
	t=0
	until host_exec "$1" redis-cli -h "$2" -p "$port" PING 2>/dev/null | grep -q PONG; do
		t=$((t + 1))
		[ $t -ge 100 ] && svc_fail "redis-server did not answer in host $1"
		sleep 0.1
	done
	host_exec "$1" redis-cli -h "$2" -p "$port" DEBUG POPULATE "$keys" key "$vsize" >/dev/null ||
		svc_fail "DEBUG POPULATE failed in host $1"
done
echo "redis-server pid $server in host A: $keys keys, RSS $(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$server/status") MiB"

svc_spawn B "$work/writer.err" python3 "$svc_bin/resp-writer.py" --host "$SVC" --port "$port" \
	--ref-host 127.0.0.1 --ref-port "$port" --summary "$work/writer.json" --ready "$work/writer.ready"
writer=$HOSTS_LAST_PID
svc_wait_file "$work/writer.ready" 30 || svc_fail "the writer did not start: $(cat "$work/writer.err")"
sleep 1
svc_try_dump "$server"
sleep 1
if [ "${SVC_MODE:-dump}" = precopy ]; then
	svc_precopy "$server"
else
	svc_dump_restore "$server"
fi
wait "$server" 2>/dev/null
host_exec A ip -o addr show | grep -q "$SVC" && svc_fail "$SVC is still in host A"
echo "redis-server runs in host B (host pid $restored)"
sleep 2
kill -TERM "$writer"
host_wait "$writer" 60
rc=$?
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("writer: %d writes acknowledged, longest wait for one reply %s ms (at %s s)" % (s["acked"], s.get("max_reply_ms"), s.get("max_reply_at_s")))' \
	"$work/writer.json" 2>/dev/null
host_exec B python3 "$svc_bin/redis-check.py" --host "$SVC" --port "$port" --summary "$work/writer.json" \
	--populated "$keys" --ref-host 127.0.0.1 --ref-port "$port" >"$work/check.out" 2>&1
crc=$?
cat "$work/check.out"
[ $rc -eq 0 ] && [ $crc -eq 0 ] || svc_fail "state lost or connection broken (writer exit $rc)"
echo "PASS $name: redis moved from host A to B under writes; every acknowledged write there, digest equal"
exit 0
