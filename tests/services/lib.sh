# Shared by the service tests (sourced): real services moved between two
# test hosts (tests/lib/hosts.sh), their clients in host B, the service
# address 198.18.0.10 moved by action scripts at the switchover (removed
# from A at post-dump, added to B's loopback at B's network-lock).
#
#   . "$top_srcdir/tests/services/lib.sh"
#   svc_init NAME              re-run under tests/cr/subreaper, root, $work
#   svc_need CMD WHY           skip (77) unless CMD exists
#   svc_hosts                  two test hosts, SVC on host A
#   svc_try_dump PID           dump --leave-running: skip naming what lmig
#                              refuses (exit 3), fail on other errors
#   svc_dump_restore PID       dump in A (killed), restore in B with
#                              --new-pidns; $restored = its host pid in B
#   svc_precopy PID            the same through lmig pageserver / precopy
#                              --tcp-established (skips naming what is missing)
#   svc_counter_move WHAT PID CLIENT PATH   the counter tests' middle: move PID
#                              (precopy when SVC_MODE=precopy), let the
#                              http-counter.py CLIENT run 2 s more, check its
#                              numbers and a new connection to PATH in host B
#   svc_fail MSG / svc_skip MSG
# SVC_KEEP=1 keeps $work.
set -u
LMIG=${LMIG:?LMIG must name the lmig binary}
SVC=198.18.0.10
svc_bin=$top_srcdir/bench/services
started= restored= ns_inits=

svc_init() {
	if [ -z "${LMIG_SVC_REAPED:-}" ]; then
		LMIG_SVC_REAPED=1 SVC_NAME=$1 exec "$top_builddir/tests/cr/subreaper" /bin/sh "$0" "$@"
	fi
	name=$1
	[ "$(id -u)" -eq 0 ] || svc_skip "needs root (namespaces, TCP_REPAIR, nftables)"
	svc_need unshare "util-linux"
	svc_need python3 "Debian package python3"
	work=$(mktemp -d "/tmp/lmig-svc-$name.XXXXXX")
	port=$((20000 + $$ % 20000))
	trap svc_cleanup EXIT
	trap 'exit 130' INT TERM
}

svc_cleanup() {
	for p in $ns_inits $started; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $started; do
		wait "$p" 2>/dev/null
	done
	command -v hosts_down >/dev/null && hosts_down
	[ -n "${SVC_KEEP:-}" ] || rm -rf "$work"
}

svc_skip() {
	echo "SKIP $name: $*"
	exit 77
}

