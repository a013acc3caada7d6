#!/bin/bash
# Benchmark (not a test): how long lmig takes to freeze and to restore a
# process of 1, 10, 100 and 200 threads (bench/threads/target.c: every
# thread but the main one blocked in a futex wait).
#
#   bench/threads/run.sh BUILDDIR [REPEAT]        (default 5)
#
# For each run the target is started, dumped (which kills it) and
# restored with --detach. Figures, in milliseconds:
#   freeze   lmig's own "frozen in X ms" (dump/seize.c): from the first
#            PTRACE_SEIZE to every thread of the tree in a ptrace stop
#   dump     wall time of the lmig dump command
#   restore  lmig's own "restored ... in X ms" (restore/cmd-restore.c):
#            from the tree read to every thread running again
#   rst-cmd  wall time of the lmig restore command
#   catch    lmig's own "caught N thread(s) in X ms" (restore/finish.c):
#            from the restorer's stop to every thread held at the end of
#            its rt_sigreturn, part of restore; "-" for a build before it
# The sizes run in alternating order (up, then down) REPEAT times after
# one warm-up run; each cell is the median (min-max). The load average is
# printed before and after, and a least-squares line of the freeze medians
# against the thread count, with the cost per thread at each size, says
# whether the freeze grows faster than linearly. SIZES="1 10" overrides
# the sizes. Needs root; runs itself under tests/cr/subreaper so that the
# restored targets are reaped at once.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILDDIR [REPEAT]}" && pwd) || exit 1
if [ -z "${LMIG_BENCH_REAPED:-}" ]; then
	make -C "$build" -s tests/cr/subreaper bench/threads/target || exit 1
	LMIG_BENCH_REAPED=1 exec "$build/tests/cr/subreaper" bash "$0" "$@"
fi
repeat=${2:-5}
sizes=${SIZES:-"1 10 100 200"}
lmig=$build/lmig
target=$build/bench/threads/target
work=$(mktemp -d /tmp/lmig-bench-threads.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

now_us() { echo $(( $(date +%s%N) / 1000 )); }
# log_ms LOG REGEX: the number before " ms" on the first line matching.
log_ms() { sed -nE "s/.*$2.* in ([0-9.]+) ms.*/\1/p" "$1" | head -n 1; }
# gone PID: wait (at most 10 s) until the pid is reaped.
gone() {
	for _ in $(seq 1000); do [ -d "/proc/$1" ] || return 0; sleep 0.01; done
	echo "bench: pid $1 still exists after 10 s" >&2
	exit 1
}

# one N: appends "freeze dump restore rst-cmd catch" (ms) to $work/N.txt
one() {
	local n=$1 t0 t1 t2 t3 f r c
	rm -rf "$work/img" "$work/log" "$work/ready"
	"$target" "$n" >"$work/ready" &
	pid=$!
	disown "$pid"	# reaped as an orphan would be: no "Killed" notice from bash
	for _ in $(seq 500); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.01; done
	grep -q ready "$work/ready" || { echo "bench: the target of $n threads did not start" >&2; exit 1; }
	t0=$(now_us)
	timeout 60 "$lmig" dump --pid "$pid" -D "$work/img" --log-file "$work/log" ||
		{ echo "bench: dump of $n threads failed" >&2; tail -n 5 "$work/log" >&2; exit 1; }
	t1=$(now_us)
	gone "$pid"
	t2=$(now_us)
	timeout 60 "$lmig" restore -D "$work/img" --detach --log-file "$work/log" ||
		{ echo "bench: restore of $n threads failed" >&2; tail -n 5 "$work/log" >&2; exit 1; }
	t3=$(now_us)
	[ "$(ls "/proc/$pid/task" | wc -l)" = "$n" ] ||
		{ echo "bench: restored pid $pid has not $n threads" >&2; exit 1; }
	kill -9 "$pid"
	gone "$pid"
	pid=
	f=$(log_ms "$work/log" "frozen")
	r=$(log_ms "$work/log" ": restored")
	c=$(log_ms "$work/log" ": caught")
	[ -n "$f" ] && [ -n "$r" ] || { echo "bench: no freeze or restore time in the log" >&2; exit 1; }
	echo "$f $(( (t1 - t0) / 1000 )) $r $(( (t3 - t2) / 1000 )) ${c:--}" >>"$work/$n.txt"
}

# What was measured: the commit of the sources BUILDDIR was configured from.
src=$(sed -n 's/^abs_top_srcdir = //p' "$build/Makefile")
rev=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo "unknown (not a git checkout)")
git -C "$src" diff --quiet HEAD -- src parasite restorer 2>/dev/null || rev="$rev with uncommitted changes"
echo "lmig built from $src at commit $rev; kernel $(uname -r), $(nproc) cpus"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
one 10
rm -f "$work/10.txt"
for r in $(seq "$repeat"); do
	if [ $((r % 2)) = 1 ]; then order=$sizes; else order=$(echo $sizes | tr ' ' '\n' | tac); fi
	for n in $order; do one "$n"; done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# stats COLUMN FILE: "median (min-max)"
median() { cut -d' ' -f"$1" "$2" | sort -g | awk '{ v[NR] = $1 } END {
	printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
stats() { cut -d' ' -f"$1" "$2" | sort -g | awk '{ v[NR] = $1 } END {
	if (v[1] == "-") { printf "-"; exit }
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'; }
echo "$repeat runs per size; ms, median (min-max)"
echo
echo "| threads | freeze | dump (wall) | restore | restore (wall) | catch | freeze per thread |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
	m=$(median 1 "$work/$n.txt")
	echo "| $n | $(stats 1 "$work/$n.txt") | $(stats 2 "$work/$n.txt") | $(stats 3 "$work/$n.txt") |" \
		"$(stats 4 "$work/$n.txt") | $(stats 5 "$work/$n.txt") | $(awk -v m="$m" -v n="$n" 'BEGIN { printf "%.4f", m / n }') |"
done
echo
cols="1:freeze 3:restore"
[ "$(cut -d' ' -f5 "$work/${sizes%% *}.txt" | head -n 1)" = - ] || cols="$cols 5:catch"
for col in $cols; do
	for n in $sizes; do echo "$n $(median "${col%%:*}" "$work/$n.txt")"; done | awk -v what="${col#*:}" '
		{ x[NR] = $1; y[NR] = $2; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
		END {
			b = (NR * sxy - sx * sy) / (NR * sxx - sx * sx); a = (sy - b * sx) / NR
			for (i = 1; i <= NR; i++) { f = a + b * x[i]; ss += (y[i] - f) ^ 2; st += (y[i] - sy / NR) ^ 2 }
			printf "%s median ~ %.3f ms + %.4f ms/thread (least squares, R^2 %.3f)", what, a, b, st ? 1 - ss / st : 1
			if (NR > 1 && x[NR] > x[1] && y[1] > 0)
				printf "; %g->%g threads: x%.1f threads, x%.1f time", x[1], x[NR], x[NR] / x[1], y[NR] / y[1]
			printf "\n"
		}'
done
