# Restore tests: each script dumps a target with lmig dump, restores it
# with lmig restore and checks it carries on (see lib.sh). freestanding.sh
# checks the restorer blob itself.
check_PROGRAMS += %reldir%/regs
# Its inline assembly pins every register: no room for the sanitizers.
%canon_reldir%_regs_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
%canon_reldir%_regs_LDFLAGS =
RESTORE_TESTS = %reldir%/freestanding.sh %reldir%/regs.sh %reldir%/looper.sh \
	%reldir%/python.sh %reldir%/pid-busy.sh %reldir%/shared-file-gone.sh %reldir%/file-identity.sh %reldir%/other-host-files.sh
TESTS += $(RESTORE_TESTS)
EXTRA_DIST += $(RESTORE_TESTS) %reldir%/lib.sh
UNIT_TESTS += %reldir%/opts
check_PROGRAMS += %reldir%/opts
%canon_reldir%_opts_LDADD = liblmig.a $(LMIG_LIBS)
# A real multi-threaded program: python3 threads blocked in Queue.get,
# time.sleep, a Lock and a socket recv, restored with --new-pidns.
TESTS += %reldir%/python-threads.sh
EXTRA_DIST += %reldir%/python-threads.sh
# Shell jobs on real ptys (--shell-job) and --inherit-stdio (shell-job.py).
TESTS += %reldir%/shell-job.sh %reldir%/inherit-stdio.sh
EXTRA_DIST += %reldir%/shell-job.sh %reldir%/inherit-stdio.sh %reldir%/shell-job.py