svc_fail() {
	echo "FAIL $name: $*"
	for f in "$work"/*.log "$work"/*.err; do
		[ -f "$f" ] && tail -n 12 "$f" | sed "s|^|  $(basename "$f"): |"
	done
	exit 1
}

svc_need() {
	command -v "$1" >/dev/null 2>&1 || svc_skip "no $1 ($2)"
}

# svc_wait_for FILE REGEX SECS
svc_wait_for() {
	t=0
	while ! grep -qE "$2" "$1" 2>/dev/null; do
		t=$((t + 1))
		[ $t -ge $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

# svc_wait_file FILE SECS
svc_wait_file() {
	t=0
	while [ ! -e "$1" ]; do
		t=$((t + 1))
		[ $t -ge $(($2 * 10)) ] && return 1
		sleep 0.1
	done
}

svc_hosts() {
	. "$top_srcdir/tests/lib/hosts.sh"
	hosts_up >"$work/hosts.out" || svc_skip "$(cat "$work/hosts.out")"
	trap 'hosts_down; svc_cleanup' EXIT
	host_exec A ip addr add "$SVC/24" dev "lm$$a" || svc_fail "cannot add $SVC to host A"
	echo "[ \$LMIG_SCRIPT_STAGE != post-dump ] || ip addr del $SVC/24 dev lm$$a" >"$work/leave-a.sh"
	echo "[ \$LMIG_SCRIPT_STAGE != network-lock ] || ip addr add $SVC/32 dev lo" >"$work/enter-b.sh"
}

# svc_spawn HOST LOG CMD...: in the background, remembered for cleanup ($!: HOSTS_LAST_PID).
svc_spawn() {
	host_spawn "$@"
	started="$started $HOSTS_LAST_PID"
}

# A dump that leaves the service running: what lmig cannot take yet is a skip, by name.
svc_try_dump() {
	host_exec A timeout 120 "$LMIG" dump --pid "$1" -D "$work/try" --leave-running \
		--tcp-established --log-file "$work/try-dump.log" 2>"$work/try-dump.err"
	rc=$?
	rm -rf "$work/try"
	kill -0 "$1" 2>/dev/null || svc_fail "the service died in a dump with --leave-running"
	case $rc in
	0) return 0 ;;
	3) svc_skip "lmig dump refuses it: $(grep -m1 'error' "$work/try-dump.err" | sed 's/^lmig: error: //')" ;;
	*) svc_fail "lmig dump --leave-running failed (exit $rc): $(grep -m1 error "$work/try-dump.err")" ;;
	esac
}

# The host pid of the restored root from --pidfile, its init remembered for cleanup.
svc_restored() {
	restored=$(cat "$1" 2>/dev/null)
	[ -n "$restored" ] && [ -d "/proc/$restored" ] || return 1
	ns_inits="$ns_inits $(awk '/^PPid:/ { print $2 }' "/proc/$restored/status")"
}

svc_dump_restore() {
	t0=$(date +%s%N)
	host_exec A timeout 120 "$LMIG" dump -v --log-file "$work/dump.log" --pid "$1" -D "$work/img" \
		--tcp-established --action-script "sh $work/leave-a.sh" 2>"$work/dump.err" ||
		svc_fail "dump in host A failed: $(grep -m1 error "$work/dump.err")"
	t1=$(date +%s%N)
	host_exec B timeout 120 "$LMIG" restore -v --log-file "$work/restore.log" -D "$work/img" \
		--new-pidns --detach --pidfile "$work/restored.pid" \
		--action-script "sh $work/enter-b.sh" 2>"$work/restore.err" ||
		svc_fail "restore in host B failed: $(grep -m1 error "$work/restore.err")"
	t2=$(date +%s%N)
	svc_restored "$work/restored.pid" || svc_fail "no restored process in host B"
	echo "dump in A $(((t1 - t0) / 1000000)) ms, restore in B $(((t2 - t1) / 1000000)) ms," \
		"images $(du -sm "$work/img" | cut -f1) MiB"
}

help_has() {
	"$LMIG" "$1" --help 2>/dev/null | grep -q -- "$2"
}

# Live migration: lmig pageserver in B (own pid namespace), lmig precopy in A.
svc_precopy() {
	help_has precopy --tcp-established || svc_skip "lmig precopy has no --tcp-established yet"
	help_has precopy --action-script || svc_skip "lmig precopy has no --action-script yet (the service address cannot move)"
	help_has pageserver --action-script || svc_skip "lmig pageserver has no --action-script yet (the service address cannot move)"
	ps_port=$((port + 1))
	svc_spawn B "$work/ps.out" unshare --pid --fork --mount-proc "$top_builddir/tests/lib/pidns-init" \
		"$LMIG" pageserver -v --log-file "$work/ps.log" --port "$ps_port" --address "$HOST_B_ADDR" \
		--insecure --action-script "sh $work/enter-b.sh"
	ps_unshare=$HOSTS_LAST_PID
	svc_wait_for "$work/ps.out" 'listening on' 10 || svc_fail "the page server did not start: $(cat "$work/ps.out")"
	ps_init=$(cut -d' ' -f1 "/proc/$ps_unshare/task/$ps_unshare/children")
	ns_inits="$ns_inits $ps_init"
	host_exec A timeout 120 "$LMIG" precopy -v --log-file "$work/precopy.log" --pid "$1" \
		--to "$HOST_B_ADDR:$ps_port" --tcp-established --action-script "sh $work/leave-a.sh" \
		--stats-json "$work/stats.json" 2>"$work/precopy.err"
	rc=$?
	[ $rc -eq 3 ] && svc_skip "lmig precopy refuses it: $(grep -m1 error "$work/precopy.err")"
	[ $rc -eq 0 ] || svc_fail "lmig precopy failed (exit $rc): $(grep -m1 error "$work/precopy.err")"
	. "$top_srcdir/tests/lib/pidns.sh"
	restored=$(pidns_host_pid "$ps_init" "$1") || svc_fail "pid $1 does not run in host B"
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("precopy: %d rounds, downtime %.1f ms, total %.1f s" % (s["precopy_rounds"], s["downtime_ms"], s["total_ms"] / 1000))' \
		"$work/stats.json"
}

svc_counter_move() {
	svc_try_dump "$2"
	sleep 1
	if [ "${SVC_MODE:-dump}" = precopy ]; then
		svc_precopy "$2"
	else
		svc_dump_restore "$2"
	fi
	wait "$2" 2>/dev/null
	echo "$1 runs in host B (host pid $restored); taken from its accept queue:" \
		"$(cat "$work/dump.log" "$work/precopy.log" 2>/dev/null | grep -c 'from its accept queue')"
	sleep 2
	kill -TERM "$3"
	host_wait "$3" 90
	rc=$?
	python3 "$svc_bin/http-counter.py" --check "$work/client.json" ||
		svc_fail "the counter broke (client exit $rc)"
	[ $rc -eq 0 ] || svc_fail "the client failed (exit $rc)"
	n=$(host_exec B curl -s --max-time 20 "http://$SVC:$port$4") ||
		svc_fail "a new connection is not served in host B"
	echo "a new connection in host B gets $n"
}
