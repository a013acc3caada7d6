# Shared by the pre-copy scripts that run inside the 6.1 VM (sourced once
# LMIG, b (the build), src, work and port are set and fail() is defined):
# bounded waits, a page server in a pid namespace of its own, and the
# check of the restored workload.
. "$src/tests/lib/wait.sh"
. "$src/tests/lib/pidns.sh"

# vm_pageserver: lmig pageserver on 127.0.0.1:$port in a pid namespace of
# its own, logging into $work; sets ps_init, its init's pid.
vm_pageserver() {
	local u
	/usr/bin/unshare --pid --fork --mount-proc "$b/tests/lib/pidns-init" \
		"$LMIG" pageserver --port "$port" --address 127.0.0.1 --insecure \
		--log-file "$work/ps.log" -v >"$work/ps.out" 2>&1 </dev/null &
	u=$!
	wait_for "$work/ps.out" 'listening on|error' 60 || fail "the page server did not start"
	grep -q 'listening on' "$work/ps.out" || fail "the page server cannot listen"
	ps_init=$(cut -d' ' -f1 "/proc/$u/task/$u/children")
}

# vm_check_restored PID WHAT: PID runs in the page server's pid namespace
# and, woken by SIGUSR1, finds every page it wrote ($work/out says PASS).
vm_check_restored() {
	local end=$((SECONDS + 30)) hp=
	while [ -z "$hp" ] && [ $SECONDS -le $end ]; do
		hp=$(pidns_host_pid "$ps_init" "$1") || { hp=; sleep 0.2; }
	done
	[ -n "$hp" ] || fail "pid $1 does not run in the page server's pid namespace"
	kill -USR1 "$hp" || fail "cannot signal the restored pid $hp"
	wait_for "$work/out" '^(PASS|FAIL)' 60 || fail "no verdict from the restored $2 within 60 s"
	grep -q '^PASS' "$work/out" || fail "$2 found its memory broken: $(grep FAIL "$work/out")"
	kill -9 "$ps_init" 2>/dev/null
}
