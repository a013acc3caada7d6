#!/bin/bash
# --tls between two test hosts, with a throwaway CA (tls-certs.sh):
# refusals first, each with its message on the sender's side and the
# workload still running in host A, unfrozen: a sender without --tls, a
# sender certificate from another CA, an expired one (refused before it
# connects: the page server would refuse it), a sender that
# trusts another CA, a page server without --tls; --tls over uring
# (refused with one line without kernel TLS); then memdirty live-migrated
# with --tls, lz4 and --auth-key on top, over tcp (and over uring when the
# kernel has TLS), its memory checked in host B.
set -u
. "$top_srcdir/tests/lib/hosts.sh"
. "$top_srcdir/tests/lib/pidns.sh"
. "$top_srcdir/tests/transport/tls-certs.sh"
lmig=$top_builddir/lmig
work=$(mktemp -d /tmp/lmig-tls.XXXXXX)
ps_inits=
cleanup() {
	# The page servers' namespace inits: killing one ends everything restored there.
	for p in $ps_inits; do
		kill -9 "$p" 2>/dev/null
	done
	hosts_down
	rm -rf "$work"
}
hosts_up || { rm -rf "$work"; exit 77; }
trap cleanup EXIT
tls_certs "$work" || exit $?
head -c 32 /dev/urandom >"$work/key"
chmod 600 "$work/key"
c=$work
srv=(--tls --tls-cacert "$c/ca.pem" --tls-cert "$c/server.pem" --tls-key "$c/server.key")
cli=(--tls --tls-cacert "$c/ca.pem" --tls-cert "$c/client.pem" --tls-key "$c/client.key")
fail=0

