#!/bin/bash
# Benchmark (never a test): downtime of pre-copy against stop-and-copy
# (--max-rounds 0) for memdirty SIZE MiB dirtying RATE MiB/s, in one run,
# alternating the order (A B B A A B ...), REPEATS of each.
#
#   LMIG=build/lmig top_builddir=build tests/precopy/bench.sh [SIZE RATE REPEATS]
#
# Prints one line per migration and the median, min and max of each.
set -u
LMIG=${LMIG:?LMIG must name the lmig binary}
top_builddir=${top_builddir:?top_builddir must be set}
size=${1:-1024}
rate=${2:-50}
repeats=${3:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-bench-precopy.XXXXXX")
init=
md=
trap '[ -n "$init" ] && kill -9 $init 2>/dev/null; [ -n "$md" ] && kill -9 $md 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

. "$(dirname "$0")/../lib/wait.sh"

# one MODE: a migration; appends "MODE downtime_ms freeze_ms rounds total_ms" to results.
one() {
	local mode=$1 port u args=
	[ "$mode" = stop-and-copy ] && args="--max-rounds 0"
	rm -f "$work/out" "$work/ps.out" "$work/stats.json"
	port=$((20000 + RANDOM % 30000))
	unshare --pid --fork --mount-proc "$top_builddir/tests/lib/pidns-init" \
		"$LMIG" pageserver --port "$port" >"$work/ps.out" 2>&1 </dev/null &
	u=$!
	wait_for "$work/ps.out" 'listening on' 10 || { echo "page server did not start"; exit 1; }
	init=$(cat "/proc/$u/task/$u/children"); init=${init%% *}
	CR_OUT=$work/out "$top_builddir/tests/workload/memdirty" --size-mib "$size" \
		--rate-mib "$rate" --pattern random </dev/null >/dev/null 2>&1 &
	md=$!
	wait_for "$work/out" '^READY' 120 || { echo "memdirty not ready"; exit 1; }
	sleep 2	# let it dirty at its steady rate
	timeout 300 "$LMIG" precopy --pid "$md" --to "127.0.0.1:$port" $args \
		--stats-json "$work/stats.json" 2>"$work/precopy.err" || {
		echo "precopy failed:"; cat "$work/precopy.err"; exit 1; }
	wait "$md" 2>/dev/null
	md=
	python3 - "$work/stats.json" "$mode" >>"$work/results" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(sys.argv[2], "%.1f %.1f %d %.0f" % (s["downtime_ms"], s["freeze_ms"], s["precopy_rounds"], s["total_ms"]))
PY
	tail -n 1 "$work/results" | awk '{ printf "%-14s downtime %7.1f ms  freeze %6.1f ms  rounds %d  total %6.0f ms\n", $1, $2, $3, $4, $5 }'
	kill -9 "$init" 2>/dev/null
	wait "$u" 2>/dev/null
	init=
}

echo "memdirty $size MiB at $rate MiB/s, $repeats of each, $(uname -r), $(nproc) cpus"
for i in $(seq "$repeats"); do
	if [ $((i % 2)) = 1 ]; then one pre-copy; one stop-and-copy; else one stop-and-copy; one pre-copy; fi
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for mode in ("pre-copy", "stop-and-copy"):
    d = [float(r[1]) for r in rows if r[0] == mode]
    f = [float(r[2]) for r in rows if r[0] == mode]
    t = [float(r[4]) for r in rows if r[0] == mode]
    print("%-14s downtime median %.1f ms (min %.1f, max %.1f); freeze median %.1f ms; total median %.0f ms"
          % (mode, statistics.median(d), min(d), max(d), statistics.median(f), statistics.median(t)))
PY
