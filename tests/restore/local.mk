# Restore tests: each script dumps a target with lmig dump, restores it
# with lmig restore and checks it carries on (see lib.sh). freestanding.sh
# checks the restorer blob itself.
check_PROGRAMS += %reldir%/regs
RESTORE_TESTS = %reldir%/freestanding.sh %reldir%/regs.sh %reldir%/looper.sh \
	%reldir%/python.sh %reldir%/pid-busy.sh
TESTS += $(RESTORE_TESTS)
EXTRA_DIST += $(RESTORE_TESTS) %reldir%/lib.sh
UNIT_TESTS += %reldir%/opts
check_PROGRAMS += %reldir%/opts
%canon_reldir%_opts_LDADD = liblmig.a $(LMIG_LIBS)
