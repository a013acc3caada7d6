# Shared by the live-migration tests: sourced, not run.
#
# The destination is `lmig pageserver` in its own pid namespace (with
# tests/lib/pidns-init as its pid 1), as a second host would be: the
# restored process gets its old pid there while the frozen source still
# holds it here. The network is shared (loopback). Everything a test
# starts is ended by pid: the sources it ran, and the namespace's init
# (killing it ends every process in the namespace).
# Exit codes: 0 pass, 1 fail, 77 skip.
set -u
LMIG=${LMIG:?LMIG must name the lmig binary}
top_builddir=${top_builddir:?top_builddir must be set}
. "$(dirname "$0")/../lib/pidns.sh"
. "$(dirname "$0")/../lib/wait.sh"
if [ -z "${PRECOPY_TEST_REAPED:-}" ]; then
	PRECOPY_TEST_REAPED=1 exec "$top_builddir/tests/cr/subreaper" bash "$0" "$@"
fi

name=$(basename "$0" .sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-precopy-$name.XXXXXX")
pids=
ps_init=
ps_port=

cleanup() {
	[ -n "$ps_init" ] && kill -9 "$ps_init" 2>/dev/null
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL $name: $*"
	for f in "$work"/out "$work"/precopy.log "$work"/ps.out "$work"/ps.log; do
		[ -f "$f" ] && tail -n 15 "$f" | sed "s|^|  $(basename "$f"): |"
	done
	exit 1
}

skip() {
	echo "SKIP $name: $*"
	exit 77
}

need_pidns() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a pid namespace"
	command -v unshare >/dev/null || skip "no unshare (util-linux)"
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot create a pid namespace here"
}

# start_pageserver [ARGS...]: lmig pageserver in a new pid namespace on a
# free port (ps_port); ps_init is the host pid of the namespace's init.
start_pageserver() {
	local try u
	for try in 1 2 3 4 5; do
		ps_port=$((20000 + RANDOM % 30000))
		rm -f "$work/ps.out"
		unshare --pid --fork --mount-proc "$top_builddir/tests/lib/pidns-init" \
			"$LMIG" pageserver --port "$ps_port" --log-file "$work/ps.log" -v "$@" \
			>"$work/ps.out" 2>&1 </dev/null &
		u=$!
		pids="$pids $u"
		wait_for "$work/ps.out" 'listening on|error' 10 || fail "the page server did not start"
		if grep -q 'listening on' "$work/ps.out"; then
			ps_init=$(cat "/proc/$u/task/$u/children" 2>/dev/null)
			ps_init=${ps_init%% *}
			[ -n "$ps_init" ] || fail "cannot find the page server's pid namespace"
			return 0
		fi
		wait "$u" 2>/dev/null
	done
	fail "the page server cannot listen: $(cat "$work/ps.out")"
}

# start_pageserver_here [ARGS...]: the same in our own pid namespace (--images-dir).
start_pageserver_here() {
	local try p
	for try in 1 2 3 4 5; do
		ps_port=$((20000 + RANDOM % 30000))
		rm -f "$work/ps.out"
		"$LMIG" pageserver --port "$ps_port" --log-file "$work/ps.log" -v "$@" \
			>"$work/ps.out" 2>&1 </dev/null &
		p=$!
		pids="$pids $p"
		wait_for "$work/ps.out" 'listening on|error' 10 || fail "the page server did not start"
		grep -q 'listening on' "$work/ps.out" && { ps_pid=$p; return 0; }
		wait "$p" 2>/dev/null
	done
	fail "the page server cannot listen: $(cat "$work/ps.out")"
}

# restored_pid PID: wait (10 s) for PID to run in the page server's namespace; print its host pid.
restored_pid() {
	local end=$((SECONDS + 10)) hp
	while [ $SECONDS -le "$end" ]; do
		hp=$(pidns_host_pid "$ps_init" "$1") && { echo "$hp"; return 0; }
		sleep 0.05
	done
	return 1
}

# precopy PID [ARGS...]: migrate PID to the page server; its exit code.
precopy() {
	local pid=$1
	shift
	timeout 120 "$LMIG" precopy --pid "$pid" --to "127.0.0.1:$ps_port" \
		--stats-json "$work/stats.json" --log-file "$work/precopy.log" "$@" \
		2>"$work/precopy.err"
}

# json EXPR: evaluate a python expression over the stats as s.
json() {
	python3 -c "import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$work/stats.json"
}

# start_memdirty [ARGS...]: the memory workload (pid in md_pid), READY.
start_memdirty() {
	CR_OUT=$work/out "$top_builddir/tests/workload/memdirty" "$@" \
		</dev/null >/dev/null 2>"$work/md.err" &
	md_pid=$!
	pids="$pids $md_pid"
	wait_for "$work/out" '^READY' 20 || fail "memdirty: no READY within 20 s"
}

# check_memory HOSTPID: signal the workload, it must report PASS.
check_memory() {
	kill -USR1 "$1" || fail "cannot signal pid $1"
	wait_for "$work/out" '^(PASS|FAIL)' 30 || fail "no verdict from pid $1 within 30 s"
	grep -q '^PASS' "$work/out" || fail "the workload found its memory broken: $(grep FAIL "$work/out")"
}
