#!/bin/sh
# Inside the VM (tests/transport/rdma.sh starts it through run-in-vm;
# busybox sh): page runs over the rdma back end between a sender and a
# receiver on soft-RoCE, every byte checked.
#
#   IP=... RDMA=... XFER=... sh rdma-vm.sh
#
# The network is a veth pair va (198.18.0.1) / vb (198.18.0.2) with an
# rxe device on each end, both in the VM's one network namespace: 6.1's
# rxe cannot be created inside another namespace (`rdma link add` there
# fails), so sender and receiver run side by side. The receiver listens
# on vb's address; rxe hands packets for its own address back to itself
# without putting them on the veth, so this exercises the verbs path
# (connection manager, queue pairs, completions, credits) but not the
# wire. Tools are called by full path: busybox sh prefers its own
# applets (whose ip knows no veth).
set -u
: "${IP:?}" "${RDMA:?}" "${XFER:?}" "${HOSTS_SH:?}"
work=/tmp/rdma-vm
mkdir -p "$work" || exit 1
head -c 64 /dev/urandom >"$work/key"

"$IP" link add va type veth peer name vb &&
"$IP" addr add 198.18.0.1/24 dev va && "$IP" addr add 198.18.0.2/24 dev vb &&
"$IP" link set va up && "$IP" link set vb up &&
"$RDMA" link add rxe0 type rxe netdev va &&
"$RDMA" link add rxe1 type rxe netdev vb || { echo "FAIL: cannot set up veth and rxe"; exit 1; }
"$RDMA" link

# host_wait PID SECS (bounded wait for a pid) from the staged tests/lib/hosts.sh.
. "$HOSTS_SH"

fail=0 port=7100
for opts in "" "--compress" "--compress --key"; do
	port=$((port + 1))
	name="rdma${opts:+ $opts}"
	ks="" kr="--insecure"
	case $opts in *--key*) opts=${opts%--key}; ks="--key $work/key" kr="$ks" ;; esac
	rm -f "$work/ready"
	# shellcheck disable=SC2086
	"$XFER" recv --transport rdma $kr --mib 16 --listen 198.18.0.2 --port $port \
		--ready "$work/ready" >"$work/recv.log" 2>&1 &
	rpid=$!
	t=0
	while [ ! -e "$work/ready" ] && [ $t -lt 200 ] && kill -0 $rpid 2>/dev/null; do
		sleep 0.1
		t=$((t + 1))
	done
	# shellcheck disable=SC2086
	timeout 120 "$XFER" send --transport rdma $opts $ks --mib 16 --to 198.18.0.2 \
		--port $port >"$work/send.log" 2>&1
	src=$?
	host_wait $rpid 60
	rrc=$?
	scrc=$(sed -n 's/.*region crc32c \([0-9a-f]*\).*/\1/p' "$work/send.log")
	rcrc=$(sed -n 's/.*region crc32c \([0-9a-f]*\).*/\1/p' "$work/recv.log")
	if [ $src -ne 0 ] || [ $rrc -ne 0 ] || [ -z "$scrc" ] || [ "$scrc" != "$rcrc" ]; then
		echo "FAIL $name: sender $src, receiver $rrc, crc $scrc / $rcrc"
		sed 's/^/  send: /' "$work/send.log"
		sed 's/^/  recv: /' "$work/recv.log"
		fail=1
	else
		echo "ok   $name: crc $scrc both sides; $(grep 'pages raw' "$work/send.log" | sed 's/^send: //')"
	fi
done
"$RDMA" statistic show link rxe1/1 2>/dev/null
exit $fail
