# tests/parasite: the parasite blob and its driver (src/dump/infect*.c).
# freestanding.sh inspects the blob; the two programs seize targets of
# their own (forked children), infect, cure and check they are unharmed.
PARASITE_TEST_SOURCES = %reldir%/tracee.c %reldir%/tracee.h

check_PROGRAMS += %reldir%/infect-test %reldir%/blocked-test
%canon_reldir%_infect_test_SOURCES = %reldir%/infect-test.c $(PARASITE_TEST_SOURCES)
%canon_reldir%_infect_test_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_blocked_test_SOURCES = %reldir%/blocked-test.c $(PARASITE_TEST_SOURCES)
%canon_reldir%_blocked_test_LDADD = liblmig.a $(LMIG_LIBS)

EXTRA_DIST += %reldir%/freestanding.sh
TESTS += %reldir%/freestanding.sh %reldir%/infect-test %reldir%/blocked-test
