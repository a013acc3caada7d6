# Network sockets: the TCP repair module and the network lock within one
# process (unit tests), and inet sockets through dump and restore.
UNIT_TESTS += %reldir%/tcp-repair %reldir%/netlock
check_PROGRAMS += %reldir%/tcp-repair %reldir%/netlock
%canon_reldir%_tcp_repair_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_netlock_LDADD = liblmig.a $(LMIG_LIBS)

# The dumped echo server and its clients (which are never dumped).
check_PROGRAMS += %reldir%/echo-server %reldir%/echo-client %reldir%/udp-client

# Dump, kill and restore of the echo server on one host (run under
# tests/cr/subreaper by lib.sh, so that the restored server is ours).
SOCKET_TESTS = %reldir%/echo.sh %reldir%/bulk.sh %reldir%/halfclose.sh %reldir%/udp.sh \
	%reldir%/actions.sh %reldir%/two-hosts.sh %reldir%/refuse.sh %reldir%/acceptq.sh %reldir%/acceptq6.sh
TESTS += $(SOCKET_TESTS)
EXTRA_DIST += $(SOCKET_TESTS) %reldir%/lib.sh %reldir%/acceptq.py

# Listening and UDP sockets with their options through run-cr (dump
# --leave-running, then dump, kill and restore).
SOCKET_CR_TESTS = %reldir%/sockopts.cr
check_PROGRAMS += $(SOCKET_CR_TESTS)
TESTS += $(SOCKET_CR_TESTS)
%canon_reldir%_sockopts_cr_SOURCES = %reldir%/sockopts.c
%canon_reldir%_sockopts_cr_LDADD = tests/cr/libcrtest.a
# Unix sockets: a peer outside the tree refused by name; a python3 program and its worker.
UNIX_SOCKET_TESTS = %reldir%/unix-refuse.sh %reldir%/unix-python.sh
TESTS += $(UNIX_SOCKET_TESTS)
EXTRA_DIST += $(UNIX_SOCKET_TESTS) %reldir%/unix-python.py
UNIX_SOCKET_TESTS += %reldir%/unix-precopy.sh
