# Tests that boot Debian's linux-image-amd64 (6.1) under qemu (TCG) for what
# this machine's kernel lacks; run-in-vm is the harness (README.md beside it).
VM_TESTS = %reldir%/tracker.sh
TESTS += $(VM_TESTS)
EXTRA_DIST += %reldir%/run-in-vm %reldir%/README.md $(VM_TESTS)

# Only the VM tests (they need the tracker test programs and lmig built).
check-vm:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(VM_TESTS)"
.PHONY: check-vm
VM_TESTS += %reldir%/precopy-softdirty.sh
EXTRA_DIST += %reldir%/precopy-softdirty-vm.sh %reldir%/precopy-throttle-vm.sh %reldir%/precopy-vm-lib.sh
