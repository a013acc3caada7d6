#!/bin/bash
# --max-rounds 0: no pre-copy round at all, freeze and send everything.
. "$(dirname "$0")/lib.sh"
need_pidns
start_pageserver
start_memdirty --size-mib 64 --rate-mib 20 --pattern random

precopy "$md_pid" --max-rounds 0 || fail "lmig precopy --max-rounds 0 failed: $(tail -n 3 "$work/precopy.err")"
wait "$md_pid" 2>/dev/null
wait_gone "$md_pid" 10 || fail "the source pid $md_pid still runs after the migration"
json 's["ok"] and s["precopy_rounds"] == 0 and s["final"]["pages"] > 16000' ||
	fail "stop-and-copy stats are wrong: $(cat "$work/stats.json")"
hp=$(restored_pid "$md_pid") || fail "pid $md_pid does not run in the destination's namespace"
check_memory "$hp"
echo "PASS $name"
