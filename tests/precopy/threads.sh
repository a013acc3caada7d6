#!/bin/bash
# A multi-threaded process live-migrated by pre-copy: mtdirty with eight
# threads all writing their own memory, moved from host A to host B while
# every thread writes. In host B the process has the same tids (the same
# set of threads, by their pids in B's pid namespace), no thread is
# stopped, and the program itself proves that each thread runs on, kept
# its tid and thread-local value, joins, and that no page is stale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/hosts.sh"
need_pidns
hosts_up >"$work/hosts.err" || skip "cannot create test hosts: $(cat "$work/hosts.err")"
trap 'hosts_down; cleanup' EXIT
NTHREADS=8

port=7000
host_spawn B "$work/ps.out" unshare --pid --fork --mount-proc "$top_builddir/tests/lib/pidns-init" \
	"$LMIG" pageserver --port "$port" --address "$HOST_B_ADDR" --insecure \
	--log-file "$work/ps.log" -v
ps_unshare=$HOSTS_LAST_PID
wait_for "$work/ps.out" 'listening on|error' 10 || fail "the page server did not start"
grep -q 'listening on' "$work/ps.out" || fail "the page server cannot listen"
ps_init=$(cut -d' ' -f1 "/proc/$ps_unshare/task/$ps_unshare/children")

CR_OUT=$work/out host_spawn A "$work/md.err" "$top_builddir/tests/precopy/mtdirty" \
	--threads "$NTHREADS" --size-mib 32 --rate-mib 4
md_pid=$HOSTS_LAST_PID
wait_for "$work/out" '^READY' 20 || fail "mtdirty: no READY within 20 s: $(cat "$work/md.err")"
tids=$(ls "/proc/$md_pid/task" | sort -n | tr '\n' ' ')
tids=${tids% }
[ "$(echo $tids | wc -w)" -eq $((NTHREADS + 1)) ] || fail "mtdirty runs threads $tids, want $((NTHREADS + 1))"

t0=$SECONDS
host_exec A timeout 60 "$LMIG" precopy --pid "$md_pid" --to "$HOST_B_ADDR:$port" \
	--stats-json "$work/stats.json" --log-file "$work/precopy.log" >"$work/precopy.out" 2>&1
rc=$?
cat "$work/precopy.out" >>"$work/out"
t1=$SECONDS
[ $rc -eq 0 ] || fail "lmig precopy exited $rc after $((t1 - t0)) s: $(tail -n 3 "$work/precopy.out")"
json 's["ok"] and s["precopy_rounds"] >= 1' || fail "no pre-copy round in the stats: $(cat "$work/stats.json")"
wait "$md_pid" 2>/dev/null
wait_gone "$md_pid" 10 || fail "the source pid $md_pid still runs after the migration"
hp=$(restored_pid "$md_pid") || fail "pid $md_pid does not run in host B"

# The same threads, by their tids in host B's pid namespace, none stopped.
got=
for t in /proc/$hp/task/*; do
	ns=$(awk '/^NSpid:/ { print $NF }' "$t/status")
	st=$(awk '/^State:/ { print $2 }' "$t/status")
	case $st in T|t|Z|X) fail "thread $ns of the restored process is in state $st" ;; esac
	got="$got $ns"
done
got=$(echo $got | tr ' ' '\n' | sort -n | tr '\n' ' ')
got=${got% }
[ "$got" = "$tids" ] || fail "threads in host B: $got; before: $tids"
check_memory "$hp"
grep '^precopy:' "$work/precopy.out"
echo "PASS $name ($NTHREADS threads + main, tids $tids kept, migration $((t1 - t0)) s: $(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print("%d rounds, stop: %s, downtime %.1f ms" % (s["precopy_rounds"], s["stop_reason"], s["downtime_ms"]))' "$work/stats.json"))"
