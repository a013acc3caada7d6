#!/bin/sh
# Inside the VM (tests/transport/tls-ktls.sh starts it through run-in-vm;
# busybox sh): 16 MiB of page runs in two rounds, a STATE file and
# COMMIT, over tcp and uring, with and without lz4, all in TLS that lmig
# handed to the kernel (kTLS); the receiver checks every byte, the crc32c
# of both sides must match and both must say "sealed by the kernel".
#
#   IP=... XFER=... CERTS=DIR sh tls-ktls-vm.sh
set -u
: "${IP:?}" "${XFER:?}" "${CERTS:?}" "${HOSTS_SH:?}"
work=/tmp/tls-vm
mkdir -p "$work" || exit 1
"$IP" link set lo up || { echo "FAIL: cannot bring up lo"; exit 1; }
echo "tcp_available_ulp: $(cat /proc/sys/net/ipv4/tcp_available_ulp)"
srv="--tls --tls-cacert $CERTS/ca.pem --tls-cert $CERTS/server.pem --tls-key $CERTS/server.key"
cli="--tls --tls-cacert $CERTS/ca.pem --tls-cert $CERTS/client.pem --tls-key $CERTS/client.key"

# host_wait PID SECS (bounded wait for a pid) from the staged tests/lib/hosts.sh.
. "$HOSTS_SH"

fail=0 port=7300
for be in tcp uring; do
	for z in "" --compress; do
		port=$((port + 1))
		name="$be tls${z:+ lz4}"
		rm -f "$work/ready"
		# shellcheck disable=SC2086
		"$XFER" recv --transport "$be" $srv --mib 16 --listen 127.0.0.1 --port $port \
			--ready "$work/ready" >"$work/recv.log" 2>&1 &
		rpid=$!
		t=0
		while [ ! -e "$work/ready" ] && [ $t -lt 200 ] && kill -0 $rpid 2>/dev/null; do
			sleep 0.1
			t=$((t + 1))
		done
		# shellcheck disable=SC2086
		timeout 120 "$XFER" send --transport "$be" $cli $z --mib 16 --to 127.0.0.1 \
			--port $port >"$work/send.log" 2>&1
		src=$?
		host_wait $rpid 60
		rrc=$?
		scrc=$(sed -n 's/.*region crc32c \([0-9a-f]*\).*/\1/p' "$work/send.log")
		rcrc=$(sed -n 's/.*region crc32c \([0-9a-f]*\).*/\1/p' "$work/recv.log")
		if [ $src -ne 0 ] || [ $rrc -ne 0 ] || [ -z "$scrc" ] || [ "$scrc" != "$rcrc" ] ||
		   ! grep -q 'sealed by the kernel' "$work/send.log" ||
		   ! grep -q 'sealed by the kernel' "$work/recv.log"; then
			echo "FAIL $name: sender $src, receiver $rrc, crc $scrc / $rcrc"
			sed 's/^/  send: /' "$work/send.log"
			sed 's/^/  recv: /' "$work/recv.log"
			fail=1
		else
			echo "ok   $name: $(grep 'sealed by' "$work/send.log" | sed 's/.*: TLS/TLS/')"
		fi
	done
done
exit $fail
