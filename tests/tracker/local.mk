# Dirty-page tracker tests (src/dump/tracker.h): a child that writes known
# pages, and a copy that must converge under writes. softdirty skips on
# kernels without CONFIG_MEM_SOFT_DIRTY; tests/vm runs it under Debian's.
check_LIBRARIES += %reldir%/libtrackertest.a
%canon_reldir%_libtrackertest_a_SOURCES = %reldir%/mutator.c %reldir%/mutator.h \
	%reldir%/scenario.c %reldir%/scenario.h

TRACKER_TESTS = %reldir%/uffd %reldir%/softdirty %reldir%/auto
check_PROGRAMS += $(TRACKER_TESTS)
TESTS += $(TRACKER_TESTS)
TRACKER_TEST_LDADD = %reldir%/libtrackertest.a liblmig.a $(LMIG_LIBS) -lpthread
%canon_reldir%_uffd_LDADD = $(TRACKER_TEST_LDADD)
%canon_reldir%_softdirty_LDADD = $(TRACKER_TEST_LDADD)
%canon_reldir%_auto_LDADD = $(TRACKER_TEST_LDADD)
