#!/bin/bash
# Failure is never data loss: the page server exits (LMIG_FAULT) in
# round 0, in a later round and during the final transfer. Each time
# lmig precopy exits non-zero naming the cause, and the source runs on
# as before (not stopped, not traced) with every page intact.
. "$(dirname "$0")/lib.sh"
need_pidns

for fault in pageserver-exit-round=0 pageserver-exit-round=2 pageserver-exit-final; do
	rm -f "$work/out" "$work/stats.json" "$work/precopy.err" "$work/ps.log"
	export LMIG_FAULT=$fault
	start_pageserver
	unset LMIG_FAULT
	start_memdirty --size-mib 32 --rate-mib 20 --pattern random
	# --max-downtime 0: keep going round after round, so that round 2 is reached.
	if precopy "$md_pid" --max-downtime 0 --max-rounds 4; then
		fail "$fault: lmig precopy succeeded"
	fi
	case $fault in
	*round=*) where="pre-copy round ${fault#*=}" ;;
	*) where="the final round" ;;
	esac
	grep -q "exiting in $where" "$work/ps.log" || fail "$fault: the page server did not exit in $where"
	grep -q 'migration failed: .*the page server closed the connection' "$work/precopy.err" ||
		fail "$fault: the error does not name the cause: $(cat "$work/precopy.err")"
	st=$(awk '/^State:/ { print $2 }' "/proc/$md_pid/status" 2>/dev/null)
	tr=$(awk '/^TracerPid:/ { print $2 }' "/proc/$md_pid/status" 2>/dev/null)
	case $st in
	R|S) ;;
	*) fail "$fault: the source is in state '$st' after the failure" ;;
	esac
	[ "$tr" = 0 ] || fail "$fault: the source is still traced (TracerPid $tr)"
	grep -q uffd "/proc/$md_pid/fdinfo/"* 2>/dev/null && fail "$fault: a userfaultfd is left in the source"
	# Closing our userfaultfd unregistered every area: no "uw" (uffd-wp) VmFlags left.
	grep '^VmFlags:.* uw' "/proc/$md_pid/smaps" >/dev/null &&
		fail "$fault: areas of the source are still registered for uffd-wp"
	# It goes on writing: the version count moves (checked by the workload itself below).
	sleep 0.3
	check_memory "$md_pid"
	wait "$md_pid" 2>/dev/null
	kill -9 "$ps_init" 2>/dev/null
	ps_init=
	echo "ok $fault: $(grep -o 'migration failed: .*' "$work/precopy.err" | head -n 1)"
done
echo "PASS $name"
