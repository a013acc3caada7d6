# Bounded waits for the test scripts: sourced, not run.

# wait_for FILE REGEX SECONDS: FILE has a line matching REGEX within SECONDS.
wait_for() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -le "$end" ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_gone PID SECONDS: the pid no longer exists (reaped).
wait_gone() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -le "$end" ]; do
		[ -d "/proc/$1" ] || return 0
		sleep 0.05
	done
	return 1
}
