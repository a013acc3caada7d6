# src/net: network pieces that know nothing of processes: TCP repair
# (tcp-repair.h), segments sent to local sockets (segment.h), accept
# queues refilled (acceptq.h, with bpf.h) and the nftables network lock
# (netlock.h).
liblmig_a_SOURCES += %reldir%/tcp-repair.c %reldir%/tcp-repair.h
liblmig_a_SOURCES += %reldir%/segment.c %reldir%/segment.h
liblmig_a_SOURCES += %reldir%/acceptq.c %reldir%/acceptq.h
liblmig_a_SOURCES += %reldir%/bpf.c %reldir%/bpf.h
liblmig_a_SOURCES += %reldir%/netlock.c %reldir%/netlock.h
liblmig_a_SOURCES += %reldir%/addr.c %reldir%/addr.h
