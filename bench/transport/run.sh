#!/bin/sh
# Benchmark (not a test): stream pages between the two test hosts
# (tests/lib/hosts.sh) through each transport back end, beside a plain
# TCP socket sender/receiver ("raw") in the same run. Each case runs
# REPEAT times, the order of the cases alternating (forwards, backwards)
# so that warm-up and memory effects do not favour one; the table gives
# the median, min and max of GiB/s and CPU seconds per GiB on each side.
#
#   bench/transport/run.sh BUILDDIR [GIB [REPEAT]]      (defaults 4, 3)
#
# Cases: raw, tcp, uring, rdma (when a device exists) on random pages;
# tcp and uring on "mixed" pages (half zero, half text) without and
# with lz4; raw on mixed (the same bytes, no zero elision); tcp+lz4 on
# random (the adaptive choice must not make incompressible pages
# slower). CASES="tcp:random uring:random ..." runs only those.
# RATE=1gbit (or 10gbit, 500mbit: tc units) shapes host A's end of the
# veth pair with tc tbf to stand for a real NIC slower than memory; the
# bucket holds 10 ms at that rate (at least 1 MiB: a 64 KiB GSO packet
# must fit), BURST=... overrides it. Under shaping the kernel's queue
# work lands partly on the receiver's CPU time. Needs root (network
# namespaces). Prints a Markdown table.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILDDIR [GIB [REPEAT]]}" && pwd) || exit 1
gib=${2:-4}
repeat=${3:-3}
xfer=$build/tests/transport/xfer
make -C "$build" -s tests/transport/xfer || exit 1
. "$top/tests/lib/hosts.sh"
work=$(mktemp -d /tmp/lmig-bench.XXXXXX)
hosts_up || { rm -rf "$work"; exit 1; }
trap 'hosts_down; rm -rf "$work"' EXIT
# Bytes per second of a tc rate such as 10gbit, 500mbit (decimal units).
rate_bytes() {
	case $1 in
	*gbit) echo $((${1%gbit} * 125000000)) ;;
	*mbit) echo $((${1%mbit} * 125000)) ;;
	*kbit) echo $((${1%kbit} * 125)) ;;
	*) return 1 ;;
	esac
}
if [ -n "${RATE:-}" ]; then
	burst=${BURST:-}
	if [ -z "$burst" ]; then
		bps=$(rate_bytes "$RATE") || { echo "bench: RATE=$RATE: use kbit, mbit or gbit" >&2; exit 1; }
		burst=$((bps / 100 > 1048576 ? bps / 100 : 1048576))
	fi
	host_exec A tc qdisc add dev "lm$$a" root tbf rate "$RATE" burst "$burst" latency 50ms ||
		{ echo "bench: cannot shape the link to $RATE" >&2; exit 1; }
fi

cases=${CASES:-"raw:random tcp:random uring:random tcp+lz4:random raw:mixed tcp:mixed tcp+lz4:mixed uring:mixed uring+lz4:mixed"}
if [ -z "${CASES:-}" ]; then
	"$xfer" recv --transport rdma --listen 127.0.0.1 --port 1 2>/dev/null
	[ $? -ne 77 ] && cases="$cases rdma:random"
fi
# Cases with +tls (tcp+tls:random) run in TLS with a throwaway CA.
case " $cases " in *+tls*)
	. "$top/tests/transport/tls-certs.sh"
	tls_certs "$work" || exit 1 ;;
esac
port=7200
rev=""
for c in $cases; do rev="$c $rev"; done

run_case() { # CASE RUN
	be=${1%%:*} kind=${1#*:} z="" tr="" ts=""
	case $be in *+tls*)
		be=${be%%+tls*}${be#*+tls}
		tr="--tls --tls-cacert $work/ca.pem --tls-cert $work/server.pem --tls-key $work/server.key"
		ts="--tls --tls-cacert $work/ca.pem --tls-cert $work/client.pem --tls-key $work/client.key" ;;
	esac
	case $be in *+lz4) be=${be%+lz4}; z=--compress ;; esac
	port=$((port + 1))
	load=$(cut -d' ' -f1 /proc/loadavg)
	rm -f "$work/ready"
	# shellcheck disable=SC2086
	host_spawn B "$work/recv.log" "$xfer" recv --mode bench --transport "$be" --insecure $tr \
		--kind "$kind" --gib "$gib" --listen "$HOST_B_ADDR" --port $port --ready "$work/ready"
	rpid=$HOSTS_LAST_PID
	wait_for_file "$work/ready" 10 || { echo "bench: $1: receiver did not start" >&2; return 1; }
	# shellcheck disable=SC2086
	host_exec A timeout 300 "$xfer" send --mode bench --transport "$be" $z $ts --kind "$kind" \
		--gib "$gib" --to "$HOST_B_ADDR" --port $port >"$work/send.log" 2>&1
	host_wait "$rpid" 60
	s=$(grep '^bench send' "$work/send.log") r=$(grep '^bench recv' "$work/recv.log")
	[ -n "$s" ] && [ -n "$r" ] || { echo "bench: $1 failed" >&2; cat "$work/send.log" "$work/recv.log" >&2; return 1; }
	# case gibps send_cpu recv_cpu run load
	echo "$1 $(echo "$s" | awk '{print $(NF-4)}') $(echo "$s" | awk '{print $(NF-2)}') $(echo "$r" | awk '{print $(NF-2)}') $2 $load" >>"$work/results"
	echo "  $1 run $2: $(echo "$s" | sed 's/.*= //')  | recv $(echo "$r" | sed 's/.*GiB\/s, //')  | load $load" >&2
}

i=0
while [ $i -lt "$repeat" ]; do
	if [ $((i % 2)) -eq 0 ]; then order=$cases; else order=$rev; fi
	for c in $order; do run_case "$c" $((i + 1)); done
	i=$((i + 1))
done

echo
stat() { # column
	sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f (%.2f..%.2f)", v[int((NR + 1) / 2)], v[1], v[NR]; else printf "-" }'
}
echo "$gib GiB per run, $repeat runs per case${RATE:+, link shaped to $RATE (tbf, burst $burst)}; median (min..max);"
echo "load average before a run $(awk '{print $6}' "$work/results" | stat)"
echo
echo "\"vs raw\": each run's GiB/s over that of raw on the same pages in the same"
echo "round (the two ran minutes apart at most, under the same load)."
echo
echo "| case | GiB/s | vs raw | sender CPU s/GiB | receiver CPU s/GiB |"
echo "|---|---|---|---|---|"
for c in $cases; do
	g=$(grep "^$c " "$work/results" | awk '{print $2}' | stat)
	v=$(awk -v c="$c" -v b="raw:${c#*:}" '$1 == b { base[$5] = $2 } $1 == c { v[$5] = $2 }
		END { for (r in v) if (base[r] > 0) print v[r] / base[r] }' "$work/results" | stat)
	sc=$(grep "^$c " "$work/results" | awk '{print $3}' | stat)
	rc=$(grep "^$c " "$work/results" | awk '{print $4}' | stat)
	echo "| $c | $g | $v | $sc | $rc |"
done
