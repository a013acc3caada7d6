#!/bin/bash
# Multi-threaded processes live-migrated by pre-copy from host A to host B
# while every thread writes its own memory (mtdirty):
#  - eight writer threads: in host B the process has the same tids (by
#    their pids in B's pid namespace), the same set, none stopped;
#  - four writers and a thread that creates and joins short-lived threads
#    without pause, so that threads come and go while lmig seizes the
#    process for each round and the freeze: the lasting threads keep
#    their tids in B, and the churning goes on there.
# In both, the program itself proves that each thread runs on, kept its
# tid and thread-local value, joins, and that no page is stale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/hosts.sh"
need_pidns
hosts_up >"$work/hosts.err" || skip "cannot create test hosts: $(cat "$work/hosts.err")"
trap 'hosts_down; cleanup' EXIT

# The tids of pid, sorted, on one line.
tids_of() {
	local t
	t=$(ls "/proc/$1/task" 2>/dev/null | sort -n | tr '\n' ' ')
	echo "${t% }"
}

# migrate CASE PORT EXACT MTDIRTY-ARGS...: EXACT=1 when the set of threads
# in host B must be the one before, 0 when it must only contain the lasting ones.
migrate() {
	local case=$1 port=$2 exact=$3 t0 t1 rc tids got extra ns st t
	shift 3
	rm -f "$work/out" "$work/ps.out" "$work/stats.json" "$work/precopy.out"
	host_spawn B "$work/ps.out" unshare --pid --fork --mount-proc \
		"$top_builddir/tests/lib/pidns-init" "$LMIG" pageserver --port "$port" \
		--address "$HOST_B_ADDR" --insecure --log-file "$work/ps.log" -v
	ps_unshare=$HOSTS_LAST_PID
	wait_for "$work/ps.out" 'listening on|error' 10 || fail "$case: the page server did not start"
	grep -q 'listening on' "$work/ps.out" || fail "$case: the page server cannot listen"
	ps_init=$(cut -d' ' -f1 "/proc/$ps_unshare/task/$ps_unshare/children")

	CR_OUT=$work/out host_spawn A "$work/md.err" "$top_builddir/tests/precopy/mtdirty" "$@"
	md_pid=$HOSTS_LAST_PID
	wait_for "$work/out" '^READY' 20 || fail "$case: mtdirty: no READY within 20 s: $(cat "$work/md.err")"
	# The lasting threads: in two listings 0.3 s apart (a short-lived one lasts microseconds).
	tids=$(tids_of "$md_pid")
	sleep 0.3
	tids=$(comm -12 <(echo "$tids" | tr ' ' '\n' | sort) <(tids_of "$md_pid" | tr ' ' '\n' | sort) |
		sort -n | tr '\n' ' ')
	tids=${tids% }

	t0=$SECONDS
	host_exec A timeout 60 "$LMIG" precopy --pid "$md_pid" --to "$HOST_B_ADDR:$port" \
		--stats-json "$work/stats.json" --log-file "$work/precopy.log" >"$work/precopy.out" 2>&1
	rc=$?
	cat "$work/precopy.out" >>"$work/out"
	t1=$SECONDS
	[ $rc -eq 0 ] || fail "$case: lmig precopy exited $rc after $((t1 - t0)) s: $(tail -n 3 "$work/precopy.out")"
	json 's["ok"] and s["precopy_rounds"] >= 1' ||
		fail "$case: no pre-copy round in the stats: $(cat "$work/stats.json")"
	wait "$md_pid" 2>/dev/null
	wait_gone "$md_pid" 10 || fail "$case: the source pid $md_pid still runs after the migration"
	hp=$(restored_pid "$md_pid") || fail "$case: pid $md_pid does not run in host B"

	# The threads by their tids in host B's pid namespace, none stopped.
	got=
	for t in /proc/$hp/task/*; do
		ns=$(awk '/^NSpid:/ { print $NF }' "$t/status" 2>/dev/null) || continue
		st=$(awk '/^State:/ { print $2 }' "$t/status" 2>/dev/null)
		[ -n "$ns" ] || continue	# a short-lived thread that just ended
		case $st in T|t) fail "$case: thread $ns of the restored process is in state $st" ;; esac
		got="$got $ns"
	done
	got=$(echo $got | tr ' ' '\n' | sort -n | tr '\n' ' ')
	got=${got% }
	if [ "$exact" = 1 ]; then
		[ "$got" = "$tids" ] || fail "$case: threads in host B: $got; before: $tids"
	else
		extra=$(comm -23 <(echo "$tids" | tr ' ' '\n' | sort) <(echo "$got" | tr ' ' '\n' | sort))
		[ -z "$extra" ] || fail "$case: threads $(echo $extra) are not in host B (there: $got; before: $tids)"
	fi
	check_memory "$hp"
	grep '^precopy:' "$work/precopy.out"
	echo "$case: tids $tids kept, migration $((t1 - t0)) s: $(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print("%d rounds, stop: %s, downtime %.1f ms" % (s["precopy_rounds"], s["stop_reason"], s["downtime_ms"]))' "$work/stats.json")"
	kill -9 "$ps_init" 2>/dev/null
	ps_init=
}

migrate "8 writers" 7000 1 --threads 8 --size-mib 32 --rate-mib 4
migrate "4 writers + churn" 7001 0 --threads 4 --size-mib 16 --rate-mib 4 --churn
echo "PASS $name"
