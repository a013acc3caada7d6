# Shared by the socket tests (sourced): an echo server that is dumped and
# restored, clients that are not, bounded waits, cleanup by pid.
#
#   . "$top_srcdir/tests/sockets/lib.sh"
#   sk_init NAME             re-runs the test under tests/cr/subreaper (so that
#                            the restored server is our child), makes $work
#   sk_server ADDR PORT [OPTS]  echo-server in the background: $server
#   sk_clients N ADDR PORT BYTES [OPTS]   N clients (ids 1..N): $clients
#   sk_wait_clients SECS     0 when every client exited 0 ("ok" lines)
#   sk_dump ARGS... / sk_restore ARGS...   lmig with a log in $work
#   sk_wait_recvq N SSOPTS [HOST]  the Recv-Q column of `ss -SSOPTS` for $port
#                            (in test host HOST) adds up to N within 10 s: ltn,
#                            connections the listener has not accepted; tn, bytes
#                            its connections hold unread (a FIN counts one)
#   sk_restore_in_b SCRIPT   (with tests/lib/hosts.sh and pidns.sh) restore
#                            $work/img in host B in a pid namespace of its own,
#                            with action script SCRIPT; sets $hp, the host pid
#                            of the restored $server
#   sk_fail MSG              print MSG, the logs, exit 1
# SK_KEEP=1 in the environment keeps $work for a look afterwards.
set -u
LMIG=${LMIG:?LMIG must name the lmig binary}
sk_bin=$top_builddir/tests/sockets
server= clients= started=

sk_cleanup() {
	for p in $server $clients $started; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $server $clients $started; do
		wait "$p" 2>/dev/null
	done
	[ -n "${SK_KEEP:-}" ] || rm -rf "$work"
}

sk_init() {
	if [ -z "${LMIG_SK_REAPED:-}" ]; then
		LMIG_SK_REAPED=1 exec "$top_builddir/tests/cr/subreaper" /bin/sh "$0" "$@"
	fi
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (TCP_REPAIR, nftables)"; exit 77; }
	name=$1
	work=$(mktemp -d "/tmp/lmig-sk-$name.XXXXXX")
	trap sk_cleanup EXIT
	trap 'exit 130' INT TERM
	# A port of our own: concurrent runs must not meet.
	port=$((20000 + $$ % 20000))
}

sk_fail() {
	echo "FAIL $name: $*"
	for f in "$work"/*.log "$work"/client*.out; do
		[ -f "$f" ] && tail -n 15 "$f" | sed "s|^|  $(basename "$f"): |"
	done
	exit 1
}

# wait_for FILE SECS
sk_wait_file() {
	t=0
	while [ ! -e "$1" ]; do
		[ "$t" -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# sk_gone PID SECS: the pid no longer exists (reaped).
sk_gone() {
	t=0
	while [ -d "/proc/$1" ]; do
		[ "$t" -ge $(($2 * 20)) ] && return 1
		sleep 0.05
		t=$((t + 1))
	done
}

sk_server() {
	rm -f "$work/ready"
	a=$1 p=$2
	shift 2
	"$sk_bin/echo-server" "$a" "$p" "$work/ready" "$@" </dev/null >"$work/server.log" 2>&1 &
	server=$!
	sk_wait_file "$work/ready" 10 || sk_fail "the echo server did not start"
}

sk_clients() {
	n=$1 addr=$2 p=$3 bytes=$4
	shift 4
	for i in $(seq 1 "$n"); do
		"$sk_bin/echo-client" "$addr" "$p" "$i" "$bytes" "$@" >"$work/client$i.out" 2>&1 &
		clients="$clients $!"
	done
}

# Every client within SECS; each must exit 0.
sk_wait_clients() {
	end=$(($(date +%s) + $1)) rc=0
	for p in $clients; do
		while kill -0 "$p" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" || rc=1
	done
	clients=
	return $rc
}

sk_dump() {
	timeout 60 "$LMIG" dump -v --log-file "$work/dump.log" "$@"
}

sk_restore() {
	timeout 60 "$LMIG" restore -v --log-file "$work/restore.log" "$@"
}

# The server is dumped (and killed), its pid freed, then restored.
sk_dump_restore() {
	sk_dump --pid "$server" -D "$work/img" --tcp-established "$@" || sk_fail "dump failed"
	wait "$server" 2>/dev/null
	sk_gone "$server" 10 || sk_fail "pid $server still exists after the dump"
	sk_restore -D "$work/img" --detach || sk_fail "restore failed"
	kill -0 "$server" 2>/dev/null || sk_fail "restored pid $server does not exist"
}

sk_restore_in_b() {
	host_spawn B "$work/restore.out" unshare --pid --fork --mount-proc \
		"$top_builddir/tests/lib/pidns-init" "$LMIG" restore -v --log-file "$work/restore.log" \
		-D "$work/img" --detach --action-script "$1"
	ns_unshare=$HOSTS_LAST_PID
	t=0
	until grep -q "network unlocked" "$work/restore.log" 2>/dev/null; do
		t=$((t + 1))
		[ $t -ge 300 ] && sk_fail "no restore in host B within 30 s"
		grep -q "error" "$work/restore.log" 2>/dev/null && sk_fail "restore in host B failed"
		sleep 0.1
	done
	ns_init=$(cut -d' ' -f1 "/proc/$ns_unshare/task/$ns_unshare/children")
	hp=$(pidns_host_pid "$ns_init" "$server") || sk_fail "pid $server does not run in host B"
	started=$ns_init
}

sk_wait_recvq() {
	t=0
	while :; do
		if [ -n "${3:-}" ]; then
			q=$(host_exec "$3" ss -H"$2" "sport = :$port" | awk '{ n += $2 } END { print n + 0 }')
		else
			q=$(ss -H"$2" "sport = :$port" | awk '{ n += $2 } END { print n + 0 }')
		fi
		[ "$q" = "$1" ] && return 0
		[ $t -ge 100 ] && sk_fail "ss -$2 shows $q in the Recv-Q column for port $port, not $1"
		sleep 0.1
		t=$((t + 1))
	done
}
