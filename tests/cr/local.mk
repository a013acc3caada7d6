# Checkpoint/restore test programs: each X.cr is built from X.c with the
# crtest library and run by run-cr (under subreaper) twice: dump
# --leave-running, and dump + kill + restore.
check_PROGRAMS += %reldir%/subreaper
check_LIBRARIES += %reldir%/libcrtest.a
%canon_reldir%_libcrtest_a_SOURCES = %reldir%/crtest.c %reldir%/crtest.h

CR_TESTS = %reldir%/anon.cr

check_PROGRAMS += $(CR_TESTS)
TESTS += $(CR_TESTS)
%canon_reldir%_anon_cr_SOURCES = %reldir%/anon.c
%canon_reldir%_anon_cr_LDADD = %reldir%/libcrtest.a

TEST_EXTENSIONS += .cr
CR_LOG_COMPILER = $(top_builddir)/%reldir%/subreaper $(SHELL) $(top_srcdir)/%reldir%/run-cr
EXTRA_DIST += %reldir%/run-cr

# The memory workload, dirtying memory while it is dumped and restored.
CR_SCRIPT_TESTS = %reldir%/memdirty.cr
TESTS += $(CR_SCRIPT_TESTS)
EXTRA_DIST += $(CR_SCRIPT_TESTS)
