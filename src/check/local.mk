# src/check: `lmig check`, and the probe results `lmig precopy` picks from
liblmig_a_SOURCES += %reldir%/cmd-check.c %reldir%/check-opts.c %reldir%/check-opts.h \
	%reldir%/check.c %reldir%/check.h %reldir%/report.c \
	%reldir%/probe.h %reldir%/child.c %reldir%/probe-mm.c %reldir%/probe-ptrace.c \
	%reldir%/probe-ns.c %reldir%/probe-net.c %reldir%/probe-lsm.c
