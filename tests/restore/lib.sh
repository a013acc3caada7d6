# Shared by the restore tests: sourced, not run.
#
# Each test re-executes itself under tests/cr/subreaper, so that processes
# restored with --detach are re-parented to it (and reaped by it) rather
# than to PID 1, which reaps slowly here and keeps pids busy.
# Exit codes: 0 pass, 1 fail, 77 skip.
set -u
LMIG=${LMIG:?LMIG must name the lmig binary}
top_builddir=${top_builddir:?top_builddir must be set}
. "$(dirname "$0")/../lib/wait.sh"
if [ -z "${RESTORE_TEST_REAPED:-}" ]; then
	RESTORE_TEST_REAPED=1 exec "$top_builddir/tests/cr/subreaper" bash "$0" "$@"
fi

name=$(basename "$0" .sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-restore-$name.XXXXXX")
pids=

cleanup() {
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL $name: $*"
	for f in "$work"/out "$work"/log; do
		[ -f "$f" ] && tail -n 20 "$f" | sed "s|^|  $(basename "$f"): |"
	done
	exit 1
}

# maps_of PID: ranges, protections and names, as restore must give them back.
maps_of() {
	awk '{ print $1, $2, $6 }' "/proc/$1/maps"
}

# dump_kill PID: dump into $work/img (lmig kills it), reap it.
dump_kill() {
	mkdir -p "$work/img"
	timeout 60 "$LMIG" dump --pid "$1" -D "$work/img" --log-file "$work/log" ||
		fail "lmig dump of pid $1 failed"
	wait "$1" 2>/dev/null
	wait_gone "$1" 10 || fail "pid $1 still exists after the dump"
}

# restore_detach PID: restore from $work/img and check the pid is back.
restore_detach() {
	timeout 60 "$LMIG" restore -D "$work/img" --detach --log-file "$work/log" ||
		fail "lmig restore failed"
	kill -0 "$1" 2>/dev/null || fail "restored pid $1 does not exist"
}
