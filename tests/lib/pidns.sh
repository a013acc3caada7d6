# Pid namespaces of test hosts (sourced).
#
#   pidns_host_pid INIT NSPID   print the host pid of the process that is
#                               NSPID in the pid namespace whose init is
#                               host pid INIT; fail when there is none.

pidns_host_pid() {
	local want=$2 ns d l
	ns=$(readlink "/proc/$1/ns/pid") || return 1
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		# NSpid: the pid in each namespace, outermost first.
		l=$(awk '/^NSpid:/ { print $2, $NF }' "$d/status" 2>/dev/null) || continue
		set -- $l
		if [ $# -eq 2 ] && [ "$2" = "$want" ] && [ "$1" != "$2" ]; then
			echo "$1"
			return 0
		fi
	done
	return 1
}
