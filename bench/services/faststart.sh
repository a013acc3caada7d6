#!/bin/bash
# Fast start from a checkpoint against a cold start, in the same run.
#
#   bench/services/faststart.sh [--build DIR] [--server counter|tomcat]
#                               [--warmup-ms N] [--repeats N]
#
# Starts the server once in a network namespace, lets it warm up and
# answer three requests, checkpoints it (lmig dump --leave-running) and
# ends it. Then, REPEATS times, alternating which goes first, each in a
# fresh network namespace: a cold start (the server's own command) and a
# restore of the checkpoint (lmig restore --new-pidns --netns ... --detach),
# each timed from the command's start to the first HTTP answer 200
# (bench/services/first-answer.py, polling every millisecond). A restored
# copy must answer 4 (it goes on from the checkpoint), a cold one 1.
# Prints a Markdown table: median, min and max of each, and the command.
#
# counter: tests/services/counter-server with --warmup-ms N (default 2000):
#          a synthetic slow start. tomcat: bench/services/tomcat-instance.sh
#          (Debian's tomcat10-user) serving /counter.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/bench/services
build=$top/build
server=counter
warmup=2000
repeats=7
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd) || exit 1; shift 2 ;;
	--server) server=$2; shift 2 ;;
	--warmup-ms) warmup=$2; shift 2 ;;
	--repeats) repeats=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "usage: bench/services/faststart.sh [--build DIR] [--server counter|tomcat] [--warmup-ms N] [--repeats N]" >&2; exit 2 ;;
	esac
done
lmig=$build/lmig
[ "$(id -u)" -eq 0 ] || { echo "faststart: needs root" >&2; exit 77; }
work=$(mktemp -d /tmp/lmig-faststart.XXXXXX)
port=$((20000 + $$ % 20000))
nets=
kills=
cleanup() {
	for p in $kills; do kill -9 "$p" 2>/dev/null; done
	for n in $nets; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
die() { echo "faststart: $*" >&2; exit 1; }
mknet() {
	ip netns add "$1" && ip -n "$1" link set lo up || die "cannot make network namespace $1"
	nets="$nets $1"
}
rmnet() {
	ip netns del "$1"
	nets=$(echo "$nets" | sed "s/ $1\b//")
}

case $server in
counter)
	make -C "$build" -s tests/services/counter-server >/dev/null || die "cannot build counter-server"
	cmd=("$build/tests/services/counter-server" 127.0.0.1 "$port" "$work/ready" --warmup-ms "$warmup")
	path=/
	what="counter-server --warmup-ms $warmup"
	;;
tomcat)
	sh "$here/tomcat-instance.sh" "$work/tomcat" "$port" >"$work/instance.out" 2>&1 ||
		{ echo "faststart: $(cat "$work/instance.out")" >&2; exit 77; }
	cmd=(env CATALINA_BASE="$work/tomcat" JAVA_OPTS="-Djava.awt.headless=true -XX:+PerfDisableSharedMem"
	     /usr/share/tomcat10/bin/catalina.sh run)
	path=/counter
	what="Tomcat 10 (tomcat10-user, /counter servlet)"
	;;
*) die "unknown server $server" ;;
esac

# The checkpoint: warm, three answers, dumped while it runs, then ended.
ns=lmig-fsb$$-src
mknet "$ns"
ip netns exec "$ns" python3 "$here/first-answer.py" --port "$port" --path "$path" -- "${cmd[@]}" \
	>"$work/src.out" 2>"$work/src.err" || die "the server did not start: $(cat "$work/src.err")"
src=$(awk '/^pid/ { print $2 }' "$work/src.err")
kills="$kills $src"
for _ in 1 2; do ip netns exec "$ns" curl -s "http://127.0.0.1:$port$path" >/dev/null; done
timeout 120 "$lmig" dump --pid "$src" -D "$work/ckpt" --leave-running --tcp-established \
	--log-file "$work/dump.log" 2>"$work/dump.err" ||
	{ echo "faststart: lmig dump refuses the $server server: $(grep -m1 error "$work/dump.err")" >&2; exit 77; }
kill -9 "$src"
rmnet "$ns"
echo "checkpoint: $(du -sm "$work/ckpt" | cut -f1) MiB of images" >&2

# cold|restore N: one timed start in a fresh namespace; prints "MS BODY".
trial() {
	local ns=lmig-fsb$$-$1-$2 out pid init
	mknet "$ns"
	if [ "$1" = cold ]; then
		rm -f "$work/ready"
		ip netns exec "$ns" python3 "$here/first-answer.py" --port "$port" --path "$path" -- "${cmd[@]}" \
			>"$work/t.out" 2>"$work/t.err"
	else
		rm -f "$work/copy.pid"
		ip netns exec "$ns" python3 "$here/first-answer.py" --port "$port" --path "$path" -- \
			"$lmig" restore -D "$work/ckpt" --new-pidns --netns "/run/netns/$ns" --detach \
			--pidfile "$work/copy.pid" --log-file "$work/restore.log" >"$work/t.out" 2>"$work/t.err"
	fi
	local rc=$?
	pid=$(awk '/^pid/ { print $2 }' "$work/t.err")
	if [ "$1" = restore ]; then
		pid=$(cat "$work/copy.pid" 2>/dev/null)
		[ -n "$pid" ] && init=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && pid=$init
	fi
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	sleep 0.2
	rmnet "$ns"
	[ $rc -eq 0 ] || die "$1 start $2 failed: $(cat "$work/t.err")"
	cat "$work/t.out"
}

: >"$work/results"
for r in $(seq "$repeats"); do
	if [ $((r % 2)) -eq 1 ]; then order="cold restore"; else order="restore cold"; fi
	for k in $order; do
		set -- $(trial "$k" "$r") || exit 1
		[ $# -ge 2 ] || die "$k start $r gave no answer"
		want=1; [ "$k" = restore ] && want=4
		[ "$2" = "$want" ] || die "$k start $r answered $2, want $want"
		echo "$k $1" >>"$work/results"
		echo "run $r: $k $1 ms" >&2
	done
done
python3 - "$work/results" "$what" "$repeats" "$*" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
t = {k: sorted(float(v) for kk, v in rows if kk == k) for k in ("cold", "restore")}
print("| %s | median ms | min ms | max ms | runs |" % sys.argv[2])
print("|---|---:|---:|---:|---:|")
for k, name in (("cold", "cold start to first answer"), ("restore", "restore (--new-pidns --netns) to first answer")):
    v = t[k]
    print("| %s | %.1f | %.1f | %.1f | %d |" % (name, statistics.median(v), v[0], v[-1], len(v)))
print("\nspeed-up (median): %.1fx" % (statistics.median(t["cold"]) / statistics.median(t["restore"])))
PY
