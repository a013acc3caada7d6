#!/bin/bash
# Registers (general and AVX-512), anonymous memory, a file position and
# an interrupted read survive dump, kill and restore; and the restored
# process has exactly the mappings it had, with nothing of lmig left.
. "$(dirname "$0")/lib.sh"

prog=$top_builddir/tests/restore/regs
mkfifo "$work/fifo" && : > "$work/out" || fail "cannot set up $work"
"$prog" "$work/fifo" "$work/out" </dev/null >/dev/null 2>"$work/stderr" &
pid=$!
pids="$pid"
wait_for "$work/out" '^READY' 10 || fail "no READY within 10 s"
grep -q avx512 "$work/out" || echo "note: no AVX-512 here, general registers only"
maps_of "$pid" > "$work/maps.before"

dump_kill "$pid"
restore_detach "$pid"
maps_of "$pid" > "$work/maps.after"
diff -u "$work/maps.before" "$work/maps.after" > "$work/maps.diff" ||
	fail "the mappings differ after restore: $(cat "$work/maps.diff")"

echo go > "$work/fifo"
wait_for "$work/out" '^(PASS|FAIL)' 10 || fail "no verdict within 10 s"
grep -q '^PASS' "$work/out" || fail "the restored process reported a failure"
wait_gone "$pid" 10 || fail "pid $pid did not exit after PASS"
echo "PASS $name"
