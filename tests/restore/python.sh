#!/bin/bash
# python3 keeps a large dict across dump and restore.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
mkfifo "$work/fifo" || fail "cannot make the fifo"
python3 -c '
import sys, hashlib
N = 200000
d = {i: hashlib.sha256(str(i).encode()).hexdigest() for i in range(N)}
out = open(sys.argv[2], "w")
out.write("READY\n"); out.flush()
open(sys.argv[1], "rb", buffering=0).read(1)
ok = len(d) == N and all(d[i] == hashlib.sha256(str(i).encode()).hexdigest() for i in range(N))
out.write("PASS\n" if ok else "FAIL: the dict changed\n"); out.flush()
' "$work/fifo" "$work/out" </dev/null >/dev/null 2>"$work/stderr" &
pid=$!
pids="$pid"
wait_for "$work/out" '^READY' 30 || fail "no READY within 30 s"

dump_kill "$pid"
restore_detach "$pid"
echo go > "$work/fifo"
wait_for "$work/out" '^(PASS|FAIL)' 30 || fail "no verdict within 30 s"
grep -q '^PASS' "$work/out" || fail "python3 reported a failure"
echo "PASS $name"
