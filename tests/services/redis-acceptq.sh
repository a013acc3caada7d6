#!/bin/sh
# Redis with clients waiting in its accept queue moves between two test
# hosts. redis-server runs in host A on the service address; a client in
# host B sends DEBUG SLEEP 3, which blocks Redis's event loop, and three
# more clients connect meanwhile and send a SET each: the kernel accepts
# their connections, Redis does not (yet). Redis is dumped in A
# (--tcp-established) while it sleeps and restored in B. When the sleep
# ends there, Redis accepts the three queued clients and answers each of
# them; their keys are in, and a new client is served.
. "$top_srcdir/tests/services/lib.sh"
svc_init redis-acceptq
svc_need redis-server "Debian package redis-server"
svc_need redis-cli "Debian package redis-tools"
"$LMIG" check 2>&1 | grep -q "^accept-queue *yes" ||
	svc_skip "lmig check: this kernel cannot refill accept queues"
svc_hosts

svc_spawn A "$work/redis.log" redis-server --bind "$SVC" --port "$port" --save "" --appendonly no \
	--enable-debug-command yes --protected-mode no --daemonize no
server=$HOSTS_LAST_PID
t=0
until host_exec B redis-cli -h "$SVC" -p "$port" PING 2>/dev/null | grep -q PONG; do
	t=$((t + 1))
	[ $t -ge 100 ] && svc_fail "redis-server did not answer in host A"
	sleep 0.1
done

# queued N: the listener in host A holds N connections Redis has not accepted.
queued() {
	t=0
	until [ "$(host_exec A ss -Hltn "sport = :$port" | awk '{ print $2 }')" = "$1" ]; do
		t=$((t + 1))
		[ $t -ge 50 ] && svc_fail "the accept queue in host A does not reach $1"
		sleep 0.1
	done
}

svc_spawn B "$work/sleep.out" redis-cli -h "$SVC" -p "$port" DEBUG SLEEP 3
sleeper=$HOSTS_LAST_PID
sleep 0.3
clients=
for i in 1 2 3; do
	svc_spawn B "$work/set$i.out" redis-cli -h "$SVC" -p "$port" SET "queued$i" "value$i"
	clients="$clients $HOSTS_LAST_PID"
	queued $i
done
svc_dump_restore "$server"
grep -q "3 connections back in the accept queue" "$work/restore.log" ||
	svc_fail "the restore did not refill Redis's accept queue"

host_wait "$sleeper" 30 || svc_fail "DEBUG SLEEP got no answer: $(cat "$work/sleep.out")"
grep -q OK "$work/sleep.out" || svc_fail "DEBUG SLEEP answered $(cat "$work/sleep.out")"
for p in $clients; do
	host_wait "$p" 30 || svc_fail "a queued client got no answer"
done
for i in 1 2 3; do
	grep -q OK "$work/set$i.out" || svc_fail "queued client $i got $(cat "$work/set$i.out")"
	[ "$(host_exec B redis-cli -h "$SVC" -p "$port" GET "queued$i")" = "value$i" ] ||
		svc_fail "key queued$i is not value$i after the move"
done
echo "PASS $name: Redis moved to host B with 3 clients in its accept queue; each was answered there (host pid $restored)"
exit 0
