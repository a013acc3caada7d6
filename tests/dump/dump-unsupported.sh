#!/bin/bash
# A process holding an fd lmig cannot dump: the dump fails with one
# error line naming the pid, the fd and its kind, writes no inventory,
# and the process runs on, not stopped, not traced, unchanged.
set -u
. "${top_srcdir:?}/tests/dump/lib.sh"

for kind in inotify io_uring; do
	rm -rf "$work/t" "$work/img"
	mkdir -p "$work/t"
	"$bin/target" "$work/t" $kind </dev/null >/dev/null 2>&1 &
	pid=$!
	pids="$pid"
	wait_file "$work/t/info" 10 || fail "$kind: target did not get ready"
	fd=$(awk '/^extra/ {print $2}' "$work/t/info")
	# As if an earlier dump had succeeded here: the failed one must not leave it looking complete.
	mkdir -p "$work/img" && : >"$work/img/inventory.img"

	timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" 2>"$work/err"
	rc=$?
	[ $rc != 0 ] || fail "$kind: dump succeeded"
	[ $rc != 124 ] || fail "$kind: dump hung"
	[ "$(wc -l <"$work/err")" = 1 ] || fail "$kind: not one error line: $(cat "$work/err")"
	case $kind in
	inotify) what='anon_inode:inotify';;
	io_uring) what='anon_inode:\[io_uring\]';;
	esac
	grep -q "pid $pid: fd $fd: $what is not supported" "$work/err" ||
		fail "$kind: unclear error: $(cat "$work/err")"
	[ ! -e "$work/img/inventory.img" ] || fail "$kind: a failed dump wrote inventory.img"
	running_untraced "$pid" || fail "$kind: target not running untraced after the failed dump"

	kill -USR1 "$pid"
	wait_grep "$work/t/result" '^(PASS|FAIL)' 10 || fail "$kind: no verdict from the target"
	grep -q '^PASS' "$work/t/result" || fail "$kind: target: $(cat "$work/t/result")"
	wait "$pid"
	pids=
	echo "PASS $kind: $(cat "$work/err")"
done
exit 0
