# src/net: network pieces that know nothing of processes: TCP repair
# (tcp-repair.h) and the nftables network lock (netlock.h).
liblmig_a_SOURCES += %reldir%/tcp-repair.c %reldir%/tcp-repair.h
liblmig_a_SOURCES += %reldir%/netlock.c %reldir%/netlock.h
liblmig_a_SOURCES += %reldir%/addr.c %reldir%/addr.h
