#!/bin/sh
# `lmig check` under Debian's 6.1 kernel (tests/vm/run-in-vm), the other
# side of what this machine's kernel shows: there soft-dirty works and
# uffd-wp async does not, so the tracker is soft-dirty; with a soft-RoCE
# device on a veth pair, RDMA is found and offered as a transport.
src=${top_srcdir:-$(dirname "$0")/../..}
vm=$src/tests/vm/run-in-vm
[ -f "$vm" ] || { echo "SKIP: $vm is not there"; exit 77; }
[ -n "$LMIG" ] || { echo "FAIL: LMIG is not set"; exit 1; }
verbs_lib=$(ls /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so 2>/dev/null | head -n1)
ip=$(command -v ip) rdma=$(command -v rdma)
[ -n "$verbs_lib" ] && [ -n "$ip" ] && [ -n "$rdma" ] ||
	{ echo "SKIP: needs ibverbs-providers, iproute2 (ip, rdma)"; exit 77; }

# Each grep names what it wants; the first that fails ends the run with 1.
want() { printf 'grep -q %s /tmp/c.json || { echo "missing: %s"; exit 1; }; ' "'$1'" "$1"; }
script="$ip link add va type veth peer name vb && $ip link set va up && $ip link set vb up && \
$rdma link add rxe0 type rxe netdev va || exit 1; \
$LMIG check --json >/tmp/c.json; rc=\$?; cat /tmp/c.json; [ \$rc -eq 0 ] || exit 1; \
$(want '"soft-dirty": {"available": true')\
$(want '"uffd-wp": {"available": false')\
$(want '"rdma": {"available": true')\
$(want '"tracker": "soft-dirty"')\
$(want '"transports": \["tcp", "uring", "rdma"\]')\
$(want '"migration_possible": true')"

exec bash "$vm" --timeout 200 --modules "crc32_generic rdma_rxe ib_uverbs veth" \
	--with "$LMIG" --with "$ip" --with "$rdma" --with /etc/libibverbs.d --with "$verbs_lib" \
	--run "$script"
