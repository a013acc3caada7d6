# Two test hosts on one machine, for tests and benchmarks (sourced).
#
#   . tests/lib/hosts.sh
#   hosts_up || exit 77          # A and B, joined by a veth pair
#   host_exec B cmd args...       # run a command in host B (foreground)
#   pid=$(host_spawn A out.log cmd args...)   # in the background
#   host_wait "$pid" 30           # bounded wait, its exit code (124: killed)
#   wait_for_file FILE 10         # bounded wait for a file to appear
#
# Host A is 198.18.0.1/24 and host B 198.18.0.2/24 (HOST_A_ADDR,
# HOST_B_ADDR), in network namespaces named after this shell's pid, so
# that concurrent runs do not meet. Each host has only its loopback and
# its end of the veth pair: no route leads out of them. hosts_up sets an
# EXIT trap that kills what host_spawn started (by pid) and removes the
# namespaces; call hosts_down yourself if you replace the trap.

HOST_A_ADDR=198.18.0.1
HOST_B_ADDR=198.18.0.2
HOSTS_NS_A="lmig-$$-a"
HOSTS_NS_B="lmig-$$-b"
HOSTS_PIDS=""

# Prints why when the hosts cannot be made here (not root, no ip, no netns).
hosts_up() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "hosts: need root to create network namespaces"
		return 1
	fi
	if ! command -v ip >/dev/null 2>&1; then
		echo "hosts: no ip command (apt-get install iproute2)"
		return 1
	fi
	trap hosts_down EXIT
	trap 'exit 130' INT TERM
	ip netns add "$HOSTS_NS_A" && ip netns add "$HOSTS_NS_B" &&
	ip link add "lm$$a" netns "$HOSTS_NS_A" type veth peer name "lm$$b" netns "$HOSTS_NS_B" &&
	ip -n "$HOSTS_NS_A" link set lo up && ip -n "$HOSTS_NS_B" link set lo up &&
	ip -n "$HOSTS_NS_A" addr add "$HOST_A_ADDR/24" dev "lm$$a" &&
	ip -n "$HOSTS_NS_B" addr add "$HOST_B_ADDR/24" dev "lm$$b" &&
	ip -n "$HOSTS_NS_A" link set "lm$$a" up &&
	ip -n "$HOSTS_NS_B" link set "lm$$b" up || {
		echo "hosts: cannot create the network namespaces and veth pair"
		return 1
	}
	# Bounded wait for both ends to have carrier (no ping on these machines).
	i=0
	while ! ip -n "$HOSTS_NS_A" link show "lm$$a" | grep -q LOWER_UP ||
	      ! ip -n "$HOSTS_NS_B" link show "lm$$b" | grep -q LOWER_UP; do
		i=$((i + 1))
		if [ "$i" -ge 50 ]; then
			echo "hosts: the veth pair between host A and host B has no carrier"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

hosts_down() {
	for p in $HOSTS_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $HOSTS_PIDS; do
		wait "$p" 2>/dev/null
	done
	HOSTS_PIDS=""
	# Deleting a namespace removes its end of the veth pair, and the pair with it.
	ip netns del "$HOSTS_NS_A" 2>/dev/null
	ip netns del "$HOSTS_NS_B" 2>/dev/null
	return 0
}

host_ns() {
	case $1 in
	A) echo "$HOSTS_NS_A" ;;
	B) echo "$HOSTS_NS_B" ;;
	*) echo "hosts: no host '$1' (A or B)" >&2; return 1 ;;
	esac
}

host_exec() {
	ns=$(host_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# host_spawn HOST LOG cmd...: start in the background, print the pid.
# The caller must not run it in a subshell if it wants the EXIT trap to
# know the pid: use `host_spawn ... >pidfile` or read HOSTS_LAST_PID.
host_spawn() {
	ns=$(host_ns "$1") || return 1
	log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	HOSTS_LAST_PID=$!
	HOSTS_PIDS="$HOSTS_PIDS $HOSTS_LAST_PID"
}

# host_wait PID SECS: its exit code, or 124 after killing it at the limit.
host_wait() {
	pid=$1 secs=$2 t=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$t" -ge $((secs * 10)) ]; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 124
		fi
		sleep 0.1
		t=$((t + 1))
	done
	wait "$pid"
}

wait_for_file() {
	t=0
	while [ ! -e "$1" ]; do
		[ "$t" -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
	return 0
}
