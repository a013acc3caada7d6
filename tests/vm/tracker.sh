#!/bin/sh
# The dirty-page tracker tests under Debian's own 6.1 kernel, which has
# soft-dirty (this machine's kernel has not) and no PAGEMAP_SCAN: soft-dirty
# must pass for real, the automatic choice must be soft-dirty, the uffd-wp
# test must skip. (tests/check/check-vm.sh checks that `lmig check` there
# names the same tracker.)
set -u
b=${top_builddir:?run from make check}
t=$b/tests/tracker
exec "${top_srcdir:?}/tests/vm/run-in-vm" --timeout 170 \
	--with "$t/softdirty" --with "$t/auto" --with "$t/uffd" \
	--run "$t/softdirty" \
	--run "$t/auto --expect soft-dirty" \
	--run "$t/uffd; test \$? = 77"
