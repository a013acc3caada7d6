# tests/check: `lmig check` run for real (check-run.py), its options and
# report logic (check-opts), and its probe-child machinery (check-child).
UNIT_TESTS += %reldir%/check-opts %reldir%/check-child
check_PROGRAMS += %reldir%/check-opts %reldir%/check-child
%canon_reldir%_check_opts_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_check_child_LDADD = liblmig.a $(LMIG_LIBS)

TESTS += %reldir%/check-run.py
EXTRA_DIST += %reldir%/check-run.py
