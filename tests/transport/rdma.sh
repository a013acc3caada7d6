#!/bin/sh
# The rdma back end end to end, as e2e.sh does for tcp and uring: a page
# run from host A to host B over RDMA (RC queue pairs), every byte
# checked. Needs an RDMA device: on a kernel with soft-RoCE, load
# rdma_rxe and the test adds an rxe device on each end of the veth pair
# (tests/vm/ runs it in a VM whose kernel has rxe). Without one it
# skips with the transport's own one-line reason.
set -u
. "$top_srcdir/tests/lib/hosts.sh"
xfer=$top_builddir/tests/transport/xfer
work=$(mktemp -d /tmp/lmig-rdma.XXXXXX)
hosts_up || { rm -rf "$work"; exit 77; }
trap 'hosts_down; rm -rf "$work"' EXIT

if command -v rdma >/dev/null 2>&1 && [ -d /sys/module/rdma_rxe ]; then
	host_exec A rdma link add "rxe$$a" type rxe netdev "lm$$a" 2>/dev/null
	host_exec B rdma link add "rxe$$b" type rxe netdev "lm$$b" 2>/dev/null
fi

fail=0 port=7100
for z in "" --compress; do
	port=$((port + 1))
	rm -f "$work/ready"
	host_spawn B "$work/recv.log" "$xfer" recv --transport rdma --insecure --mib 16 \
		--listen "$HOST_B_ADDR" --port $port --ready "$work/ready"
	rpid=$HOSTS_LAST_PID
	if ! wait_for_file "$work/ready" 10; then
		host_wait "$rpid" 5
		rrc=$?
		if [ $rrc -eq 77 ]; then
			echo "skip: $(grep -o 'rdma: .*' "$work/recv.log" | head -n1)"
			exit 77
		fi
		echo "FAIL rdma: the receiver did not start ($rrc)"; cat "$work/recv.log"
		exit 1
	fi
	host_exec A timeout 60 "$xfer" send --transport rdma $z --mib 16 \
		--to "$HOST_B_ADDR" --port $port >"$work/send.log" 2>&1
	src=$?
	host_wait "$rpid" 30
	rrc=$?
	if [ $src -ne 0 ] || [ $rrc -ne 0 ]; then
		echo "FAIL rdma${z:+ lz4}: sender $src, receiver $rrc"
		sed 's/^/  send: /' "$work/send.log"
		sed 's/^/  recv: /' "$work/recv.log"
		fail=1
	else
		echo "ok   rdma${z:+ lz4}: $(grep 'pages raw' "$work/send.log")"
	fi
done
[ -n "$(ls /sys/class/infiniband 2>/dev/null)" ] &&
	host_exec A rdma link del "rxe$$a" 2>/dev/null
[ -n "$(ls /sys/class/infiniband 2>/dev/null)" ] &&
	host_exec B rdma link del "rxe$$b" 2>/dev/null
exit $fail
