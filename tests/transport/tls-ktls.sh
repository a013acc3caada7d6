#!/bin/bash
# --tls with kernel TLS: this machine's kernel has no "tls" TCP ULP, so
# the test boots Debian's 6.1 kernel in a VM (tests/vm/run-in-vm) with
# the tls module, where tls-ktls-vm.sh sends page runs over tcp and
# uring, with and without lz4, through TLS whose keys lmig handed to the
# kernel; the receiver checks every byte, both sides must say the
# records were sealed by the kernel. Skips only when the VM cannot be
# had.
set -u
src=${top_srcdir:?run from make check}
b=${top_builddir:?run from make check}
. "$src/tests/transport/tls-certs.sh"
certs=$(mktemp -d "${TMPDIR:-/tmp}/lmig-tls-ktls.XXXXXX")
trap 'rm -rf "$certs"' EXIT
tls_certs "$certs" || exit $?
ip=$(command -v ip) || { echo "SKIP: no ip (iproute2)"; exit 77; }
# The kernel seals records with its own gcm(aes): the generic modules (TCG has no AES-NI).
bash "$src/tests/vm/run-in-vm" --timeout 300 --modules "tls aes_generic ctr ghash-generic gcm" \
	--with "$b/tests/transport/xfer" --with "$src/tests/transport/tls-ktls-vm.sh" --with "$src/tests/lib/hosts.sh" \
	--with "$certs" --with "$ip" \
	--run "HOSTS_SH=$src/tests/lib/hosts.sh IP=$ip XFER=$b/tests/transport/xfer CERTS=$certs sh $src/tests/transport/tls-ktls-vm.sh"
