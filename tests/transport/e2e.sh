#!/bin/sh
# End to end: 64 MiB of random, zero, text and mixed pages (two rounds)
# and a STATE file from a sender in host A to a receiver in host B, over
# tcp and uring, with and without lz4, with and without auth. The
# receiver checks every byte; both print the region's crc32c, which must
# match.
set -u
. "$top_srcdir/tests/lib/hosts.sh"
xfer=$top_builddir/tests/transport/xfer
work=$(mktemp -d /tmp/lmig-e2e.XXXXXX)
hosts_up || { rm -rf "$work"; exit 77; }
trap 'hosts_down; rm -rf "$work"' EXIT
head -c 64 /dev/urandom >"$work/key"
chmod 600 "$work/key"

fail=0 port=7000
for be in tcp uring; do
	for z in "" --compress; do
		for auth in "" key; do
			port=$((port + 1))
			name="$be${z:+ lz4}${auth:+ auth}"
			kr="--insecure" ks=""
			[ -n "$auth" ] && kr="--key $work/key" ks="--key $work/key"
			rm -f "$work/ready"
			# shellcheck disable=SC2086
			host_spawn B "$work/recv.log" "$xfer" recv --transport "$be" $kr \
				--listen "$HOST_B_ADDR" --port $port --ready "$work/ready"
			rpid=$HOSTS_LAST_PID
			if ! wait_for_file "$work/ready" 10; then
				echo "FAIL $name: the receiver did not start"; cat "$work/recv.log"
				fail=1; continue
			fi
			# shellcheck disable=SC2086
			host_exec A timeout 60 "$xfer" send --transport "$be" $ks $z \
				--to "$HOST_B_ADDR" --port $port >"$work/send.log" 2>&1
			src=$?
			host_wait "$rpid" 30
			rrc=$?
			scrc=$(sed -n 's/.*region crc32c \([0-9a-f]*\).*/\1/p' "$work/send.log")
			rcrc=$(sed -n 's/.*region crc32c \([0-9a-f]*\).*/\1/p' "$work/recv.log")
			if [ $src -ne 0 ] || [ $rrc -ne 0 ] || [ -z "$scrc" ] || [ "$scrc" != "$rcrc" ]; then
				echo "FAIL $name: sender $src, receiver $rrc, crc $scrc / $rcrc"
				sed 's/^/  send: /' "$work/send.log"
				sed 's/^/  recv: /' "$work/recv.log"
				fail=1
			else
				echo "ok   $name: $(grep 'pages raw' "$work/send.log" | sed 's/^send: //')"
			fi
		done
	done
done
exit $fail
