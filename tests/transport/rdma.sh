#!/bin/sh
# The rdma back end end to end, as e2e.sh does for tcp and uring: 16 MiB
# of random, zero, text and mixed pages in two rounds, a STATE file and
# COMMIT from a sender to a receiver over RDMA (RC queue pairs), plain,
# with lz4 and with lz4 and auth; the receiver checks every byte and both
# print the region's crc32c, which must match.
#
# This machine's kernel has no RDMA, so the test runs under Debian's 6.1
# kernel in a VM (tests/vm/run-in-vm) with soft-RoCE (rdma_rxe) on a veth
# pair made inside the VM (tests/transport/rdma-vm.sh does the work
# there). It skips only when the rdma back end is not built or the VM
# cannot be had (qemu, the kernel package, the rxe provider library).
set -u
src=${top_srcdir:?run from make check}
b=${top_builddir:?run from make check}
xfer=$b/tests/transport/xfer
grep -q '^#define HAVE_RDMA 1' "$b/config.h" ||
	{ echo "SKIP: the rdma back end is not built (no libibverbs/librdmacm)"; exit 77; }
provider=$(ls /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so 2>/dev/null | head -n1)
ip=$(command -v ip) rdma=$(command -v rdma)
[ -n "$provider" ] && [ -f /etc/libibverbs.d/rxe.driver ] && [ -n "$ip" ] && [ -n "$rdma" ] ||
	{ echo "SKIP: needs ibverbs-providers (rxe) and iproute2 (ip, rdma)"; exit 77; }

# Only the rxe provider is staged: libibverbs then tries no other driver.
# rdma_ucm gives librdmacm its /dev/infiniband/rdma_cm; crc32_generic must
# be there before rdma_rxe (its ICRC).
exec bash "$src/tests/vm/run-in-vm" --timeout 240 \
	--modules "crc32_generic rdma_rxe ib_uverbs rdma_ucm veth" \
	--with "$xfer" --with "$src/tests/transport/rdma-vm.sh" --with "$src/tests/lib/hosts.sh" \
	--with "$ip" --with "$rdma" --with /etc/libibverbs.d/rxe.driver --with "$provider" \
	--run "HOSTS_SH=$src/tests/lib/hosts.sh IP=$ip RDMA=$rdma XFER=$xfer sh $src/tests/transport/rdma-vm.sh"
