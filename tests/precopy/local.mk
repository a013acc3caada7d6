# Live migration tests: lmig precopy into lmig pageserver, the page
# server in its own pid namespace (tests/lib/pidns-init as its pid 1).
check_PROGRAMS += tests/lib/pidns-init
tests_lib_pidns_init_SOURCES = tests/lib/pidns-init.c

PRECOPY_TESTS = %reldir%/memdirty.sh %reldir%/stop-and-copy.sh %reldir%/images-dir.sh \
	%reldir%/rollback.sh %reldir%/looper.sh %reldir%/two-hosts.sh \
	%reldir%/throttle.sh
PRECOPY_TESTS += %reldir%/threads.sh
TESTS += $(PRECOPY_TESTS)
EXTRA_DIST += $(PRECOPY_TESTS) %reldir%/lib.sh %reldir%/bench.sh

# threads.sh: several threads dirtying memory while they are migrated.
check_PROGRAMS += %reldir%/mtdirty
%canon_reldir%_mtdirty_LDADD = tests/cr/libcrtest.a -lpthread
%canon_reldir%_mtdirty_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/cr

# Fault points and the areas message, without a process.
UNIT_TESTS += %reldir%/units
check_PROGRAMS += %reldir%/units
%canon_reldir%_units_LDADD = liblmig.a $(LMIG_LIBS)
PRECOPY_TESTS += %reldir%/tree.sh
EXTRA_DIST += tests/lib/wait.sh