# wait_log FILE REGEX SECS
wait_log() {
	local t=0
	until grep -qE "$2" "$1" 2>/dev/null; do
		[ "$t" -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

# A page server in host B, in its own pid namespace, serving on after refusals.
start_ps() { # LOG PORT ARGS...
	local log=$1 port=$2 u
	shift 2
	host_spawn B "$log" unshare --pid --fork --mount-proc "$top_builddir/tests/lib/pidns-init" \
		"$lmig" pageserver --port "$port" --address "$HOST_B_ADDR" --keep-going \
		--auth-key "$work/key" "$@"
	u=$HOSTS_LAST_PID
	wait_log "$log" 'listening on|error' 10 && grep -q 'listening on' "$log" ||
		{ echo "FAIL: the page server did not start: $(cat "$log")"; exit 1; }
	ps_init=$(cut -d' ' -f1 "/proc/$u/task/$u/children")
	ps_inits="$ps_inits $ps_init"
}

# memdirty in host A (pid md), writing 10 MiB/s into 64 MiB; its verdicts in $work/out.
start_md() {
	rm -f "$work/out"
	CR_OUT=$work/out host_spawn A "$work/md.err" "$top_builddir/tests/workload/memdirty" \
		--size-mib 64 --rate-mib 10 --pattern random
	md=$HOSTS_LAST_PID
	wait_log "$work/out" '^READY' 30 || { echo "FAIL: memdirty did not start"; exit 1; }
}

start_ps "$work/plain.out" 7101 --insecure
start_ps "$work/ps.out" 7100 "${srv[@]}"
start_md

precopy() { # PORT ARGS...: its exit code; output in $work/pc.out
	local port=$1
	shift
	host_exec A timeout 120 "$lmig" precopy --pid "$md" --to "$HOST_B_ADDR:$port" \
		--auth-key "$work/key" "$@" >"$work/pc.out" 2>&1
}

# refused NAME PORT SENDER-REGEX SERVER-REGEX ARGS...
refused() {
	local name=$1 port=$2 want=$3 want_ps=$4 log=$work/ps.out st
	shift 4
	[ "$port" = 7101 ] && log=$work/plain.out
	precopy "$port" "$@"
	local rc=$?
	st=$(awk '/^State:/ { print $2 }' "/proc/$md/status" 2>/dev/null)
	if [ $rc -eq 0 ] || ! grep -qE -- "$want" "$work/pc.out" || [ -z "$st" ] || [ "$st" = t ] ||
	   { [ -n "$want_ps" ] && ! wait_log "$log" "$want_ps" 5; }; then
		echo "FAIL $name: precopy exited $rc, workload state '${st:-gone}'"
		echo "  want from the sender: $want${want_ps:+; from the page server: $want_ps}"
		sed 's/^/  precopy: /' "$work/pc.out"
		sed 's/^/  pageserver: /' "$log"
		fail=1
		return
	fi
	echo "ok   $name: $(grep -E -- "$want" "$work/pc.out" | head -n1 | sed 's/^lmig: error: //')"
}

refused "sender without --tls" 7100 \
	'TLS mismatch: the page server requires TLS' 'TLS mismatch: the page server requires TLS'
refused "sender certificate from another CA" 7100 \
	"page server refused this side's TLS certificate" 'no TLS certificate signed by this side.s CA' \
	--tls --tls-cacert "$c/ca.pem" --tls-cert "$c/other.pem" --tls-key "$c/other.key"
refused "expired sender certificate" 7100 'the certificate expired on 2020-01-31' '' \
	--tls --tls-cacert "$c/ca.pem" --tls-cert "$c/expired.pem" --tls-key "$c/expired.key"
refused "sender trusting another CA" 7100 \
	"page server's TLS certificate is refused: .*issuer is unknown" 'sender refused the TLS handshake' \
	--tls --tls-cacert "$c/other-ca.pem" --tls-cert "$c/client.pem" --tls-key "$c/client.key"
refused "page server without --tls" 7101 \
	'TLS mismatch: the page server answered without TLS' 'TLS mismatch: the peer speaks TLS' \
	"${cli[@]}"
refused "--tls-cert without --tls-key" 7100 '--tls needs --tls-key' '' \
	--tls --tls-cacert "$c/ca.pem" --tls-cert "$c/client.pem"

# migrate NAME PORT ARGS...: memdirty moves to the page server of
# ps_init (on PORT) in host B and checks its memory there.
migrate() {
	local name=$1 port=$2 hp=
	shift 2
	if ! precopy "$port" "$@"; then
		echo "FAIL $name: the migration failed"
		sed 's/^/  precopy: /' "$work/pc.out"
		sed 's/^/  pageserver: /' "$work/ps.out"
		exit 1
	fi
	for _ in $(seq 100); do
		hp=$(pidns_host_pid "$ps_init" "$md") && break
		sleep 0.1
	done
	[ -n "$hp" ] || { echo "FAIL $name: pid $md does not run in host B"; exit 1; }
	wait "$md" 2>/dev/null	# the source, killed by lmig once the destination runs it
	kill -USR1 "$hp"
	wait_log "$work/out" '^(PASS|FAIL)' 60 && grep -q '^PASS' "$work/out" ||
		{ echo "FAIL $name: memory in host B: $(grep FAIL "$work/out" || echo no answer)"; exit 1; }
	grep -q 'records sealed by' "$work/pc.out" ||
		{ echo "FAIL $name: no line saying how TLS records are sealed"; fail=1; }
	echo "ok   $name: $(grep 'records sealed by' "$work/pc.out" | sed 's/^transport: //')"
	echo "     $(grep 'migrated to' "$work/pc.out")"
}

ktls=
"$lmig" check --json | grep -q '"ktls": {"available": true' && ktls=1
if [ -z "$ktls" ]; then
	refused "--tls over uring without kernel TLS" 7100 \
		'--tls over uring needs kernel TLS' '' --transport uring "${cli[@]}"
fi
migrate "tcp, --tls, lz4, auth key" 7100 "${cli[@]}" --compress lz4
if [ -n "$ktls" ]; then
	# Kernel TLS: uring sends and receives on the socket as it does without TLS.
	start_ps "$work/ps.out" 7102 --transport uring "${srv[@]}"
	start_md
	migrate "uring, --tls (kTLS), lz4, auth key" 7102 --transport uring "${cli[@]}" --compress lz4
	grep -q 'sealed by the kernel' "$work/pc.out" ||
		{ echo "FAIL: uring with --tls did not use kernel TLS"; fail=1; }
fi
exit $fail
