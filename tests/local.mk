# Tests. Each area keeps its own fragment below; programs exit 0 pass,
# 1 fail, 77 skip (printing why), as automake's harness reads them.
include tests/unit/local.mk
include tests/cr/local.mk
include tests/workload/local.mk

TESTS += $(UNIT_TESTS)

# Only the unit tests; scripts/run-tests runs these again under the sanitizers.
check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(UNIT_TESTS)"
.PHONY: check-unit
include tests/parasite/local.mk
include tests/dump/local.mk
include tests/check/local.mk
include tests/tracker/local.mk
include tests/fuzz/local.mk
include tests/restore/local.mk
include tests/transport/local.mk
include tests/vm/local.mk
include tests/sockets/local.mk
include tests/precopy/local.mk
include bench/downtime/local.mk
include tests/services/local.mk
include bench/threads/local.mk
