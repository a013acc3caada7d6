# Workloads shared by the tests and the benchmarks (bench/).
check_PROGRAMS += %reldir%/memdirty
%canon_reldir%_memdirty_LDADD = tests/cr/libcrtest.a
%canon_reldir%_memdirty_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/cr
