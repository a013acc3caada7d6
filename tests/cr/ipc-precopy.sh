#!/bin/bash
# IPC objects, live-migrated to a page server in its own pid namespace,
# which restores the tree itself: a process in an IPC namespace of its
# own with SysV segments, semaphores and a queue (ipcns.cr), and one with
# POSIX queues and a child (mqueue-ns.cr). Each finds its objects after
# the migration (it checks them on SIGUSR1, as under run-cr). The page
# server makes each tree's new IPC namespace. Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/../precopy/lib.sh"
need_pidns

for prog in ipcns mqueue-ns; do
	start_pageserver
	rm -f "$work/out"
	CR_OUT=$work/out "$top_builddir/tests/cr/$prog.cr" </dev/null >/dev/null 2>&1 &
	pid=$!
	pids="$pids $pid"
	wait_for "$work/out" '^READY' 10 || fail "$prog: no READY within 10 s"
	precopy "$pid" || fail "$prog: lmig precopy failed: $(tail -n 3 "$work/precopy.err")"
	{ wait "$pid"; } 2>/dev/null
	wait_gone "$pid" 10 || fail "$prog: the source pid $pid still runs after the migration"
	hp=$(restored_pid "$pid") || fail "$prog: pid $pid does not run in the destination's namespace"
	kill -USR1 "$hp" || fail "$prog: cannot signal the restored pid $hp"
	wait_for "$work/out" '^(PASS|FAIL)' 10 || fail "$prog: no verdict within 10 s"
	grep -q '^PASS' "$work/out" || fail "$prog: the program reported a failure"
	grep -q 'IPC namespace of its own' "$work/ps.log" || fail "$prog: no new IPC namespace"
	kill -9 "$ps_init" 2>/dev/null
	ps_init=
	echo "PASS $name ($prog)"
done
exit 0
