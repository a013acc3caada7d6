#!/bin/sh
# Fast start from a checkpoint: a warmed-up server (counter-server, which
# spends a while building a table before it listens, then has answered
# three requests) is checkpointed once with dump --leave-running; three
# copies are restored side by side from the one checkpoint, each with
# `lmig restore --new-pidns --netns`: in a pid namespace of its own (the
# same pid in each) and a network namespace of its own (the same address
# and port in each). Each copy, and the original, goes on from the
# checkpoint's state independently (each answers 4, then 5), and killing
# a copy's namespace init ends that copy only.
. "$top_srcdir/tests/services/lib.sh"
svc_init "${SVC_NAME:-$(basename "$0" .sh)}"
svc_need ip "Debian package iproute2"
svc_need curl "Debian package curl"
srv=$top_builddir/tests/services/counter-server
[ -x "$srv" ] || svc_skip "tests/services/counter-server is not built"
copies=3
nets=
mknet() {
	ip netns add "$1" && ip -n "$1" link set lo up || svc_fail "cannot create network namespace $1"
	nets="$nets $1"
}
trap 'for n in $nets; do ip netns del $n; done; svc_cleanup' EXIT
for i in 0 $(seq $copies); do
	mknet "lmig-fs$$-$i"
done
get() {
	ip netns exec "lmig-fs$$-$1" curl -s --max-time 10 "http://127.0.0.1:$port/"
}

ip netns exec "lmig-fs$$-0" "$srv" 127.0.0.1 "$port" "$work/ready" --warmup-ms 500 \
	</dev/null >"$work/server.log" 2>&1 &
server=$!
started=$server
svc_wait_file "$work/ready" 20 || svc_fail "counter-server did not start"
for want in 1 2 3; do
	[ "$(get 0)" = "$want" ] || svc_fail "the original did not answer $want"
done
timeout 60 "$LMIG" dump -v --log-file "$work/dump.log" --pid "$server" -D "$work/ckpt" --leave-running \
	2>"$work/dump.err" || svc_fail "dump --leave-running failed: $(grep -m1 error "$work/dump.err")"

for i in $(seq $copies); do
	"$LMIG" restore --help | grep -q -- --new-pidns || svc_skip "lmig restore has no --new-pidns"
	timeout 60 "$LMIG" restore -v --log-file "$work/restore$i.log" -D "$work/ckpt" --new-pidns \
		--netns "/run/netns/lmig-fs$$-$i" --detach --pidfile "$work/copy$i.pid" 2>"$work/restore$i.err" ||
		svc_fail "copy $i: restore failed: $(grep -m1 error "$work/restore$i.err")"
	svc_restored "$work/copy$i.pid" || svc_fail "copy $i does not run"
	hp=$restored
	nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/$hp/status")
	[ "$nspid" = "$server" ] || svc_fail "copy $i has pid $nspid in its namespace, not $server"
	eval "copy$i=$hp"
done
for want in 4 5; do
	for i in 0 $(seq $copies); do
		got=$(get "$i")
		[ "$got" = "$want" ] || svc_fail "copy $i answered '$got', want $want (each goes on from 3 alone)"
	done
done
echo "the original and $copies copies (pid $server in each namespace) each went on 4, 5 from the checkpoint"

# Killing the first copy's init ends that copy only.
init1=$(awk '/^PPid:/ { print $2 }' "/proc/$copy1/status")
kill -9 "$init1"
t=0
while [ -d "/proc/$copy1" ]; do
	t=$((t + 1))
	[ $t -ge 100 ] && svc_fail "copy 1 outlived its namespace's init"
	sleep 0.1
done
[ "$(get 2)" = 6 ] || svc_fail "copy 2 stopped with copy 1"
echo "PASS $name: $copies copies of one checkpoint ran side by side, each from the checkpoint's state"
exit 0
