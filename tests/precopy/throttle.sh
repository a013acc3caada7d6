#!/bin/bash
# A process that dirties memory faster than the link carries it: memdirty
# writing as fast as it can, live-migrated from host A to host B over a
# veth pair slowed down with tc tbf. Its dirty rate outruns what is sent,
# so lmig precopy must throttle it (cgroup v2 cpu.max where it can, else a
# SIGSTOP/SIGCONT duty cycle), say so in its progress lines, and still
# finish, well within the time bound, with every page intact in host B.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/hosts.sh"
need_pidns
command -v tc >/dev/null || skip "no tc (iproute2)"
hosts_up >"$work/hosts.err" || skip "cannot create test hosts: $(cat "$work/hosts.err")"
trap 'hosts_down; cleanup' EXIT
RATE=${THROTTLE_LINK:-16mbit}
host_exec A tc qdisc add dev "lm$$a" root tbf rate "$RATE" burst 64kb latency 100ms ||
	skip "tc tbf does not work here"

port=7000
host_spawn B "$work/ps.out" unshare --pid --fork --mount-proc "$top_builddir/tests/lib/pidns-init" \
	"$LMIG" pageserver --port "$port" --address "$HOST_B_ADDR" --insecure \
	--log-file "$work/ps.log" -v
ps_unshare=$HOSTS_LAST_PID
wait_for "$work/ps.out" 'listening on|error' 10 || fail "the page server did not start"
grep -q 'listening on' "$work/ps.out" || fail "the page server cannot listen"
ps_init=$(cut -d' ' -f1 "/proc/$ps_unshare/task/$ps_unshare/children")

CR_OUT=$work/out host_spawn A "$work/md.err" "$top_builddir/tests/workload/memdirty" \
	--size-mib 4 --rate-mib 0 --pattern random
md_pid=$HOSTS_LAST_PID
wait_for "$work/out" '^READY' 20 || fail "memdirty: no READY within 20 s"

t0=$SECONDS
host_exec A timeout 50 "$LMIG" precopy --pid "$md_pid" --to "$HOST_B_ADDR:$port" \
	--stats-json "$work/stats.json" --log-file "$work/precopy.log" >"$work/precopy.out" 2>&1
rc=$?
cat "$work/precopy.out" >>"$work/out"
t1=$SECONDS
[ $rc -eq 0 ] || fail "lmig precopy exited $rc after $((SECONDS - t0)) s: $(tail -n 3 "$work/precopy.out")"
grep -qE 'throttled to [0-9]+% CPU \((SIGSTOP/SIGCONT|cgroup cpu.max)\)' "$work/precopy.out" ||
	fail "no throttling said in the progress lines: $(cat "$work/precopy.out")"
json 's["ok"] and s["throttle"] in ("SIGSTOP/SIGCONT", "cgroup cpu.max") and any(r["cpu_share_pct"] < 100 for r in s["rounds"])' ||
	fail "the stats show no throttled round: $(cat "$work/stats.json")"
wait "$md_pid" 2>/dev/null
wait_gone "$md_pid" 10 || fail "the source pid $md_pid still runs after the migration"
hp=$(restored_pid "$md_pid") || fail "pid $md_pid does not run in host B"
# The restored process must run freely: no SIGSTOP of the duty cycle left on it.
st=$(awk '/^State:/ { print $2 }' "/proc/$hp/status")
case $st in T|t|Z) fail "the restored process is in state $st" ;; esac
check_memory "$hp"
grep '^precopy:' "$work/precopy.out"
echo "PASS $name (link $RATE, migration $((t1 - t0)) s: $(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
pct = min(r["cpu_share_pct"] for r in s["rounds"])
print("%d rounds, throttled to %d%% by %s, stop: %s, downtime %.1f ms" %
      (s["precopy_rounds"], pct, s["throttle"], s["stop_reason"], s["downtime_ms"]))' "$work/stats.json"))"
