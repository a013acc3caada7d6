#!/bin/bash
# memdirty (64 MiB written at 20 MiB/s) live-migrated over loopback into
# a page server in another pid namespace: pre-copy rounds happen and
# shrink, the source is gone, and the process goes on at the destination
# with its pid and every page it wrote.
. "$(dirname "$0")/lib.sh"
need_pidns
start_pageserver
start_memdirty --size-mib 64 --rate-mib 20 --pattern random

precopy "$md_pid" || fail "lmig precopy failed: $(tail -n 3 "$work/precopy.err")"
wait "$md_pid" 2>/dev/null
wait_gone "$md_pid" 10 || fail "the source pid $md_pid still runs after the migration"
json 's["ok"] and s["precopy_rounds"] > 1' || fail "not more than one pre-copy round: $(cat "$work/stats.json")"
json 's["rounds"][1]["dirty_pages"] < s["rounds"][0]["pages"] and s["final"]["pages"] + s["final"]["zero_pages"] < s["rounds"][0]["pages"]' ||
	fail "the dirty sets did not shrink: $(cat "$work/stats.json")"
hp=$(restored_pid "$md_pid") || fail "pid $md_pid does not run in the destination's namespace"
# The page server stages with MADV_HUGEPAGE (when THP is "madvise"); memdirty never asked for it.
flags=$(python3 -c '
import sys
area, big = None, None
for line in open("/proc/%s/smaps" % sys.argv[1]):
    f = line.split()
    if "-" in f[0] and ":" not in f[0]:
        s, e = (int(x, 16) for x in f[0].split("-"))
        area = e - s
    elif f[0] == "VmFlags:" and area >= 64 << 20:
        big = " ".join(f[1:])
print(big or "none")' "$hp") || fail "cannot read the smaps of pid $hp"
[ "$flags" != none ] || fail "the restored process has no area of 64 MiB"
case " $flags " in *" hg "*) fail "the restored 64 MiB area carries MADV_HUGEPAGE it never asked for: $flags" ;; esac
check_memory "$hp"
echo "PASS $name ($(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("%d rounds, downtime %.1f ms" % (s["precopy_rounds"], s["downtime_ms"]))' "$work/stats.json"))"
