#!/bin/bash
# Runs inside the 6.1 VM (tests/vm/precopy-softdirty.sh stages it): memdirty
# (or mtdirty: four threads writing)
# live-migrated by `lmig precopy --tracker soft-dirty` over loopback into
# `lmig pageserver` in its own pid namespace. The pre-copy rounds must be
# tracked by soft-dirty (the stats name it, and round 1 sends the pages
# written since round 0, not all of them), the source must be gone, and
# the restored memdirty must find every page it wrote.
#
#   precopy-softdirty-vm.sh LMIG BUILDDIR SRCDIR [memdirty|mtdirty]
set -u
LMIG=$1 b=$2 src=$3 wl=${4:-memdirty}
case $wl in
memdirty) port=7001 wl_cmd=("$b/tests/workload/memdirty" --size-mib 8 --rate-mib 1 --pattern random) ;;
mtdirty) port=7002 wl_cmd=("$b/tests/precopy/mtdirty" --threads 4 --size-mib 8 --rate-mib 0.25) ;;
*) echo "FAIL: unknown workload $wl"; exit 1 ;;
esac
work=/tmp/pcsd-$wl
mkdir -p "$work"
md_pid= ps_init=

fail() {
	echo "FAIL: $*"
	for f in "$work"/out "$work"/precopy.out "$work"/precopy.log "$work"/ps.out "$work"/ps.log; do
		[ -f "$f" ] && tail -n 15 "$f" | sed "s|^|  $(basename "$f"): |"
	done
	exit 1
}
. "$src/tests/vm/precopy-vm-lib.sh"

# stat_num KEY: the first number after "KEY": in the stats.
stat_num() {
	sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p" "$work/stats.json" | head -n1
}

[ -e /proc/self/clear_refs ] || fail "no /proc/self/clear_refs in this kernel"
# Soft-dirty marks a whole transparent huge page dirty on one write: with
# THP, a few random writes make all of memdirty's 8 MiB dirty and the
# rounds could not show that only the written pages are sent. (The VM's
# own setting; this machine is not touched.)
thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w $thp ] && echo never >$thp

vm_pageserver

CR_OUT=$work/out "${wl_cmd[@]}" \
	</dev/null >/dev/null 2>"$work/md.err" &
md_pid=$!
wait_for "$work/out" '^READY' 60 || fail "$wl: no READY within 60 s: $(cat "$work/md.err")"

# TCG is slow: let the workload write a while so that round 1 has something to send.
sleep 1
timeout 150 "$LMIG" precopy --pid "$md_pid" --to 127.0.0.1:$port --tracker soft-dirty \
	--max-downtime 10000 --stats-json "$work/stats.json" --log-file "$work/precopy.log" \
	>"$work/precopy.out" 2>&1
rc=$?
cat "$work/precopy.out"
[ $rc -eq 0 ] || fail "lmig precopy --tracker soft-dirty exited $rc"
grep -q '"ok": true' "$work/stats.json" || fail "the stats say it failed: $(cat "$work/stats.json")"
grep -q '"tracker": "soft-dirty"' "$work/stats.json" ||
	fail "the stats name another tracker: $(grep tracker "$work/stats.json")"
n=$(stat_num precopy_rounds)
[ "${n:-0}" -ge 1 ] || fail "no pre-copy round after round 0: $(cat "$work/stats.json")"
# Round 0 sends every page; round 1 (the second entry) only those written since.
r0=$(sed -n 's/.*"round": 0, "final": false, "dirty_pages": [0-9]*, "pages": \([0-9]*\).*/\1/p' "$work/stats.json")
d1=$(sed -n 's/.*"round": 1, "final": false, "dirty_pages": \([0-9]*\).*/\1/p' "$work/stats.json")
[ -n "$r0" ] && [ -n "$d1" ] || fail "rounds 0 and 1 not in the stats: $(cat "$work/stats.json")"
[ "$d1" -gt 0 ] || fail "soft-dirty saw no page written between round 0 and round 1"
[ "$d1" -lt $((r0 * 3 / 4)) ] ||
	fail "round 1 found $d1 dirty pages, round 0 sent $r0: soft-dirty does not track single pages"
# The final round sends what was written since round 1's collect, not the
# whole area (the parasite's mapping once made all of it soft-dirty).
fp=$(sed -n 's/.*"final": true, "dirty_pages": [0-9]*, "pages": \([0-9]*\).*/\1/p' "$work/stats.json")
[ -n "$fp" ] || fail "no final round in the stats: $(cat "$work/stats.json")"
[ "$fp" -lt $((r0 / 2)) ] || fail "the final round sent $fp pages of the $r0 round 0 sent"

wait "$md_pid" 2>/dev/null
wait_gone "$md_pid" 20 || fail "the source pid $md_pid still runs after the migration"
vm_check_restored "$md_pid" "$wl"
echo "PASS: soft-dirty pre-copy of $wl: $n round(s), round 0 sent $r0 pages, round 1 found $d1 dirty, the final round sent $fp; every page intact"
