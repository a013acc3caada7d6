#!/bin/bash
# The page server with --images-dir writes ordinary images (pages files
# and the state) instead of restoring; lmig restore -D brings the process
# back from them later.
. "$(dirname "$0")/lib.sh"
start_pageserver_here --images-dir "$work/img"
start_memdirty --size-mib 32 --rate-mib 20 --pattern hotset

precopy "$md_pid" || fail "lmig precopy failed: $(tail -n 3 "$work/precopy.err")"
wait "$md_pid" 2>/dev/null
wait_gone "$md_pid" 10 || fail "the source pid $md_pid still runs after the migration"
wait "$ps_pid" || fail "the page server exited with an error"
for f in inventory.img pstree.img "mm-$md_pid.img" "pagemap-$md_pid.img" "pages-$md_pid.img"; do
	[ -s "$work/img/$f" ] || fail "$f is missing from the images"
done
"$LMIG" show -D "$work/img" >"$work/show.txt" 2>&1 || fail "lmig show cannot read the images"
timeout 60 "$LMIG" restore -D "$work/img" --detach --log-file "$work/restore.log" ||
	fail "lmig restore -D failed: $(tail -n 5 "$work/restore.log")"
kill -0 "$md_pid" 2>/dev/null || fail "restored pid $md_pid does not exist"
check_memory "$md_pid"
wait_gone "$md_pid" 10 || fail "pid $md_pid did not exit after PASS"
echo "PASS $name"
