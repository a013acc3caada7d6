#!/bin/bash
# Real programs dumped with --leave-running keep running: a shell loop
# and python3 holding a large dict (checked by the program itself).
set -u
. "${top_srcdir:?}/tests/dump/lib.sh"

sh -c 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done' \
	</dev/null >"$work/sh.out" 2>/dev/null &
shpid=$!
pids="$shpid"
wait_grep "$work/sh.out" '^3$' 10 || fail "the shell loop does not count"
timeout 60 "$LMIG" dump --pid "$shpid" -D "$work/sh.img" --leave-running \
	--log-file "$work/log" || fail "dump of the shell loop failed"
running_untraced "$shpid" || fail "shell loop not running untraced after the dump"
counter_moves "$work/sh.out" || fail "the shell loop stopped counting after the dump"
[ -e "$work/sh.img/inventory.img" ] || fail "no inventory for the shell loop"
echo "PASS sh loop"

if ! command -v python3 >/dev/null; then
	echo "SKIP python3: not installed"
	exit 0
fi
cat >"$work/dict.py" <<'PY'
import os, signal, sys, time
out = sys.argv[1]
d = {i: str(i) * 8 for i in range(200000)}
want = sum(len(v) for v in d.values())
done = []
signal.signal(signal.SIGUSR1, lambda *a: done.append(1))
n = 0
while not done:
    n += 1
    with open(out + ".tmp", "w") as f:
        f.write("%d\n" % n)
    os.rename(out + ".tmp", out)
    time.sleep(0.02)
ok = sum(len(v) for v in d.values()) == want and all(d[i] == str(i) * 8 for i in range(0, 200000, 997))
with open(out + ".result", "w") as f:
    f.write("PASS\n" if ok else "FAIL dict changed\n")
PY
python3 "$work/dict.py" "$work/py.out" </dev/null >/dev/null 2>&1 &
pypid=$!
pids="$shpid $pypid"
wait_file "$work/py.out" 20 || fail "python did not start"
timeout 60 "$LMIG" dump --pid "$pypid" -D "$work/py.img" --leave-running \
	--log-file "$work/log" || fail "dump of python failed"
running_untraced "$pypid" || fail "python not running untraced after the dump"
counter_moves "$work/py.out" || fail "python stopped counting after the dump"
kill -USR1 "$pypid"
wait_file "$work/py.out.result" 10 || fail "no verdict from python"
grep -q '^PASS' "$work/py.out.result" || fail "python: $(cat "$work/py.out.result")"
wait "$pypid"
echo "PASS python3 dict ($(du -sh "$work/py.img" | cut -f1) of images)"
exit 0
