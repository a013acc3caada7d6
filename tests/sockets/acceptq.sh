#!/bin/sh
# Connections the kernel accepted but the process did not yet (a
# listener's accept queue): a server that accepts nothing until told,
# four clients each connected with a request sent (100 B, 3000 B, 64 KiB,
# and 5000 B then shut down: CLOSE_WAIT in the queue). A dump with
# --leave-running takes them out and must put them back in its queue
# (the source carrying on); then dump, kill and restore must put them
# into the restored listener's queue. Told to go, the server accepts all
# four in their order and each client gets the digest of its request;
# a new client is served too. ACCEPTQ_ADDR sets the address (acceptq6.sh:
# ::1).
. "$top_srcdir/tests/sockets/lib.sh"
sk_init "${ACCEPTQ_NAME:-acceptq}"
addr=${ACCEPTQ_ADDR:-127.0.0.1}
py=$top_srcdir/tests/sockets/acceptq.py
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
"$LMIG" check 2>&1 | grep -q "^accept-queue *yes" ||
	{ echo "SKIP: lmig check: this kernel cannot refill accept queues ($("$LMIG" check 2>&1 | grep '^accept-queue'))"; exit 77; }

python3 "$py" server "$addr" "$port" "$work/ready" "$work/go" "$work/server.log" \
	</dev/null >"$work/server.out" 2>&1 &
server=$!
sk_wait_file "$work/ready" 10 || sk_fail "the server did not start"
i=0
for len in 100 3000 65536 "5000 --half-close"; do
	i=$((i + 1))
	# shellcheck disable=SC2086 # len carries the option
	python3 "$py" client "$addr" "$port" $len >"$work/client$i.out" 2>&1 &
	clients="$clients $!"
	sk_wait_recvq $i ltn
done
sk_wait_recvq $((100 + 3000 + 65536 + 5000 + 1)) tn	# every request, and the FIN

sk_dump --pid "$server" -D "$work/img1" --tcp-established --leave-running ||
	sk_fail "dump --leave-running failed"
[ "$(grep -c 'from its accept queue' "$work/dump.log")" -eq 4 ] ||
	sk_fail "the dump did not take the four queued connections"
grep -q "5000 bytes to read, closed by the peer" "$work/dump.log" ||
	sk_fail "the half-closed connection was not taken with its data and FIN"
sk_wait_recvq 4 ltn
mv "$work/dump.log" "$work/dump1.log"

sk_dump_restore
grep -q "4 connections back in the accept queue" "$work/restore.log" ||
	sk_fail "the restore did not refill the accept queue"
sk_wait_recvq 4 ltn

touch "$work/go"
sk_wait_clients 60 || sk_fail "a queued client did not get its answer"
order=$(awk '{ print $2 }' "$work/server.log" | tr '\n' ' ')
want=$(for i in 1 2 3 4; do awk '/^port/ { print $2 }' "$work/client$i.out"; done | tr '\n' ' ')
[ "$order" = "$want" ] || sk_fail "accepted in the order $order, connected in the order $want"
timeout 30 python3 "$py" client "$addr" "$port" 2000 >"$work/client5.out" 2>&1 ||
	sk_fail "the restored listener does not serve a new client"
echo "PASS $name ($addr): 4 queued connections (one half-closed, one with 64 KiB unread) put back after --leave-running and after restore, accepted in order"
exit 0
