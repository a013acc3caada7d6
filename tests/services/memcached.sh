#!/bin/sh
# memcached -t 4 (four worker threads on libevent: epoll, eventfds and
# pipes between its threads) moves from host A to host B with its data.
# It listens on the service address in host A; a client in host B sets
# SVC_MC_KEYS keys and reads them back, and a second client keeps one
# connection open, used before the move and idle during it. memcached is
# dumped in A (killed) and restored in B with --new-pidns and
# --tcp-established. Then: the same number of threads, every key has its
# value on a new connection, new keys can be set and read, "stats" says
# 4 worker threads, and the held connection still answers get and set.
# A dump that lmig refuses is a failure here, not a skip: memcached is
# one of the services lmig is for.
. "$top_srcdir/tests/services/lib.sh"
svc_init "${SVC_NAME:-$(basename "$0" .sh)}"
svc_need memcached "Debian package memcached"
svc_hosts
keys=${SVC_MC_KEYS:-20000}
client=$top_srcdir/tests/services/mc-client.py

svc_spawn A "$work/memcached.log" memcached -t 4 -l "$SVC" -p "$port" -U 0 -u root -m 64 -c 256
server=$HOSTS_LAST_PID
t=0
until host_exec B python3 -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()' \
	"$SVC" "$port" 2>/dev/null; do
	t=$((t + 1))
	[ $t -ge 100 ] && svc_fail "memcached did not answer in host A"
	sleep 0.1
done
host_exec B python3 "$client" fill --host "$SVC" --port "$port" --keys "$keys" >"$work/fill.out" 2>&1 ||
	svc_fail "filling memcached failed: $(cat "$work/fill.out")"
threads=$(ls "/proc/$server/task" | wc -l)
echo "memcached pid $server in host A: $threads threads, $(cat "$work/fill.out")"

svc_spawn B "$work/hold.log" python3 "$client" hold --host "$SVC" --port "$port" --keys "$keys" \
	--ready "$work/hold.ready" --go "$work/hold.go"
holder=$HOSTS_LAST_PID
svc_wait_file "$work/hold.ready" 30 || svc_fail "the holding client did not start: $(cat "$work/hold.log")"

svc_dump_restore "$server"
wait "$server" 2>/dev/null
host_exec A ip -o addr show | grep -q "$SVC" && svc_fail "$SVC is still in host A"
now=$(ls "/proc/$restored/task" | wc -l)
[ "$now" = "$threads" ] || svc_fail "restored with $now threads, not $threads"
echo "memcached runs in host B (host pid $restored), $now threads"

touch "$work/hold.go"
host_wait "$holder" 60
rc=$?
cat "$work/hold.log"
[ $rc -eq 0 ] || svc_fail "the held connection broke (exit $rc)"
host_exec B python3 "$client" check --host "$SVC" --port "$port" --keys "$keys" --threads 4 >"$work/check.out" 2>&1
crc=$?
cat "$work/check.out"
[ $crc -eq 0 ] || svc_fail "memcached lost data or does not answer after the move"
echo "PASS $name: memcached -t 4 moved from host A to B; every key there, new sets answered, the held connection kept"
exit 0
