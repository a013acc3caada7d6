#!/bin/sh
# Live migration tracked by soft-dirty, for real: this machine's kernel has
# no soft-dirty, Debian's 6.1 kernel in the VM has. precopy-softdirty-vm.sh
# runs there: memdirty, then mtdirty (four threads writing), moved by
# `lmig precopy --tracker soft-dirty` over loopback into a page server in
# another pid namespace, every page checked. precopy-throttle-vm.sh then
# runs the throttle's cgroup v2 cpu.max path, which this machine's cgroup
# v1 cpu controller rules out (memdirty writing as fast as it can).
set -u
b=${top_builddir:?run from make check}
src=${top_srcdir:?run from make check}
[ -n "${LMIG:-}" ] || { echo "FAIL: LMIG is not set"; exit 1; }
bash=$(command -v bash) unshare=$(command -v unshare) ||
	{ echo "SKIP: needs bash and unshare (util-linux) to stage into the VM"; exit 77; }
exec "$src/tests/vm/run-in-vm" --timeout 300 \
	--with "$LMIG" --with "$b/tests/workload/memdirty" --with "$b/tests/precopy/mtdirty" \
	--with "$b/tests/lib/pidns-init" \
	--with "$bash" --with "$unshare" --with "$src/tests/lib/pidns.sh" --with "$src/tests/lib/wait.sh" \
	--with "$src/tests/vm/precopy-vm-lib.sh" \
	--with "$src/tests/vm/precopy-softdirty-vm.sh" --with "$src/tests/vm/precopy-throttle-vm.sh" \
	--run "$bash $src/tests/vm/precopy-softdirty-vm.sh $LMIG $b $src memdirty" \
	--run "$bash $src/tests/vm/precopy-softdirty-vm.sh $LMIG $b $src mtdirty" \
	--run "$bash $src/tests/vm/precopy-throttle-vm.sh $LMIG $b $src"
