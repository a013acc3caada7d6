#!/bin/bash
# A process that dirties memory faster than the link carries it: memdirty
# writing as fast as it can, live-migrated from host A to host B over a
# veth pair slowed down with tc tbf. Its dirty rate outruns what is sent,
# so lmig precopy must throttle it (cgroup v2 cpu.max where it can, else a
# SIGSTOP/SIGCONT duty cycle), say so in its progress lines, and still
# finish, well within the time bound, with every page intact in host B.
# The throttle must hold the process back for real: memdirty's CPU time,
# sampled during the migration, grows less than half as fast once it is
# at 12% or less as before the first step. (It cannot shrink the rounds:
# 4 MiB is rewritten within any round at any share, so the migration
# ends once the steps are spent and the rounds stop shrinking.) The
# restored process must not be left stopped by the duty cycle.
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

# memdirty's CPU time (utime + stime, in ticks) sampled with how many
# throttle steps lmig has said so far: the duty cycle must hold it back.
: >"$work/precopy.out"
(
	while [ -r "/proc/$md_pid/stat" ]; do
		ticks=$(awk '{ print $14 + $15 }' "/proc/$md_pid/stat" 2>/dev/null) || break
		echo "$(date +%s.%N) $ticks $(grep -c 'throttled to' "$work/precopy.out")"
		sleep 0.2
	done >"$work/cpu.samples"
) &
pids="$pids $!"

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
# Its CPU share before the first throttle step against once at 12% or less.
python3 - "$work/cpu.samples" "$(getconf CLK_TCK)" >"$work/cpu.share" <<'PY' ||
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
hz = float(sys.argv[2])
def share(sel):
    s = [(float(t), int(k)) for t, k, n in rows if sel(int(n))]
    if len(s) < 2 or s[-1][0] - s[0][0] < 1:
        return None
    return (s[-1][1] - s[0][1]) / hz / (s[-1][0] - s[0][0])
free, held = share(lambda n: n == 0), share(lambda n: n >= 3)
print("%s %s" % (free, held))
sys.exit(0 if free is not None and held is not None and held < 0.5 * free and held < 0.3 else 1)
PY
	fail "memdirty's CPU share (before the throttle, at 12% or less): $(cat "$work/cpu.share")"
read -r share_free share_held <"$work/cpu.share"
check_memory "$hp"
grep '^precopy:' "$work/precopy.out"
summary=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
pct = min(r["cpu_share_pct"] for r in s["rounds"])
print("%d rounds, throttled to %d%% by %s, stop: %s, downtime %.1f ms" %
      (s["precopy_rounds"], pct, s["throttle"], s["stop_reason"], s["downtime_ms"]))' "$work/stats.json")
printf 'PASS %s (link %s, migration %d s: %s; memdirty used %.2f CPU before the throttle, %.2f at 12%% or less)\n' \
	"$name" "$RATE" $((t1 - t0)) "$summary" "$share_free" "$share_held"
