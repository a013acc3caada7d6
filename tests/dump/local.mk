# lmig dump: parsers and options (unit), and dumps of live processes.
UNIT_TESTS += %reldir%/proc-parse
check_PROGRAMS += %reldir%/proc-parse
%canon_reldir%_proc_parse_LDADD = liblmig.a $(LMIG_LIBS)

check_PROGRAMS += %reldir%/target %reldir%/check-images
%canon_reldir%_target_LDADD = -lpthread
%canon_reldir%_check_images_LDADD = liblmig.a $(LMIG_LIBS)

DUMP_TESTS = %reldir%/dump-basic.sh %reldir%/dump-unsupported.sh %reldir%/dump-real.sh
TESTS += $(DUMP_TESTS)
EXTRA_DIST += $(DUMP_TESTS) %reldir%/lib.sh
UNIT_TESTS += %reldir%/fd-kinds-parse
check_PROGRAMS += %reldir%/fd-kinds-parse
%canon_reldir%_fd_kinds_parse_LDADD = liblmig.a $(LMIG_LIBS)
