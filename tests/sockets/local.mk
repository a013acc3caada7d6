# Network sockets: the TCP repair module and the network lock within one
# process (unit tests), and inet sockets through dump and restore.
UNIT_TESTS += %reldir%/tcp-repair %reldir%/netlock
check_PROGRAMS += %reldir%/tcp-repair %reldir%/netlock
%canon_reldir%_tcp_repair_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_netlock_LDADD = liblmig.a $(LMIG_LIBS)
