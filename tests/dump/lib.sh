# Shared by the tests/dump scripts: sourced, not run.
LMIG=${LMIG:?LMIG must name the lmig binary}
top_builddir=${top_builddir:?}
bin=$top_builddir/tests/dump
work=$(mktemp -d "${TMPDIR:-/tmp}/lmig-dump.XXXXXX")
pids=

cleanup() {
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	[ -f "$work/log" ] && tail -n 20 "$work/log" | sed 's/^/  log: /'
	exit 1
}

# wait_file FILE SECONDS: FILE exists.
wait_file() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_grep FILE REGEX SECONDS
wait_grep() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# running_untraced PID: every thread exists, is neither stopped nor traced.
running_untraced() {
	local s st tr
	[ -d "/proc/$1" ] || { echo "pid $1 is gone"; return 1; }
	for s in /proc/"$1"/task/*/status; do
		st=$(awk '/^State:/ {print $2}' "$s")
		tr=$(awk '/^TracerPid:/ {print $2}' "$s")
		case $st in T|t|Z|X) echo "$s: State $st"; return 1;; esac
		[ "$tr" = 0 ] || { echo "$s: TracerPid $tr"; return 1; }
	done
	return 0
}

# counter_moves FILE: the number in FILE grows within 5 s.
counter_moves() {
	local a b i
	a=$(tail -n 1 "$1" 2>/dev/null)
	for ((i = 0; i < 100; i++)); do
		sleep 0.05
		b=$(tail -n 1 "$1" 2>/dev/null)
		[ -n "$b" ] && [ "$b" != "$a" ] && return 0
	done
	return 1
}
