# Unit tests: small programs linked with liblmig.a (add them to
# check_PROGRAMS) or scripts. List every one in UNIT_TESTS as well: that
# is what puts it in TESTS, and what `make check-unit` runs again under
# the sanitizers (scripts/run-tests).
UNIT_TESTS =
UNIT_TESTS += %reldir%/cli %reldir%/cmdline.sh
check_PROGRAMS += %reldir%/cli
%canon_reldir%_cli_LDADD = liblmig.a $(LMIG_LIBS)
EXTRA_DIST += %reldir%/cmdline.sh
UNIT_TESTS += %reldir%/opts
check_PROGRAMS += %reldir%/opts
%canon_reldir%_opts_LDADD = liblmig.a $(LMIG_LIBS)
include %reldir%/images.mk
UNIT_TESTS += %reldir%/tty
check_PROGRAMS += %reldir%/tty
%canon_reldir%_tty_LDADD = liblmig.a $(LMIG_LIBS)
UNIT_TESTS += %reldir%/sk-unix
check_PROGRAMS += %reldir%/sk-unix
%canon_reldir%_sk_unix_LDADD = liblmig.a $(LMIG_LIBS)
