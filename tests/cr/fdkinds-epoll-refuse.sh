#!/bin/bash
# An epoll item that restore could not add back is refused by name, and
# the process continues: the fd it was added with is closed (its file
# open on another fd), or holds another file now. Exit 0 pass, 1 fail,
# 77 skip.
. "$(dirname "$0")/../restore/lib.sh"

command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }

for case in closed reused; do
	rm -rf "$work/img" "$work/out" "$work/log"
	mkdir -p "$work/img"
	python3 -c '
import os, select, sys, time
r, w = os.pipe()
ep = select.epoll()
d = os.dup(r)
ep.register(d, select.EPOLLIN)
os.close(d)
if sys.argv[1] == "reused":
    other = os.open("/dev/null", os.O_RDONLY)
    os.dup2(other, d)
with open(sys.argv[2], "w") as out:
    out.write("READY %d\n" % d)
time.sleep(60)
' "$case" "$work/out" </dev/null >/dev/null 2>"$work/stderr" &
	pid=$!
	pids="$pids $pid"
	wait_for "$work/out" '^READY' 30 || fail "$case: no READY within 30 s"
	tfd=$(awk '/^READY/ { print $2 }' "$work/out")
	timeout 60 "$LMIG" dump --pid "$pid" -D "$work/img" --log-file "$work/log" 2>/dev/null
	rc=$?
	[ $rc -ne 0 ] || fail "$case: the dump succeeded"
	[ $rc -ne 124 ] || fail "$case: the dump timed out"
	grep -q "epoll watches a file it added as fd $tfd, which the process no longer has on fd $tfd" \
		"$work/log" || fail "$case: no error naming epoll item fd $tfd"
	grep -q '^State:[[:space:]]*[SR]' /proc/$pid/status || fail "$case: the process does not run on"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	echo "ok $case: $(grep -o 'pid [0-9]*: fd [0-9]*: epoll watches.*' "$work/log" | head -1)"
done
echo "PASS $name"
