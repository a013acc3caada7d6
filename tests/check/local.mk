# tests/check: `lmig check` run for real (check-run.py), its options and
# report logic (check-opts), its probe-child machinery (check-child), and
# under Debian's 6.1 kernel in a VM (check-vm.sh: soft-dirty, RDMA over
# rxe); the man page and bash completion against the binary's --help.
UNIT_TESTS += %reldir%/check-opts %reldir%/check-child
check_PROGRAMS += %reldir%/check-opts %reldir%/check-child
%canon_reldir%_check_opts_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_check_child_LDADD = liblmig.a $(LMIG_LIBS)

TESTS += %reldir%/check-run.py %reldir%/check-vm.sh %reldir%/manpage.sh %reldir%/completion.sh
EXTRA_DIST += %reldir%/check-run.py %reldir%/check-vm.sh %reldir%/manpage.sh %reldir%/completion.sh
